//! The command line. Its shape is a contract: scripts, tests and users rely on it.

pub mod audit;
pub mod service;
pub mod user;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, CommonArgs, Environment, FileSettings, ServeArgs};

/// Exit status for a refusal or wrong usage (clap uses 2 for usage errors too).
pub const EXIT_REFUSED: u8 = 2;

/// Berth: a hardened web panel for rootless Podman.
///
/// Every setting can be given as a flag, as a BERTH_* environment variable, or in
/// $XDG_CONFIG_HOME/berth/berth.toml (kebab-case keys, e.g. `listen = "127.0.0.1:9443"`),
/// in that order of precedence.
#[derive(Debug, Parser)]
#[command(name = "berth", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where Berth keeps its database, keys, certificate and stacks [default: $XDG_DATA_HOME/berth]
    #[arg(long, env = "BERTH_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The user's Podman API socket [default: $XDG_RUNTIME_DIR/podman/podman.sock]
    #[arg(long, env = "BERTH_PODMAN_SOCKET", global = true, value_name = "PATH")]
    pub podman_socket: Option<PathBuf>,
    /// The settings file [default: $XDG_CONFIG_HOME/berth/berth.toml]
    #[arg(long, env = "BERTH_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the panel over HTTPS.
    Serve(ServeCommand),
    /// Check the setup (data dir, Podman socket, rootless) and say what to fix.
    Doctor,
    /// Manage users from the shell (works while the server runs).
    #[command(subcommand)]
    User(user::UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Install and start a systemd user service that runs `berth serve`.
    InstallService(service::InstallService),
}

/// `berth serve`.
#[derive(Debug, Args)]
pub struct ServeCommand {
    /// Address and port to listen on [default: 127.0.0.1:9443]
    #[arg(long, env = "BERTH_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,
    /// TLS certificate chain (PEM). Without it, Berth makes a self-signed one in the data dir.
    #[arg(long, env = "BERTH_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM), with --tls-cert.
    #[arg(long, env = "BERTH_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The built web assets (JS, wasm, CSS) [default: found beside the binary]
    #[arg(long, env = "BERTH_SITE_ROOT", value_name = "DIR")]
    pub site_root: Option<PathBuf>,
    /// Log filter, e.g. `info` or `berth=debug` [default: info]
    #[arg(long, env = "BERTH_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// A reverse proxy (address or CIDR) whose X-Forwarded-For/Forwarded headers name the
    /// client; repeat or separate with commas. Without it, the socket peer is the client.
    #[arg(long = "trusted-proxy", env = "BERTH_TRUSTED_PROXY", value_name = "CIDR", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Serve plain HTTP instead of TLS: only on a loopback address, behind a proxy that terminates TLS.
    #[arg(long, env = "BERTH_INSECURE_HTTP")]
    pub insecure_http: bool,
    /// Minutes of inactivity that end a session [default: 30]
    #[arg(long = "session-idle", env = "BERTH_SESSION_IDLE", value_name = "MINUTES")]
    pub session_idle_minutes: Option<u32>,
    /// Hours after which a session ends, active or not [default: 12]
    #[arg(long = "session-max", env = "BERTH_SESSION_MAX", value_name = "HOURS")]
    pub session_max_hours: Option<u32>,
    /// Seconds a webhook call with ?wait=true waits for its deployment [default: 600]
    #[arg(long = "hook-wait", env = "BERTH_HOOK_WAIT", value_name = "SECONDS")]
    pub hook_wait_seconds: Option<u32>,
}

/// An address or network: `10.0.0.1` means `10.0.0.1/32`.
fn parse_net(text: &str) -> Result<ipnet::IpNet, String> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is not an IP address or CIDR network"))
}

/// Why a command ended early.
#[derive(Debug)]
pub enum Failure {
    /// A refusal the user can fix: exit status 2.
    Refused(String),
    /// A failure: exit status 1.
    Error(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Self::Error(error)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Self::Error(error.into())
    }
}

/// Prints why a command failed, if it did, and returns the exit status.
pub fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Refused(message)) => {
            eprintln!("berth: {message}");
            ExitCode::from(EXIT_REFUSED)
        }
        Err(Failure::Error(error)) => {
            eprintln!("berth: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command line and returns the process's exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let (real, effective) = crate::identity::current_uids();
    if crate::identity::is_refused(real, effective) {
        eprintln!("{}", crate::identity::ROOT_REFUSAL);
        return ExitCode::from(EXIT_REFUSED);
    }
    let env = Environment::current();
    let file = match load_file(&cli.global, &env) {
        Ok(file) => file,
        Err(error) => {
            eprintln!("berth: the settings file is not valid: {error:#}");
            return ExitCode::from(EXIT_REFUSED);
        }
    };
    let common = CommonArgs { data_dir: cli.global.data_dir.clone(), podman_socket: cli.global.podman_socket.clone() };
    match cli.command {
        Command::Serve(args) => {
            let args = ServeArgs {
                listen: args.listen,
                tls_cert: args.tls_cert,
                tls_key: args.tls_key,
                site_root: args.site_root,
                log: args.log,
                trusted_proxies: args.trusted_proxies,
                insecure_http: args.insecure_http,
                session_idle_minutes: args.session_idle_minutes,
                session_max_hours: args.session_max_hours,
                hook_wait_seconds: args.hook_wait_seconds,
            };
            match config::resolve_serve(&common, &args, &file, &env) {
                Ok(settings) => crate::serve::main(settings),
                Err(error) => usage_error(&error),
            }
        }
        Command::Doctor => match config::resolve_common(&common, &file, &env) {
            Ok(settings) => crate::doctor::main(&settings),
            Err(error) => usage_error(&error),
        },
        Command::User(command) => match config::resolve_common(&common, &file, &env) {
            Ok(settings) => user::main(&settings, command),
            Err(error) => usage_error(&error),
        },
        Command::Audit(command) => match config::resolve_common(&common, &file, &env) {
            Ok(settings) => audit::main(&settings, command),
            Err(error) => usage_error(&error),
        },
        Command::InstallService(args) => match config::resolve_common(&common, &file, &env) {
            Ok(settings) => service::main(&settings, &args),
            Err(error) => usage_error(&error),
        },
    }
}

fn load_file(global: &GlobalArgs, env: &Environment) -> anyhow::Result<FileSettings> {
    match &global.config {
        // A file named explicitly must exist.
        Some(path) if !path.exists() => anyhow::bail!("{} does not exist", path.display()),
        Some(path) => FileSettings::load(path),
        None => env.config_file().map_or_else(|| Ok(FileSettings::default()), |path| FileSettings::load(&path)),
    }
}

fn usage_error(error: &anyhow::Error) -> ExitCode {
    eprintln!("berth: {error:#}");
    ExitCode::from(EXIT_REFUSED)
}

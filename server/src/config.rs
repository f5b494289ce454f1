//! Settings: command-line flags, then `BERTH_*` environment variables (both through
//! clap), then `berth.toml`, then defaults. Resolution is a pure function of those
//! inputs so it can be tested without touching the real environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use ipnet::IpNet;
use serde::Deserialize;

/// The address `berth serve` listens on when nothing else is said.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::V4(std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 9443));

/// Settings as read from `berth.toml`. Unknown keys are an error, so a typo is not
/// silently ignored.
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileSettings {
    pub data_dir: Option<PathBuf>,
    pub podman_socket: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub site_root: Option<PathBuf>,
    pub log: Option<String>,
    pub trusted_proxies: Option<Vec<IpNet>>,
    pub insecure_http: Option<bool>,
    pub session_idle_minutes: Option<u32>,
    pub session_max_hours: Option<u32>,
    pub hook_wait_seconds: Option<u32>,
}

impl FileSettings {
    /// Reads the file if it exists. A missing file is no error; an unreadable or
    /// malformed one is.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).with_context(|| format!("in {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
        }
    }

    /// Parses the text of a `berth.toml`.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.message()))
    }
}

/// The parts of the process environment that decide default locations.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    pub xdg_data_home: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    pub uid: u32,
    pub exe_dir: Option<PathBuf>,
}

impl Environment {
    /// Reads the real environment of this process.
    pub fn current() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        Self {
            home: var("HOME"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
            xdg_data_home: var("XDG_DATA_HOME"),
            xdg_runtime_dir: var("XDG_RUNTIME_DIR"),
            uid: crate::identity::current_uids().0,
            exe_dir: std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf)),
        }
    }

    /// `$XDG_CONFIG_HOME/berth/berth.toml` (or `~/.config/berth/berth.toml`).
    pub fn config_file(&self) -> Option<PathBuf> {
        self.xdg_config_home
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".config")))
            .map(|dir| dir.join("berth").join("berth.toml"))
    }

    fn data_dir(&self) -> Option<PathBuf> {
        self.xdg_data_home
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".local/share")))
            .map(|dir| dir.join("berth"))
    }

    fn podman_socket(&self) -> PathBuf {
        self.xdg_runtime_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("/run/user/{}", self.uid)))
            .join("podman/podman.sock")
    }

    /// The built site (JS, wasm, CSS) sits at `target/site` beside `target/release/berth`,
    /// and at `<prefix>/share/berth/site` beside `<prefix>/bin/berth` once installed.
    fn site_root(&self) -> PathBuf {
        let candidates = self.exe_dir.iter().flat_map(|dir| [dir.join("../site"), dir.join("../share/berth/site")]);
        for candidate in candidates {
            if candidate.join("pkg").is_dir() {
                return candidate;
            }
        }
        PathBuf::from("target/site")
    }
}

/// Settings common to every subcommand, as given on the command line or environment.
#[derive(Debug, Clone, Default)]
pub struct CommonArgs {
    pub data_dir: Option<PathBuf>,
    pub podman_socket: Option<PathBuf>,
}

/// `berth serve` settings as given on the command line or environment.
#[derive(Debug, Clone, Default)]
pub struct ServeArgs {
    pub listen: Option<SocketAddr>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub site_root: Option<PathBuf>,
    pub log: Option<String>,
    pub trusted_proxies: Vec<IpNet>,
    pub insecure_http: bool,
    pub session_idle_minutes: Option<u32>,
    pub session_max_hours: Option<u32>,
    pub hook_wait_seconds: Option<u32>,
}

/// Where Berth keeps things and which Podman it talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    pub data_dir: PathBuf,
    pub podman_socket: PathBuf,
}

/// A certificate and key given by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Everything `berth serve` needs, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeSettings {
    pub common: Common,
    pub listen: SocketAddr,
    /// `None`: use (or make) the self-signed certificate in the data dir.
    pub tls: Option<TlsFiles>,
    pub site_root: PathBuf,
    pub log: String,
    /// Reverse proxies whose forwarded client addresses are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Serve plain HTTP (loopback only, behind a TLS-terminating proxy).
    pub insecure_http: bool,
    pub session_idle_minutes: u32,
    pub session_max_hours: u32,
    /// How long a webhook call with `?wait=true` waits for its deployment.
    pub hook_wait_seconds: u32,
}

/// Resolves the common settings.
pub fn resolve_common(args: &CommonArgs, file: &FileSettings, env: &Environment) -> anyhow::Result<Common> {
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| file.data_dir.clone())
        .or_else(|| env.data_dir())
        .context("no data directory: set --data-dir, BERTH_DATA_DIR, XDG_DATA_HOME or HOME")?;
    let podman_socket = args.podman_socket.clone().or_else(|| file.podman_socket.clone()).unwrap_or_else(|| env.podman_socket());
    Ok(Common { data_dir, podman_socket })
}

/// Resolves the settings of `berth serve`.
pub fn resolve_serve(
    common: &CommonArgs,
    args: &ServeArgs,
    file: &FileSettings,
    env: &Environment,
) -> anyhow::Result<ServeSettings> {
    let common = resolve_common(common, file, env)?;
    let listen = args.listen.or(file.listen).unwrap_or(DEFAULT_LISTEN);
    // The pair comes from one place: a flag's cert with a file's key would be a mix-up.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert: cert.clone(), key: key.clone() }),
        (None, None) => match (&file.tls_cert, &file.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert: cert.clone(), key: key.clone() }),
            (None, None) => None,
            _ => anyhow::bail!("berth.toml sets only one of tls-cert and tls-key: set both or neither"),
        },
        _ => anyhow::bail!("--tls-cert and --tls-key go together: give both or neither"),
    };
    let site_root = args.site_root.clone().or_else(|| file.site_root.clone()).unwrap_or_else(|| env.site_root());
    let log = args.log.clone().or_else(|| file.log.clone()).unwrap_or_else(|| "info".to_owned());
    let trusted_proxies =
        if args.trusted_proxies.is_empty() { file.trusted_proxies.clone().unwrap_or_default() } else { args.trusted_proxies.clone() };
    let insecure_http = args.insecure_http || file.insecure_http.unwrap_or(false);
    if insecure_http && !listen.ip().is_loopback() {
        anyhow::bail!(
            "plain HTTP is allowed on a loopback address only (127.0.0.1 or ::1), behind a TLS-terminating proxy; {listen} is not one"
        );
    }
    if insecure_http && tls.is_some() {
        anyhow::bail!("--insecure-http and --tls-cert/--tls-key contradict each other: choose one");
    }
    let session_idle_minutes = args.session_idle_minutes.or(file.session_idle_minutes).unwrap_or(30);
    let session_max_hours = args.session_max_hours.or(file.session_max_hours).unwrap_or(12);
    if session_idle_minutes == 0 || session_max_hours == 0 {
        anyhow::bail!("session limits must be at least one minute idle and one hour in all");
    }
    let hook_wait_seconds = args.hook_wait_seconds.or(file.hook_wait_seconds).unwrap_or(600);
    if !(1..=3600).contains(&hook_wait_seconds) {
        anyhow::bail!("the webhook wait must be between 1 and 3600 seconds");
    }
    Ok(ServeSettings {
        common,
        hook_wait_seconds,
        listen,
        tls,
        site_root,
        log,
        trusted_proxies,
        insecure_http,
        session_idle_minutes,
        session_max_hours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        Environment {
            home: Some("/home/ada".into()),
            xdg_runtime_dir: Some("/run/user/1000".into()),
            uid: 1000,
            ..Environment::default()
        }
    }

    #[test]
    fn defaults_follow_xdg() {
        let s = resolve_serve(&CommonArgs::default(), &ServeArgs::default(), &FileSettings::default(), &env()).unwrap();
        assert_eq!(s.common.data_dir, PathBuf::from("/home/ada/.local/share/berth"));
        assert_eq!(s.common.podman_socket, PathBuf::from("/run/user/1000/podman/podman.sock"));
        assert_eq!(s.listen.to_string(), "127.0.0.1:9443");
        assert_eq!(s.tls, None);
        assert_eq!(env().config_file(), Some(PathBuf::from("/home/ada/.config/berth/berth.toml")));
    }

    #[test]
    fn xdg_variables_win_over_home() {
        let env = Environment {
            xdg_data_home: Some("/srv/data".into()),
            xdg_config_home: Some("/srv/config".into()),
            xdg_runtime_dir: None,
            ..env()
        };
        let c = resolve_common(&CommonArgs::default(), &FileSettings::default(), &env).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/srv/data/berth"));
        assert_eq!(c.podman_socket, PathBuf::from("/run/user/1000/podman/podman.sock"));
        assert_eq!(env.config_file(), Some(PathBuf::from("/srv/config/berth/berth.toml")));
    }

    #[test]
    fn flags_and_environment_win_over_the_file() {
        let file = FileSettings::parse(
            "data-dir = \"/from/file\"\nlisten = \"0.0.0.0:8443\"\npodman-socket = \"/file.sock\"\n",
        )
        .unwrap();
        let common = CommonArgs { data_dir: Some("/from/flag".into()), podman_socket: None };
        let s = resolve_serve(&common, &ServeArgs::default(), &file, &env()).unwrap();
        assert_eq!(s.common.data_dir, PathBuf::from("/from/flag"));
        assert_eq!(s.common.podman_socket, PathBuf::from("/file.sock"));
        assert_eq!(s.listen.to_string(), "0.0.0.0:8443");
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let args = ServeArgs { insecure_http: true, listen: Some("0.0.0.0:8080".parse().unwrap()), ..ServeArgs::default() };
        let error = resolve_serve(&CommonArgs::default(), &args, &FileSettings::default(), &env()).unwrap_err().to_string();
        assert!(error.contains("loopback"), "{error}");
        let args = ServeArgs { insecure_http: true, listen: Some("127.0.0.1:8080".parse().unwrap()), ..ServeArgs::default() };
        assert!(resolve_serve(&CommonArgs::default(), &args, &FileSettings::default(), &env()).unwrap().insecure_http);
    }

    #[test]
    fn trusted_proxies_come_from_flags_or_the_file() {
        let file = FileSettings::parse("trusted-proxies = [\"172.16.0.0/12\"]\nsession-idle-minutes = 10\n").unwrap();
        let s = resolve_serve(&CommonArgs::default(), &ServeArgs::default(), &file, &env()).unwrap();
        assert_eq!(s.trusted_proxies, vec!["172.16.0.0/12".parse::<IpNet>().unwrap()]);
        assert_eq!((s.session_idle_minutes, s.session_max_hours), (10, 12));
        assert!(FileSettings::parse("trusted-proxies = [\"not a cidr\"]\n").is_err());
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let error = FileSettings::parse("lsten = \"127.0.0.1:1\"\n").unwrap_err().to_string();
        assert!(error.contains("lsten"), "{error}");
    }

    #[test]
    fn a_half_tls_pair_is_refused() {
        let args = ServeArgs { tls_cert: Some("/c.pem".into()), ..ServeArgs::default() };
        assert!(resolve_serve(&CommonArgs::default(), &args, &FileSettings::default(), &env()).is_err());
        let file = FileSettings::parse("tls-key = \"/k.pem\"\n").unwrap();
        assert!(resolve_serve(&CommonArgs::default(), &ServeArgs::default(), &file, &env()).is_err());
    }
}

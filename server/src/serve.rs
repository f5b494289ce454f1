//! `berth serve`: open the database, check Podman, make or load the certificate,
//! listen, and serve until SIGINT or SIGTERM.

use std::os::unix::fs::DirBuilderExt as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use app::model::overview::PodmanProblem;
use tokio::sync::watch;

use crate::cli::Failure;
use crate::config::ServeSettings;
use crate::auth::service::SessionLimits;
use crate::auth::setup::SetupToken;
use crate::podman::{PodmanRuntime, watch as socket_watch};
use crate::{AppState, Options, build_router, run, tls};

/// Runs `berth serve` and returns its exit status.
pub fn main(settings: ServeSettings) -> ExitCode {
    init_logging(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("berth: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    crate::cli::finish(runtime.block_on(serve(settings)))
}

async fn serve(settings: ServeSettings) -> Result<(), Failure> {
    let data_dir = &settings.common.data_dir;
    create_private_dir(data_dir)?;

    let podman = PodmanRuntime::new(&settings.common.podman_socket);
    match podman.health().await {
        Ok(()) => {}
        Err(PodmanProblem::Rootful) => {
            return Err(Failure::Refused(format!(
                "{} is the socket of a rootful Podman. {}\nFix: {}",
                settings.common.podman_socket.display(),
                PodmanProblem::Rootful.message(),
                PodmanProblem::Rootful.fix()
            )));
        }
        // Serve anyway: the overview explains the problem and Berth recovers when it is fixed.
        Err(problem) => tracing::warn!(
            socket = %settings.common.podman_socket.display(),
            fix = problem.fix(),
            "{} Serving anyway; Berth reconnects by itself.",
            problem.message()
        ),
    }

    let tls = if settings.insecure_http { None } else { Some(tls::load_or_create(settings.tls.as_ref(), data_dir)?) };
    check_site(&settings.site_root);

    let listener = std::net::TcpListener::bind(settings.listen)
        .with_context(|| format!("could not listen on {}", settings.listen))?;
    let address = listener.local_addr().context("listener address")?;

    let mut options = Options::new(data_dir.clone(), settings.common.podman_socket.clone(), settings.site_root.clone(), address);
    options.trusted_proxies = settings.trusted_proxies.clone();
    options.session_limits = SessionLimits {
        idle_seconds: i64::from(settings.session_idle_minutes) * 60,
        absolute_seconds: i64::from(settings.session_max_hours) * 3600,
    };
    options.hook_wait_limit = std::time::Duration::from_secs(u64::from(settings.hook_wait_seconds));
    options.tls_pin = tls.as_ref().and_then(|t| t.pin.clone());
    let state = AppState::assemble(options).await?;
    let pool = state.pool.clone();
    let (stop_tx, stop_rx) = watch::channel(false);
    let watcher = tokio::spawn(socket_watch::run(podman, pool.clone(), socket_watch::INTERVAL, stop_rx.clone()));
    let housekeeping = tokio::spawn(crate::auth::housekeeping::run(state.clone(), stop_rx));

    print_banner(address, tls.as_ref(), state.setup_token.reveal().as_deref(), &state.setup_token);
    tracing::info!(%address, data_dir = %data_dir.display(), "berth is serving");
    let router = build_router(state);
    run(listener, tls.map(|t| t.config), router, shutdown_signal()).await.context("the server failed")?;

    let _ = stop_tx.send(true);
    let _ = watcher.await;
    let _ = housekeeping.await;
    pool.close().await;
    tracing::info!("berth stopped");
    Ok(())
}

fn print_banner(address: std::net::SocketAddr, tls: Option<&tls::Tls>, setup_token: Option<&str>, token_file: &SetupToken) {
    let host = if address.ip().is_unspecified() { "127.0.0.1".to_owned() } else { address.ip().to_string() };
    let host = if address.is_ipv6() && !address.ip().is_unspecified() { format!("[{host}]") } else { host };
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("Berth is serving {scheme}://{host}:{}/", address.port());
    match tls {
        Some(tls) => {
            if tls.created {
                println!("Made a self-signed certificate: {}", tls.cert_path.display());
            }
            println!("Certificate SHA-256 fingerprint: {}", tls.fingerprint);
        }
        None => println!("Plain HTTP on loopback: put a TLS-terminating proxy in front of it."),
    }
    if let Some(token) = setup_token {
        // Deliberately shown: whoever can read this terminal or log may create the first admin.
        println!("No admin yet. Open {scheme}://{host}:{}/setup and enter this one-time setup token:", address.port());
        println!("    {token}");
        println!("(It is also in {} until setup is done.)", token_file.path().display());
    }
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("could not create the data directory {}", dir.display()))
}

fn check_site(site_root: &Path) {
    if !site_root.join("pkg/berth.js").is_file() {
        tracing::warn!(
            site_root = %site_root.display(),
            "the built web assets are missing: pages are served but won't become interactive. \
             Build them (see the README) or point --site-root at them"
        );
    }
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
        tracing::error!("could not listen for shutdown signals; stop Berth with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => tracing::info!("SIGINT: shutting down"),
        _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|error| {
        eprintln!("berth: the log filter {filter:?} is not valid ({error}); using \"info\"");
        tracing_subscriber::EnvFilter::new("info")
    });
    use std::io::IsTerminal as _;
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(std::io::stderr().is_terminal()).with_writer(std::io::stderr).init();
}

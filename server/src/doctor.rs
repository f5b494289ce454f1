//! `berth doctor`: checks the setup and the host, says what to fix, and fails when
//! Podman can't be used or a stack would not come back after a reboot.

use std::process::ExitCode;
use std::sync::Arc;

use app::model::host::{Check, HostReport, Verdict};
use app::services::Host as _;

use crate::config::Common;
use crate::host::HostService;
use crate::podman::PodmanRuntime;
use crate::podman::containers::ContainerService;

/// Runs the checks, prints them, and fails if any failed.
pub fn main(settings: &Common) -> ExitCode {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        eprintln!("berth: could not start the async runtime");
        return ExitCode::FAILURE;
    };
    runtime.block_on(run(settings))
}

async fn run(settings: &Common) -> ExitCode {
    let mut ok = true;
    println!("data dir       {}", settings.data_dir.display());
    let podman = PodmanRuntime::new(&settings.podman_socket);
    match podman.health().await {
        Ok(()) => println!("podman socket  ok, rootless: {}", settings.podman_socket.display()),
        Err(problem) => {
            ok = false;
            println!("podman socket  PROBLEM: {}", problem.message());
            println!("               socket: {}", settings.podman_socket.display());
            println!("               fix: {}", problem.fix());
        }
    }
    let cert = settings.data_dir.join("tls/cert.pem");
    if let Some(fingerprint) = std::fs::read(&cert).ok().and_then(|pem| {
        use rustls::pki_types::pem::PemObject as _;
        rustls::pki_types::CertificateDer::pem_slice_iter(&pem).next()?.ok().map(|der| crate::tls::fingerprint(&der))
    }) {
        println!("certificate    {} (SHA-256 {fingerprint})", cert.display());
    }
    let token = settings.data_dir.join("setup-token");
    if let Ok(text) = std::fs::read_to_string(&token) {
        println!("setup          open: no admin yet; the one-time token is {}", text.trim());
    }
    match host_report(settings, podman).await {
        Ok(report) => {
            print_report(&report);
            ok &= report.survival() == Verdict::Ok;
        }
        Err(error) => {
            ok = false;
            println!("host           could not be checked: {error:#}");
        }
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The host panel's report, read the way the server reads it.
async fn host_report(settings: &Common, podman: PodmanRuntime) -> anyhow::Result<HostReport> {
    // Forwards live in the database: read them when Berth has one, else an empty one.
    let db = settings.data_dir.join("berth.db");
    let pool = if db.exists() { crate::db::open(&db).await? } else { crate::db::open_in_memory().await? };
    let containers = Arc::new(ContainerService { runtime: podman, pool: pool.clone(), policies: Arc::default() });
    let service = HostService {
        user: crate::host::current_user(),
        socket: settings.podman_socket.clone(),
        containers,
        store: crate::stacks::store::Store::at(&settings.data_dir),
        pool,
        changing: tokio::sync::Mutex::new(()),
    };
    service.report().await.map_err(|e| anyhow::anyhow!("{e}"))
}

fn print_check(check: &Check) {
    let word = match check.verdict {
        Verdict::Ok => "ok",
        Verdict::Problem => "PROBLEM",
        Verdict::Unknown => "UNKNOWN",
    };
    println!("{:<14} {word}: {}", check.title.to_lowercase(), check.detail);
    if let Some(fix) = &check.fix {
        println!("               fix: {fix}");
        for command in &check.commands {
            println!("                   {command}");
        }
    }
}

fn print_report(report: &HostReport) {
    println!("user           {}", report.user);
    print_check(&report.linger.check);
    for unit in &report.units {
        print_check(&unit.check);
    }
    for check in &report.checks {
        print_check(check);
    }
    for forward in &report.forwards {
        let state = match &forward.state {
            app::model::host::ForwardState::Working => "working (from this host)".to_owned(),
            app::model::host::ForwardState::NotWorking(why) => format!("NOT WORKING: {why}"),
            app::model::host::ForwardState::Unchecked(why) => format!("not checked: {why}"),
        };
        println!("forward        {}: {state}", forward.forward.label());
    }
    for stack in &report.stacks {
        let name = if stack.stack.is_empty() { "(no stack)" } else { &stack.stack };
        let word = match stack.verdict {
            Verdict::Ok => "comes back after a reboot",
            Verdict::Problem => "WILL NOT come back after a reboot",
            Verdict::Unknown => "UNKNOWN whether it comes back after a reboot",
        };
        println!("stack          {name}: {word}");
        for reason in &stack.reasons {
            println!("                   {reason}");
        }
    }
    let verdict = match report.survival() {
        Verdict::Ok => "yes",
        Verdict::Problem => "NO",
        Verdict::Unknown => "UNKNOWN (some checks could not be made)",
    };
    println!("reboot         will everything come back: {verdict}");
}

//! `berth doctor`: checks the setup and says what to fix.

use std::process::ExitCode;

use crate::config::Common;
use crate::podman::PodmanRuntime;

/// Runs the checks, prints one line each, and fails if any failed.
pub fn main(settings: &Common) -> ExitCode {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        eprintln!("berth: could not start the async runtime");
        return ExitCode::FAILURE;
    };
    let mut ok = true;
    println!("data dir       {}", settings.data_dir.display());
    match runtime.block_on(PodmanRuntime::new(&settings.podman_socket).health()) {
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
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

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
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

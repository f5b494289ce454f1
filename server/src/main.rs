//! `berth`: a hardened web panel for rootless Podman.

use std::process::ExitCode;

fn main() -> ExitCode {
    server::cli::main()
}

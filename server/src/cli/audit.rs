//! `berth audit verify`: checks the hash chain of the audit log.

use std::process::ExitCode;

use crate::audit::Verification;
use crate::config::Common;

/// What to do with the audit log.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check that no line of the audit log was removed or changed; report the first broken one.
    Verify,
}

/// Runs a `berth audit` command.
pub fn main(settings: &Common, command: AuditCommand) -> ExitCode {
    let AuditCommand::Verify = command;
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        eprintln!("berth: could not start the async runtime");
        return ExitCode::FAILURE;
    };
    let path = settings.data_dir.join("berth.db");
    if !path.exists() {
        eprintln!("berth: there is no database at {}", path.display());
        return ExitCode::FAILURE;
    }
    let result = runtime.block_on(async {
        let pool = crate::db::open(&path).await?;
        let verdict = crate::audit::verify(&pool).await;
        pool.close().await;
        verdict
    });
    match result {
        Ok(Verification::Intact { lines }) => {
            println!("The audit log is intact: {lines} lines, each linked to the one before.");
            ExitCode::SUCCESS
        }
        Ok(Verification::Broken { id, reason }) => {
            println!("The audit log is broken at line {id}: {reason}.");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("berth: {error:#}");
            ExitCode::FAILURE
        }
    }
}

//! `berth user …`: account management for the person with a shell on the host. Safe
//! while the server runs: SQLite (WAL) serialises the writes, and the server reads
//! accounts from the database on every sign-in.

use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;

use anyhow::Context as _;
use app::model::auth::{Password, Role, Username};
use sqlx::SqlitePool;

use crate::audit::{self, Event, Outcome};
use crate::cli::Failure;
use crate::auth::password::Hasher;
use crate::config::Common;
use crate::db::{auth_sessions, devices, recovery_codes, users};

/// What to do to users.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is asked at the terminal, or read from standard input.
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read the password from standard input (the default when it is not a terminal).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password; their sessions and remembered devices end.
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user's two-factor authentication, so they enrol again at next sign-in.
    ResetTotp { name: String },
    /// Clear a user's lockout after failed sign-ins.
    Unlock { name: String },
    /// List the users.
    List,
    /// Remove a user (never the last admin).
    Remove { name: String },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("{text:?} is not a role: use admin, operator or viewer"))
}

/// Runs a `berth user` command.
pub fn main(settings: &Common, command: UserCommand) -> ExitCode {
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
        .map_err(Failure::Error)
        .and_then(|rt| rt.block_on(run(settings, command)));
    crate::cli::finish(result)
}

async fn run(settings: &Common, command: UserCommand) -> Result<(), Failure> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| format!("could not create {}", settings.data_dir.display()))?;
    let pool = crate::db::open(&settings.data_dir.join("berth.db")).await?;
    let now = crate::clock::unix_now();
    match command {
        UserCommand::Add { name, role, password_stdin } => {
            let name = Username::parse(&name).map_err(Failure::Refused)?;
            let password = read_new_password(password_stdin)?;
            let hash = Hasher::new()?.hash(&password).await?;
            if users::insert(&pool, name.as_str(), role.as_str(), &hash, now).await?.is_none() {
                return Err(Failure::Refused(format!("a user named {name} exists already")));
            }
            record(&pool, "user.add", name.as_str(), Some(role.as_str())).await;
            println!("Added {name} ({role}).");
            if role == Role::Admin {
                println!("They set up two-factor authentication at their first sign-in.");
            }
        }
        UserCommand::Passwd { name, password_stdin } => {
            let user = find(&pool, &name).await?;
            let password = read_new_password(password_stdin)?;
            let hash = Hasher::new()?.hash(&password).await?;
            users::set_password(&pool, user.id, &hash, now).await?;
            auth_sessions::delete_others(&pool, user.id, None).await?;
            devices::forget_user(&pool, user.id).await?;
            record(&pool, "password.change", &user.username, Some("sessions ended")).await;
            println!("Changed the password of {}; their sessions were ended.", user.username);
        }
        UserCommand::ResetTotp { name } => {
            let user = find(&pool, &name).await?;
            users::set_totp(&pool, user.id, None, None).await?;
            recovery_codes::clear(&pool, user.id).await?;
            devices::forget_user(&pool, user.id).await?;
            auth_sessions::delete_others(&pool, user.id, None).await?;
            record(&pool, "user.reset-totp", &user.username, None).await;
            println!("Removed two-factor authentication of {}; they set it up again at their next sign-in.", user.username);
        }
        UserCommand::Unlock { name } => {
            let user = find(&pool, &name).await?;
            users::set_lockout(&pool, user.id, 0, 0, None).await?;
            record(&pool, "user.unlock", &user.username, None).await;
            println!("Unlocked {}.", user.username);
        }
        UserCommand::List => {
            let list = users::all(&pool).await?;
            if list.is_empty() {
                println!("No users yet: `berth serve` prints a setup token for the first admin, or use `berth user add`.");
            }
            for user in list {
                let totp = if user.totp_secret.is_some() { "2fa on" } else { "2fa off" };
                let locked = if user.locked_until.is_some_and(|t| t > now) { ", locked" } else { "" };
                println!("{:<24} {:<9} {totp}{locked}", user.username, user.role);
            }
        }
        UserCommand::Remove { name } => {
            let user = find(&pool, &name).await?;
            if user.role == "admin" && users::admin_count(&pool).await? <= 1 {
                return Err(Failure::Refused(format!("{} is the last admin: add another admin first", user.username)));
            }
            users::delete(&pool, user.id).await?;
            record(&pool, "user.remove", &user.username, None).await;
            println!("Removed {}.", user.username);
        }
    }
    pool.close().await;
    Ok(())
}

async fn find(pool: &SqlitePool, name: &str) -> Result<users::UserRow, Failure> {
    let parsed = Username::parse(name).map_err(Failure::Refused)?;
    users::by_name(pool, parsed.as_str()).await?.ok_or_else(|| Failure::Refused(format!("there is no user named {parsed}")))
}

async fn record(pool: &SqlitePool, action: &str, target: &str, detail: Option<&str>) {
    let actor = format!("shell:{}", std::env::var("USER").unwrap_or_else(|_| "?".to_owned()));
    let event = Event { actor: Some(&actor), target: Some(target), detail, ..Event::new(action, Outcome::Ok) };
    audit::record_or_log(pool, crate::clock::unix_now(), event).await;
}

/// Asks for a new password twice at a terminal, or reads one line from standard input.
fn read_new_password(from_stdin: bool) -> Result<Password, Failure> {
    let text = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("could not read the password from standard input")?;
        line.strip_suffix('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).unwrap_or(&line).to_owned()
    } else {
        let first = rpassword::prompt_password("New password: ").context("could not read the password")?;
        let second = rpassword::prompt_password("Again: ").context("could not read the password")?;
        if first != second {
            return Err(Failure::Refused("the two passwords differ".to_owned()));
        }
        first
    };
    Password::parse_new(text).map_err(Failure::Refused)
}

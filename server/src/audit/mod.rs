//! The audit log: every login, change, deploy and webhook call, hash-chained so a
//! removed or edited line is detected by `berth audit verify`.

pub mod chain;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sqlx::SqlitePool;

pub use chain::{GENESIS, Line, line_hash};

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }
}

/// Something to record.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub actor: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub outcome: Outcome,
    pub detail: Option<&'a str>,
}

impl<'a> Event<'a> {
    /// An event with the given action and outcome and nothing else yet.
    pub fn new(action: &'a str, outcome: Outcome) -> Self {
        Self { actor: None, ip: None, action, target: None, outcome, detail: None }
    }
}

/// Appends a line, chained to the last one. The write lock (`BEGIN IMMEDIATE`) makes
/// appends from the server and the command line take turns.
pub async fn record(pool: &SqlitePool, at: i64, event: Event<'_>) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await.context("audit: no database connection")?;
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await.context("audit: begin")?;
    let result = async {
        let last = sqlx::query!(r#"SELECT id AS "id!: i64", hash FROM audit_log ORDER BY id DESC LIMIT 1"#)
            .fetch_optional(&mut *conn)
            .await?;
        let (id, prev_hash) = last.map_or((1, GENESIS.to_owned()), |row| (row.id + 1, row.hash));
        let line = Line {
            id,
            at,
            actor: event.actor.map(str::to_owned),
            ip: event.ip.map(str::to_owned),
            action: event.action.to_owned(),
            target: event.target.map(str::to_owned),
            outcome: event.outcome.as_str().to_owned(),
            detail: event.detail.map(str::to_owned),
        };
        let hash = line_hash(&prev_hash, &line);
        sqlx::query!(
            "INSERT INTO audit_log (id, at, actor, ip, action, target, outcome, detail, prev_hash, hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            line.id,
            line.at,
            line.actor,
            line.ip,
            line.action,
            line.target,
            line.outcome,
            line.detail,
            prev_hash,
            hash
        )
        .execute(&mut *conn)
        .await?;
        Ok::<_, sqlx::Error>((line.id, hash))
    }
    .await;
    match result {
        Ok((id, hash)) => {
            sqlx::query("COMMIT").execute(&mut *conn).await.context("audit: commit")?;
            if let Err(error) = write_head(&head_path(pool), id, &hash) {
                tracing::warn!(%error, "could not update the audit log's head file");
            }
            Ok(())
        }
        Err(error) => {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            Err(error).context("audit: append")
        }
    }
}

/// Records an event, logging (not failing) if the database refuses: an audit failure
/// must not turn a login into an error page, but it must not pass silently either.
pub async fn record_or_log(pool: &SqlitePool, at: i64, event: Event<'_>) {
    if let Err(error) = record(pool, at, event).await {
        tracing::error!(error = format!("{error:#}"), action = event.action, "could not write the audit log");
    }
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every line links to the one before it.
    Intact { lines: u64 },
    /// The first line whose link or content does not match.
    Broken { id: i64, reason: &'static str },
}

/// Walks the whole log and reports the first broken link.
pub async fn verify(pool: &SqlitePool) -> anyhow::Result<Verification> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!: i64", at, actor, ip, action, target, outcome, detail, prev_hash, hash FROM audit_log ORDER BY id"#
    )
    .fetch_all(pool)
    .await
    .context("audit: read")?;
    let lines: Vec<(Line, String, String)> = rows
        .into_iter()
        .map(|r| {
            (
                Line { id: r.id, at: r.at, actor: r.actor, ip: r.ip, action: r.action, target: r.target, outcome: r.outcome, detail: r.detail },
                r.prev_hash,
                r.hash,
            )
        })
        .collect();
    let hashes: std::collections::HashMap<i64, String> = lines.iter().map(|(line, _, hash)| (line.id, hash.clone())).collect();
    let verdict = chain::verify(lines);
    // The chain can't tell that lines were cut off its end; the head file can.
    if let (Verification::Intact { .. }, Some((id, hash))) = (&verdict, read_head(&head_path(pool))) {
        match hashes.get(&id) {
            None => return Ok(Verification::Broken { id, reason: "it and any lines after it were removed" }),
            Some(stored) if *stored != hash => return Ok(Verification::Broken { id, reason: "its content was changed" }),
            Some(_) => {}
        }
    }
    Ok(verdict)
}

/// `berth.audit-head` beside the database: the id and hash of the newest line, kept
/// outside it so that removing the last lines is detected too. It may lag behind the
/// log (a crash between commit and write), never run ahead of it.
pub fn head_path(pool: &SqlitePool) -> PathBuf {
    pool.connect_options().get_filename().with_extension("audit-head")
}

fn write_head(path: &Path, id: i64, hash: &str) -> anyhow::Result<()> {
    let temporary = path.with_extension(format!("audit-head.{}", crate::auth::keys::random_id()));
    crate::files::create_new(&temporary, format!("{id} {hash}\n").as_bytes(), 0o600)?;
    // Appends can finish out of order: never move the head back.
    if read_head(path).is_some_and(|(current, _)| current > id) {
        let _ = std::fs::remove_file(&temporary);
        return Ok(());
    }
    std::fs::rename(&temporary, path).with_context(|| format!("could not replace {}", path.display()))
}

fn read_head(path: &Path) -> Option<(i64, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    let (id, hash) = text.trim().split_once(' ')?;
    Some((id.parse().ok()?, hash.to_owned()))
}

/// Audit lines, newest first, filtered, at most `limit`.
pub async fn list(
    pool: &SqlitePool,
    actor: Option<&str>,
    action: Option<&str>,
    outcome: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<app::model::auth::AuditEntry>> {
    let before = before_id.unwrap_or(i64::MAX);
    let rows = sqlx::query!(
        r#"SELECT id AS "id!: i64", at, actor, ip, action, target, outcome, detail FROM audit_log
           WHERE id < ?1 AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR outcome = ?4)
           ORDER BY id DESC LIMIT ?5"#,
        before,
        actor,
        action,
        outcome,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| app::model::auth::AuditEntry {
            id: r.id,
            at: r.at,
            actor: r.actor,
            ip: r.ip,
            action: r.action,
            target: r.target,
            outcome: r.outcome,
            detail: r.detail,
        })
        .collect())
}

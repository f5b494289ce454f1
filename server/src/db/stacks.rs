//! Stacks' records: who made them, the policy items allowed for them, and their
//! deployment history with logs.

use sqlx::SqlitePool;

use app::model::stacks::{DeploymentSummary, Outcome};

/// Records a stack (created from Berth or found on disk); keeps an existing record.
pub async fn ensure(pool: &SqlitePool, name: &str, at: i64, by: Option<&str>) -> sqlx::Result<()> {
    sqlx::query!("INSERT INTO stacks (name, created_at, created_by) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING", name, at, by)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets a stack and its overrides (its history stays).
pub async fn remove(pool: &SqlitePool, name: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM stacks WHERE name = ?", name).execute(pool).await?;
    Ok(())
}

/// An allowed policy item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRow {
    pub item: String,
    pub allowed_by: String,
    pub allowed_at: i64,
}

/// The policy items allowed for a stack.
pub async fn overrides(pool: &SqlitePool, stack: &str) -> sqlx::Result<Vec<OverrideRow>> {
    let rows = sqlx::query!("SELECT item, allowed_by, allowed_at FROM stack_overrides WHERE stack = ? ORDER BY item", stack)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| OverrideRow { item: r.item, allowed_by: r.allowed_by, allowed_at: r.allowed_at }).collect())
}

/// Allows a policy item for a stack.
pub async fn allow(pool: &SqlitePool, stack: &str, item: &str, by: &str, at: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO stack_overrides (stack, item, allowed_by, allowed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (stack, item) DO UPDATE SET allowed_by = excluded.allowed_by, allowed_at = excluded.allowed_at",
        stack,
        item,
        by,
        at
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Blocks a policy item for a stack again.
pub async fn block(pool: &SqlitePool, stack: &str, item: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM stack_overrides WHERE stack = ? AND item = ?", stack, item).execute(pool).await?;
    Ok(())
}

/// Starts a deployment's record; returns its id.
pub async fn start_deployment(pool: &SqlitePool, stack: &str, action: &str, trigger: &str, at: i64) -> sqlx::Result<i64> {
    let id = sqlx::query!(
        "INSERT INTO deployments (stack, action, trigger, started_at, outcome) VALUES (?, ?, ?, ?, 'running')",
        stack,
        action,
        trigger,
        at
    )
    .execute(pool)
    .await?
    .last_insert_rowid();
    Ok(id)
}

/// Records how a deployment ended, with its whole log.
pub async fn finish_deployment(pool: &SqlitePool, id: i64, at: i64, outcome: Outcome, summary: &str, log: &str) -> sqlx::Result<()> {
    let outcome = outcome.key();
    sqlx::query!(
        "UPDATE deployments SET finished_at = ?, outcome = ?, summary = ?, log = ? WHERE id = ?",
        at,
        outcome,
        summary,
        log,
        id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Deployments a previous run of Berth left running: they ended when it stopped.
pub async fn fail_unfinished(pool: &SqlitePool, at: i64) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE deployments SET finished_at = ?, outcome = 'failed', summary = 'Berth stopped while this ran.' WHERE outcome = 'running'",
        at
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// A deployment with its log text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentRow {
    pub summary: DeploymentSummary,
    pub log: String,
}

struct SummaryRow {
    id: i64,
    stack: String,
    action: String,
    trigger: String,
    started_at: i64,
    finished_at: Option<i64>,
    outcome: String,
    summary: String,
}

impl From<SummaryRow> for DeploymentSummary {
    fn from(r: SummaryRow) -> Self {
        Self {
            id: r.id,
            stack: r.stack,
            action: r.action,
            trigger: r.trigger,
            started_at: r.started_at,
            finished_at: r.finished_at,
            outcome: Outcome::from_key(&r.outcome),
            summary: r.summary,
        }
    }
}

/// One deployment of a stack.
pub async fn deployment(pool: &SqlitePool, stack: &str, id: i64) -> sqlx::Result<Option<DeploymentRow>> {
    let row = sqlx::query!(
        r#"SELECT id AS "id!: i64", stack, action, trigger, started_at, finished_at, outcome, summary, log
           FROM deployments WHERE id = ? AND stack = ?"#,
        id,
        stack
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| DeploymentRow {
        summary: SummaryRow {
            id: r.id,
            stack: r.stack,
            action: r.action,
            trigger: r.trigger,
            started_at: r.started_at,
            finished_at: r.finished_at,
            outcome: r.outcome,
            summary: r.summary,
        }
        .into(),
        log: r.log,
    }))
}

/// A stack's most recent deployments, newest first.
pub async fn history(pool: &SqlitePool, stack: &str, limit: i64) -> sqlx::Result<Vec<DeploymentSummary>> {
    let rows = sqlx::query_as!(
        SummaryRow,
        r#"SELECT id AS "id!: i64", stack, action, trigger, started_at, finished_at, outcome, summary
           FROM deployments WHERE stack = ? ORDER BY id DESC LIMIT ?"#,
        stack,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

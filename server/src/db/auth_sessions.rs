//! Signed-in sessions, listed and revocable (the cookie session holds only the id).

use sqlx::SqlitePool;

/// A stored signed-in session.
#[derive(Debug, Clone)]
pub struct AuthSessionRow {
    pub id: String,
    pub user_id: i64,
    pub enrol_only: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub reauth_at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// Records a new signed-in session.
pub async fn insert(pool: &SqlitePool, row: &AuthSessionRow) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO auth_sessions (id, user_id, enrol_only, created_at, last_seen_at, reauth_at, ip, user_agent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        row.id,
        row.user_id,
        row.enrol_only,
        row.created_at,
        row.last_seen_at,
        row.reauth_at,
        row.ip,
        row.user_agent
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The session with this id.
pub async fn get(pool: &SqlitePool, id: &str) -> sqlx::Result<Option<AuthSessionRow>> {
    sqlx::query_as!(
        AuthSessionRow,
        r#"SELECT id, user_id, enrol_only AS "enrol_only: bool", created_at, last_seen_at, reauth_at, ip, user_agent
           FROM auth_sessions WHERE id = ?"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// A user's sessions, most recently used first.
pub async fn for_user(pool: &SqlitePool, user_id: i64) -> sqlx::Result<Vec<AuthSessionRow>> {
    sqlx::query_as!(
        AuthSessionRow,
        r#"SELECT id, user_id, enrol_only AS "enrol_only: bool", created_at, last_seen_at, reauth_at, ip, user_agent
           FROM auth_sessions WHERE user_id = ? ORDER BY last_seen_at DESC"#,
        user_id
    )
    .fetch_all(pool)
    .await
}

/// Notes activity.
pub async fn touch(pool: &SqlitePool, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query!("UPDATE auth_sessions SET last_seen_at = ? WHERE id = ?", now, id).execute(pool).await?;
    Ok(())
}

/// Notes a re-authentication.
pub async fn reauthenticated(pool: &SqlitePool, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query!("UPDATE auth_sessions SET reauth_at = ?, last_seen_at = ? WHERE id = ?", now, now, id).execute(pool).await?;
    Ok(())
}

/// Ends one session.
pub async fn delete(pool: &SqlitePool, id: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM auth_sessions WHERE id = ?", id).execute(pool).await?;
    Ok(())
}

/// Ends one of a user's sessions; false if it was not theirs.
pub async fn delete_for_user(pool: &SqlitePool, id: &str, user_id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!("DELETE FROM auth_sessions WHERE id = ? AND user_id = ?", id, user_id).execute(pool).await?;
    Ok(result.rows_affected() == 1)
}

/// Ends all of a user's sessions but `keep`.
pub async fn delete_others(pool: &SqlitePool, user_id: i64, keep: Option<&str>) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM auth_sessions WHERE user_id = ? AND id IS NOT ?", user_id, keep).execute(pool).await?;
    Ok(())
}

/// Forgets sessions past their limits (housekeeping).
pub async fn delete_expired(pool: &SqlitePool, idle_before: i64, created_before: i64) -> sqlx::Result<u64> {
    let result = sqlx::query!("DELETE FROM auth_sessions WHERE last_seen_at < ? OR created_at < ?", idle_before, created_before)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}

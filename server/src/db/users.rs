//! Users, their lockout state and TOTP.

use sqlx::SqlitePool;

/// A stored user.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub password_hash: String,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub failed_logins: i64,
    pub lock_level: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
}

/// The user with this (normalised) name.
pub async fn by_name(pool: &SqlitePool, username: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"SELECT id AS "id!", username, role, password_hash, totp_secret, totp_last_step, failed_logins, lock_level, locked_until, created_at
         FROM users WHERE username = ?"#,
        username
    )
    .fetch_optional(pool)
    .await
}

/// The user with this id.
pub async fn by_id(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"SELECT id AS "id!", username, role, password_hash, totp_secret, totp_last_step, failed_logins, lock_level, locked_until, created_at
         FROM users WHERE id = ?"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// Every user, by name.
pub async fn all(pool: &SqlitePool) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"SELECT id AS "id!", username, role, password_hash, totp_secret, totp_last_step, failed_logins, lock_level, locked_until, created_at
         FROM users ORDER BY username"#
    )
    .fetch_all(pool)
    .await
}

/// How many admins exist.
pub async fn admin_count(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM users WHERE role = 'admin'"#).fetch_one(pool).await
}

/// Adds a user; `None` when the name is taken.
pub async fn insert(pool: &SqlitePool, username: &str, role: &str, password_hash: &str, now: i64) -> sqlx::Result<Option<i64>> {
    let result = sqlx::query!(
        "INSERT INTO users (username, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (username) DO NOTHING",
        username,
        role,
        password_hash,
        now,
        now
    )
    .execute(pool)
    .await?;
    Ok((result.rows_affected() == 1).then(|| result.last_insert_rowid()))
}

/// Adds the first admin, only if there is no admin yet (atomically).
pub async fn insert_first_admin(pool: &SqlitePool, username: &str, password_hash: &str, now: i64) -> sqlx::Result<Option<i64>> {
    let result = sqlx::query!(
        "INSERT INTO users (username, role, password_hash, created_at, password_changed_at)
         SELECT ?, 'admin', ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin')
         ON CONFLICT (username) DO NOTHING",
        username,
        password_hash,
        now,
        now
    )
    .execute(pool)
    .await?;
    Ok((result.rows_affected() == 1).then(|| result.last_insert_rowid()))
}

/// Stores the lockout state.
pub async fn set_lockout(pool: &SqlitePool, id: i64, failed: i64, level: i64, locked_until: Option<i64>) -> sqlx::Result<()> {
    sqlx::query!("UPDATE users SET failed_logins = ?, lock_level = ?, locked_until = ? WHERE id = ?", failed, level, locked_until, id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Stores a new password hash.
pub async fn set_password(pool: &SqlitePool, id: i64, hash: &str, now: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?", hash, now, id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the hash after a rehash, only if it is still the one that was verified.
pub async fn upgrade_hash(pool: &SqlitePool, id: i64, old: &str, new: &str) -> sqlx::Result<()> {
    sqlx::query!("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?", new, id, old).execute(pool).await?;
    Ok(())
}

/// Stores (or clears) the encrypted TOTP secret; a new secret starts with no used step.
pub async fn set_totp(pool: &SqlitePool, id: i64, sealed: Option<&[u8]>, last_step: Option<i64>) -> sqlx::Result<bool> {
    let result = sqlx::query!("UPDATE users SET totp_secret = ?, totp_last_step = ? WHERE id = ?", sealed, last_step, id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Records a used TOTP step, only if it is later than the last one (so two requests
/// racing with the same code can't both succeed).
pub async fn use_totp_step(pool: &SqlitePool, id: i64, step: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
        step,
        id,
        step
    )
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Changes the role.
pub async fn set_role(pool: &SqlitePool, id: i64, role: &str) -> sqlx::Result<bool> {
    let result = sqlx::query!("UPDATE users SET role = ? WHERE id = ?", role, id).execute(pool).await?;
    Ok(result.rows_affected() == 1)
}

/// Removes a user (sessions, devices and recovery codes go with it).
pub async fn delete(pool: &SqlitePool, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!("DELETE FROM users WHERE id = ?", id).execute(pool).await?;
    Ok(result.rows_affected() == 1)
}

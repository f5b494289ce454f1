//! Remembered devices: browsers that completed password + TOTP.

use sqlx::SqlitePool;

/// Remembers a device.
pub async fn insert(pool: &SqlitePool, id: &str, user_id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query!("INSERT INTO devices (id, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?)", id, user_id, now, now)
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether the device is remembered for this user (and notes its use).
pub async fn touch(pool: &SqlitePool, id: &str, user_id: i64, now: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!("UPDATE devices SET last_used_at = ? WHERE id = ? AND user_id = ?", now, id, user_id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Forgets every device of a user (after a password change or TOTP reset).
pub async fn forget_user(pool: &SqlitePool, user_id: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM devices WHERE user_id = ?", user_id).execute(pool).await?;
    Ok(())
}

//! Single-use recovery codes, stored as SHA-256 hashes.

use sqlx::SqlitePool;

/// Replaces a user's codes with new ones.
pub async fn replace(pool: &SqlitePool, user_id: i64, hashes: &[String]) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query!("DELETE FROM recovery_codes WHERE user_id = ?", user_id).execute(&mut *tx).await?;
    for hash in hashes {
        sqlx::query!("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", user_id, hash).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// Uses a code: true if it existed and was unused (and now is used).
pub async fn consume(pool: &SqlitePool, user_id: i64, hash: &str, now: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
        now,
        user_id,
        hash
    )
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes all of a user's codes.
pub async fn clear(pool: &SqlitePool, user_id: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM recovery_codes WHERE user_id = ?", user_id).execute(pool).await?;
    Ok(())
}

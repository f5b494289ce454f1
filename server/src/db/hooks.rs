//! Stack webhooks, the deliveries they saw, and the image tags they set.

use sqlx::SqlitePool;

/// A stack's webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRow {
    pub stack: String,
    pub hook_id: String,
    /// Sealed with the key file.
    pub secret: Vec<u8>,
    pub created_at: i64,
    pub rotated_at: i64,
}

/// The webhook of a stack.
pub async fn of_stack(pool: &SqlitePool, stack: &str) -> sqlx::Result<Option<HookRow>> {
    sqlx::query_as!(HookRow, "SELECT stack, hook_id, secret, created_at, rotated_at FROM stack_hooks WHERE stack = ?", stack)
        .fetch_optional(pool)
        .await
}

/// The webhook with this id.
pub async fn by_id(pool: &SqlitePool, hook_id: &str) -> sqlx::Result<Option<HookRow>> {
    sqlx::query_as!(HookRow, "SELECT stack, hook_id, secret, created_at, rotated_at FROM stack_hooks WHERE hook_id = ?", hook_id)
        .fetch_optional(pool)
        .await
}

/// Creates a stack's webhook, or gives it a new secret (the id stays).
pub async fn upsert(pool: &SqlitePool, stack: &str, hook_id: &str, secret: &[u8], at: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO stack_hooks (stack, hook_id, secret, created_at, rotated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (stack) DO UPDATE SET secret = excluded.secret, rotated_at = excluded.rotated_at",
        stack,
        hook_id,
        secret,
        at,
        at
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Turns a stack's webhook off.
pub async fn remove(pool: &SqlitePool, stack: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query!("DELETE FROM stack_hooks WHERE stack = ?", stack).execute(pool).await?.rows_affected() > 0)
}

/// Records a delivery; `false` when it was seen within the window (a replay).
/// Deliveries older than `forget_before` are forgotten first.
pub async fn first_delivery(pool: &SqlitePool, hook_id: &str, delivery: &str, at: i64, forget_before: i64) -> sqlx::Result<bool> {
    sqlx::query!("DELETE FROM hook_deliveries WHERE seen_at < ?", forget_before).execute(pool).await?;
    let done = sqlx::query!(
        "INSERT INTO hook_deliveries (hook_id, delivery, seen_at) VALUES (?, ?, ?) ON CONFLICT (hook_id, delivery) DO NOTHING",
        hook_id,
        delivery,
        at
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An image a webhook set for a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinRow {
    pub service: String,
    pub image: String,
    pub set_at: i64,
    pub set_by: String,
}

/// The images webhooks set for a stack's services.
pub async fn pins(pool: &SqlitePool, stack: &str) -> sqlx::Result<Vec<PinRow>> {
    sqlx::query_as!(PinRow, "SELECT service, image, set_at, set_by FROM stack_image_pins WHERE stack = ? ORDER BY service", stack)
        .fetch_all(pool)
        .await
}

/// Sets the image of a service.
pub async fn pin(pool: &SqlitePool, stack: &str, service: &str, image: &str, at: i64, by: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO stack_image_pins (stack, service, image, set_at, set_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (stack, service) DO UPDATE SET image = excluded.image, set_at = excluded.set_at, set_by = excluded.set_by",
        stack,
        service,
        image,
        at,
        by
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets the images webhooks set (the compose file was saved: it is the truth again).
pub async fn clear_pins(pool: &SqlitePool, stack: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM stack_image_pins WHERE stack = ?", stack).execute(pool).await?;
    Ok(())
}

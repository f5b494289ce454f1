//! The audit log (admins).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::auth::AuditEntry;

/// Audit lines, newest first, filtered.
#[server(prefix = "/api", endpoint = "audit")]
pub async fn list_audit(
    actor: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    before_id: Option<i64>,
) -> Result<Vec<AuditEntry>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Admin).await?;
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let filter = crate::services::AuditFilter { actor: nonempty(actor), action: nonempty(action), outcome: nonempty(outcome), before_id };
    services.access.audit(filter).await.map_err(AppError::from)
}

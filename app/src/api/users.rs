//! User management (admins, after re-authentication for changes).

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
use crate::model::auth::UserSummary;

/// Every user.
#[server(prefix = "/api", endpoint = "users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    let (services, _, _) = crate::api::guard::require(crate::model::auth::Role::Admin).await?;
    services.access.users().await.map_err(AppError::from)
}

/// Adds a user.
#[server(prefix = "/api", endpoint = "user-add")]
pub async fn add_user(username: String, role: String, password: String) -> Result<(), AppError> {
    use crate::model::auth::{Password, Role, Username};
    let result = async {
        let (services, caller, actor) = crate::api::guard::require_recent(Role::Admin).await?;
        let username = Username::parse(&username).map_err(AppError::Invalid)?;
        let role = Role::parse(&role).ok_or_else(|| AppError::Invalid("Choose admin, operator or viewer.".to_owned()))?;
        let password = Password::parse_new(password).map_err(AppError::Invalid)?;
        services.access.add_user(&caller, &actor, username, role, password).await.map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, AddUser::PATH, "/users", Some("/users"))
}

/// What an admin can do to another user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UserAction {
    Remove,
    ResetTotp,
    Unlock,
    MakeAdmin,
    MakeOperator,
    MakeViewer,
}

/// Changes a user.
#[server(prefix = "/api", endpoint = "user-change")]
pub async fn change_user(id: i64, action: UserAction) -> Result<(), AppError> {
    use crate::model::auth::Role;
    let result = async {
        let (services, caller, actor) = crate::api::guard::require_recent(Role::Admin).await?;
        let access = &services.access;
        match action {
            UserAction::Remove => access.remove_user(&caller, &actor, id).await,
            UserAction::ResetTotp => access.reset_totp(&caller, &actor, id).await,
            UserAction::Unlock => access.unlock(&caller, &actor, id).await,
            UserAction::MakeAdmin => access.set_role(&caller, &actor, id, Role::Admin).await,
            UserAction::MakeOperator => access.set_role(&caller, &actor, id, Role::Operator).await,
            UserAction::MakeViewer => access.set_role(&caller, &actor, id, Role::Viewer).await,
        }
        .map_err(AppError::from)
    }
    .await;
    crate::api::form::finish(result, ChangeUser::PATH, "/users", Some("/users"))
}

//! One module per page.

pub mod account;
pub mod audit;
pub mod container;
pub mod containers;
pub mod deployment;
pub mod host;
pub mod images;
pub mod logs;
pub mod objects;
pub mod login;
pub mod not_found;
pub mod overview;
pub mod pull;
pub mod reauth;
pub mod setup;
pub mod stack;
pub mod stack_webhook;
pub mod stacks;
pub mod totp;
pub mod users;

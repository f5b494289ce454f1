//! The access layer: passwords, TOTP, throttling, sessions, devices, setup.

pub mod clock;
pub mod device;
pub mod housekeeping;
pub mod keys;
pub mod password;
pub mod recovery;
pub mod service;
pub mod setup;
pub mod throttle;
pub mod totp;

pub use service::AccessService;

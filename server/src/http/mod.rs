//! The HTTP layers around every route: client address, CSRF defence, body limits,
//! security headers, and the page guard.

pub mod authz;
pub mod body_limit;
pub mod client_ip;
pub mod csrf;
pub mod headers;
pub mod pages;
pub mod streams;

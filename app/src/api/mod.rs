//! Server functions by area. Each is thin: authorize, call one service, map the error.

pub mod overview;

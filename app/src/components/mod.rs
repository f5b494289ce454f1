//! Pieces of UI used by several pages.

pub mod editor;
pub mod form;
pub mod live;
pub mod stats;
pub mod nav;
pub mod podman_down;
pub mod qr;
pub mod stat;

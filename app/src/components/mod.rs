//! Pieces of UI used by several pages.

pub mod nav;
pub mod stat;

//! Integration tests: the real router on port 0, a temporary SQLite file, and the real
//! rootless Podman of the test host (`make test` provisions it and sets
//! `BERTH_TEST_SOCKET` and `BERTH_TEST_USER`).

mod access;
mod cli;
mod containers;
mod events;
mod host;
mod images;
mod lifecycle;
mod logs_stats;
mod objects;
mod overview;
mod stacks;
mod support;
mod webhooks;

//! Container logs from the libpod API: a snapshot for pages and downloads, and a live
//! follow for the log view's SSE stream.

use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use podman_api::Podman;
use podman_api::conn::TtyChunk;
use podman_api::opts::ContainerLogsOpts;
use tokio::sync::mpsc;

use app::model::logs::{LogLine, lines_of};

/// How long a snapshot of the logs may take to read.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(20);
/// How many batches of lines wait for a slow browser before Berth stops reading
/// Podman: this bound is what keeps memory flat under a flood of output.
const QUEUED_BATCHES: usize = 8;
/// The most chunks read into one batch (one SSE message).
const BATCH: usize = 500;

/// Podman's options for `tail` lines (`None`: all of them).
pub fn options(tail: Option<u32>, timestamps: bool, follow: bool) -> ContainerLogsOpts {
    let tail = tail.map_or_else(|| "all".to_owned(), |n| n.to_string());
    ContainerLogsOpts::builder().stdout(true).stderr(true).tail(tail).timestamps(timestamps).follow(follow).build()
}

/// The lines of one chunk of output.
pub fn lines(chunk: TtyChunk) -> Vec<LogLine> {
    let (data, err) = match chunk {
        TtyChunk::StdOut(data) => (data, false),
        TtyChunk::StdErr(data) => (data, true),
        TtyChunk::StdIn(_) => return Vec::new(),
    };
    lines_of(&String::from_utf8_lossy(&data), err).collect()
}

/// The last `tail` lines, or `None` when the socket failed or took too long.
pub async fn snapshot(podman: &Podman, container: &str, tail: u32, timestamps: bool) -> Option<Vec<LogLine>> {
    let handle = podman.containers().get(container);
    let read = async {
        let mut out = Vec::new();
        let mut stream = handle.logs(&options(Some(tail), timestamps, false));
        while let Some(chunk) = stream.next().await {
            out.extend(lines(chunk.ok()?));
        }
        Some(out)
    };
    tokio::time::timeout(SNAPSHOT_TIMEOUT, read).await.ok().flatten()
}

/// A container's output from its last `tail` lines on (and, with `follow`, what it
/// writes next), in batches, until it ends or the receiver goes away. Reading waits
/// while the queue is full.
pub fn stream(podman: Podman, container: String, tail: Option<u32>, timestamps: bool, follow: bool) -> impl Stream<Item = Vec<LogLine>> {
    let (sender, receiver) = mpsc::channel::<Vec<LogLine>>(QUEUED_BATCHES);
    tokio::spawn(async move {
        let handle = podman.containers().get(container);
        let mut chunks = handle.logs(&options(tail, timestamps, follow)).ready_chunks(BATCH);
        while let Some(batch) = chunks.next().await {
            let mut lines_read = Vec::new();
            let mut failed = false;
            for chunk in batch {
                match chunk {
                    Ok(chunk) => lines_read.extend(lines(chunk)),
                    Err(error) => {
                        tracing::debug!(%error, "the log stream ended with an error");
                        failed = true;
                    }
                }
            }
            if (!lines_read.is_empty() && sender.send(lines_read).await.is_err()) || failed {
                return;
            }
        }
    });
    futures_util::stream::unfold(receiver, |mut receiver| async move { receiver.recv().await.map(|batch| (batch, receiver)) })
}

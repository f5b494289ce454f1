//! Files Berth writes that must not be readable by others.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use anyhow::Context as _;

/// Creates a file with `contents` and `mode` set at creation (no window in which a
/// secret is readable by others). Fails if the file exists.
pub fn create_new(path: &Path, contents: &[u8], mode: u32) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("could not create {}", path.display()))?;
    file.write_all(contents).with_context(|| format!("could not write {}", path.display()))?;
    file.sync_all().with_context(|| format!("could not write {}", path.display()))
}

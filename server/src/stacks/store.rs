//! Stack folders on disk: `<data dir>/stacks/<name>/compose.yaml` and `.env`, the
//! files podman-compose and docker compose read too. Saves are atomic (temporary
//! file, fsync, rename), so a failed save leaves the previous version whole.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Component, Path, PathBuf};

use anyhow::Context as _;
use compose::StackName;

/// The compose file's name in a stack folder.
pub const COMPOSE_FILE: &str = "compose.yaml";
/// The variables file's name in a stack folder.
pub const ENV_FILE: &str = ".env";
/// The most a file a stack reads (an `env_file`, a secret) may hold.
const MAX_SIDE_FILE: u64 = 1024 * 1024;

/// A stack's two files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFiles {
    pub compose: String,
    pub env: String,
}

/// Why a file of a stack could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0} is not inside the stack folder")]
    Outside(String),
    #[error("{0} does not exist")]
    Missing(String),
    #[error("{0} is larger than 1 MiB")]
    TooLarge(String),
    #[error("{0} is not UTF-8 text")]
    NotText(String),
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

/// The folder that holds every stack.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The stacks under `<data dir>/stacks` (made, mode 0700, when missing).
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let root = data_dir.join("stacks");
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&root).with_context(|| format!("could not create {}", root.display()))?;
        Ok(Self { root })
    }

    /// The stacks under `<data dir>/stacks`, without creating anything (for reading).
    pub fn at(data_dir: &Path) -> Self {
        Self { root: data_dir.join("stacks") }
    }

    /// A stack's folder.
    pub fn folder(&self, name: &StackName) -> PathBuf {
        self.root.join(name.as_str())
    }

    /// The stacks on disk: folders with a valid name and a compose file.
    pub fn list(&self) -> anyhow::Result<Vec<StackName>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&self.root).with_context(|| format!("could not read {}", self.root.display()))? {
            let entry = entry.context("could not read the stacks folder")?;
            let Some(name) = entry.file_name().to_str().and_then(|n| StackName::parse(n).ok()) else { continue };
            if entry.path().join(COMPOSE_FILE).is_file() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Whether a stack exists.
    pub fn exists(&self, name: &StackName) -> bool {
        self.folder(name).join(COMPOSE_FILE).is_file()
    }

    /// A stack's files (`None`: no such stack). A missing `.env` reads as empty.
    pub fn read(&self, name: &StackName) -> anyhow::Result<Option<StackFiles>> {
        let folder = self.folder(name);
        let compose = match read_limited(&folder.join(COMPOSE_FILE), compose::MAX_COMPOSE_BYTES as u64 + 1) {
            Ok(text) => text,
            Err(ReadError::Missing(_)) => return Ok(None),
            Err(error) => return Err(anyhow::anyhow!("{}: {error}", folder.display())),
        };
        let env = match read_limited(&folder.join(ENV_FILE), compose::MAX_ENV_BYTES as u64 + 1) {
            Ok(text) => text,
            Err(ReadError::Missing(_)) => String::new(),
            Err(error) => return Err(anyhow::anyhow!("{}: {error}", folder.display())),
        };
        Ok(Some(StackFiles { compose, env }))
    }

    /// Writes both files of a stack, each atomically, creating the folder if needed.
    pub fn write(&self, name: &StackName, files: &StackFiles) -> anyhow::Result<()> {
        let folder = self.folder(name);
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&folder).with_context(|| format!("could not create {}", folder.display()))?;
        // Both temporary files first: a full disk fails here, before either is replaced.
        let compose = write_temp(&folder, COMPOSE_FILE, files.compose.as_bytes())?;
        let env = match write_temp(&folder, ENV_FILE, files.env.as_bytes()) {
            Ok(env) => env,
            Err(error) => {
                let _ = std::fs::remove_file(&compose);
                return Err(error);
            }
        };
        std::fs::rename(&compose, folder.join(COMPOSE_FILE)).with_context(|| format!("could not replace {}", folder.join(COMPOSE_FILE).display()))?;
        std::fs::rename(&env, folder.join(ENV_FILE)).with_context(|| format!("could not replace {}", folder.join(ENV_FILE).display()))?;
        std::fs::File::open(&folder).and_then(|dir| dir.sync_all()).with_context(|| format!("could not sync {}", folder.display()))
    }

    /// Removes a stack's folder and everything in it.
    pub fn remove(&self, name: &StackName) -> anyhow::Result<()> {
        let folder = self.folder(name);
        match std::fs::remove_dir_all(&folder) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error).with_context(|| format!("could not remove {}", folder.display())),
            _ => Ok(()),
        }
    }

    /// A file a compose file names (`env_file`, a secret's `file`), relative to the
    /// stack folder. Unless `outside_allowed`, it must resolve inside the folder, links
    /// followed, so a symlink can't smuggle `/etc/shadow` in.
    pub fn read_side_file(&self, name: &StackName, relative: &str, outside_allowed: bool) -> Result<String, ReadError> {
        let path = self.side_path(name, relative, outside_allowed)?;
        read_limited(&path, MAX_SIDE_FILE).map_err(|error| match error {
            ReadError::Missing(_) => ReadError::Missing(relative.to_owned()),
            ReadError::TooLarge(_) => ReadError::TooLarge(relative.to_owned()),
            ReadError::NotText(_) => ReadError::NotText(relative.to_owned()),
            other => other,
        })
    }

    /// The absolute path of a path a compose file names, relative to the stack folder,
    /// checked as [`Store::read_side_file`] checks it.
    pub fn side_path(&self, name: &StackName, relative: &str, outside_allowed: bool) -> Result<PathBuf, ReadError> {
        let folder = self.folder(name);
        let path = resolve(&folder, relative);
        if outside_allowed {
            return Ok(path);
        }
        if !path.starts_with(&folder) {
            return Err(ReadError::Outside(relative.to_owned()));
        }
        match (path.canonicalize(), folder.canonicalize()) {
            (Ok(real), Ok(real_folder)) if real.starts_with(&real_folder) => Ok(real),
            (Ok(_), Ok(_)) => Err(ReadError::Outside(relative.to_owned())),
            (Err(_), _) => Err(ReadError::Missing(relative.to_owned())),
            (_, Err(error)) => Err(ReadError::Io(anyhow::Error::new(error).context("could not resolve the stack folder"))),
        }
    }
}

/// `relative` joined to `folder` and normalised lexically (`..` and `.` removed);
/// absolute paths and `~` stay absolute.
pub fn resolve(folder: &Path, relative: &str) -> PathBuf {
    let mut path = if relative.starts_with('/') { PathBuf::from("/") } else { folder.to_path_buf() };
    for part in Path::new(relative).components() {
        match part {
            Component::ParentDir => {
                path.pop();
            }
            Component::Normal(part) => path.push(part),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    path
}

fn read_limited(path: &Path, limit: u64) -> Result<String, ReadError> {
    use std::io::Read as _;
    let shown = || path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::Missing(shown())),
        Err(error) => return Err(ReadError::Io(anyhow::Error::new(error).context(format!("could not open {}", shown())))),
    };
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| ReadError::Io(anyhow::Error::new(e).context(format!("could not read {}", shown()))))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(shown()));
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotText(shown()))
}

fn write_temp(folder: &Path, name: &str, contents: &[u8]) -> anyhow::Result<PathBuf> {
    let temp = folder.join(format!(".{name}.berth-{:016x}", rand::random::<u64>()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .with_context(|| format!("could not create {}", temp.display()))?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(error).with_context(|| format!("could not write {}", temp.display()));
    }
    Ok(temp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store, StackName) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("store");
        (dir, store, StackName::parse("web").expect("name"))
    }

    #[test]
    fn saved_files_read_back_and_replace_the_old_ones() {
        let (_dir, store, name) = store();
        assert_eq!(store.read(&name).expect("read"), None);
        let first = StackFiles { compose: "services: {}\n".into(), env: "A=1\n".into() };
        store.write(&name, &first).expect("write");
        let second = StackFiles { compose: "services:\n  a: {}\n".into(), env: String::new() };
        store.write(&name, &second).expect("write");
        assert_eq!(store.read(&name).expect("read"), Some(second));
        assert_eq!(store.list().expect("list"), vec![name.clone()]);
        let leftovers = std::fs::read_dir(store.folder(&name)).expect("dir").count();
        assert_eq!(leftovers, 2, "no temporary files stay behind");
    }

    #[test]
    fn side_files_stay_inside_the_folder() {
        let (dir, store, name) = store();
        store.write(&name, &StackFiles { compose: "x".into(), env: String::new() }).expect("write");
        std::fs::write(store.folder(&name).join("app.env"), "K=V").expect("write");
        std::fs::write(dir.path().join("secret"), "s").expect("write");
        std::os::unix::fs::symlink(dir.path().join("secret"), store.folder(&name).join("link")).expect("symlink");
        assert_eq!(store.read_side_file(&name, "./app.env", false).expect("inside"), "K=V");
        assert!(matches!(store.read_side_file(&name, "../../secret", false), Err(ReadError::Outside(_))));
        assert!(matches!(store.read_side_file(&name, "/etc/passwd", false), Err(ReadError::Outside(_))));
        assert!(matches!(store.read_side_file(&name, "link", false), Err(ReadError::Outside(_))), "a symlink out is refused");
        assert!(matches!(store.read_side_file(&name, "nope", false), Err(ReadError::Missing(_))));
        assert_eq!(store.read_side_file(&name, "link", true).expect("allowed"), "s");
    }

    #[test]
    fn paths_resolve_lexically() {
        let folder = Path::new("/data/stacks/web");
        assert_eq!(resolve(folder, "./a/../b"), PathBuf::from("/data/stacks/web/b"));
        assert_eq!(resolve(folder, "../../x"), PathBuf::from("/data/x"));
        assert_eq!(resolve(folder, "/etc"), PathBuf::from("/etc"));
    }
}

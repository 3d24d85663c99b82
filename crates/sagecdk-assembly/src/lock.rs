//! Locks on an assembly directory, in the AWS CDK CLI's format so that both tools respect each
//! other's: a writer holds `synth.lock`, each reader a `read.<pid>.<n>.lock`, every file holding
//! its owner's process id. A lock whose owner is gone is stale and ignored (and removed).
//!
//! The locks do not wait: a directory being written or read by another process is an error
//! saying who holds it, as the CDK CLI reports it.

use crate::{AssemblyError, process};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The writer's lock file.
pub const WRITE_LOCK_FILE: &str = "synth.lock";

/// `true` for the names of lock files (`synth.lock`, `read.<pid>.<n>.lock`).
pub fn is_lock_file(name: &str) -> bool {
    name == WRITE_LOCK_FILE || reader_pid(name).is_some()
}

/// The process id in a reader's lock file name.
fn reader_pid(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("read.")?.strip_suffix(".lock")?;
    let (pid, counter) = rest.split_once('.')?;
    (!pid.is_empty() && !counter.is_empty() && !counter.contains('.')).then_some(pid)
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AssemblyError + '_ {
    move |source| AssemblyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Owner of a lock file, if it names a live process other than this one.
fn live_owner(path: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    let pid: u32 = text.trim().parse().ok()?;
    (pid != std::process::id() && process::is_alive(pid)).then_some(pid)
}

/// The live writer of `dir` other than this process; a stale writer's file is removed.
fn other_writer(dir: &Path) -> Option<u32> {
    let path = dir.join(WRITE_LOCK_FILE);
    if !path.exists() {
        return None;
    }
    let owner = live_owner(&path);
    if owner.is_none() && !owned_by_me(&path) {
        let _ = std::fs::remove_file(&path);
    }
    owner
}

fn owned_by_me(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .is_ok_and(|t| t.trim().parse::<u32>().ok() == Some(std::process::id()))
}

/// The live readers of `dir` other than this process.
pub fn other_readers(dir: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        if reader_pid(&entry.file_name().to_string_lossy()).is_none() {
            continue;
        }
        let path = entry.path();
        match live_owner(&path) {
            Some(pid) => pids.push(pid),
            // A reader that is gone left its file: stale, removed.
            None if !owned_by_me(&path) => {
                let _ = std::fs::remove_file(&path);
            }
            None => {}
        }
    }
    pids.sort_unstable();
    pids.dedup();
    pids
}

fn readers_error(dir: &Path, pids: Vec<u32>) -> AssemblyError {
    AssemblyError::Locked {
        dir: dir.to_path_buf(),
        pids,
        activity: "reading from",
    }
}

fn writer_error(dir: &Path, pid: u32) -> AssemblyError {
    AssemblyError::Locked {
        dir: dir.to_path_buf(),
        pids: vec![pid],
        activity: "writing to",
    }
}

/// Exclusive right to (re)write an assembly directory, released on drop.
#[derive(Debug)]
pub struct WriteLock {
    dir: PathBuf,
    file: PathBuf,
}

impl WriteLock {
    /// Takes the write lock of `dir` (created if missing); fails if another live process writes
    /// to or reads from it.
    pub fn acquire(dir: impl AsRef<Path>) -> Result<Self, AssemblyError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let file = dir.join(WRITE_LOCK_FILE);
        if let Some(pid) = other_writer(&dir) {
            return Err(writer_error(&dir, pid));
        }
        // The file appears with its content or not at all (a link to a written temporary
        // file), so another writer never sees an empty lock and takes it for a stale one.
        let tmp = dir.join(format!(".synth.lock.{}.tmp", std::process::id()));
        std::fs::write(&tmp, std::process::id().to_string()).map_err(io_err(&tmp))?;
        let linked = std::fs::hard_link(&tmp, &file);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => {}
            // Another writer got in between: it holds the lock now (or it is ours already).
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if !owned_by_me(&file) {
                    let pid = live_owner(&file).unwrap_or_default();
                    return Err(writer_error(&dir, pid));
                }
            }
            Err(e) => return Err(io_err(&file)(e)),
        }
        let lock = WriteLock { dir, file };
        let readers = other_readers(&lock.dir);
        if !readers.is_empty() {
            return Err(readers_error(&lock.dir, readers));
        }
        Ok(lock)
    }

    /// The locked directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Turns the write lock into a read lock without a moment in which the directory is unlocked.
    pub fn into_read(self) -> Result<ReadLock, AssemblyError> {
        ReadLock::create(&self.dir)
        // `self` drops here, removing the writer's file after the reader's exists.
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        if owned_by_me(&self.file) {
            let _ = std::fs::remove_file(&self.file);
        }
    }
}

/// Shared right to read an assembly directory (no one rewrites it meanwhile), released on drop.
///
/// A directory this process may not write to cannot be rewritten by it either: reading it needs
/// no lock file there, and none is written.
#[derive(Debug)]
pub struct ReadLock {
    dir: PathBuf,
    file: Option<PathBuf>,
}

impl ReadLock {
    /// Takes a read lock of the existing directory `dir`; fails if another live process is
    /// writing to it.
    pub fn acquire(dir: impl AsRef<Path>) -> Result<Self, AssemblyError> {
        let dir = dir.as_ref();
        if let Some(pid) = other_writer(dir) {
            return Err(writer_error(dir, pid));
        }
        Self::create(dir)
    }

    fn create(dir: &Path) -> Result<Self, AssemblyError> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let pid = std::process::id();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
        let file = dir.join(format!("read.{pid}.{n}.lock"));
        let file = match std::fs::write(&file, pid.to_string()) {
            Ok(()) => Some(file),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                ) =>
            {
                None
            }
            Err(e) => return Err(io_err(&file)(e)),
        };
        Ok(ReadLock {
            dir: dir.to_path_buf(),
            file,
        })
    }

    /// The locked directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for ReadLock {
    fn drop(&mut self) {
        // The directory may have been swapped by the writer this lock was converted from: the
        // file then lives in the new directory, at the same path.
        if let Some(file) = &self.file {
            let _ = std::fs::remove_file(file);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process id that is certainly not running.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let pid = child.id();
        child.wait().expect("wait");
        pid
    }

    /// A live process other than this one, killed on drop.
    struct Other(std::process::Child);
    impl Other {
        fn start() -> Self {
            Other(
                std::process::Command::new("sleep")
                    .arg("30")
                    .spawn()
                    .expect("spawn"),
            )
        }
        fn pid(&self) -> u32 {
            self.0.id()
        }
    }
    impl Drop for Other {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    fn lock_file_names() {
        assert!(is_lock_file("synth.lock"));
        assert!(is_lock_file("read.123.4.lock"));
        assert!(!is_lock_file("read.lock"));
        assert!(!is_lock_file("read.1.2.3.lock"));
        assert!(!is_lock_file("Stack.template.json"));
    }

    #[test]
    fn a_writer_excludes_other_writers_and_readers() {
        let dir = tempfile::tempdir().expect("tmp");
        let other = Other::start();
        std::fs::write(dir.path().join("synth.lock"), other.pid().to_string()).expect("w");
        let err = WriteLock::acquire(dir.path()).expect_err("locked");
        assert!(err.to_string().contains(&other.pid().to_string()), "{err}");
        assert!(err.to_string().contains("writing to"), "{err}");
        let err = ReadLock::acquire(dir.path()).expect_err("locked");
        assert!(err.to_string().contains("writing to"), "{err}");

        // The other writer's lock goes: a reader of another process now blocks writers.
        std::fs::remove_file(dir.path().join("synth.lock")).expect("rm");
        let reader = format!("read.{}.1.lock", other.pid());
        std::fs::write(dir.path().join(&reader), other.pid().to_string()).expect("w");
        let err = WriteLock::acquire(dir.path()).expect_err("read locked");
        assert!(err.to_string().contains("reading from"), "{err}");
        assert!(
            !dir.path().join("synth.lock").exists(),
            "no writer file left behind"
        );
        // Readers share.
        let read = ReadLock::acquire(dir.path()).expect("shared");
        drop(read);
    }

    #[test]
    fn stale_locks_are_ignored_and_locks_released_on_drop() {
        let dir = tempfile::tempdir().expect("tmp");
        let dead = dead_pid();
        std::fs::write(dir.path().join("synth.lock"), dead.to_string()).expect("w");
        std::fs::write(
            dir.path().join(format!("read.{dead}.1.lock")),
            dead.to_string(),
        )
        .expect("w");
        let write = WriteLock::acquire(dir.path()).expect("stale locks ignored");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("synth.lock")).expect("read"),
            std::process::id().to_string()
        );
        let read = write.into_read().expect("convert");
        assert!(!dir.path().join("synth.lock").exists());
        let file = read.file.clone().expect("lock file");
        assert!(file.exists());
        drop(read);
        assert!(!file.exists());
    }
}

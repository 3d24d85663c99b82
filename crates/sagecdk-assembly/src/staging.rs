//! Writing an assembly next to its final place and swapping it in only when complete, so a
//! failed or interrupted synthesis never leaves a half-written assembly behind.

use crate::lock::other_readers;
use crate::outdir::{check_output_dir, is_assembly_entry};
use crate::{AssemblyError, io_err, process};
use std::path::{Path, PathBuf};

/// A directory being written next to its final location; [`StagingDir::commit`] swaps it in.
///
/// The final directory must be missing, empty or a cloud assembly
/// ([`check_output_dir`]); what it holds besides the assembly's own files (an outputs file,
/// lock files) is kept. Dropping an uncommitted `StagingDir` removes it, leaving any previous
/// assembly untouched; staging directories left by killed processes are removed by the next one.
#[derive(Debug)]
pub struct StagingDir {
    final_dir: PathBuf,
    tmp_dir: PathBuf,
    committed: bool,
}

impl StagingDir {
    /// Creates an empty sibling directory of `final_dir` to write into, after checking that
    /// `final_dir` may be replaced.
    pub fn create(final_dir: impl AsRef<Path>) -> Result<Self, AssemblyError> {
        let final_dir = resolved(final_dir.as_ref());
        check_output_dir(&final_dir)?;
        let parent = final_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        remove_stale_siblings(&final_dir);
        let tmp_dir = sibling(&final_dir, STAGING);
        std::fs::create_dir(&tmp_dir).map_err(io_err(&tmp_dir))?;
        Ok(Self {
            final_dir,
            tmp_dir,
            committed: false,
        })
    }

    /// Where to write the new assembly's files.
    pub fn path(&self) -> &Path {
        &self.tmp_dir
    }

    /// The directory the assembly will occupy after [`commit`](Self::commit).
    pub fn final_path(&self) -> &Path {
        &self.final_dir
    }

    /// Writes one file (relative name) into the staging directory.
    pub fn write(&self, name: &str, contents: &[u8]) -> Result<(), AssemblyError> {
        let path = self.tmp_dir.join(name);
        std::fs::write(&path, contents).map_err(io_err(&path))
    }

    /// Replaces the final directory with the staged one. Refused while another process reads
    /// the old assembly (it holds a read lock), or if the final directory no longer holds one.
    pub fn commit(mut self) -> Result<(), AssemblyError> {
        check_output_dir(&self.final_dir)?;
        let readers = other_readers(&self.final_dir);
        if !readers.is_empty() {
            return Err(AssemblyError::Locked {
                dir: self.final_dir.clone(),
                pids: readers,
                activity: "reading from",
            });
        }
        let carried = self.carry_over()?;
        let old = sibling(&self.final_dir, OLD);
        let had_old = match std::fs::rename(&self.final_dir, &old) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => {
                // Anything that could not go back stays in the staging directory, kept.
                self.committed = !self.return_carried(&carried, &self.final_dir);
                return Err(io_err(&self.final_dir)(e));
            }
        };
        if let Err(e) = std::fs::rename(&self.tmp_dir, &self.final_dir) {
            // Put the previous directory back as it was, so nothing is lost; anything that
            // cannot go back stays in the staging directory, which is then kept.
            let restored = !had_old || std::fs::rename(&old, &self.final_dir).is_ok();
            self.committed = !(restored && self.return_carried(&carried, &self.final_dir));
            return Err(io_err(&self.final_dir)(e));
        }
        self.committed = true;
        if had_old {
            // Only the old assembly's own files are left in it.
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(())
    }

    /// Moves what the final directory holds besides the assembly into the staging directory;
    /// lock files are copied instead, so the directory stays locked until the swap.
    fn carry_over(&self) -> Result<Vec<std::ffi::OsString>, AssemblyError> {
        let Ok(entries) = std::fs::read_dir(&self.final_dir) else {
            return Ok(Vec::new());
        };
        let mut carried = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let text = name.to_string_lossy();
            if is_assembly_entry(&text) || self.tmp_dir.join(&name).exists() {
                continue;
            }
            let to = self.tmp_dir.join(&name);
            if crate::lock::is_lock_file(&text) {
                let _ = std::fs::copy(entry.path(), &to);
                continue;
            }
            if let Err(e) = std::fs::rename(entry.path(), &to) {
                self.return_carried(&carried, &self.final_dir);
                return Err(io_err(&entry.path())(e));
            }
            carried.push(name);
        }
        Ok(carried)
    }

    /// Moves carried entries from the staging directory back to `to`; `false` if one could not
    /// be moved (it is then still in the staging directory, which must be kept).
    fn return_carried(&self, carried: &[std::ffi::OsString], to: &Path) -> bool {
        let mut all = true;
        for name in carried {
            all &= std::fs::rename(self.tmp_dir.join(name), to.join(name)).is_ok();
        }
        all
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp_dir);
        }
    }
}

const STAGING: &str = "staging";
const OLD: &str = "old";

/// The absolute path, with a symbolic link to a directory resolved (the link is kept).
fn resolved(p: &Path) -> PathBuf {
    let abs = crate::outdir::normalize(p);
    match std::fs::symlink_metadata(&abs) {
        Ok(m) if m.file_type().is_symlink() => abs.canonicalize().unwrap_or(abs),
        _ => abs,
    }
}

fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "cdk.out".to_string())
}

/// `.<name>.<what>-<pid>-<n>` beside `dir`.
fn sibling(dir: &Path, what: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.with_file_name(format!(
        ".{}.{what}-{}-{n}",
        dir_name(dir),
        std::process::id()
    ))
}

/// Whether a sibling of `dir` is an old directory (else a staging one), and its owner's PID,
/// from its name.
fn sibling_owner(dir_name: &str, name: &str) -> Option<(bool, u32)> {
    let rest = name.strip_prefix(&format!(".{dir_name}."))?;
    let (is_old, rest) = match rest.strip_prefix(&format!("{STAGING}-")) {
        Some(r) => (false, r),
        None => (true, rest.strip_prefix(&format!("{OLD}-"))?),
    };
    let (pid, n) = rest.split_once('-')?;
    n.parse::<usize>().ok()?;
    Some((is_old, pid.parse().ok()?))
}

/// Cleans up after processes killed while writing an assembly beside `dir`: an old assembly
/// whose replacement never arrived goes back in place, entries of the user's that were being
/// carried over go back into `dir`, and then the leftover directories are removed.
fn remove_stale_siblings(dir: &Path) {
    let (Some(parent), name) = (dir.parent(), dir_name(dir)) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let mut stale: Vec<(bool, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let file_name = e.file_name().to_string_lossy().into_owned();
            let (is_old, pid) = sibling_owner(&name, &file_name)?;
            (!process::is_alive(pid)).then(|| (is_old, e.path()))
        })
        .collect();
    // Old assemblies first: one may have to go back in place before entries return into it.
    stale.sort_by_key(|(is_old, _)| !is_old);
    for (is_old, path) in stale {
        if is_old && !dir.exists() && std::fs::rename(&path, dir).is_ok() {
            continue;
        }
        if !return_user_entries(&path, dir) {
            continue; // keep what could not be put back
        }
        let _ = std::fs::remove_dir_all(&path);
    }
}

/// Moves the entries of `from` that are not the assembly's (the user's, carried over by a
/// killed process) into `to`, unless `to` has an entry of that name; `false` if one is left.
fn return_user_entries(from: &Path, to: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(from) else {
        return true;
    };
    let mut all = true;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if is_assembly_entry(&text) || crate::lock::is_lock_file(&text) {
            continue;
        }
        let target = to.join(&name);
        if target.exists() || std::fs::rename(entry.path(), &target).is_err() {
            all = false;
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    const MANIFEST: &str = r#"{"version":"55.0.0","artifacts":{}}"#;

    fn assembly(dir: &Path) {
        std::fs::create_dir_all(dir).expect("mkdir");
        std::fs::write(dir.join("manifest.json"), MANIFEST).expect("write");
    }

    #[test]
    fn staging_dir_swaps_in_and_cleans_up() {
        let root = tempfile::tempdir().expect("tmp");
        let out = root.path().join("cdk.out");
        assembly(&out);
        std::fs::write(out.join("Old.template.json"), "old").expect("write");

        // An abandoned staging dir leaves the old assembly alone.
        let staging = StagingDir::create(&out).expect("stage");
        staging.write("new.txt", b"new").expect("write");
        drop(staging);
        assert!(out.join("Old.template.json").exists());
        assert_eq!(names(root.path()), ["cdk.out"]);

        let staging = StagingDir::create(&out).expect("stage");
        staging
            .write("manifest.json", b"{\"version\":\"55.0.0\"}")
            .expect("write");
        staging.write("New.template.json", b"new").expect("write");
        staging.commit().expect("commit");
        assert_eq!(names(&out), ["New.template.json", "manifest.json"]);
        assert_eq!(names(root.path()), ["cdk.out"]);
    }

    #[test]
    fn what_is_not_the_assemblys_is_kept() {
        let root = tempfile::tempdir().expect("tmp");
        let out = root.path().join("cdk.out");
        assembly(&out);
        std::fs::write(out.join("outputs.json"), "{}").expect("write");
        std::fs::write(out.join("Old.template.json"), "old").expect("write");
        std::fs::create_dir(out.join("notes")).expect("mkdir");
        let staging = StagingDir::create(&out).expect("stage");
        staging
            .write("manifest.json", b"{\"version\":\"55.0.0\"}")
            .expect("write");
        staging.commit().expect("commit");
        assert_eq!(names(&out), ["manifest.json", "notes", "outputs.json"]);
    }

    #[test]
    fn directories_that_are_not_assemblies_are_refused_untouched() {
        let root = tempfile::tempdir().expect("tmp");
        let project = root.path().join("project");
        std::fs::create_dir_all(project.join(".git")).expect("mkdir");
        std::fs::write(project.join("Cargo.toml"), "[package]").expect("write");
        let err = StagingDir::create(&project).expect_err("refused");
        assert!(err.to_string().contains("not a cloud assembly"), "{err}");
        assert_eq!(names(&project), [".git", "Cargo.toml"]);
        assert_eq!(names(root.path()), ["project"]);

        let file = root.path().join("model.bin");
        std::fs::write(&file, "weights").expect("write");
        assert!(StagingDir::create(&file).is_err());
        assert_eq!(std::fs::read_to_string(&file).expect("read"), "weights");

        // A directory that stopped being an assembly while staging is not replaced either.
        let out = root.path().join("cdk.out");
        assembly(&out);
        let staging = StagingDir::create(&out).expect("stage");
        std::fs::remove_file(out.join("manifest.json")).expect("rm");
        std::fs::write(out.join("mine.txt"), "mine").expect("write");
        assert!(staging.commit().is_err());
        assert_eq!(names(&out), ["mine.txt"]);
    }

    #[test]
    fn a_read_assembly_is_not_replaced() {
        let root = tempfile::tempdir().expect("tmp");
        let out = root.path().join("cdk.out");
        assembly(&out);
        let mut reader = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn");
        let lock = out.join(format!("read.{}.1.lock", reader.id()));
        std::fs::write(&lock, reader.id().to_string()).expect("write");
        let staging = StagingDir::create(&out).expect("stage");
        let err = staging.commit().expect_err("locked");
        let _ = reader.kill();
        let _ = reader.wait();
        assert!(err.to_string().contains("reading from"), "{err}");
        assert!(out.join("manifest.json").exists());
        assert_eq!(names(root.path()), ["cdk.out"]);
    }

    #[test]
    fn a_killed_swap_is_recovered_without_losing_the_users_entries() {
        let root = tempfile::tempdir().expect("tmp");
        let out = root.path().join("cdk.out");
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let dead = child.id();
        child.wait().expect("wait");
        // Killed after moving the old assembly aside and carrying the user's file over.
        let old = root.path().join(format!(".cdk.out.old-{dead}-0"));
        assembly(&old);
        let staging = root.path().join(format!(".cdk.out.staging-{dead}-1"));
        std::fs::create_dir_all(&staging).expect("mkdir");
        std::fs::write(staging.join("outputs.json"), "{\"mine\":1}").expect("write");
        std::fs::write(staging.join("New.template.json"), "{}").expect("write");
        let next = StagingDir::create(&out).expect("stage");
        assert!(
            out.join("manifest.json").exists(),
            "the old assembly is back"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("outputs.json")).expect("kept"),
            "{\"mine\":1}"
        );
        drop(next);
        assert_eq!(names(root.path()), ["cdk.out"]);
    }

    #[test]
    fn leftovers_of_killed_runs_are_removed() {
        let root = tempfile::tempdir().expect("tmp");
        let out = root.path().join("cdk.out");
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let dead = child.id();
        child.wait().expect("wait");
        let left = root.path().join(format!(".cdk.out.staging-{dead}-0"));
        let old = root.path().join(format!(".cdk.out.old-{dead}-3"));
        let running = root
            .path()
            .join(format!(".cdk.out.staging-{}-99", std::process::id()));
        let other = root.path().join(".cdk.out.staging-notes");
        for d in [&left, &old, &running, &other] {
            std::fs::create_dir_all(d.join("asset.x")).expect("mkdir");
        }
        let staging = StagingDir::create(&out).expect("stage");
        drop(staging);
        assert!(!left.exists() && !old.exists());
        assert!(
            running.exists(),
            "a live process's staging directory is kept"
        );
        assert!(other.exists(), "names that are not ours are kept");
    }
}

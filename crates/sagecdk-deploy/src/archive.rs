//! Directory assets (`packaging: "zip"`) packaged the way the AWS CDK's asset publisher packages
//! them: every file under the directory (dot files included, symbolic links followed, no
//! directory entries), sorted by path, each stamped 1980-01-01 00:00 with its permission bits,
//! deflated. The bytes depend on the directory's contents only, so an unchanged directory gives
//! the same archive (the object key is the source hash either way).

use crate::error::{DeployError, Result};
use std::collections::HashSet;
use std::fs::File;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// One file to archive.
struct ZipEntry {
    /// Path inside the archive: relative, `/`-separated.
    name: String,
    /// Where to read it.
    path: PathBuf,
}

/// Writes the zip archive of `dir` to `out` and returns `out`.
pub fn zip_directory<W: Write + Seek>(dir: &Path, out: W) -> Result<W> {
    let mut entries = Vec::new();
    let mut ancestors = HashSet::new();
    collect(dir, "", &mut ancestors, &mut entries)?;
    // JavaScript's default sort (UTF-16 code units) over whole relative paths, as the CDK sorts
    // its glob result: "a.txt" comes before "a/b".
    entries.sort_by(|a, b| a.name.encode_utf16().cmp(b.name.encode_utf16()));
    let zip_err = |e: zip::result::ZipError| DeployError::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::other(format!("writing the zip archive: {e}")),
    };
    let epoch = DateTime::from_date_and_time(1980, 1, 1, 0, 0, 0).map_err(|e| DeployError::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let mut zip = ZipWriter::new(out);
    for entry in &entries {
        let meta = std::fs::metadata(&entry.path).map_err(DeployError::io(&entry.path))?;
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(epoch)
            .unix_permissions(permissions(&meta))
            .large_file(meta.len() >= u64::from(u32::MAX));
        zip.start_file(entry.name.as_str(), options)
            .map_err(zip_err)?;
        let mut file = File::open(&entry.path).map_err(DeployError::io(&entry.path))?;
        std::io::copy(&mut file, &mut zip).map_err(DeployError::io(&entry.path))?;
    }
    zip.finish().map_err(zip_err)
}

/// Writes the zip archive of `dir` to a new temporary file (deleted when dropped).
pub fn zip_directory_to_temp(dir: &Path) -> Result<tempfile::NamedTempFile> {
    let temp = tempfile::Builder::new()
        .prefix("sagecdk-asset-")
        .suffix(".zip")
        .tempfile()
        .map_err(DeployError::io(std::env::temp_dir()))?;
    let file = zip_directory(dir, temp.reopen().map_err(DeployError::io(temp.path()))?)?;
    file.sync_all().map_err(DeployError::io(temp.path()))?;
    Ok(temp)
}

/// Collects the files under `dir`, following symbolic links; a link back to a directory being
/// walked is not entered again.
fn collect(
    dir: &Path,
    prefix: &str,
    ancestors: &mut HashSet<PathBuf>,
    out: &mut Vec<ZipEntry>,
) -> Result<()> {
    let canonical = std::fs::canonicalize(dir).map_err(DeployError::io(dir))?;
    if !ancestors.insert(canonical.clone()) {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(DeployError::io(dir))? {
        let entry = entry.map_err(DeployError::io(dir))?;
        let path = entry.path();
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        // Follows links: a dangling link is an error naming it, as reading it would be.
        let meta = std::fs::metadata(&path).map_err(DeployError::io(&path))?;
        if meta.is_dir() {
            collect(&path, &format!("{name}/"), ancestors, out)?;
        } else if meta.is_file() {
            out.push(ZipEntry { name, path });
        }
        // Sockets, FIFOs and devices are not files to archive.
    }
    ancestors.remove(&canonical);
    Ok(())
}

#[cfg(unix)]
fn permissions(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permissions(meta: &std::fs::Metadata) -> u32 {
    if meta.permissions().readonly() {
        0o444
    } else {
        0o644
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    fn tree(root: &Path) {
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join("empty")).unwrap();
        std::fs::write(root.join("a.txt"), "top\n").unwrap();
        std::fs::write(root.join("a/b/deep.bin"), [0u8, 1, 2, 3].repeat(5000)).unwrap();
        std::fs::write(root.join(".hidden"), "dot file").unwrap();
        std::fs::write(root.join("Z"), "upper case sorts first").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let run = root.join("a/run.sh");
            std::fs::write(&run, "#!/bin/sh\necho hi\n").unwrap();
            std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    /// Entry names in archive order.
    fn names(archive: &mut zip::ZipArchive<Cursor<Vec<u8>>>) -> Vec<String> {
        (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().unwrap().into_owned())
            .collect()
    }

    fn zip_bytes(dir: &Path) -> Vec<u8> {
        zip_directory(dir, Cursor::new(Vec::new()))
            .unwrap()
            .into_inner()
    }

    #[test]
    fn same_contents_give_the_same_bytes() {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        tree(one.path());
        tree(two.path());
        // Different modification times must not matter.
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        File::options()
            .write(true)
            .open(two.path().join("a.txt"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        let bytes = zip_bytes(one.path());
        assert_eq!(bytes, zip_bytes(two.path()));
        assert_eq!(bytes, zip_bytes(one.path()));
        // A changed byte changes the archive.
        std::fs::write(two.path().join("a/b/deep.bin"), [9u8; 4]).unwrap();
        assert_ne!(bytes, zip_bytes(two.path()));
    }

    #[test]
    fn contents_round_trip_in_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path());
        let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes(dir.path()))).unwrap();
        let mut expected = vec![".hidden", "Z", "a.txt", "a/b/deep.bin"];
        if cfg!(unix) {
            expected.push("a/run.sh");
        }
        // The archive's own order is the sorted order, with no directory entries.
        assert_eq!(names(&mut archive), expected);
        for name in &expected {
            let mut file = archive.by_name(name).unwrap();
            assert_eq!(file.compression(), CompressionMethod::Deflated);
            let modified = file.last_modified().unwrap();
            assert_eq!(
                (modified.year(), modified.month(), modified.day()),
                (1980, 1, 1)
            );
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            assert_eq!(
                data,
                std::fs::read(dir.path().join(name)).unwrap(),
                "{name}"
            );
        }
        #[cfg(unix)]
        {
            let run = archive.by_name("a/run.sh").unwrap();
            assert_eq!(run.unix_mode().map(|m| m & 0o777), Some(0o755));
        }
    }

    #[cfg(unix)]
    #[test]
    fn follows_links_and_stops_at_cycles() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("weights.bin"), "w").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes(dir.path()))).unwrap();
        assert_eq!(names(&mut archive), vec!["linked/weights.bin"]);

        std::os::unix::fs::symlink(dir.path().join("missing"), dir.path().join("dangling"))
            .unwrap();
        let err = zip_directory(dir.path(), Cursor::new(Vec::new()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("dangling"), "{err}");
    }
}

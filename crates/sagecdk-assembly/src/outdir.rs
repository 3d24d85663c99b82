//! Which directories an assembly may be written to, and which of their entries belong to it.
//!
//! An output directory is replaced as a whole when a new assembly is written, so it must be one:
//! a directory that exists and holds anything but a cloud assembly (a project, a home
//! directory, `.`) is refused, and so is a file or a directory holding the current directory.

use crate::AssemblyError;
use crate::lock::is_lock_file;
use std::path::{Path, PathBuf};

/// What is at an output directory's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputDirState {
    /// Nothing: the directory will be created.
    Missing,
    /// An empty directory (or one holding lock files only).
    Empty,
    /// A cloud assembly (its `manifest.json` has a schema version), written by sagecdk or the
    /// AWS CDK.
    Assembly,
}

/// `true` if `dir` holds a cloud assembly: a `manifest.json` with a `MAJOR.MINOR.PATCH` schema
/// `version` and an `artifacts` object, or with such a version beside the `cdk.out` marker file
/// every assembly writer leaves (a web app's or browser extension's `manifest.json` has a
/// `version` too, but neither of these).
pub fn is_cloud_assembly(dir: &Path) -> bool {
    let Ok(text) = std::fs::read(dir.join("manifest.json")) else {
        return false;
    };
    #[derive(serde::Deserialize)]
    struct Versioned {
        version: String,
        artifacts: Option<serde_json::Map<String, serde_json::Value>>,
    }
    let Ok(manifest) = serde_json::from_slice::<Versioned>(&text) else {
        return false;
    };
    crate::manifest::semver_major(&manifest.version).is_some()
        && (manifest.artifacts.is_some() || dir.join("cdk.out").is_file())
}

/// `path` made absolute with `.` and `..` resolved by their names (`out/..` is the directory
/// holding `out`, whether `out` exists or not), so that no later step can climb above the
/// directory the checks looked at.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Checks that an assembly may be written to `dir` (replacing what is there), and says what is
/// there. Refuses a file, a directory that holds something other than a cloud assembly, and a
/// directory holding the current directory.
pub fn check_output_dir(dir: &Path) -> Result<OutputDirState, AssemblyError> {
    let dir = &normalize(dir);
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OutputDirState::Missing),
        Err(source) => {
            return Err(AssemblyError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    if !meta.is_dir() {
        return Err(AssemblyError::OutputNotADirectory {
            path: dir.to_path_buf(),
        });
    }
    if let Some(cwd) = contained_work_dir(dir) {
        return Err(AssemblyError::OutputHoldsWorkDir {
            path: dir.to_path_buf(),
            work_dir: cwd,
        });
    }
    if is_cloud_assembly(dir) {
        return Ok(OutputDirState::Assembly);
    }
    let entries = std::fs::read_dir(dir).map_err(|source| AssemblyError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    // A directory the CLI just created and locked holds its lock file only.
    if entries
        .filter_map(Result::ok)
        .all(|e| is_lock_file(&e.file_name().to_string_lossy()))
    {
        return Ok(OutputDirState::Empty);
    }
    Err(AssemblyError::OutputNotAnAssembly {
        path: dir.to_path_buf(),
    })
}

/// The current directory, if `dir` is it or one of its ancestors.
fn contained_work_dir(dir: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
    let dir = dir.canonicalize().ok()?;
    cwd.starts_with(&dir).then_some(cwd)
}

/// `true` for the names a cloud assembly's files and directories have (`manifest.json`,
/// templates, asset and metadata files, staged assets, nested assemblies). Anything else found
/// in an assembly directory (an outputs file, lock files) is not the assembly's and is kept
/// when the assembly is replaced.
pub fn is_assembly_entry(name: &str) -> bool {
    matches!(
        name,
        "manifest.json" | "tree.json" | "cdk.out" | "validation-report.json"
    ) || name.starts_with("asset.")
        || name.starts_with("assembly-")
        || name.starts_with(".staging-")
        || [".template.json", ".assets.json", ".metadata.json"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_of_an_output_directory() {
        let root = tempfile::tempdir().expect("tmp");
        let out = root.path().join("cdk.out");
        assert_eq!(
            check_output_dir(&out).expect("missing"),
            OutputDirState::Missing
        );
        std::fs::create_dir(&out).expect("mkdir");
        assert_eq!(
            check_output_dir(&out).expect("empty"),
            OutputDirState::Empty
        );
        std::fs::write(out.join("manifest.json"), r#"{"version":"36.0.0"}"#).expect("write");
        // A version alone is not enough: the artifacts or the `cdk.out` marker must be there.
        assert!(check_output_dir(&out).is_err());
        std::fs::write(out.join("cdk.out"), r#"{"version":"36.0.0"}"#).expect("write");
        assert_eq!(
            check_output_dir(&out).expect("asm"),
            OutputDirState::Assembly
        );
        std::fs::remove_file(out.join("cdk.out")).expect("rm");
        std::fs::write(
            out.join("manifest.json"),
            r#"{"version":"36.0.0","artifacts":{}}"#,
        )
        .expect("write");
        assert_eq!(
            check_output_dir(&out).expect("asm"),
            OutputDirState::Assembly
        );

        // A web app's or browser extension's manifest.json is not an assembly's.
        let web = root.path().join("web");
        std::fs::create_dir(&web).expect("mkdir");
        for manifest in [
            r#"{"name":"app"}"#,
            r#"{"manifest_version":3,"name":"ext","version":"1.2.3"}"#,
        ] {
            std::fs::write(web.join("manifest.json"), manifest).expect("write");
            let err = check_output_dir(&web).expect_err("not an assembly");
            assert!(
                matches!(err, AssemblyError::OutputNotAnAssembly { .. }),
                "{err}"
            );
        }
        // `missing/..` is the directory holding it, checked as such.
        let err = check_output_dir(&web.join("missing").join("..")).expect_err("web");
        assert!(
            matches!(err, AssemblyError::OutputNotAnAssembly { .. }),
            "{err}"
        );

        let file = root.path().join("notes.txt");
        std::fs::write(&file, "mine").expect("write");
        let err = check_output_dir(&file).expect_err("a file");
        assert!(
            matches!(err, AssemblyError::OutputNotADirectory { .. }),
            "{err}"
        );
    }

    #[test]
    fn a_directory_holding_the_current_directory_is_refused() {
        let cwd = std::env::current_dir().expect("cwd");
        let err = check_output_dir(&cwd).expect_err("cwd");
        assert!(
            matches!(err, AssemblyError::OutputHoldsWorkDir { .. }),
            "{err}"
        );
        let parent = cwd.parent().expect("parent");
        assert!(check_output_dir(parent).is_err());
    }

    #[test]
    fn assembly_entries() {
        for name in [
            "manifest.json",
            "tree.json",
            "cdk.out",
            "validation-report.json",
            "Stack.template.json",
            "Stack.assets.json",
            "Stack.metadata.json",
            "asset.abc123",
            "asset.abc123.tar.gz",
            "assembly-Stage",
        ] {
            assert!(is_assembly_entry(name), "{name}");
        }
        for name in [
            "outputs.json",
            "synth.lock",
            "read.12.1.lock",
            ".git",
            "notes.txt",
        ] {
            assert!(!is_assembly_entry(name), "{name}");
        }
    }
}

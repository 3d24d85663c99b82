//! The Docker build context of a Rust serving program: the program built with cargo
//! (release), and on the default minimal base (`scratch`) the shared libraries it links with
//! (from `ldd`), under `rootfs/`, with a Dockerfile whose entry point is the program — a
//! container of a few MB that SageMaker starts as `<image> serve`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// How long another build's context of the same binary is kept: a stack program that staged it
/// may still be reading it (two builds of one program synthesized at the same time).
const OTHER_CONTEXT_GRACE: Duration = Duration::from_secs(600);

/// A Rust serving program to build into an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServingImageOptions {
    /// The directory of the program's crate (its `Cargo.toml`).
    pub crate_dir: PathBuf,
    /// The binary target to build.
    pub binary: String,
    /// The base image (default `scratch`, with the program's shared libraries copied in;
    /// another base must provide a compatible C library itself).
    pub base_image: Option<String>,
    /// Cargo features to enable.
    pub features: Vec<String>,
}

impl ServingImageOptions {
    /// The binary `binary` of the crate in `crate_dir`.
    pub fn new(crate_dir: impl Into<PathBuf>, binary: impl Into<String>) -> Self {
        ServingImageOptions {
            crate_dir: crate_dir.into(),
            binary: binary.into(),
            base_image: None,
            features: Vec::new(),
        }
    }
}

/// Why a serving image's build context could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ServingImageError {
    /// The crate directory has no `Cargo.toml`.
    #[error("{} has no Cargo.toml: name the directory of the serving program's crate", .0.display())]
    NoCrate(PathBuf),
    /// `cargo build` failed; its diagnostics.
    #[error("`cargo build --release --bin {binary}` in {} failed:\n{output}", crate_dir.display())]
    Build {
        /// The crate.
        crate_dir: PathBuf,
        /// The binary.
        binary: String,
        /// What cargo reported.
        output: String,
    },
    /// The build did not produce the binary.
    #[error("the crate in {} has no binary '{binary}' (its binaries: {found})", crate_dir.display())]
    NoBinary {
        /// The crate.
        crate_dir: PathBuf,
        /// The binary asked for.
        binary: String,
        /// The binaries built.
        found: String,
    },
    /// The staged build context could not be hashed.
    #[error("hashing the build context: {0}")]
    Fingerprint(#[from] crate::AssetError),
    /// A tool could not be run or a file written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServingImageError {
    let what = what.into();
    move |source| ServingImageError::Io { what, source }
}

/// Where the program is installed in the image.
pub const SERVING_BINARY_PATH: &str = "/usr/local/bin/serve";

/// Builds the program and writes its build context (`Dockerfile` and `rootfs/`) under the
/// crate's `target/sagecdk-serving/context/`, in a directory named after the binary and the
/// context's fingerprint; returns that directory. A context is written under a temporary name
/// and renamed into place, so it never changes once there: stack programs synthesizing the same
/// program side by side never read one another's half-written context. The binary's other
/// contexts are removed once they are ten minutes old (one staged by another build of the
/// program synthesizing at the same time stays while it may be read). Cargo runs with its own
/// target directory under the crate's `target/` so that it never waits on the build lock of a
/// cargo running the stack program.
pub fn stage_serving_image(options: &ServingImageOptions) -> Result<PathBuf, ServingImageError> {
    let manifest = options.crate_dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(ServingImageError::NoCrate(options.crate_dir.clone()));
    }
    let binary = build(options, &manifest)?;
    let contexts = serving_target_dir(options).join("context");
    std::fs::create_dir_all(&contexts).map_err(io(format!("creating {}", contexts.display())))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{}-staging-", options.binary))
        .tempdir_in(&contexts)
        .map_err(io(format!(
            "creating a directory in {}",
            contexts.display()
        )))?;
    write_context(options, &binary, staging.path())?;
    let fingerprint = crate::fingerprint(staging.path(), &Default::default())?;
    let name = format!("{}.{}", options.binary, &fingerprint[..16]);
    let context = contexts.join(&name);
    match std::fs::rename(staging.path(), &context) {
        Ok(()) => {
            // The directory now lives at `context`; nothing left to clean up.
            let _ = staging.keep();
        }
        // Another synthesis put the same context in place first; ours is dropped.
        Err(_) if context.is_dir() => {}
        Err(e) => {
            return Err(io(format!(
                "renaming {} to {}",
                staging.path().display(),
                context.display()
            ))(e));
        }
    }
    remove_other_contexts(&contexts, &options.binary, &name)?;
    Ok(context)
}

/// Cargo's target directory for the program, under the crate's own `target/`.
fn serving_target_dir(options: &ServingImageOptions) -> PathBuf {
    options.crate_dir.join("target").join("sagecdk-serving")
}

/// Writes the build context of `binary` to the empty directory `out`.
fn write_context(
    options: &ServingImageOptions,
    binary: &Path,
    out: &Path,
) -> Result<(), ServingImageError> {
    let rootfs = out.join("rootfs");
    let installed = rootfs.join(SERVING_BINARY_PATH.trim_start_matches('/'));
    copy(binary, &installed)?;
    let base = options.base_image.as_deref().unwrap_or("scratch");
    if base == "scratch" {
        for library in shared_libraries(binary)? {
            copy(
                &library,
                &rootfs.join(library.strip_prefix("/").unwrap_or(&library)),
            )?;
        }
    }
    let dockerfile = format!(
        "FROM {base}\n\
         COPY rootfs/ /\n\
         LABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true\n\
         EXPOSE 8080\n\
         ENTRYPOINT [\"{SERVING_BINARY_PATH}\"]\n\
         CMD [\"serve\"]\n"
    );
    std::fs::write(out.join("Dockerfile"), dockerfile)
        .map_err(io(format!("writing {}", out.join("Dockerfile").display())))
}

/// Removes the contexts of `binary` under `contexts` other than `current` (earlier builds).
fn remove_other_contexts(
    contexts: &Path,
    binary: &str,
    current: &str,
) -> Result<(), ServingImageError> {
    let entries =
        std::fs::read_dir(contexts).map_err(io(format!("reading {}", contexts.display())))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let earlier = name != current
            && name.rsplit_once('.').is_some_and(|(bin, hash)| {
                bin == binary && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
            });
        let expired = || {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .is_some_and(|age| age > OTHER_CONTEXT_GRACE)
        };
        if earlier && expired() {
            // Gone already when another synthesis removed it first.
            match std::fs::remove_dir_all(entry.path()) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(io(format!("removing {}", entry.path().display()))(e));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Runs `cargo build --release` for the binary; its path.
fn build(options: &ServingImageOptions, manifest: &Path) -> Result<PathBuf, ServingImageError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target_dir = serving_target_dir(options);
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--release",
            "--message-format=json-render-diagnostics",
            "--bin",
        ])
        .arg(&options.binary)
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        // A stack program run by `cargo run` inherits settings meant for its own build.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTFLAGS");
    if !options.features.is_empty() {
        command.arg("--features").arg(options.features.join(","));
    }
    let output = command.output().map_err(io("running cargo"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut built = Vec::new();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] == "compiler-artifact"
            && message["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
            && let Some(exe) = message["executable"].as_str()
        {
            built.push((
                message["target"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                PathBuf::from(exe),
            ));
        }
    }
    if !output.status.success() {
        return Err(ServingImageError::Build {
            crate_dir: options.crate_dir.clone(),
            binary: options.binary.clone(),
            output: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    built
        .iter()
        .find(|(name, _)| *name == options.binary)
        .map(|(_, path)| path.clone())
        .ok_or_else(|| ServingImageError::NoBinary {
            crate_dir: options.crate_dir.clone(),
            binary: options.binary.clone(),
            found: built
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The shared libraries `binary` loads (and its dynamic loader), as `ldd` resolves them; none
/// for a static binary.
fn shared_libraries(binary: &Path) -> Result<Vec<PathBuf>, ServingImageError> {
    let output = Command::new("ldd").arg(binary).output().map_err(io(
        "running ldd (to copy the program's shared libraries into the image)",
    ))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut libraries = Vec::new();
    for line in text.lines() {
        // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` or `/lib64/ld-linux-x86-64.so.2 (0x…)`.
        let path = match line.split_once("=>") {
            Some((_, resolved)) => resolved.trim().split(' ').next().unwrap_or_default(),
            None => line.trim().split(' ').next().unwrap_or_default(),
        };
        if path.starts_with('/') {
            libraries.push(PathBuf::from(path));
        }
    }
    Ok(libraries)
}

/// Copies `from` (following links) to `to`, creating its directory; the mode is kept.
fn copy(from: &Path, to: &Path) -> Result<(), ServingImageError> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(io(format!("creating {}", parent.display())))?;
    }
    std::fs::copy(from, to).map(|_| ()).map_err(io(format!(
        "copying {} to {}",
        from.display(),
        to.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_contexts_of_the_binary_go_once_they_are_ten_minutes_old() {
        let dir = tempfile::tempdir().expect("tmp");
        let context = |name: &str, age: Duration| {
            let path = dir.path().join(name);
            std::fs::create_dir(&path).expect("dir");
            std::fs::File::open(&path)
                .and_then(|d| d.set_modified(SystemTime::now() - age))
                .expect("mtime");
        };
        let hour = Duration::from_secs(3600);
        context("serve.00000000000000aa", hour);
        context("serve.00000000000000bb", Duration::from_secs(60));
        context("serve.00000000000000cc", hour);
        context("other.00000000000000aa", hour);
        context("serve.not-a-fingerprint", hour);
        remove_other_contexts(dir.path(), "serve", "serve.00000000000000cc").expect("removes");
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "other.00000000000000aa",
                "serve.00000000000000bb",
                "serve.00000000000000cc",
                "serve.not-a-fingerprint"
            ]
        );
    }
}

//! Error type shared by every function of this crate.

use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong while fingerprinting, staging or packaging an asset.
///
/// Every variant names the file or directory concerned; callers add the construct path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssetError {
    /// The path does not exist (or a dangling symlink was used as a root).
    #[error("cannot find asset at {}", path.display())]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// A file or directory exists but could not be read or written.
    #[error("cannot access {}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying operating-system error.
        #[source]
        source: io::Error,
    },
    /// Resolving the path ran into a cycle of symbolic links.
    #[error("symbolic link loop while resolving {}", path.display())]
    SymlinkLoop {
        /// The path whose resolution loops.
        path: PathBuf,
    },
    /// A directory was expected but something else (usually a file) was found.
    #[error("{} is not a directory", path.display())]
    NotADirectory {
        /// The offending path.
        path: PathBuf,
    },
    /// The entry is neither a regular file nor a directory (socket, FIFO, device...).
    #[error("unable to hash {}: it is neither a file nor a directory", path.display())]
    UnsupportedFileType {
        /// The offending path.
        path: PathBuf,
    },
    /// The Dockerfile of a Docker image asset does not exist in the build context.
    #[error("cannot find Dockerfile at {}", path.display())]
    DockerfileNotFound {
        /// The expected Dockerfile location.
        path: PathBuf,
    },
    /// A symlink points outside the asset while the follow mode forbids it
    /// (`SymlinkFollowMode::BlockExternal`).
    #[error(
        "the file {} is an external symbolic link which is forbidden due to follow mode internal-only (link {})",
        target.display(),
        path.display()
    )]
    ExternalSymlinkForbidden {
        /// The symlink inside the asset.
        path: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// An exclude pattern could not be compiled.
    #[error("invalid exclude pattern {pattern:?}: {reason}")]
    InvalidPattern {
        /// The pattern as given.
        pattern: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Invalid arguments that do not concern a single file.
    #[error("{0}")]
    Invalid(String),
}

impl AssetError {
    /// Classifies an I/O error on `path` into the most specific variant.
    pub fn from_io(path: &Path, source: io::Error) -> Self {
        let path = path.to_path_buf();
        match source.kind() {
            io::ErrorKind::NotFound => AssetError::NotFound { path },
            io::ErrorKind::NotADirectory => AssetError::NotADirectory { path },
            _ if is_eloop(&source) => AssetError::SymlinkLoop { path },
            _ => AssetError::Io { path, source },
        }
    }

    /// The path this error is about, if it concerns a single path.
    pub fn path(&self) -> Option<&Path> {
        match self {
            AssetError::NotFound { path }
            | AssetError::Io { path, .. }
            | AssetError::SymlinkLoop { path }
            | AssetError::NotADirectory { path }
            | AssetError::UnsupportedFileType { path }
            | AssetError::DockerfileNotFound { path }
            | AssetError::ExternalSymlinkForbidden { path, .. } => Some(path),
            AssetError::InvalidPattern { .. } | AssetError::Invalid(_) => None,
        }
    }
}

#[cfg(unix)]
fn is_eloop(e: &io::Error) -> bool {
    // ELOOP is 40 on Linux and 62 on the BSDs/macOS.
    #[cfg(target_os = "linux")]
    const ELOOP: i32 = 40;
    #[cfg(not(target_os = "linux"))]
    const ELOOP: i32 = 62;
    e.raw_os_error() == Some(ELOOP)
}

#[cfg(not(unix))]
fn is_eloop(_e: &io::Error) -> bool {
    false
}

/// Convenience alias.
pub type Result<T, E = AssetError> = std::result::Result<T, E>;

pub(crate) trait IoContext<T> {
    fn at(self, path: &Path) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: &Path) -> Result<T> {
        self.map_err(|e| AssetError::from_io(path, e))
    }
}

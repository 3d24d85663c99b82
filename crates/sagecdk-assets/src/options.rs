//! Options shared by fingerprinting and copying (the CDK's `CopyOptions` / `FingerprintOptions`).

use std::fmt;

/// How symbolic links are handled while walking a directory (the CDK's `SymlinkFollowMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SymlinkFollowMode {
    /// Never follow symlinks: they are hashed (and copied) as links.
    Never,
    /// Always follow symlinks whose target exists.
    Always,
    /// Follow only symlinks pointing outside the asset root (the default).
    #[default]
    External,
    /// Follow only symlinks pointing inside the asset root; copying an external symlink is an
    /// error. The CDK calls this `BLOCK_EXTERNAL` and hashes it as `internal-only`.
    BlockExternal,
}

impl SymlinkFollowMode {
    /// The string the CDK hashes into the `options.follow` field.
    pub fn as_str(self) -> &'static str {
        match self {
            SymlinkFollowMode::Never => "never",
            SymlinkFollowMode::Always => "always",
            SymlinkFollowMode::External => "external",
            SymlinkFollowMode::BlockExternal => "internal-only",
        }
    }

    /// Parses the CDK's string form (`never`, `always`, `external`, `internal-only`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "never" => SymlinkFollowMode::Never,
            "always" => SymlinkFollowMode::Always,
            "external" => SymlinkFollowMode::External,
            "internal-only" => SymlinkFollowMode::BlockExternal,
            _ => return None,
        })
    }

    /// Whether a symlink whose target is (`internal == true`) or is not inside the root is followed.
    pub fn follows(self, internal: bool) -> bool {
        match self {
            SymlinkFollowMode::Always => true,
            SymlinkFollowMode::External => !internal,
            SymlinkFollowMode::BlockExternal => internal,
            SymlinkFollowMode::Never => false,
        }
    }
}

impl fmt::Display for SymlinkFollowMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which syntax the exclude patterns use (the CDK's `IgnoreMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IgnoreMode {
    /// minimatch globs with `matchBase` (the default).
    #[default]
    Glob,
    /// `.gitignore` syntax (as the `ignore` npm package implements it).
    Git,
    /// `.dockerignore` syntax (as `@balena/dockerignore` implements it).
    Docker,
}

impl IgnoreMode {
    /// The string the CDK hashes into the `options.ignoreMode` field.
    pub fn as_str(self) -> &'static str {
        match self {
            IgnoreMode::Glob => "glob",
            IgnoreMode::Git => "git",
            IgnoreMode::Docker => "docker",
        }
    }

    /// Parses the CDK's string form (`glob`, `git`, `docker`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "glob" => IgnoreMode::Glob,
            "git" => IgnoreMode::Git,
            "docker" => IgnoreMode::Docker,
            _ => return None,
        })
    }
}

impl fmt::Display for IgnoreMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Options of [`fingerprint`](crate::fingerprint) and of directory copies (the CDK's
/// `FingerprintOptions`, which extends `CopyOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FingerprintOptions {
    /// Exclude patterns, in order; `!pattern` re-includes. Syntax given by `ignore_mode`.
    pub exclude: Vec<String>,
    /// Symlink handling; `None` means the CDK default, `external`.
    pub follow: Option<SymlinkFollowMode>,
    /// Pattern syntax; `None` means `glob`. Any explicit mode other than glob is hashed.
    pub ignore_mode: Option<IgnoreMode>,
    /// Extra string mixed into the hash (`options.extra`); `None` and `""` are equivalent.
    pub extra_hash: Option<String>,
}

impl FingerprintOptions {
    /// The follow mode in effect (`external` when unset).
    pub fn follow_mode(&self) -> SymlinkFollowMode {
        self.follow.unwrap_or_default()
    }

    /// The ignore mode in effect (`glob` when unset).
    pub fn ignore_mode(&self) -> IgnoreMode {
        self.ignore_mode.unwrap_or_default()
    }
}

//! Exclude-pattern strategies (the CDK's `IgnoreStrategy` and its three subclasses).
//!
//! All methods take paths **relative to the asset root**, with `/` separators and no leading
//! `./` — exactly what the CDK computes with `path.relative(root, absolutePath)` before matching.

mod dockerignore;
mod gitignore;
mod minimatch;

use crate::error::{AssetError, Result};
use crate::options::{FingerprintOptions, IgnoreMode};

/// Decides which files of an asset are excluded.
#[derive(Debug, Clone)]
pub enum IgnoreStrategy {
    /// minimatch globs with `{ matchBase: true, flipNegate: true }`, applied in order;
    /// a matching pattern excludes, a matching `!pattern` re-includes.
    Glob(GlobIgnore),
    /// `.gitignore` semantics.
    Git(GitIgnoreStrategy),
    /// `.dockerignore` semantics.
    Docker(DockerIgnoreStrategy),
}

/// Glob strategy state (see [`IgnoreStrategy::Glob`]).
#[derive(Debug, Clone, Default)]
pub struct GlobIgnore {
    patterns: Vec<(bool, minimatch::Minimatch)>,
}

/// Git strategy state (see [`IgnoreStrategy::Git`]).
#[derive(Debug, Clone, Default)]
pub struct GitIgnoreStrategy {
    inner: gitignore::GitIgnore,
}

/// Docker strategy state (see [`IgnoreStrategy::Docker`]): one matcher for files and a second
/// one, with every negation's parent directories added, for deciding whether a directory can be
/// skipped entirely.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnoreStrategy {
    ignore: dockerignore::DockerIgnore,
    complete: dockerignore::DockerIgnore,
}

fn invalid(pattern: &str, reason: String) -> AssetError {
    AssetError::InvalidPattern {
        pattern: pattern.to_string(),
        reason,
    }
}

impl IgnoreStrategy {
    /// Builds the strategy for `mode` from `patterns` (in order).
    pub fn new<S: AsRef<str>>(mode: IgnoreMode, patterns: &[S]) -> Result<Self> {
        let mut s = match mode {
            IgnoreMode::Glob => IgnoreStrategy::Glob(GlobIgnore::default()),
            IgnoreMode::Git => IgnoreStrategy::Git(GitIgnoreStrategy::default()),
            IgnoreMode::Docker => IgnoreStrategy::Docker(DockerIgnoreStrategy::default()),
        };
        for p in patterns {
            s.add(p.as_ref())?;
        }
        Ok(s)
    }

    /// The strategy the CDK's `IgnoreStrategy.fromCopyOptions` builds from fingerprint options.
    pub fn from_options(options: &FingerprintOptions) -> Result<Self> {
        Self::new(options.ignore_mode(), &options.exclude)
    }

    /// Appends one pattern.
    pub fn add(&mut self, pattern: &str) -> Result<()> {
        match self {
            IgnoreStrategy::Glob(g) => {
                let m = minimatch::Minimatch::new(pattern).map_err(|e| invalid(pattern, e))?;
                g.patterns.push((pattern.starts_with('!'), m));
            }
            IgnoreStrategy::Git(g) => g.inner.add(pattern).map_err(|e| invalid(pattern, e))?,
            IgnoreStrategy::Docker(d) => {
                d.ignore.add(pattern).map_err(|e| invalid(pattern, e))?;
                d.complete.add(pattern).map_err(|e| invalid(pattern, e))?;
                // A negation re-including `a/b/c` must keep `a` and `a/b` walkable.
                if let Some((prefix, rest)) = negation_parts(pattern) {
                    let mut dir = rest.to_string();
                    loop {
                        dir = crate::jspath::dirname(&dir);
                        if dir == "/" || dir == "." {
                            break;
                        }
                        let extra = format!("{prefix}{dir}");
                        d.complete.add(&extra).map_err(|e| invalid(pattern, e))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the file (or directory) at `relative_path` is excluded.
    pub fn ignores(&self, relative_path: &str) -> bool {
        match self {
            IgnoreStrategy::Glob(g) => {
                let mut excluded = false;
                for (negate, m) in &g.patterns {
                    if m.matches(relative_path) {
                        excluded = !negate;
                    }
                }
                excluded
            }
            IgnoreStrategy::Git(g) => g.inner.ignores(relative_path),
            IgnoreStrategy::Docker(d) => d.ignore.ignores(relative_path),
        }
    }

    /// Whether the directory at `relative_dir` and everything below it is excluded, so that the
    /// walk does not enter it at all. Glob: same as [`ignores`](Self::ignores); git: the path
    /// with a trailing `/`; docker: ignored by both the pattern list and the list extended with
    /// the parents of every negation.
    pub fn completely_ignores(&self, relative_dir: &str) -> bool {
        match self {
            IgnoreStrategy::Glob(_) => self.ignores(relative_dir),
            IgnoreStrategy::Git(g) => {
                if relative_dir.ends_with('/') {
                    g.inner.ignores(relative_dir)
                } else {
                    g.inner.ignores(&format!("{relative_dir}/"))
                }
            }
            IgnoreStrategy::Docker(d) => {
                d.ignore.ignores(relative_dir) && d.complete.ignores(relative_dir)
            }
        }
    }
}

/// `/^\s*(\!|\/\!)(.*)/` on the first line of `pattern`.
fn negation_parts(pattern: &str) -> Option<(&'static str, &str)> {
    let line = pattern
        .split(['\n', '\r', '\u{2028}', '\u{2029}'])
        .next()
        .unwrap_or("");
    let t = line.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if let Some(rest) = t.strip_prefix('!') {
        Some(("!", rest))
    } else if let Some(rest) = t.strip_prefix("/!") {
        Some(("/!", rest))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_order_and_negation() {
        let s = IgnoreStrategy::new(IgnoreMode::Glob, &["*.txt", "!keep.txt"]).expect("ok");
        assert!(s.ignores("a.txt"));
        assert!(s.ignores("d/a.txt"));
        assert!(!s.ignores("keep.txt"));
        assert!(!s.ignores("d/keep.txt"));
        let s = IgnoreStrategy::new(IgnoreMode::Glob, &["!keep.txt", "*.txt"]).expect("ok");
        assert!(s.ignores("keep.txt"));
    }

    #[test]
    fn docker_complete_ignore_keeps_negated_parents() {
        let s = IgnoreStrategy::new(IgnoreMode::Docker, &["data", "!data/keep/x.bin"]).expect("ok");
        assert!(s.ignores("data"));
        assert!(!s.completely_ignores("data"));
        assert!(!s.ignores("data/keep/x.bin"));
        assert!(s.ignores("data/other.bin"));
        let s = IgnoreStrategy::new(IgnoreMode::Docker, &["data"]).expect("ok");
        assert!(s.completely_ignores("data"));
    }

    #[test]
    fn git_completely_ignores_directories() {
        let s = IgnoreStrategy::new(IgnoreMode::Git, &["build/"]).expect("ok");
        assert!(s.completely_ignores("build"));
        assert!(!s.ignores("build"));
    }
}

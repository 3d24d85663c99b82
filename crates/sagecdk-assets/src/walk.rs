//! The CDK's directory walk (`walkDirectory` in `fs/utils.ts`), shared by fingerprinting,
//! directory copies and model packaging.

use crate::error::{AssetError, IoContext, Result};
use crate::ignore::IgnoreStrategy;
use crate::jspath;
use crate::options::SymlinkFollowMode;
use std::collections::HashSet;
use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};

/// One visited entry. `rel` is the path relative to the walk root with `/` separators.
pub(crate) enum Entry<'a> {
    /// A directory about to be entered (not completely ignored); `ignored` tells whether the
    /// directory itself matches the excludes.
    Dir { rel: &'a str, ignored: bool },
    /// A regular file that is not excluded; `real` is where to read it, `meta` its metadata
    /// (following symlinks).
    File {
        rel: &'a str,
        real: &'a Path,
        meta: Metadata,
    },
    /// A symlink that is not followed and not excluded.
    Symlink {
        rel: &'a str,
        link_target: &'a str,
        resolved: &'a str,
        internal: bool,
    },
}

pub(crate) struct Walker<'a, F> {
    follow: SymlinkFollowMode,
    ignore: &'a IgnoreStrategy,
    canonical_root: String,
    ancestors: HashSet<String>,
    visitor: F,
}

fn lossy(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `realPathOrSelf`.
fn real_path_or_self(p: &str) -> String {
    fs::canonicalize(p)
        .map(|r| lossy(&r))
        .unwrap_or_else(|_| p.to_string())
}

/// `isInternalPath(root, target)`.
pub(crate) fn is_internal(root: &str, target: &str) -> bool {
    target == root || target.starts_with(&format!("{}/", root.trim_end_matches('/')))
}

/// Walks `directory` (an absolute path), calling `visitor` for each entry in the CDK's order:
/// entries sorted by name (UTF-16 code units), depth-first.
pub(crate) fn walk_directory<F>(
    directory: &Path,
    follow: SymlinkFollowMode,
    ignore: &IgnoreStrategy,
    visitor: F,
) -> Result<()>
where
    F: FnMut(Entry<'_>) -> Result<()>,
{
    let dir_str = lossy(directory);
    let canonical_root = real_path_or_self(&dir_str);
    let mut w = Walker {
        follow,
        ignore,
        canonical_root: canonical_root.clone(),
        ancestors: HashSet::new(),
        visitor,
    };
    w.walk("", directory, canonical_root)
}

impl<F> Walker<'_, F>
where
    F: FnMut(Entry<'_>) -> Result<()>,
{
    fn walk(&mut self, rel: &str, real: &Path, canonical: String) -> Result<()> {
        if self.ancestors.contains(&canonical) {
            return Ok(());
        }
        self.ancestors.insert(canonical.clone());
        let mut entries = Vec::new();
        for e in fs::read_dir(real).at(real)? {
            let e = e.at(real)?;
            let ft = e.file_type().at(&e.path())?;
            let name = e.file_name();
            entries.push((name.to_string_lossy().into_owned(), name, ft));
        }
        entries.sort_by(|a, b| jspath::js_cmp(&a.0, &b.0));
        for (name, os_name, ft) in entries {
            let child_rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let child_real = real.join(&os_name);
            if ft.is_symlink() {
                self.visit_symlink(&child_rel, &child_real)?;
            } else if ft.is_dir() {
                let child_canonical = jspath::join(&canonical, &name);
                self.visit_directory(&child_rel, &child_real, child_canonical)?;
            } else if ft.is_file() && !self.ignore.ignores(&child_rel) {
                let meta = fs::metadata(&child_real).at(&child_real)?;
                (self.visitor)(Entry::File {
                    rel: &child_rel,
                    real: &child_real,
                    meta,
                })?;
            }
            // Sockets, FIFOs and devices inside the tree are skipped silently, as in the CDK.
        }
        self.ancestors.remove(&canonical);
        Ok(())
    }

    fn visit_directory(&mut self, rel: &str, real: &Path, canonical: String) -> Result<()> {
        if self.ignore.completely_ignores(rel) {
            return Ok(());
        }
        let ignored = self.ignore.ignores(rel);
        (self.visitor)(Entry::Dir { rel, ignored })?;
        self.walk(rel, real, canonical)
    }

    fn visit_symlink(&mut self, rel: &str, real: &Path) -> Result<()> {
        let link_target = lossy(&fs::read_link(real).at(real)?);
        let real_str = lossy(real);
        let resolved_raw = if link_target.starts_with('/') {
            jspath::resolve_abs(&link_target)
        } else {
            jspath::resolve_abs(&format!("{}/{}", jspath::dirname(&real_str), link_target))
        };
        let resolved = jspath::join(
            &real_path_or_self(&jspath::dirname(&resolved_raw)),
            jspath::basename(&resolved_raw),
        );
        let internal = is_internal(&self.canonical_root, &resolved);
        let target_meta = if self.follow.follows(internal) {
            fs::metadata(&resolved).ok()
        } else {
            None
        };
        match target_meta {
            None => {
                if !self.ignore.ignores(rel) {
                    (self.visitor)(Entry::Symlink {
                        rel,
                        link_target: &link_target,
                        resolved: &resolved,
                        internal,
                    })?;
                }
                Ok(())
            }
            Some(m) if m.is_dir() => {
                let canonical = real_path_or_self(&resolved);
                self.visit_directory(rel, &PathBuf::from(&resolved), canonical)
            }
            Some(m) if m.is_file() => {
                if !self.ignore.ignores(rel) {
                    (self.visitor)(Entry::File {
                        rel,
                        real: Path::new(&resolved),
                        meta: m,
                    })?;
                }
                Ok(())
            }
            Some(_) => {
                if self.ignore.ignores(rel) {
                    Ok(())
                } else {
                    Err(AssetError::UnsupportedFileType {
                        path: real.to_path_buf(),
                    })
                }
            }
        }
    }
}

/// Refuses a symlink pointing outside the asset when the follow mode forbids that.
pub(crate) fn ensure_link_allowed(
    follow: crate::SymlinkFollowMode,
    internal: bool,
    link: &std::path::Path,
    resolved: &str,
) -> crate::Result<()> {
    if follow == crate::SymlinkFollowMode::BlockExternal && !internal {
        return Err(crate::AssetError::ExternalSymlinkForbidden {
            path: link.to_path_buf(),
            target: std::path::PathBuf::from(resolved),
        });
    }
    Ok(())
}

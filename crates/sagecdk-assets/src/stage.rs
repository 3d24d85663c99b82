//! Staging: copying an asset into the cloud assembly as `asset.<hash><ext>`.

use crate::error::{AssetError, IoContext, Result};
use crate::ignore::IgnoreStrategy;
use crate::jspath;
use crate::options::FingerprintOptions;
use crate::walk::{Entry, is_internal, walk_directory};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The extensions `AssetStaging` recognises as archives, in the order they are tried.
pub const ARCHIVE_EXTENSIONS: [&str; 5] = [".tar.gz", ".zip", ".jar", ".tar", ".tgz"];

/// The extension of a source path as the CDK's `getExtension` computes it: the first of
/// [`ARCHIVE_EXTENSIONS`] the lower-cased path ends with (returned in lower case), else Node's
/// `path.extname`. Note that the CDK applies this to directories too (`dir.v1` → `.v1`).
pub fn asset_extension(source: impl AsRef<Path>) -> String {
    let s = source.as_ref().to_string_lossy();
    let lower = s.to_lowercase();
    for ext in ARCHIVE_EXTENSIONS {
        if lower.ends_with(ext) {
            return ext.to_string();
        }
    }
    jspath::extname(&s).to_string()
}

/// The staged file name `asset.<hash><ext>` (ext from [`asset_extension`]).
pub fn staged_file_name(hash: &str, source: impl AsRef<Path>) -> String {
    format!("asset.{hash}{}", asset_extension(source))
}

/// How an asset is published (`FileAssetPackaging`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packaging {
    /// A single file uploaded as is (`file`).
    File,
    /// A directory zipped before upload (`zip`).
    ZipDirectory,
}

impl Packaging {
    /// The value written to the asset manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Packaging::File => "file",
            Packaging::ZipDirectory => "zip",
        }
    }
}

/// The S3 object key suffix the asset manifest builder appends to the hash: `.zip` for zipped
/// directories, else `path.extname` of the staged file name — `.gz` for `asset.<h>.tar.gz`.
pub fn object_key_extension(staged_file_name: &str, packaging: Packaging) -> String {
    match packaging {
        Packaging::ZipDirectory => ".zip".to_string(),
        Packaging::File => jspath::extname(staged_file_name).to_string(),
    }
}

/// Options of [`stage`].
///
/// Files are always copied, never hard-linked: a staged asset is named by the hash of its
/// content, and a link would let an edit of the source change the bytes behind that name. (The
/// kernel may still share the blocks: `std::fs::copy` uses `copy_file_range`, which clones on
/// file systems that can, keeping the copy independent.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageOptions {
    /// Excludes / follow / ignore mode for directory copies (the asset's staging options, e.g.
    /// [`AssetHashOptions::staging_options`](crate::AssetHashOptions::staging_options)).
    pub copy: FingerprintOptions,
}

/// The result of [`stage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedAsset {
    /// Absolute path of the staged file or directory.
    pub path: PathBuf,
    /// Its file name (`asset.<hash><ext>`, or with `_noext` in the CDK's corner case).
    pub file_name: String,
    /// File or zipped directory.
    pub packaging: Packaging,
    /// Whether the asset is an archive (a directory, or a file with an archive extension).
    pub is_archive: bool,
    /// `true` if the target already existed and was left untouched.
    pub already_staged: bool,
}

fn absolute(p: &Path) -> Result<PathBuf> {
    if p.is_absolute() {
        return Ok(PathBuf::from(jspath::resolve_abs(&p.to_string_lossy())));
    }
    let cwd = std::env::current_dir().at(Path::new("."))?;
    Ok(PathBuf::from(jspath::resolve_abs(
        &cwd.join(p).to_string_lossy(),
    )))
}

/// Copies `source` into `outdir` as `asset.<hash><ext>` the way `AssetStaging.stageByCopying`
/// does: nothing is rewritten if the target already exists; a file is copied; a directory is
/// copied honouring `options.copy` (excludes, follow mode; internal symlinks are
/// re-created relative, external ones kept verbatim). Writes go to a temporary name in `outdir`
/// that is renamed into place, so an interrupted stage never leaves a half-written asset.
pub fn stage(
    source: impl AsRef<Path>,
    outdir: impl AsRef<Path>,
    hash: &str,
    options: &StageOptions,
) -> Result<StagedAsset> {
    let source = absolute(source.as_ref())?;
    let outdir = absolute(outdir.as_ref())?;
    let meta = fs::metadata(&source).at(&source)?;
    let ext = asset_extension(&source);
    let mut file_name = format!("asset.{hash}{ext}");
    let mut target = outdir.join(&file_name);
    if jspath::dirname(&source.to_string_lossy()) == target.to_string_lossy() {
        file_name.push_str("_noext");
        target = outdir.join(&file_name);
    }
    let (packaging, is_archive) = if meta.is_dir() {
        (Packaging::ZipDirectory, true)
    } else if meta.is_file() {
        (
            Packaging::File,
            ARCHIVE_EXTENSIONS.contains(&ext.to_lowercase().as_str()),
        )
    } else {
        return Err(AssetError::UnsupportedFileType { path: source });
    };
    let mut staged = StagedAsset {
        path: target.clone(),
        file_name,
        packaging,
        is_archive,
        already_staged: true,
    };
    if fs::symlink_metadata(&target).is_ok() {
        return Ok(staged);
    }
    fs::create_dir_all(&outdir).at(&outdir)?;
    if meta.is_file() {
        place_file(&source, &target, &outdir)?;
    } else {
        let tmp = tempfile::Builder::new()
            .prefix(".staging-")
            .tempdir_in(&outdir)
            .at(&outdir)?;
        copy_directory(&source, tmp.path(), &options.copy)?;
        match fs::rename(tmp.path(), &target) {
            Ok(()) => {
                // The directory now lives at `target`; nothing left to clean up.
                let _ = tmp.keep();
            }
            Err(_) if target.exists() => {}
            Err(e) => return Err(AssetError::from_io(&target, e)),
        }
    }
    staged.already_staged = false;
    Ok(staged)
}

/// Puts a copy of `src` at `dst` atomically. Existing `dst` is kept.
fn place_file(src: &Path, dst: &Path, tmp_dir: &Path) -> Result<()> {
    let tmp = tempfile::Builder::new()
        .prefix(".staging-")
        .tempfile_in(tmp_dir)
        .at(tmp_dir)?;
    fs::copy(src, tmp.path()).at(src)?;
    match tmp.persist_noclobber(dst) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(AssetError::from_io(dst, e.error)),
    }
}

/// Copies the directory `src` into the existing directory `dest` the way the CDK's
/// `FileSystem.copyDirectory` does (excludes, follow mode, symlink re-creation).
pub fn copy_directory(
    src: impl AsRef<Path>,
    dest: impl AsRef<Path>,
    options: &FingerprintOptions,
) -> Result<()> {
    let src = absolute(src.as_ref())?;
    let dest = dest.as_ref();
    let meta = fs::metadata(&src).at(&src)?;
    if !meta.is_dir() {
        return Err(AssetError::NotADirectory { path: src });
    }
    let follow = options.follow_mode();
    let ignore = IgnoreStrategy::from_options(options)?;
    let canonical_src = fs::canonicalize(&src)
        .at(&src)?
        .to_string_lossy()
        .into_owned();
    let dest_str = dest.to_string_lossy().into_owned();
    walk_directory(&src, follow, &ignore, |e| match e {
        Entry::Dir { rel, ignored } => {
            if !ignored {
                let d = dest.join(rel);
                fs::create_dir_all(&d).at(&d)?;
            }
            Ok(())
        }
        Entry::File { rel, real, .. } => {
            let d = dest.join(rel);
            if let Some(parent) = d.parent() {
                fs::create_dir_all(parent).at(parent)?;
            }
            fs::copy(real, &d).at(real)?;
            Ok(())
        }
        Entry::Symlink {
            rel,
            link_target,
            resolved,
            internal,
        } => {
            crate::walk::ensure_link_allowed(follow, internal, &src.join(rel), resolved)?;
            let d = dest.join(rel);
            if let Some(parent) = d.parent() {
                fs::create_dir_all(parent).at(parent)?;
            }
            let text = if is_internal(&canonical_src, resolved) {
                let copied = jspath::join(&dest_str, &jspath::relative(&canonical_src, resolved));
                let dest_file = jspath::join(&dest_str, rel);
                let r = jspath::relative(&jspath::dirname(&dest_file), &copied);
                if r.is_empty() { ".".to_string() } else { r }
            } else {
                link_target.to_string()
            };
            make_symlink(&text, &d)
        }
    })
}

#[cfg(unix)]
fn make_symlink(text: &str, at: &Path) -> Result<()> {
    std::os::unix::fs::symlink(text, at).at(at)
}

#[cfg(not(unix))]
fn make_symlink(_text: &str, at: &Path) -> Result<()> {
    Err(AssetError::UnsupportedFileType {
        path: at.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys() {
        assert_eq!(staged_file_name("h", "a/model.TAR.GZ"), "asset.h.tar.gz");
        assert_eq!(staged_file_name("h", "a/x.json"), "asset.h.json");
        assert_eq!(staged_file_name("h", "a/dir"), "asset.h");
        assert_eq!(
            object_key_extension("asset.h.tar.gz", Packaging::File),
            ".gz"
        );
        assert_eq!(
            object_key_extension("asset.h", Packaging::ZipDirectory),
            ".zip"
        );
    }
}

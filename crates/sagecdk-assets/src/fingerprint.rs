//! `fingerprint(path, options)`: the CDK's source hash of a file or directory.

use crate::cache::FingerprintCache;
use crate::content::content_fingerprint_with_buffer;
use crate::error::{AssetError, IoContext, Result};
use crate::ignore::IgnoreStrategy;
use crate::jspath;
use crate::options::{FingerprintOptions, IgnoreMode};
use crate::walk::{Entry, walk_directory};
use sha2::{Digest, Sha256};
use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

const SOH: u8 = 0x01;
const STX: u8 = 0x02;
const ETX: u8 = 0x03;

fn field(h: &mut Sha256, key: &str, value: &str) {
    h.update([SOH]);
    h.update(key.as_bytes());
    h.update([STX]);
    h.update(value.as_bytes());
    h.update([ETX]);
}

enum Pending {
    Text(String, String),
    File(String, usize),
}

/// Computes the CDK fingerprint (sha256 hex) of a file or directory, identical to the AWS CDK's
/// `FileSystem.fingerprint(path, options)`.
///
/// Hashed, in order (each field as `0x01 key 0x02 value 0x03`): `options.extra` (extra hash or
/// empty), `options.follow`, `options.ignoreMode` (only when not glob), then for a directory
/// every non-excluded entry of a depth-first walk sorted by name (UTF-16 order): `file:<rel>` →
/// [`content_fingerprint`](crate::content_fingerprint), `link:<rel>` → link text for symlinks
/// that are not followed (internal absolute links as a path relative to the root); directories
/// add no field. A single file is hashed as one `file:` field with an empty relative path. The
/// root is resolved with `realpath` first.
///
/// Independent files are hashed on several threads; the result does not depend on it.
pub fn fingerprint(path: impl AsRef<Path>, options: &FingerprintOptions) -> Result<String> {
    fingerprint_impl(path.as_ref(), options, None)
}

/// Like [`fingerprint`], reusing and filling `cache` for file contents (see
/// [`FingerprintCache`] for exactly when a file is re-hashed). Does not save the cache.
pub fn fingerprint_with_cache(
    path: impl AsRef<Path>,
    options: &FingerprintOptions,
    cache: &FingerprintCache,
) -> Result<String> {
    fingerprint_impl(path.as_ref(), options, Some(cache))
}

fn fingerprint_impl(
    path: &Path,
    options: &FingerprintOptions,
    cache: Option<&FingerprintCache>,
) -> Result<String> {
    let mut h = Sha256::new();
    field(
        &mut h,
        "options.extra",
        options.extra_hash.as_deref().unwrap_or(""),
    );
    let follow = options.follow_mode();
    field(&mut h, "options.follow", follow.as_str());
    let root = fs::canonicalize(path).at(path)?;
    let meta = fs::metadata(&root).at(&root)?;
    let mode = options.ignore_mode();
    if mode != IgnoreMode::Glob {
        field(&mut h, "options.ignoreMode", mode.as_str());
    }
    let ignore = IgnoreStrategy::from_options(options)?;
    let mut pending: Vec<Pending> = Vec::new();
    let mut files: Vec<(PathBuf, Metadata)> = Vec::new();
    if meta.is_dir() {
        let root_str = root.to_string_lossy().into_owned();
        walk_directory(&root, follow, &ignore, |e| {
            match e {
                Entry::Dir { .. } => {}
                Entry::File { rel, real, meta } => {
                    pending.push(Pending::File(format!("file:{rel}"), files.len()));
                    files.push((real.to_path_buf(), meta));
                }
                Entry::Symlink {
                    rel,
                    link_target,
                    resolved,
                    internal,
                } => {
                    let value = if internal && link_target.starts_with('/') {
                        jspath::relative(&root_str, resolved)
                    } else {
                        link_target.to_string()
                    };
                    pending.push(Pending::Text(format!("link:{rel}"), value));
                }
            }
            Ok(())
        })?;
    } else if meta.is_file() {
        pending.push(Pending::File("file:".to_string(), 0));
        files.push((root.clone(), meta));
    } else {
        return Err(AssetError::UnsupportedFileType { path: root });
    }
    let mut results = hash_files(&files, cache);
    for p in pending {
        match p {
            Pending::Text(k, v) => field(&mut h, &k, &v),
            Pending::File(k, i) => {
                let r = results
                    .get_mut(i)
                    .and_then(Option::take)
                    .unwrap_or_else(|| {
                        Err(AssetError::Invalid("internal: missing file result".into()))
                    });
                field(&mut h, &k, &r?);
            }
        }
    }
    Ok(crate::content::hex(&h.finalize()))
}

fn hash_one(
    path: &Path,
    meta: &Metadata,
    cache: Option<&FingerprintCache>,
    buf: &mut Vec<u8>,
) -> Result<String> {
    match cache {
        Some(c) => c.get_or_compute(meta, || content_fingerprint_with_buffer(path, buf)),
        None => content_fingerprint_with_buffer(path, buf),
    }
}

/// Content fingerprints of `files`, in order; computed on up to `available_parallelism` threads,
/// largest files first.
fn hash_files(
    files: &[(PathBuf, Metadata)],
    cache: Option<&FingerprintCache>,
) -> Vec<Option<Result<String>>> {
    let total: u64 = files.iter().map(|(_, m)| m.len()).sum();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len());
    if threads <= 1 || total < 4 * 1024 * 1024 {
        let mut buf = Vec::new();
        return files
            .iter()
            .map(|(p, m)| Some(hash_one(p, m, cache, &mut buf)))
            .collect();
    }
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(files[*i].1.len()));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<String>>>> =
        Mutex::new((0..files.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut buf = Vec::new();
                let mut local = Vec::new();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = order.get(k) else { break };
                    let (p, m) = &files[i];
                    local.push((i, hash_one(p, m, cache, &mut buf)));
                }
                if let Ok(mut r) = results.lock() {
                    for (i, v) in local {
                        r[i] = Some(v);
                    }
                }
            });
        }
    });
    results.into_inner().unwrap_or_default()
}

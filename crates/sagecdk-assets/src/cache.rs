//! A persistent cache of content fingerprints, so that re-fingerprinting a large unchanged
//! directory only costs a `stat` per file.
//!
//! # When a file is re-hashed
//!
//! An entry is keyed by the file's **device, inode, size, modification time and status-change
//! time (both with nanoseconds)**. A cached fingerprint is reused only when all seven values are
//! identical; any write to the file changes its mtime and ctime, any rename/replace changes the
//! inode or ctime, so a changed file is always re-hashed. To be safe against timestamp
//! granularity (a file rewritten within the same clock tick keeps its mtime), fingerprints of
//! files whose mtime or ctime is less than [`RACY_WINDOW`] before the moment the hash started are
//! **not** stored: recently modified files are re-hashed until they have been quiet for that long.
//! Platforms without inode/ctime information never use the cache.

use crate::error::{IoContext, Result};
use std::collections::HashMap;
use std::fs::Metadata;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Files modified less than this long before hashing are not cached (see the module docs).
pub const RACY_WINDOW: Duration = Duration::from_secs(2);

const HEADER: &str = "sagecdk-fingerprint-cache v1";
const MAX_ENTRIES: usize = 500_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

#[derive(Debug, Clone)]
struct Value {
    fingerprint: String,
    used: bool,
}

/// A thread-safe fingerprint cache, optionally persisted to a file chosen by the caller.
#[derive(Debug, Default)]
pub struct FingerprintCache {
    path: Option<PathBuf>,
    entries: Mutex<HashMap<Key, Value>>,
}

#[cfg(unix)]
fn key_of(meta: &Metadata) -> Option<Key> {
    use std::os::unix::fs::MetadataExt;
    Some(Key {
        dev: meta.dev(),
        ino: meta.ino(),
        size: meta.size(),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ctime: (meta.ctime(), meta.ctime_nsec()),
    })
}

#[cfg(not(unix))]
fn key_of(_meta: &Metadata) -> Option<Key> {
    None
}

fn to_secs(t: (i64, i64)) -> f64 {
    t.0 as f64 + t.1 as f64 / 1e9
}

impl FingerprintCache {
    /// A cache that lives only in memory.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// Opens (or starts) a cache persisted at `path`. A missing, unreadable or corrupt file
    /// yields an empty cache; nothing is written until [`save`](Self::save).
    pub fn open(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let mut entries = HashMap::new();
        if let Ok(text) = std::fs::read_to_string(&path) {
            let mut lines = text.lines();
            if lines.next() == Some(HEADER) {
                for line in lines {
                    if let Some((k, v)) = parse_line(line) {
                        entries.insert(
                            k,
                            Value {
                                fingerprint: v,
                                used: false,
                            },
                        );
                    }
                }
            }
        }
        FingerprintCache {
            path: Some(path),
            entries: Mutex::new(entries),
        }
    }

    /// The conventional location: `$XDG_CACHE_HOME/sagecdk/fingerprints`, else
    /// `$HOME/.cache/sagecdk/fingerprints`.
    pub fn default_path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| PathBuf::from(h).join(".cache"))
            })?;
        Some(base.join("sagecdk").join("fingerprints"))
    }

    /// Where the cache is persisted, if anywhere.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Number of cached fingerprints.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether the cache holds no fingerprint.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every entry.
    pub fn clear(&self) {
        if let Ok(mut e) = self.entries.lock() {
            e.clear();
        }
    }

    /// Returns the cached content fingerprint of the file with metadata `meta`, or computes it
    /// with `compute` (and caches it unless the file was modified too recently).
    pub(crate) fn get_or_compute(
        &self,
        meta: &Metadata,
        compute: impl FnOnce() -> Result<String>,
    ) -> Result<String> {
        let Some(key) = key_of(meta) else {
            return compute();
        };
        if let Ok(mut e) = self.entries.lock()
            && let Some(v) = e.get_mut(&key)
        {
            v.used = true;
            return Ok(v.fingerprint.clone());
        }
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let fingerprint = compute()?;
        let newest = to_secs(key.mtime).max(to_secs(key.ctime));
        if newest + RACY_WINDOW.as_secs_f64() < started
            && let Ok(mut e) = self.entries.lock()
        {
            e.insert(
                key,
                Value {
                    fingerprint: fingerprint.clone(),
                    used: true,
                },
            );
        }
        Ok(fingerprint)
    }

    /// Writes the cache to its file (atomically: temporary file, then rename). Entries used in
    /// this session are kept first; at most 500 000 entries are written. No-op for in-memory
    /// caches.
    pub fn save(&self) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut items: Vec<(Key, Value)> = match self.entries.lock() {
            Ok(e) => e.iter().map(|(k, v)| (*k, v.clone())).collect(),
            Err(_) => return Ok(()),
        };
        items.sort_by_key(|(_, v)| !v.used);
        items.truncate(MAX_ENTRIES);
        let mut out = String::with_capacity(items.len() * 140 + HEADER.len() + 1);
        out.push_str(HEADER);
        out.push('\n');
        for (k, v) in items {
            out.push_str(&format!(
                "{} {} {} {} {} {} {} {}\n",
                k.dev, k.ino, k.size, k.mtime.0, k.mtime.1, k.ctime.0, k.ctime.1, v.fingerprint
            ));
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).at(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).at(dir)?;
        tmp.write_all(out.as_bytes()).at(tmp.path())?;
        tmp.persist(path)
            .map_err(|e| crate::error::AssetError::from_io(path, e.error))?;
        Ok(())
    }
}

fn parse_line(line: &str) -> Option<(Key, String)> {
    let mut it = line.split(' ');
    let key = Key {
        dev: it.next()?.parse().ok()?,
        ino: it.next()?.parse().ok()?,
        size: it.next()?.parse().ok()?,
        mtime: (it.next()?.parse().ok()?, it.next()?.parse().ok()?),
        ctime: (it.next()?.parse().ok()?, it.next()?.parse().ok()?),
    };
    let fp = it.next()?;
    if it.next().is_some() || !fp.contains(':') {
        return None;
    }
    Some((key, fp.to_string()))
}

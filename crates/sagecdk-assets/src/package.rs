//! Reproducible, parallel-compressed `model.tar.gz` packaging of a model directory.
//!
//! The archive is a function of the directory's *content* only:
//!
//! * entries in the CDK walk order (names sorted by UTF-16 code units, depth-first, a directory
//!   entry right before its contents), paths relative to the directory, no `./` prefix;
//! * GNU tar headers with mtime 0, uid/gid 0, empty user/group names; modes normalised to `0755`
//!   for directories and executable files (any `x` bit set), `0644` for other files, `0777` for
//!   symlinks;
//! * a single gzip member with no file name, mtime 0, OS byte 255 ("unknown"); its deflate
//!   stream is made of independently compressed chunks of [`PackageOptions::chunk_size`] bytes
//!   ended by sync flushes (pigz-style), so chunks compress in parallel while the output stays
//!   a standard gzip stream (`gzip -d`, `tar xzf`, Python's `tarfile` read it) and does not
//!   depend on the number of threads.
//!
//! Symlink policy (per [`PackageOptions::follow`], default `External`, the CDK's default): a
//! followed link is stored as the file or directory it points to; a link that is not followed
//! (or whose target is missing) is stored as a symlink — links inside the directory are
//! rewritten relative to their location, others keep their text. With `BlockExternal`, an
//! external link is an error. Other special files (sockets, FIFOs, devices) are skipped.

use crate::error::{AssetError, IoContext, Result};
use crate::ignore::IgnoreStrategy;
use crate::jspath;
use crate::options::{IgnoreMode, SymlinkFollowMode};
use crate::walk::{Entry, is_internal, walk_directory};
use flate2::{Compress, Compression, Crc, FlushCompress};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::{self, File, Metadata};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

/// Options of [`package_model_directory`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageOptions {
    /// Exclude patterns with the CDK's glob semantics (minimatch, `matchBase`, `!` re-includes).
    pub exclude: Vec<String>,
    /// Symlink handling (see the module docs). Default `External`.
    pub follow: SymlinkFollowMode,
    /// Deflate level 0–9. Default 6, the level of `gzip`/`tar czf`.
    pub level: u32,
    /// Worker threads for compression; `None` = available parallelism. Does not change the output.
    pub threads: Option<usize>,
    /// Size of the independently compressed chunks. Changes the output bytes; default 1 MiB.
    pub chunk_size: usize,
}

impl Default for PackageOptions {
    fn default() -> Self {
        PackageOptions {
            exclude: Vec::new(),
            follow: SymlinkFollowMode::External,
            level: 6,
            threads: None,
            chunk_size: 1024 * 1024,
        }
    }
}

/// The produced archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagedModel {
    /// Where the archive was written.
    pub path: PathBuf,
    /// sha256 (hex) of the archive bytes.
    pub sha256: String,
    /// Archive size in bytes.
    pub size: u64,
}

enum Item {
    Dir(String),
    File {
        rel: String,
        real: PathBuf,
        meta: Metadata,
    },
    Link {
        rel: String,
        target: String,
    },
}

#[cfg(unix)]
fn is_executable(meta: &Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &Metadata) -> bool {
    false
}

fn collect(dir: &Path, options: &PackageOptions) -> Result<Vec<Item>> {
    let ignore = IgnoreStrategy::new(IgnoreMode::Glob, &options.exclude)?;
    let canonical = fs::canonicalize(dir)
        .at(dir)?
        .to_string_lossy()
        .into_owned();
    let follow = options.follow;
    let mut items = Vec::new();
    walk_directory(dir, follow, &ignore, |e| {
        match e {
            Entry::Dir { rel, ignored } => {
                if !ignored {
                    items.push(Item::Dir(rel.to_string()));
                }
            }
            Entry::File { rel, real, meta } => {
                items.push(Item::File {
                    rel: rel.to_string(),
                    real: real.to_path_buf(),
                    meta,
                });
            }
            Entry::Symlink {
                rel,
                link_target,
                resolved,
                internal,
            } => {
                crate::walk::ensure_link_allowed(follow, internal, &dir.join(rel), resolved)?;
                let target = if is_internal(&canonical, resolved) {
                    let inside = jspath::relative(&canonical, resolved);
                    let from = jspath::dirname(&format!("/{rel}"));
                    let r = jspath::relative(&from, &format!("/{inside}"));
                    if r.is_empty() { ".".to_string() } else { r }
                } else {
                    link_target.to_string()
                };
                items.push(Item::Link {
                    rel: rel.to_string(),
                    target,
                });
            }
        }
        Ok(())
    })?;
    Ok(items)
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h
}

/// Splits the tar stream into chunks and hands them to the compressors.
struct ChunkWriter {
    chunk_size: usize,
    buf: Vec<u8>,
    seq: u64,
    tx: SyncSender<(u64, Vec<u8>)>,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(self.chunk_size));
        self.tx
            .send((self.seq, full))
            .map_err(|_| io::Error::other("compression pipeline stopped"))?;
        self.seq += 1;
        Ok(())
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let n = data.len();
        while !data.is_empty() {
            let room = self.chunk_size - self.buf.len();
            let take = room.min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == self.chunk_size {
                self.send()?;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Raw deflate of one chunk, ended with a sync flush (byte-aligned, not final).
fn deflate_chunk(data: &[u8], level: u32) -> io::Result<Vec<u8>> {
    let mut c = Compress::new(Compression::new(level.min(9)), false);
    let mut out = Vec::with_capacity(data.len() + data.len() / 64 + 1024);
    loop {
        let consumed = c.total_in() as usize;
        c.compress_vec(&data[consumed..], &mut out, FlushCompress::Sync)
            .map_err(io::Error::other)?;
        if c.total_in() as usize == data.len() && out.len() < out.capacity() {
            return Ok(out);
        }
        out.reserve(out.capacity().max(4096));
    }
}

/// An empty final deflate block.
fn deflate_end(level: u32) -> io::Result<Vec<u8>> {
    let mut c = Compress::new(Compression::new(level.min(9)), false);
    let mut out = Vec::with_capacity(64);
    c.compress_vec(&[], &mut out, FlushCompress::Finish)
        .map_err(io::Error::other)?;
    Ok(out)
}

const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff];

struct Output {
    file: io::BufWriter<File>,
    sha: Sha256,
    size: u64,
}

impl Output {
    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.file.write_all(b)?;
        self.sha.update(b);
        self.size += b.len() as u64;
        Ok(())
    }
}

/// Writes a reproducible `tar.gz` of `dir` to `out_file` (see the module docs for the exact
/// format). The archive is written to a temporary file next to `out_file` and renamed into place.
pub fn package_model_directory(
    dir: impl AsRef<Path>,
    out_file: impl AsRef<Path>,
    options: &PackageOptions,
) -> Result<PackagedModel> {
    let dir = dir.as_ref();
    let out_file = out_file.as_ref();
    let meta = fs::metadata(dir).at(dir)?;
    if !meta.is_dir() {
        return Err(AssetError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    if options.chunk_size == 0 {
        return Err(AssetError::Invalid("chunk_size must be positive".into()));
    }
    let abs_dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir().at(Path::new("."))?.join(dir)
    };
    let items = collect(&abs_dir, options)?;

    let out_dir = out_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(out_dir).at(out_dir)?;
    let tmp = tempfile::Builder::new()
        .prefix(".package-")
        .tempfile_in(out_dir)
        .at(out_dir)?;
    let out_handle = tmp.reopen().at(tmp.path())?;
    let threads = options
        .threads
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let level = options.level;

    let (chunk_tx, chunk_rx) = sync_channel::<(u64, Vec<u8>)>(threads * 2);
    let chunk_rx = Arc::new(Mutex::new(chunk_rx));
    let (done_tx, done_rx) = sync_channel::<Compressed>(threads * 2);

    let tmp_path = tmp.path().to_path_buf();
    let result: Result<(String, u64)> = std::thread::scope(|s| {
        for _ in 0..threads {
            let rx = Arc::clone(&chunk_rx);
            let tx = done_tx.clone();
            s.spawn(move || compress_worker(&rx, &tx, level));
        }
        drop(done_tx);
        let writer = s.spawn(move || write_output(done_rx, out_handle, level));

        let produce = || -> Result<()> {
            let cw = ChunkWriter {
                chunk_size: options.chunk_size,
                buf: Vec::with_capacity(options.chunk_size),
                seq: 0,
                tx: chunk_tx,
            };
            let mut builder = tar::Builder::new(cw);
            for item in &items {
                append_item(&mut builder, item).map_err(|e| match e {
                    ItemError::Source(p, err) => AssetError::from_io(&p, err),
                    ItemError::Sink(err) => AssetError::from_io(&tmp_path, err),
                })?;
            }
            let mut cw = builder.into_inner().at(&tmp_path)?;
            if !cw.buf.is_empty() {
                cw.send().at(&tmp_path)?;
            }
            Ok(())
        };
        let produced = produce();
        // `chunk_tx` was moved into the builder and is dropped by now: workers drain and stop.
        let written = writer
            .join()
            .map_err(|_| AssetError::Invalid("archive writer panicked".into()))?;
        produced?;
        written.at(&tmp_path)
    });
    let (sha256, size) = result?;
    tmp.persist(out_file)
        .map_err(|e| AssetError::from_io(out_file, e.error))?;
    Ok(PackagedModel {
        path: out_file.to_path_buf(),
        sha256,
        size,
    })
}

enum ItemError {
    Source(PathBuf, io::Error),
    Sink(io::Error),
}

fn append_item(
    b: &mut tar::Builder<ChunkWriter>,
    item: &Item,
) -> std::result::Result<(), ItemError> {
    match item {
        Item::Dir(rel) => {
            let mut h = header(tar::EntryType::Directory, 0o755, 0);
            b.append_data(&mut h, format!("{rel}/"), io::empty())
                .map_err(ItemError::Sink)
        }
        Item::Link { rel, target } => {
            let mut h = header(tar::EntryType::Symlink, 0o777, 0);
            b.append_link(&mut h, rel, target).map_err(ItemError::Sink)
        }
        Item::File { rel, real, meta } => {
            let mode = if is_executable(meta) { 0o755 } else { 0o644 };
            let size = meta.len();
            let mut h = header(tar::EntryType::Regular, mode, size);
            let f = File::open(real).map_err(|e| ItemError::Source(real.clone(), e))?;
            let mut reader = Counted {
                inner: BufReader::with_capacity(1 << 20, f.take(size)),
                n: 0,
                failed: None,
            };
            let r = b.append_data(&mut h, rel, &mut reader);
            if let Some((kind, msg)) = reader.failed.take() {
                return Err(ItemError::Source(real.clone(), io::Error::new(kind, msg)));
            }
            r.map_err(ItemError::Sink)?;
            if reader.n != size {
                return Err(ItemError::Source(
                    real.clone(),
                    io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "file changed while it was being packaged",
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// Counts bytes read and remembers a read error so it can be attributed to the source file.
struct Counted<R> {
    inner: BufReader<R>,
    n: u64,
    failed: Option<(io::ErrorKind, String)>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(k) => {
                self.n += k as u64;
                Ok(k)
            }
            Err(e) => {
                self.failed = Some((e.kind(), e.to_string()));
                Err(e)
            }
        }
    }
}

/// A compressed chunk: sequence number and (deflate bytes, CRC of the input) or the error.
type Compressed = (u64, io::Result<(Vec<u8>, Crc)>);

fn compress_worker(rx: &Mutex<Receiver<(u64, Vec<u8>)>>, tx: &SyncSender<Compressed>, level: u32) {
    loop {
        let job = match rx.lock() {
            Ok(r) => r.recv(),
            Err(_) => return,
        };
        let Ok((seq, data)) = job else { return };
        let mut crc = Crc::new();
        crc.update(&data);
        let out = deflate_chunk(&data, level).map(|c| (c, crc));
        if tx.send((seq, out)).is_err() {
            return;
        }
    }
}

fn write_output(rx: Receiver<Compressed>, file: File, level: u32) -> io::Result<(String, u64)> {
    let mut out = Output {
        file: io::BufWriter::with_capacity(1 << 20, file),
        sha: Sha256::new(),
        size: 0,
    };
    out.put(&GZIP_HEADER)?;
    let mut pending: BTreeMap<u64, (Vec<u8>, Crc)> = BTreeMap::new();
    let mut next = 0u64;
    let mut crc = Crc::new();
    let mut first_err: Option<io::Error> = None;
    for (seq, r) in rx {
        match r {
            Ok(v) => {
                pending.insert(seq, v);
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
        while let Some((data, c)) = pending.remove(&next) {
            if first_err.is_none()
                && let Err(e) = out.put(&data)
            {
                first_err = Some(e);
            }
            crc.combine(&c);
            next += 1;
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    if !pending.is_empty() {
        return Err(io::Error::other("compressed chunks missing"));
    }
    out.put(&deflate_end(level)?)?;
    out.put(&crc.sum().to_le_bytes())?;
    out.put(&(crc.amount()).to_le_bytes())?;
    out.file.flush()?;
    let f = out.file.into_inner().map_err(|e| e.into_error())?;
    f.sync_all()?;
    Ok((crate::content::hex(&out.sha.finalize()), out.size))
}

//! The CDK's per-file content fingerprint (`contentFingerprint` in `fs/fingerprint.ts`).

use crate::error::{IoContext, Result};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The CDK reads files in 8 KiB chunks; chunk boundaries matter for text files.
pub const CHUNK_SIZE: usize = 8 * 1024;

/// Read granularity (a multiple of [`CHUNK_SIZE`] so chunk boundaries stay aligned).
const READ_SIZE: usize = 128 * CHUNK_SIZE;

/// The fingerprint of one file's content: `"<size>:<sha256 hex>"`, exactly as the CDK computes it.
///
/// * The file is read in 8 KiB chunks. It is *binary* when the first chunk (more precisely: every
///   chunk read while the counted size is still 0) contains a NUL byte; binary data is hashed raw
///   and `size` is its byte count.
/// * Otherwise every chunk is decoded as UTF-8 on its own (invalid or split sequences become
///   U+FFFD), a chunk whose text ends in `\r` is held back and prepended to the next one, `\r\n`
///   becomes `\n`, and the re-encoded text is hashed and counted. Text still held back at the end
///   of the file is hashed but not counted.
pub fn content_fingerprint(path: &Path) -> Result<String> {
    let mut buf = Vec::new();
    content_fingerprint_with_buffer(path, &mut buf)
}

pub(crate) fn content_fingerprint_with_buffer(path: &Path, buf: &mut Vec<u8>) -> Result<String> {
    let file = File::open(path).at(path)?;
    let (size, digest) = fingerprint_reader(file, buf).at(path)?;
    Ok(format!("{size}:{}", hex(&digest)))
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Reads until `buf` is full or EOF; returns the number of bytes read.
fn fill<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

struct State {
    hasher: Sha256,
    size: u64,
    binary: bool,
    held: String,
}

impl State {
    fn chunk(&mut self, chunk: &[u8]) {
        if self.size == 0 {
            self.binary = chunk.contains(&0);
        }
        if self.binary {
            self.size += chunk.len() as u64;
            self.hasher.update(chunk);
            return;
        }
        let text = String::from_utf8_lossy(chunk);
        if text.ends_with('\r') {
            self.held.push_str(&text);
            return;
        }
        if self.held.is_empty() && !text.contains('\r') {
            self.size += text.len() as u64;
            self.hasher.update(text.as_bytes());
            return;
        }
        let data: Cow<'_, str> = if self.held.is_empty() {
            text
        } else {
            let mut d = std::mem::take(&mut self.held);
            d.push_str(&text);
            Cow::Owned(d)
        };
        let normalised = data.replace("\r\n", "\n");
        self.size += normalised.len() as u64;
        self.hasher.update(normalised.as_bytes());
    }
}

/// Streams `r` through the CDK's content-fingerprint algorithm. Returns (size, sha256).
pub(crate) fn fingerprint_reader<R: Read>(
    mut r: R,
    buf: &mut Vec<u8>,
) -> io::Result<(u64, [u8; 32])> {
    if buf.len() < READ_SIZE {
        buf.resize(READ_SIZE, 0);
    }
    let mut st = State {
        hasher: Sha256::new(),
        size: 0,
        binary: false,
        held: String::new(),
    };
    loop {
        let n = fill(&mut r, &mut buf[..READ_SIZE])?;
        if n == 0 {
            break;
        }
        let data = &buf[..n];
        let mut off = 0;
        while off < n {
            if st.binary && st.size > 0 {
                // Once binary, chunking no longer matters: hash the rest in one go.
                st.size += (n - off) as u64;
                st.hasher.update(&data[off..]);
                break;
            }
            let end = (off + CHUNK_SIZE).min(n);
            st.chunk(&data[off..end]);
            off = end;
        }
        if n < READ_SIZE {
            break;
        }
    }
    if !st.held.is_empty() {
        st.hasher.update(st.held.as_bytes());
    }
    Ok((st.size, st.hasher.finalize().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(data: &[u8]) -> String {
        let mut buf = Vec::new();
        let (size, d) = fingerprint_reader(data, &mut buf).expect("read");
        format!("{size}:{}", hex(&d))
    }

    fn sha(data: &[u8]) -> String {
        hex(&Sha256::digest(data))
    }

    #[test]
    fn trailing_cr_is_hashed_but_not_counted() {
        assert_eq!(fp(b"abc\r"), format!("0:{}", sha(b"abc\r")));
    }

    #[test]
    fn crlf_is_normalised() {
        assert_eq!(fp(b"a\r\nb\r\n"), format!("4:{}", sha(b"a\nb\n")));
    }

    #[test]
    fn binary_is_raw() {
        let d = b"a\0\r\nb";
        assert_eq!(fp(d), format!("5:{}", sha(d)));
    }

    #[test]
    fn empty_file() {
        assert_eq!(fp(b""), format!("0:{}", sha(b"")));
    }

    #[test]
    fn cr_at_chunk_boundary_joins_next_chunk() {
        let mut d = vec![b'x'; CHUNK_SIZE - 1];
        d.push(b'\r');
        d.extend_from_slice(b"\nyz");
        let mut expected = vec![b'x'; CHUNK_SIZE - 1];
        expected.extend_from_slice(b"\nyz");
        assert_eq!(fp(&d), format!("{}:{}", expected.len(), sha(&expected)));
    }
}

//! Benchmark on a generated model directory (a few large weight files + many small files).
//!
//! Size: `SAGECDK_BENCH_BYTES` (default 2 GiB), e.g. `SAGECDK_BENCH_BYTES=64000000` for CI.
//! Reports our cold fingerprint vs `sha256sum` over the same files, the warm (cached)
//! fingerprint, and our packaging vs `tar czf` with compression ratios.
//! Run with `cargo bench -p sagecdk-assets --bench assets_bench`.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program of its own: it prints its results

use sagecdk_assets::{
    FingerprintCache, FingerprintOptions, PackageOptions, fingerprint_with_cache,
    package_model_directory,
};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Weight-like data: bf16-ish values (random mantissa, clustered exponents), moderately compressible.
fn fill_weights(rng: &mut Rng, buf: &mut [u8]) {
    for chunk in buf.chunks_mut(8) {
        let r = rng.next();
        let v = [
            (r & 0xff) as u8,
            0x3c | ((r >> 8) & 0x3) as u8 | ((r >> 10) & 0x80) as u8,
            ((r >> 16) & 0xff) as u8,
            0x3c | ((r >> 24) & 0x3) as u8 | ((r >> 26) & 0x80) as u8,
            ((r >> 32) & 0xff) as u8,
            0x3d | ((r >> 40) & 0x1) as u8,
            ((r >> 48) & 0xff) as u8,
            0x3c | ((r >> 56) & 0x3) as u8,
        ];
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}

fn generate(root: &Path, total: u64) -> Vec<PathBuf> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut files = Vec::new();
    let small_total = total / 20; // 5% in small files
    let large = 4u64;
    let large_size = (total - small_total) / large;
    let mut buf = vec![0u8; 4 << 20];
    for i in 0..large {
        let p = root.join(format!("model-{i:05}-of-{large:05}.safetensors"));
        let mut f = std::io::BufWriter::new(fs::File::create(&p).expect("create"));
        let mut left = large_size;
        while left > 0 {
            let n = left.min(buf.len() as u64) as usize;
            fill_weights(&mut rng, &mut buf[..n]);
            f.write_all(&buf[..n]).expect("write");
            left -= n as u64;
        }
        f.flush().expect("flush");
        files.push(p);
    }
    let mut written = 0u64;
    let mut i = 0;
    while written < small_total {
        let size = 2048 + (rng.next() % (60 * 1024)) as usize;
        let p = root.join(format!("code/pkg{}/mod{}/file{i}.py", i % 17, i % 5));
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        let line = format!(
            "def f_{i}(x):\n    return x * {} + {}\r\n",
            rng.next() % 1000,
            rng.next() % 77
        );
        let text: String = line.repeat(size / line.len() + 1);
        fs::write(&p, &text.as_bytes()[..size]).expect("write");
        written += size as u64;
        files.push(p);
        i += 1;
    }
    files
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed())
}

fn main() {
    let total: u64 = std::env::var("SAGECDK_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2 << 30);
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("model");
    fs::create_dir_all(&dir).expect("mkdir");
    let (files, gen_t) = time(|| generate(&dir, total));
    let bytes: u64 = files
        .iter()
        .map(|p| fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    println!(
        "generated {} files, {:.1} MiB in {:.1?}",
        files.len(),
        bytes as f64 / 1048576.0,
        gen_t
    );
    // Let the racy window pass so that the cache may store every file.
    std::thread::sleep(sagecdk_assets::RACY_WINDOW + Duration::from_millis(200));

    // Warm the page cache for everyone.
    for p in &files {
        let _ = fs::read(p);
    }
    let (sha_ok, sha_t) = time(|| {
        let mut ok = true;
        for batch in files.chunks(500) {
            ok &= Command::new("sha256sum")
                .args(batch)
                .stdout(std::process::Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        }
        ok
    });
    let cache = FingerprintCache::in_memory();
    let opts = FingerprintOptions::default();
    let (cold, cold_t) = time(|| fingerprint_with_cache(&dir, &opts, &cache).expect("fingerprint"));
    let (warm, warm_t) = time(|| fingerprint_with_cache(&dir, &opts, &cache).expect("fingerprint"));
    assert_eq!(cold, warm);
    println!("fingerprint {cold}");
    if sha_ok {
        println!(
            "sha256sum: {:.2?}   ours cold: {:.2?}   ratio ours/sha256sum = {:.2} (goal <= 1.2)",
            sha_t,
            cold_t,
            cold_t.as_secs_f64() / sha_t.as_secs_f64()
        );
    } else {
        println!("sha256sum unavailable; ours cold: {cold_t:.2?}");
    }
    println!(
        "ours warm (cache): {:.3?}   = {:.4} of cold",
        warm_t,
        warm_t.as_secs_f64() / cold_t.as_secs_f64()
    );

    let ours = tmp.path().join("ours.tar.gz");
    let (pkg, pkg_t) =
        time(|| package_model_directory(&dir, &ours, &PackageOptions::default()).expect("package"));
    let theirs = tmp.path().join("tar.tar.gz");
    let (tar_ok, tar_t) = time(|| {
        Command::new("tar")
            .arg("-C")
            .arg(&dir)
            .arg("-czf")
            .arg(&theirs)
            .arg(".")
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    });
    let ratio = |n: u64| n as f64 / bytes as f64;
    println!(
        "ours package: {:.2?}  size ratio {:.4}",
        pkg_t,
        ratio(pkg.size)
    );
    if tar_ok {
        let tsize = fs::metadata(&theirs).map(|m| m.len()).unwrap_or(0);
        println!(
            "tar czf:      {:.2?}  size ratio {:.4}\nspeed-up tar/ours = {:.2}x (goal >= 1.8x)",
            tar_t,
            ratio(tsize),
            tar_t.as_secs_f64() / pkg_t.as_secs_f64()
        );
    }
}

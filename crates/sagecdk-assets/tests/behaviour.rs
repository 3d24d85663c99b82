//! Behaviour beyond hash parity: staging, cache, packaging, errors.
#![cfg(unix)]

use sagecdk_assets::{
    AssetError, DockerImageAssetOptions, FingerprintCache, FingerprintOptions, PackageOptions,
    StageOptions, SymlinkFollowMode, fingerprint, fingerprint_with_cache, package_model_directory,
    stage,
};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

fn write(p: &Path, data: &[u8]) {
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    fs::write(p, data).expect("write");
}

#[test]
fn errors_name_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let missing = tmp.path().join("missing");
    match fingerprint(&missing, &FingerprintOptions::default()) {
        Err(AssetError::NotFound { path }) => assert_eq!(path, missing),
        other => panic!("{other:?}"),
    }
    let lp = tmp.path().join("loop");
    symlink("loop", &lp).expect("link");
    assert!(matches!(
        fingerprint(&lp, &FingerprintOptions::default()),
        Err(AssetError::SymlinkLoop { .. })
    ));
    let f = tmp.path().join("file");
    write(&f, b"x");
    let err = package_model_directory(&f, tmp.path().join("o.tar.gz"), &PackageOptions::default());
    assert!(matches!(err, Err(AssetError::NotADirectory { .. })));
    let ctx = tmp.path().join("ctx");
    fs::create_dir_all(&ctx).expect("mkdir");
    match DockerImageAssetOptions::new(&ctx).asset_hash(None) {
        Err(AssetError::DockerfileNotFound { path }) => assert_eq!(path, ctx.join("Dockerfile")),
        other => panic!("{other:?}"),
    }
    assert!(
        fingerprint(
            tmp.path(),
            &FingerprintOptions {
                exclude: vec!["(".into()],
                ..Default::default()
            }
        )
        .is_ok()
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let f = tmp.path().join("secret");
    write(&f, b"x");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).expect("chmod");
    if fs::read(&f).is_ok() {
        return; // running as root: permissions are not enforced
    }
    let e = fingerprint(tmp.path(), &FingerprintOptions::default()).expect_err("unreadable");
    assert_eq!(e.path(), Some(f.as_path()));
}

#[test]
fn staging_copies_directories_with_excludes_and_links() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    write(&src.join("a.txt"), b"a");
    write(&src.join("skip.log"), b"log");
    write(&src.join("d/b.txt"), b"b");
    symlink("../a.txt", src.join("d/link")).expect("link");
    write(&tmp.path().join("outside.txt"), b"out");
    symlink("../outside.txt", src.join("ext")).expect("link");
    let out = tmp.path().join("cdk.out");
    let opts = StageOptions {
        copy: FingerprintOptions {
            exclude: vec!["*.log".into()],
            ..Default::default()
        },
    };
    let staged = stage(&src, &out, "h", &opts).expect("stage");
    assert!(!staged.already_staged);
    let p = &staged.path;
    assert_eq!(fs::read(p.join("a.txt")).expect("a"), b"a");
    assert!(!p.join("skip.log").exists());
    assert_eq!(
        fs::read_link(p.join("d/link")).expect("link").to_str(),
        Some("../a.txt")
    );
    // External link followed (default follow mode): copied as a regular file.
    assert!(fs::symlink_metadata(p.join("ext")).expect("ext").is_file());
    // No temporary leftovers, and a second stage does not rewrite.
    let names: Vec<_> = fs::read_dir(&out)
        .expect("ls")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(names.len(), 1);
    let again = stage(&src, &out, "h", &opts).expect("stage");
    assert!(again.already_staged);
    // internal-only refuses external links.
    let opts = StageOptions {
        copy: FingerprintOptions {
            follow: Some(SymlinkFollowMode::BlockExternal),
            ..Default::default()
        },
    };
    let e = stage(&src, &out, "h2", &opts).expect_err("external");
    assert!(matches!(e, AssetError::ExternalSymlinkForbidden { .. }));
    assert!(!out.join("asset.h2").exists());
}

#[test]
fn staging_a_file_links_or_copies() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("model.tar.gz");
    write(&src, b"data");
    let staged = stage(
        &src,
        tmp.path().join("out"),
        "abc",
        &StageOptions::default(),
    )
    .expect("stage");
    assert_eq!(staged.file_name, "asset.abc.tar.gz");
    assert!(staged.is_archive);
    assert_eq!(fs::read(&staged.path).expect("read"), b"data");
}

#[test]
fn cache_reuses_and_detects_changes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("d");
    write(&dir.join("f.bin"), b"one");
    let cache_file = tmp.path().join("cache/fp");
    let opts = FingerprintOptions::default();
    let cache = FingerprintCache::open(&cache_file);
    let h1 = fingerprint_with_cache(&dir, &opts, &cache).expect("fp");
    assert_eq!(h1, fingerprint(&dir, &opts).expect("fp"));
    // Just written: inside the racy window, so not cached.
    assert!(cache.is_empty());
    // Change content keeping the size: always detected.
    write(&dir.join("f.bin"), b"two");
    let h2 = fingerprint_with_cache(&dir, &opts, &cache).expect("fp");
    assert_ne!(h1, h2);
    assert_eq!(h2, fingerprint(&dir, &opts).expect("fp"));
    cache.save().expect("save");
    assert!(cache_file.exists());
    let reopened = FingerprintCache::open(&cache_file);
    assert_eq!(
        fingerprint_with_cache(&dir, &opts, &reopened).expect("fp"),
        h2
    );
}

#[test]
fn cache_persists_quiet_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("d");
    write(&dir.join("f.bin"), b"quiet");
    std::thread::sleep(sagecdk_assets::RACY_WINDOW + std::time::Duration::from_millis(200));
    let cache_file = tmp.path().join("fp");
    let cache = FingerprintCache::open(&cache_file);
    let h = fingerprint_with_cache(&dir, &FingerprintOptions::default(), &cache).expect("fp");
    assert_eq!(cache.len(), 1);
    cache.save().expect("save");
    let reopened = FingerprintCache::open(&cache_file);
    assert_eq!(reopened.len(), 1);
    assert_eq!(
        fingerprint_with_cache(&dir, &FingerprintOptions::default(), &reopened).expect("fp"),
        h
    );
    // A rewrite (new mtime/ctime) is re-hashed even with the entry present.
    write(&dir.join("f.bin"), b"QUIET");
    assert_ne!(
        fingerprint_with_cache(&dir, &FingerprintOptions::default(), &reopened).expect("fp"),
        h
    );
}

fn model_dir(root: &Path) {
    write(
        &root.join("model.safetensors"),
        &(0..3_000_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    write(&root.join("config.json"), b"{\"a\":1}\n");
    write(&root.join("code/inference.py"), b"print('hi')\n");
    write(&root.join("code/requirements.txt"), b"torch\n");
    write(&root.join("logs/x.log"), b"log\n");
    symlink("config.json", root.join("config-link.json")).expect("link");
}

#[test]
fn packaging_is_reproducible_and_standard() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("model");
    model_dir(&dir);
    let opts = PackageOptions {
        exclude: vec!["*.log".into()],
        chunk_size: 256 * 1024,
        ..Default::default()
    };
    let a = package_model_directory(&dir, tmp.path().join("a.tar.gz"), &opts).expect("pkg");
    // Different thread count, touched mtimes: same bytes.
    let later = fs::File::options()
        .append(true)
        .open(dir.join("config.json"))
        .expect("open");
    later
        .set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000))
        .expect("mtime");
    let b = package_model_directory(
        &dir,
        tmp.path().join("b.tar.gz"),
        &PackageOptions {
            threads: Some(1),
            ..opts.clone()
        },
    )
    .expect("pkg");
    assert_eq!(a.sha256, b.sha256);
    assert_eq!(fs::read(&a.path).expect("a"), fs::read(&b.path).expect("b"));
    assert_eq!(a.size, fs::metadata(&a.path).expect("meta").len());
    // Standard tools can read it.
    if let Ok(out) = Command::new("tar").arg("tzvf").arg(&a.path).output()
        && out.status.success()
    {
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(listing.contains("code/inference.py"), "{listing}");
        assert!(
            listing.contains("config-link.json -> config.json"),
            "{listing}"
        );
        assert!(!listing.contains("x.log"), "{listing}");
        let names: Vec<&str> = listing
            .lines()
            .filter_map(|l| l.split_whitespace().nth(5))
            .collect();
        assert_eq!(
            names,
            [
                "code/",
                "code/inference.py",
                "code/requirements.txt",
                "config-link.json",
                "config.json",
                "logs/",
                "model.safetensors"
            ]
        );
    }
    if let Ok(out) = Command::new("gzip").arg("-t").arg(&a.path).output() {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

//! Replays every case of `fixtures/expected.json` (recorded from the real AWS CDK by
//! `fixtures/record-expected.js`) against this crate.
#![cfg(unix)]

use indexmap::IndexMap;
use sagecdk_assets::{
    AssetHashOptions, DockerCacheInvalidation, DockerImageAssetOptions, FingerprintOptions,
    IgnoreMode, StageOptions, SymlinkFollowMode, asset_hash, fingerprint, stage,
};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Same layout as `makeGenerated` in record-expected.js.
fn make_generated(base: &Path) {
    use std::os::unix::fs::symlink;
    let w = |p: &str, s: &str| {
        let p = base.join(p);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, s).expect("write");
    };
    w("symlinks/outside/ext.txt", "external content\n");
    w("symlinks/outside/extdir/e.txt", "external dir file\n");
    let root = base.join("symlinks/root");
    w("symlinks/root/file.txt", "inside\n");
    w("symlinks/root/dir/inner.txt", "inner\n");
    symlink("file.txt", root.join("link-int-rel")).expect("link");
    symlink(root.join("file.txt"), root.join("link-int-abs")).expect("link");
    symlink("dir", root.join("link-int-dir")).expect("link");
    symlink("../outside/ext.txt", root.join("link-ext-rel")).expect("link");
    symlink("../outside/extdir", root.join("link-ext-dir")).expect("link");
    symlink("nowhere.txt", root.join("link-dangling")).expect("link");
    symlink(".", root.join("link-loop-dir")).expect("link");
    symlink("../file.txt", root.join("dir/up-link")).expect("link");
    fs::create_dir_all(base.join("empty")).expect("mkdir");
    fs::create_dir_all(base.join("with-empty/empty-sub")).expect("mkdir");
    w("with-empty/f.txt", "f\n");
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn str_of(o: &Value, k: &str) -> Option<String> {
    o.get(k).and_then(Value::as_str).map(str::to_string)
}

fn map_of(o: &Value, k: &str) -> Option<IndexMap<String, String>> {
    o.get(k).and_then(Value::as_object).map(|m| {
        m.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect()
    })
}

fn fingerprint_options(o: &Value) -> FingerprintOptions {
    FingerprintOptions {
        exclude: o.get("exclude").map(strings).unwrap_or_default(),
        follow: str_of(o, "follow").map(|f| SymlinkFollowMode::parse(&f).expect("follow mode")),
        ignore_mode: str_of(o, "ignoreMode").map(|m| IgnoreMode::parse(&m).expect("ignore mode")),
        extra_hash: str_of(o, "extraHash"),
    }
}

#[test]
fn hashes_match_the_aws_cdk() {
    let tmp = tempfile::tempdir().expect("tempdir");
    make_generated(tmp.path());
    let text = fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    let doc: Value = serde_json::from_str(&text).expect("json");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 60);
    let mut failures = Vec::new();
    let outdir = tempfile::tempdir().expect("outdir");
    for (i, c) in cases.iter().enumerate() {
        let p = c["path"].as_str().expect("path");
        let path = match p.strip_prefix('@') {
            Some(rest) => tmp.path().join(rest),
            None => fixtures().join(p),
        };
        let o = &c["options"];
        let expected = c["hash"].as_str().expect("hash");
        let got = match c["kind"].as_str() {
            Some("fingerprint") => fingerprint(&path, &fingerprint_options(o)),
            Some("staging") => {
                let opts = AssetHashOptions {
                    fingerprint: fingerprint_options(o),
                    asset_hash: str_of(o, "assetHash"),
                    salt: str_of(o, "salt"),
                };
                let r = asset_hash(&path, &opts, None);
                if let (Ok(h), Some(name)) = (&r, c.get("stagedName").and_then(Value::as_str)) {
                    let so = StageOptions {
                        copy: opts.staging_options(),
                    };
                    let staged = stage(&path, outdir.path(), h, &so).expect("stage");
                    assert_eq!(staged.file_name, name, "case {i}");
                    assert_eq!(
                        staged.packaging.as_str(),
                        c["packaging"].as_str().unwrap_or_default()
                    );
                }
                r
            }
            Some("docker") => {
                let mut d = DockerImageAssetOptions::new(&path);
                d.file = str_of(o, "file");
                d.build_args = map_of(o, "buildArgs");
                d.build_contexts = map_of(o, "buildContexts");
                d.build_secrets = map_of(o, "buildSecrets");
                d.build_ssh = str_of(o, "buildSsh");
                d.target = str_of(o, "target");
                d.platform = str_of(o, "platform");
                d.network_mode = str_of(o, "networkMode");
                d.outputs = o.get("outputs").map(strings);
                d.extra_hash = str_of(o, "extraHash");
                d.repository_name = str_of(o, "repositoryName");
                d.exclude = o.get("exclude").map(strings).unwrap_or_default();
                d.ignore_mode = str_of(o, "ignoreMode").and_then(|m| IgnoreMode::parse(&m));
                d.asset_hash = str_of(o, "assetHash");
                if let Some(inv) = o.get("invalidation") {
                    d.invalidation = DockerCacheInvalidation {
                        build_args: inv.get("buildArgs").and_then(Value::as_bool),
                        ..Default::default()
                    };
                }
                d.asset_hash(None).map(|h| h.hash)
            }
            other => panic!("unknown kind {other:?}"),
        };
        match got {
            Ok(h) if h == expected => {}
            other => failures.push(format!(
                "case {i} {} {p} {o}: expected {expected}, got {other:?}",
                c["kind"]
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn golden_assembly_hashes() {
    let golden = fixtures().join("golden");
    let file = fingerprint(
        golden.join("model.tar.gz"),
        &AssetHashOptions::default().staging_options(),
    )
    .expect("fp");
    assert_eq!(
        file,
        "66ac51d5006eaf7bd98276ec82837ecbf71ee13e8e60543f0143c139d5c2fd39"
    );
    let image = DockerImageAssetOptions::new(golden.join("model-image"))
        .asset_hash(None)
        .expect("hash");
    assert_eq!(
        image.hash,
        "ce3de9e7f57f21b1165354cd1267582d14be865792f33f4924f6ae96d55d3d07"
    );
    assert_eq!(image.extra_hash, r#"{"version":"1.21.0"}"#);
}

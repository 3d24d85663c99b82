//! Asset constructs end to end: CDK-identical hashes, manifest entries, template references and
//! staged files for the golden seed assets; reproducible model archives; clear errors.

use sagecdk_assets::{
    Asset, AssetProps, DockerImageAsset, DockerImageAssetOptions, ModelArchive, PackageOptions,
    PublishedFile,
};
use sagecdk_core::{
    App, AppProps, CfnResource, Construct, Environment, Stack, StackProps, SynthError, cfn,
};
use std::path::PathBuf;

fn seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cdk-golden/seed")
}

fn app_into(outdir: &std::path::Path) -> App {
    App::with_props(AppProps {
        outdir: Some(outdir.to_path_buf()),
        ignore_environment: true,
        ..AppProps::default()
    })
}

/// The seed app's two assets, with the construct ids the SageMaker constructs give them.
fn seed_assets(app: &App, id: &str, env: Option<Environment>) -> (Asset, DockerImageAsset) {
    let stack = Stack::new(
        app,
        id,
        StackProps {
            env,
            ..StackProps::default()
        },
    );
    let model = Construct::new(&stack, "PrimaryContainerModel");
    let image = DockerImageAsset::new(
        &model,
        "ModelImage51135ba7a1af3a1c7f9b8ba7c9d9a96a",
        DockerImageAssetOptions::new(seed().join("assets/model-image")),
    );
    let data = Asset::new(
        &model,
        "ModelData1df82ca2f78835c73aafb5dfdab7a0a4",
        AssetProps::new(seed().join("assets/model.tar.gz")),
    );
    CfnResource::new(&model, "Model", "AWS::SageMaker::Model").with_properties(cfn!({
        "PrimaryContainer": {"Image": (image.image_uri()), "ModelDataUrl": (data.http_url())}
    }));
    (data, image)
}

#[test]
fn golden_assets_match_aws_cdk() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    let app = app_into(&out);
    let (data, image) = seed_assets(
        &app,
        "SeedEnv",
        Some(Environment::new("123456789012", "us-west-2")),
    );
    seed_assets(&app, "SeedAgnostic", None);
    assert_eq!(
        data.asset_hash(),
        "66ac51d5006eaf7bd98276ec82837ecbf71ee13e8e60543f0143c139d5c2fd39"
    );
    assert_eq!(
        image.asset_hash(),
        "ce3de9e7f57f21b1165354cd1267582d14be865792f33f4924f6ae96d55d3d07"
    );
    app.synth().expect("synthesizes");

    for stack in ["SeedEnv", "SeedAgnostic"] {
        let ours: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{stack}.assets.json"))).expect("ours"),
        )
        .expect("json");
        let theirs: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(seed().join(format!("cdk.out/{stack}.assets.json")))
                .expect("golden"),
        )
        .expect("json");
        assert_eq!(
            ours["dockerImages"], theirs["dockerImages"],
            "{stack} images"
        );
        let key = data.asset_hash();
        assert_eq!(
            ours["files"][key], theirs["files"][key],
            "{stack} model data"
        );
        let template: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{stack}.template.json"))).expect("t"),
        )
        .expect("json");
        let golden: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(seed().join(format!("cdk.out/{stack}.template.json")))
                .expect("golden"),
        )
        .expect("json");
        let id = "PrimaryContainerModel389512BE";
        let ours_container = template["Resources"]
            .as_object()
            .expect("resources")
            .values()
            .find(|r| r["Type"] == "AWS::SageMaker::Model")
            .expect("model")["Properties"]["PrimaryContainer"]
            .clone();
        assert_eq!(
            ours_container, golden["Resources"][id]["Properties"]["PrimaryContainer"],
            "{stack} template refs"
        );
    }
    // Staged files are identical to the AWS CDK's.
    let staged = |name: &str| std::fs::read(out.join(name)).expect("staged");
    let golden = |name: &str| std::fs::read(seed().join("cdk.out").join(name)).expect("golden");
    let tarball = format!("asset.{}.tar.gz", data.asset_hash());
    assert_eq!(staged(&tarball), golden(&tarball));
    for f in ["Dockerfile", "serve"] {
        let p = format!("asset.{}/{f}", image.asset_hash());
        assert_eq!(staged(&p), golden(&p));
    }
}

#[test]
fn staged_assets_are_reused_not_rewritten() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    let src = dir.path().join("weights.bin");
    std::fs::write(&src, vec![7u8; 4096]).expect("write");
    let build = || {
        let app = app_into(&out);
        let stack = Stack::new(&app, "S", StackProps::default());
        let asset = Asset::new(&stack, "Weights", AssetProps::new(&src));
        app.synth().expect("synth");
        out.join(format!("asset.{}.bin", asset.asset_hash()))
    };
    let first = build();
    let inode = std::fs::metadata(&first).expect("staged").ino();
    let second = build();
    assert_eq!(first, second);
    assert_eq!(
        std::fs::metadata(&second).expect("staged").ino(),
        inode,
        "linked, not rewritten"
    );
    assert_ne!(
        std::fs::metadata(&src).expect("source").ino(),
        inode,
        "a copy of the source, not a link to it"
    );
}

/// Rewrites a file in place (same inode), as an editor or a training job saving over its model
/// file does.
fn rewrite_in_place(path: &std::path::Path, bytes: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .expect("open");
    f.write_all(bytes).expect("write");
}

#[test]
fn staged_bytes_stay_those_of_their_hash_when_the_source_is_rewritten() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    let src = dir.path().join("model.tar.gz");
    let model_dir = dir.path().join("model");
    std::fs::create_dir(&model_dir).expect("mkdir");
    std::fs::write(&src, b"trained weights v1").expect("write");
    std::fs::write(model_dir.join("weights.bin"), b"dir weights v1").expect("write");
    let build = || {
        let app = app_into(&out);
        let stack = Stack::new(&app, "S", StackProps::default());
        let file = Asset::new(&stack, "File", AssetProps::new(&src));
        let dir = Asset::new(&stack, "Dir", AssetProps::new(&model_dir));
        app.synth().expect("synth");
        (
            out.join(format!("asset.{}.tar.gz", file.asset_hash())),
            out.join(format!("asset.{}/weights.bin", dir.asset_hash())),
        )
    };
    let (file, in_dir) = build();
    rewrite_in_place(&src, b"trained weights v2");
    rewrite_in_place(&model_dir.join("weights.bin"), b"dir weights v2");
    assert_eq!(std::fs::read(&file).expect("staged"), b"trained weights v1");
    assert_eq!(std::fs::read(&in_dir).expect("staged"), b"dir weights v1");

    // An assembly staged by an older version as a link to its source: the next synthesis
    // copies instead of taking the link over.
    std::fs::write(&src, b"trained weights v1").expect("write");
    let (file, _) = build();
    std::fs::remove_file(&file).expect("rm");
    std::fs::hard_link(&src, &file).expect("link as an older version staged it");
    let (again, _) = build();
    assert_eq!(again, file);
    rewrite_in_place(&src, b"trained weights v3");
    assert_eq!(
        std::fs::read(&again).expect("staged"),
        b"trained weights v1"
    );
}

#[test]
fn model_archives_are_reproducible() {
    let dir = tempfile::tempdir().expect("tmp");
    let model = dir.path().join("model");
    std::fs::create_dir_all(model.join("code")).expect("mkdir");
    std::fs::write(model.join("model.pth"), vec![1u8; 100_000]).expect("write");
    std::fs::write(
        model.join("code/inference.py"),
        "def model_fn(d):\n    return d\n",
    )
    .expect("write");
    std::fs::write(model.join("notes.txt"), "excluded").expect("write");
    let synth = |out: &std::path::Path| {
        let app = app_into(out);
        let stack = Stack::new(&app, "S", StackProps::default());
        let archive = ModelArchive::new(
            &stack,
            "Model",
            &model,
            PackageOptions {
                exclude: vec!["*.txt".into()],
                ..PackageOptions::default()
            },
        );
        app.synth().expect("synth");
        (
            archive.asset_hash().to_string(),
            std::fs::read(out.join(format!("asset.{}.tar.gz", archive.asset_hash())))
                .expect("archive"),
        )
    };
    let (h1, bytes1) = synth(&dir.path().join("a"));
    // Touch the files: a new mtime must not change the archive.
    std::fs::write(model.join("model.pth"), vec![1u8; 100_000]).expect("rewrite");
    let (h2, bytes2) = synth(&dir.path().join("b"));
    assert_eq!(h1, h2);
    assert_eq!(bytes1, bytes2);
    let listing = std::process::Command::new("tar")
        .arg("tzf")
        .arg(dir.path().join(format!("b/asset.{h2}.tar.gz")))
        .output()
        .expect("tar");
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.contains("model.pth") && listing.contains("code/inference.py"),
        "{listing}"
    );
    assert!(!listing.contains("notes.txt"), "{listing}");
}

#[test]
fn errors_name_the_construct_and_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let context = dir.path().join("ctx");
    std::fs::create_dir_all(&context).expect("mkdir");
    let app = app_into(&dir.path().join("out"));
    let stack = Stack::new(&app, "S", StackProps::default());
    Asset::new(
        &stack,
        "Missing",
        AssetProps::new(dir.path().join("nope.tar.gz")),
    );
    DockerImageAsset::new(&stack, "Image", DockerImageAssetOptions::new(&context));
    ModelArchive::new(
        &stack,
        "NotADir",
        dir.path().join("nope"),
        PackageOptions::default(),
    );
    let err = app.synth().expect_err("fails");
    let SynthError::Invalid(d) = err else {
        panic!("unexpected {err}")
    };
    let text: Vec<String> = d.0.iter().map(ToString::to_string).collect();
    let has = |path: &str, needle: &str| {
        text.iter()
            .any(|t| t.starts_with(&format!("[{path}]")) && t.contains(needle))
    };
    assert!(has("S/Missing", "nope.tar.gz"), "{text:#?}");
    assert!(has("S/Image", "Dockerfile"), "{text:#?}");
    assert!(has("S/NotADir", "not a directory"), "{text:#?}");
    assert!(!dir.path().join("out").exists());
}

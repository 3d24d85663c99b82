//! Assets against the local services of `scripts/services.sh`: a directory asset is zipped,
//! uploaded under `<hash>.zip` with the zip content type and the bucket's encryption, reads back
//! as the directory's files, and is not uploaded again; an asset shared by two stacks is
//! uploaded once per deployment, and again with `force`; a large file goes up in parallel parts
//! and reads back intact; the Docker build options take effect in the pushed image.

use sagecdk_assembly::CloudAssembly;
use sagecdk_assets::{Asset, AssetProps, DockerImageAsset, DockerImageAssetOptions, PublishedFile};
use sagecdk_core::{App, AppProps, CfnResource, Stack, StackProps, cfn};
use sagecdk_deploy::assets::{
    AssetPublisher, PublishOptions, PublishOutcome, PublishReport, UploadEncryption,
    stack_asset_manifests, upload_encryption,
};
use sagecdk_deploy::{AwsEnvironment, DeployOptions, EnvironmentOptions, deploy_stacks};
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

mod common;

use common::moto_endpoint;

const BUCKET: &str = "cdk-hnb659fds-assets-123456789012-us-west-2";

/// The bootstrapped environment; one test at a time bootstraps (two change sets of one stack
/// at once would collide).
async fn bootstrapped() -> AwsEnvironment {
    static ONCE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _guard = ONCE.lock().await;
    common::bootstrapped_environment().await
}

fn write_model_directory(dir: &Path) {
    std::fs::create_dir_all(dir.join("code")).expect("mkdir");
    std::fs::write(
        dir.join("code/inference.py"),
        "def model_fn(d):\n    return d\n",
    )
    .expect("py");
    std::fs::write(dir.join("config.json"), "{\"labels\": 3}\n").expect("json");
    std::fs::write(dir.join("weights.bin"), [7u8, 0, 1].repeat(40_000)).expect("bin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_asset_is_zipped_uploaded_and_reads_back() {
    let env = bootstrapped().await;

    let work = tempfile::tempdir().expect("tmp");
    let model_dir = work.path().join("model");
    write_model_directory(&model_dir);
    // A unique file makes the asset hash (and so the object key) unique to this run.
    std::fs::write(
        model_dir.join("run-id"),
        format!("{}-{:?}", std::process::id(), std::time::SystemTime::now()),
    )
    .expect("run id");
    let out = work.path().join("cdk.out");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack_name = format!("SageCdkDirAsset{}", std::process::id());
    let stack = Stack::new(&app, &stack_name, StackProps::default());
    let asset = Asset::new(&stack, "ModelCode", AssetProps::new(&model_dir));
    assert!(asset.is_zip_archive());
    CfnResource::new(&stack, "Pointer", "AWS::SSM::Parameter").with_properties(cfn!({
        "Type": "String",
        "Value": (asset.s3_object_url())
    }));
    app.synth().expect("synthesizes");
    let assembly = CloudAssembly::load(&out).expect("loads");
    let stacks = assembly.stacks().expect("stacks");

    let results = deploy_stacks(&assembly, &stacks, &DeployOptions::default())
        .await
        .expect("deploys");
    assert!(!results[0].no_op);

    // The object: `<hash>.zip`, zip content type, the staging bucket's KMS encryption.
    let key = format!("{}.zip", asset.asset_hash());
    let s3 = AwsEnvironment::s3(env.base_config());
    let object = s3
        .get_object()
        .bucket(BUCKET)
        .key(&key)
        .send()
        .await
        .expect("zip uploaded under <hash>.zip");
    assert_eq!(object.content_type(), Some("application/zip"));
    assert_eq!(
        object.server_side_encryption().map(|e| e.as_str()),
        Some("aws:kms"),
        "the bootstrap bucket's default encryption"
    );
    let bytes = object.body.collect().await.expect("body").into_bytes();

    // Unzipped, it is the directory.
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).expect("a zip archive");
    let names: Vec<String> = (0..archive.len())
        .map(|i| {
            archive
                .by_index(i)
                .expect("entry")
                .name()
                .expect("name")
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        ["code/inference.py", "config.json", "run-id", "weights.bin"]
    );
    for name in &names {
        let mut data = Vec::new();
        archive
            .by_name(name)
            .expect("entry")
            .read_to_end(&mut data)
            .expect("inflates");
        assert_eq!(
            data,
            std::fs::read(model_dir.join(name)).expect("read"),
            "{name}"
        );
    }

    // Present now: publishing again is skipped.
    let manifests =
        stack_asset_manifests(&assembly, &stacks[0].other_dependencies).expect("asset manifests");
    let file = &manifests[0].manifest.files[asset.asset_hash()];
    assert_eq!(file.source.packaging.as_deref(), Some("zip"));
    let dest = file.destinations.values().next().expect("destination");
    let publisher =
        AssetPublisher::new(assembly.dir(), PublishOptions::default(), false).expect("publisher");
    let outcome = publisher
        .publish_file(&env, asset.asset_hash(), file, dest, "again")
        .await
        .expect("publish again");
    assert_eq!(outcome, PublishOutcome::AlreadyPublished);
    assert_eq!(
        publisher.report(),
        PublishReport {
            published: 0,
            already_published: 1,
            copied: 0
        }
    );

    // Nothing was written into the cloud assembly (the archive is built outside it).
    assert!(
        !assembly.dir().join(".cache").exists()
            && std::fs::read_dir(assembly.dir())
                .expect("read_dir")
                .all(|e| !e.expect("entry").path().to_string_lossy().ends_with(".zip")),
        "no archive in the assembly"
    );

    sagecdk_deploy::stack::destroy_stack(
        &AwsEnvironment::cloudformation(env.base_config()),
        &stack_name,
        None,
        &sagecdk_deploy::Silent,
    )
    .await
    .expect("destroy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_follow_each_buckets_default_encryption() {
    use aws_sdk_s3::types::{
        ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
        ServerSideEncryptionRule,
    };
    moto_endpoint();
    let env = AwsEnvironment::resolve(
        &EnvironmentOptions::default(),
        "aws://unknown-account/unknown-region",
    )
    .await
    .expect("environment");
    let s3 = AwsEnvironment::s3(env.base_config());
    let id = std::process::id();
    let cases = [
        (format!("sagecdk-sse-none-{id}"), None, None),
        (
            format!("sagecdk-sse-aes-{id}"),
            Some(ServerSideEncryption::Aes256),
            None,
        ),
        (
            format!("sagecdk-sse-kms-{id}"),
            Some(ServerSideEncryption::AwsKms),
            Some("arn:aws:kms:us-west-2:123456789012:key/sagecdk-test".to_string()),
        ),
    ];
    for (bucket, algorithm, key) in &cases {
        s3.create_bucket()
            .bucket(bucket)
            .create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::UsWest2)
                    .build(),
            )
            .send()
            .await
            .expect("create bucket");
        if let Some(algorithm) = algorithm {
            let default = ServerSideEncryptionByDefault::builder()
                .sse_algorithm(algorithm.clone())
                .set_kms_master_key_id(key.clone())
                .build()
                .expect("default encryption");
            s3.put_bucket_encryption()
                .bucket(bucket)
                .server_side_encryption_configuration(
                    ServerSideEncryptionConfiguration::builder()
                        .rules(
                            ServerSideEncryptionRule::builder()
                                .apply_server_side_encryption_by_default(default)
                                .build(),
                        )
                        .build()
                        .expect("configuration"),
                )
                .send()
                .await
                .expect("put bucket encryption");
        }
        let found = upload_encryption(&s3, bucket).await.expect("read");
        assert_eq!(
            found,
            UploadEncryption {
                algorithm: algorithm.clone(),
                kms_key_id: key.clone(),
            },
            "{bucket}"
        );
        s3.delete_bucket()
            .bucket(bucket)
            .send()
            .await
            .expect("delete");
    }
}

/// A unique string for this run, so object keys and image tags (content hashes) are new.
fn run_id() -> String {
    format!("{}-{:?}", std::process::id(), std::time::SystemTime::now())
}

/// The versions of `key` in the staging bucket: one per upload.
async fn object_versions(env: &AwsEnvironment, key: &str) -> usize {
    let s3 = AwsEnvironment::s3(env.base_config());
    // The bootstrap template versions the bucket, but the local service does not apply a
    // bucket's VersioningConfiguration from a template: switch it on as AWS would have.
    s3.put_bucket_versioning()
        .bucket(BUCKET)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("PutBucketVersioning");
    let out = s3
        .list_object_versions()
        .bucket(BUCKET)
        .prefix(key)
        .send()
        .await
        .expect("ListObjectVersions");
    out.versions()
        .iter()
        .filter(|v| v.key() == Some(key))
        .count()
}

/// An app of two stacks that both use the file `data` (one asset, one object key).
fn synth_sharing(work: &Path, data: &Path, names: [&str; 2]) -> (CloudAssembly, String) {
    let out = work.join("cdk.out.shared");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let mut key = String::new();
    for name in names {
        let stack = Stack::new(&app, name, StackProps::default());
        let asset = Asset::new(&stack, "Shared", AssetProps::new(data));
        CfnResource::new(&stack, "Pointer", "AWS::SSM::Parameter").with_properties(cfn!({
            "Name": (format!("/sagecdk-test/{name}")),
            "Type": "String",
            "Value": (asset.s3_object_url())
        }));
        key = format!("{}.bin", asset.asset_hash());
    }
    app.synth().expect("synthesizes");
    (CloudAssembly::load(&out).expect("loads"), key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_asset_shared_by_two_stacks_is_uploaded_once_and_again_when_forced() {
    let env = bootstrapped().await;
    let work = tempfile::tempdir().expect("tmp");
    let data = work.path().join("shared.bin");
    std::fs::write(&data, format!("shared asset {}", run_id()).repeat(10)).expect("data");
    let prefix = format!("SageCdkShared{}", std::process::id());
    let names = [format!("{prefix}A"), format!("{prefix}B")];
    let (assembly, key) = synth_sharing(work.path(), &data, [&names[0], &names[1]]);
    assert_eq!(object_versions(&env, &key).await, 0);
    let stacks = assembly.stacks().expect("stacks");
    assert_eq!(stacks.len(), 2);
    // Both stacks name the same destination.
    let destinations: Vec<String> = stacks
        .iter()
        .map(|s| {
            let manifests = stack_asset_manifests(&assembly, &s.other_dependencies).expect("m");
            manifests[0]
                .manifest
                .files
                .values()
                .flat_map(|f| f.destinations.values())
                .map(|d| d.object_key.clone())
                .find(|k| k.ends_with(".bin"))
                .expect("shared file")
        })
        .collect();
    assert_eq!(destinations, [key.clone(), key.clone()]);

    let results = deploy_stacks(&assembly, &stacks, &DeployOptions::default())
        .await
        .expect("deploys");
    assert!(results.iter().all(|r| !r.no_op));
    assert_eq!(object_versions(&env, &key).await, 1, "uploaded once");

    // Unchanged: nothing uploaded again.
    deploy_stacks(&assembly, &stacks, &DeployOptions::default())
        .await
        .expect("deploys again");
    assert_eq!(object_versions(&env, &key).await, 1, "not uploaded again");

    // Forced: uploaded again, still once for both stacks.
    let forced = DeployOptions {
        force: true,
        ..DeployOptions::default()
    };
    deploy_stacks(&assembly, &stacks, &forced)
        .await
        .expect("forced deploy");
    assert_eq!(object_versions(&env, &key).await, 2, "republished once");

    // The publisher itself: the second ask for the same destination shares the first's outcome.
    let manifests = stack_asset_manifests(&assembly, &stacks[0].other_dependencies).expect("m");
    let (id, file) = manifests[0]
        .manifest
        .files
        .iter()
        .find(|(_, f)| {
            f.source
                .path
                .as_deref()
                .is_some_and(|p| p.ends_with(".bin"))
        })
        .expect("shared file");
    let dest = file.destinations.values().next().expect("destination");
    let publisher = Arc::new(
        AssetPublisher::new(assembly.dir(), PublishOptions::default(), true).expect("publisher"),
    );
    let (a, b) = tokio::join!(
        publisher.publish_file(&env, id, file, dest, "first"),
        publisher.publish_file(&env, id, file, dest, "second"),
    );
    assert_eq!(a.expect("first"), PublishOutcome::Published);
    assert_eq!(b.expect("second"), PublishOutcome::Published);
    assert_eq!(
        publisher.report(),
        PublishReport {
            published: 1,
            already_published: 0,
            copied: 0
        }
    );
    assert_eq!(object_versions(&env, &key).await, 3);

    let cfn = AwsEnvironment::cloudformation(env.base_config());
    for name in names.iter().rev() {
        sagecdk_deploy::stack::destroy_stack(&cfn, name, None, &sagecdk_deploy::Silent)
            .await
            .expect("destroy");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_above_the_multipart_threshold_goes_up_in_parts_and_reads_back_intact() {
    let env = bootstrapped().await;
    let work = tempfile::tempdir().expect("tmp");
    let data = work.path().join("weights.bin");
    // 11 MiB and a bit of bytes that vary along the file, so misplaced parts would show.
    let mut bytes: Vec<u8> = (0..11 * 1024 * 1024 + 17)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    bytes.extend_from_slice(run_id().as_bytes());
    std::fs::write(&data, &bytes).expect("data");
    let out = work.path().join("cdk.out");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let name = format!("SageCdkMultipart{}", std::process::id());
    let stack = Stack::new(&app, &name, StackProps::default());
    let asset = Asset::new(&stack, "Weights", AssetProps::new(&data));
    CfnResource::new(&stack, "Pointer", "AWS::SSM::Parameter").with_properties(cfn!({
        "Name": (format!("/sagecdk-test/{name}")),
        "Type": "String",
        "Value": (asset.s3_object_url())
    }));
    app.synth().expect("synthesizes");
    let assembly = CloudAssembly::load(&out).expect("loads");
    let stacks = assembly.stacks().expect("stacks");

    let options = DeployOptions {
        assets: PublishOptions {
            multipart_threshold: 5 * 1024 * 1024,
            part_size: 5 * 1024 * 1024,
            ..PublishOptions::default()
        },
        ..DeployOptions::default()
    };
    deploy_stacks(&assembly, &stacks, &options)
        .await
        .expect("deploys");
    let key = format!("{}.bin", asset.asset_hash());
    let object = AwsEnvironment::s3(env.base_config())
        .get_object()
        .bucket(BUCKET)
        .key(&key)
        .send()
        .await
        .expect("uploaded");
    // A multipart upload's ETag ends in the number of parts: 5 + 5 + 1 MiB.
    let etag = object
        .e_tag()
        .unwrap_or_default()
        .trim_matches('"')
        .to_string();
    assert!(etag.ends_with("-3"), "three parts: {etag}");
    assert_eq!(
        object.server_side_encryption().map(|e| e.as_str()),
        Some("aws:kms")
    );
    let read = object.body.collect().await.expect("body").into_bytes();
    assert_eq!(read.len(), bytes.len());
    assert!(read[..] == bytes[..], "the object is the file");

    // Parts smaller than S3 accepts are refused before anything is sent.
    let error = AssetPublisher::new(
        assembly.dir(),
        PublishOptions {
            part_size: 1024,
            image_concurrency: 0,
            ..PublishOptions::default()
        },
        false,
    )
    .expect_err("invalid options");
    let error = error.to_string();
    assert!(
        error.contains("part_size is 1024 bytes") && error.contains("image_concurrency"),
        "{error}"
    );

    sagecdk_deploy::stack::destroy_stack(
        &AwsEnvironment::cloudformation(env.base_config()),
        &name,
        None,
        &sagecdk_deploy::Silent,
    )
    .await
    .expect("destroy");
}

/// `GET https://<registry>/v2/<path>` of the test registry, as JSON.
fn registry_get(path: &str, accept: &str) -> serde_json::Value {
    let registry = common::require("SAGECDK_TEST_REGISTRY");
    let ca = common::require("SAGECDK_TEST_REGISTRY_CA");
    let out = std::process::Command::new("curl")
        .args(["-sfL", "--cacert", &ca, "-u", "AWS:123456789012-auth-token"])
        .args(["-H", &format!("Accept: {accept}")])
        .arg(format!("https://{registry}/v2/{path}"))
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "GET {path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_build_args_target_and_file_take_effect_in_the_pushed_image() {
    let env = bootstrapped().await;
    let docker_host = common::require("DOCKER_HOST");
    if let Err(e) = sagecdk_deploy::assets::connect_docker().await {
        panic!("Docker engine at {docker_host}: {e}: {}", common::HINT);
    }
    let work = tempfile::tempdir().expect("tmp");
    let context = work.path().join("image");
    std::fs::create_dir_all(&context).expect("mkdir");
    std::fs::write(context.join("data.txt"), run_id()).expect("data");
    // No `Dockerfile`: only the named file builds. The last stage is not the target.
    std::fs::write(
        context.join("Build.Dockerfile"),
        "FROM scratch AS wanted\nARG FLAVOR=unset\nCOPY data.txt /data.txt\n\
         LABEL sagecdk.flavor=$FLAVOR sagecdk.stage=wanted\n\
         FROM wanted AS unwanted\nLABEL sagecdk.stage=unwanted\n",
    )
    .expect("Dockerfile");
    let out = work.path().join("cdk.out");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let name = format!("SageCdkImageOptions{}", std::process::id());
    let stack = Stack::new(&app, &name, StackProps::default());
    let image = DockerImageAsset::new(
        &stack,
        "Image",
        DockerImageAssetOptions {
            file: Some("Build.Dockerfile".into()),
            build_args: Some(
                [("FLAVOR".to_string(), "gpu".to_string())]
                    .into_iter()
                    .collect(),
            ),
            target: Some("wanted".into()),
            ..DockerImageAssetOptions::new(&context)
        },
    );
    CfnResource::new(&stack, "Pointer", "AWS::SSM::Parameter").with_properties(cfn!({
        "Name": (format!("/sagecdk-test/{name}")),
        "Type": "String",
        "Value": (image.image_uri())
    }));
    app.synth().expect("synthesizes");
    let assembly = CloudAssembly::load(&out).expect("loads");
    let stacks = assembly.stacks().expect("stacks");
    deploy_stacks(&assembly, &stacks, &DeployOptions::default())
        .await
        .expect("deploys");

    // The pushed image's configuration, from the registry.
    let repo = "cdk-hnb659fds-container-assets-123456789012-us-west-2";
    let manifest = registry_get(
        &format!("{repo}/manifests/{}", image.image_tag()),
        "application/vnd.docker.distribution.manifest.v2+json",
    );
    let digest = manifest["config"]["digest"]
        .as_str()
        .expect("config digest");
    let config = registry_get(&format!("{repo}/blobs/{digest}"), "*/*");
    let labels = &config["config"]["Labels"];
    assert_eq!(labels["sagecdk.flavor"], "gpu", "the build arg: {config}");
    assert_eq!(labels["sagecdk.stage"], "wanted", "the target: {config}");

    sagecdk_deploy::stack::destroy_stack(
        &AwsEnvironment::cloudformation(env.base_config()),
        &name,
        None,
        &sagecdk_deploy::Silent,
    )
    .await
    .expect("destroy");
}

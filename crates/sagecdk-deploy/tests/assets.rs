//! File assets against the local services of `scripts/services.sh`: a directory asset is zipped,
//! uploaded under `<hash>.zip` with the zip content type and the bucket's encryption, reads back
//! as the directory's files, and is not uploaded again.

use sagecdk_assembly::CloudAssembly;
use sagecdk_assets::{Asset, AssetProps, PublishedFile};
use sagecdk_core::{App, AppProps, CfnResource, Stack, StackProps, cfn};
use sagecdk_deploy::assets::{
    PublishOutcome, UploadEncryption, publish_file, stack_asset_manifests, upload_encryption,
};
use sagecdk_deploy::{AwsEnvironment, DeployOptions, EnvironmentOptions, deploy_stacks};
use std::io::{Cursor, Read};
use std::path::Path;

mod common;

use common::moto_endpoint;

const BUCKET: &str = "cdk-hnb659fds-assets-123456789012-us-west-2";

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
    let env = common::bootstrapped_environment().await;

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
    let outcome = publish_file(&env, assembly.dir(), file, dest)
        .await
        .expect("publish again");
    assert_eq!(outcome, PublishOutcome::AlreadyPublished);

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

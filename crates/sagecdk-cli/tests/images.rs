//! `sagecdk images`: URIs as `image_uris.retrieve` answers them, the catalog's versions, and the
//! app's framework images pinned to an outdated version.

mod common;

use common::{sagecdk, text};
use sagecdk_core::{App, AppProps, Environment, Stack, StackProps};
use sagecdk_images::{ImageQuery, ImageScope, latest_version};
use sagecdk_sagemaker::{ContainerDefinition, ContainerImage, Model, ModelProps};
use std::path::Path;

#[test]
fn uri_prints_the_image_and_refuses_what_the_catalog_lacks() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = sagecdk(
        dir.path(),
        &[
            "images",
            "uri",
            "pytorch",
            "--region",
            "us-west-2",
            "--version",
            "2.5",
            "--scope",
            "inference",
            "--instance-type",
            "ml.g5.xlarge",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.5-gpu-py311\n"
    );
    let out = sagecdk(
        dir.path(),
        &[
            "images",
            "uri",
            "xgboost",
            "--region",
            "cn-north-1",
            "--version",
            "1.7-1",
        ],
    );
    assert_eq!(
        text(&out.stdout),
        "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.7-1\n"
    );
    let out = sagecdk(
        dir.path(),
        &[
            "images",
            "uri",
            "xgboost",
            "--region",
            "us-west-2",
            "--version",
            "9",
        ],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("xgboost: unsupported version '9'; available: ") && err.contains("3.2-0"),
        "{err}"
    );
    let out = sagecdk(
        dir.path(),
        &[
            "images",
            "uri",
            "xgboost",
            "--region",
            "us-west-2",
            "--scope",
            "everything",
        ],
    );
    assert!(text(&out.stderr).contains("unknown image scope 'everything'; one of: training"));
}

#[test]
fn list_shows_frameworks_and_one_framework_in_detail() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = sagecdk(dir.path(), &["images", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let all = text(&out.stdout);
    assert!(
        all.lines()
            .any(|l| l.starts_with("xgboost ") && l.ends_with(" 3.2-0")),
        "{all}"
    );
    let out = sagecdk(
        dir.path(),
        &["images", "list", "xgboost", "--scope", "inference"],
    );
    let one = text(&out.stdout);
    assert!(
        one.starts_with("xgboost (inference)\n  latest:   3.2-0\n"),
        "{one}"
    );
    assert!(
        one.contains("  versions: 0.90-1, 0.90-2, 1, 1.0-1,"),
        "{one}"
    );
    assert!(
        one.contains("cn-north-1") && one.contains("us-west-2"),
        "{one}"
    );
}

/// A cloud assembly in `dir/cdk.out` of models with the given framework images.
fn assembly(dir: &Path, queries: Vec<(&str, ImageQuery)>) -> String {
    let out = dir.join("cdk.out");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack = Stack::new(
        &app,
        "Images",
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    );
    for (id, query) in queries {
        Model::new(
            &stack,
            id,
            ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_framework(
                query,
            ))),
        );
    }
    app.synth().expect("synthesizes");
    out.to_str().expect("utf8").to_string()
}

#[test]
fn check_lists_the_outdated_pins_of_the_app() {
    let dir = tempfile::tempdir().expect("tmp");
    let latest_xgboost = latest_version("xgboost", Some(ImageScope::Training)).expect("latest");
    let app = assembly(
        dir.path(),
        vec![
            (
                "Ranker",
                ImageQuery::new("pytorch")
                    .with_version("2.5")
                    .with_scope(ImageScope::Inference)
                    .for_instance_type("ml.g5.xlarge"),
            ),
            ("Old", ImageQuery::new("xgboost").with_version("1.7-1")),
            // At the latest: not reported; without a version: not a pin.
            (
                "Current",
                ImageQuery::new("xgboost").with_version(latest_xgboost.clone()),
            ),
            ("Floating", ImageQuery::new("sklearn")),
        ],
    );
    let out = sagecdk(
        dir.path(),
        &["images", "check", "--exit-code", "--app", &app],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let latest_pytorch = latest_version("pytorch", Some(ImageScope::Inference)).expect("latest");
    assert_eq!(
        text(&out.stdout),
        format!(
            "Images/Ranker: pytorch (inference) 2.5 is pinned; the latest is {latest_pytorch}\n\
             Images/Old: xgboost (training) 1.7-1 is pinned; the latest is {latest_xgboost}\n"
        )
    );
    // Without --exit-code the report is all.
    let out = sagecdk(dir.path(), &["images", "check", "--app", &app]);
    assert!(out.status.success());

    let fresh = tempfile::tempdir().expect("tmp");
    let app = assembly(
        fresh.path(),
        vec![(
            "Current",
            ImageQuery::new("xgboost").with_version(latest_xgboost),
        )],
    );
    let out = sagecdk(
        fresh.path(),
        &["images", "check", "--exit-code", "--app", &app],
    );
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).starts_with("Every pinned framework image is at the latest"));
}

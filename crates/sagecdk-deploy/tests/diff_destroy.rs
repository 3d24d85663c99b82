//! End to end against the local services of `scripts/services.sh` (moto server for the AWS
//! APIs): bootstrap, deploy two small stacks (one depending on the other), `diff` without
//! differences, a changed property in `diff`, a stack that is not deployed in `diff`, then
//! `destroy` of the first stack and its dependent until CloudFormation no longer knows them.

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use sagecdk_assembly::CloudAssembly;
use sagecdk_core::{App, AppProps, CfnOutput, CfnResource, Stack, StackProps, cfn};
use sagecdk_deploy::template_diff::ChangeKind;
use sagecdk_deploy::{
    AwsEnvironment, DeployOptions, DestroyOptions, DiffOptions, deploy_stacks, destroy_order,
    destroy_stacks, diff_stacks,
};
use std::path::Path;

mod common;

fn model(stack: &Stack, version: &str) {
    let model = CfnResource::new(stack, "Model", "AWS::SageMaker::Model").with_properties(cfn!({
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/sagecdk-e2e-sagemaker",
        "PrimaryContainer": {
            "Image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/serving:1",
            "Environment": {"MODEL_VERSION": version}
        }
    }));
    CfnOutput::new(stack, "ModelName", model.get_att("ModelName"));
}

/// `<prefix>Base` and `<prefix>Top` (depends on Base); with `extra`, also `<prefix>Extra`.
fn synth(work: &Path, prefix: &str, version: &str, extra: bool) -> CloudAssembly {
    let out = work.join(format!("cdk.out.{version}"));
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let base = Stack::new(&app, &format!("{prefix}Base"), StackProps::default());
    model(&base, version);
    let top = Stack::new(&app, &format!("{prefix}Top"), StackProps::default());
    model(&top, "1");
    top.add_dependency(&base, "test");
    if extra {
        let extra = Stack::new(&app, &format!("{prefix}Extra"), StackProps::default());
        model(&extra, "1");
    }
    app.synth().expect("synthesizes");
    CloudAssembly::load(&out).expect("loads")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_diff_change_destroy() {
    let env = common::bootstrapped_environment().await;

    let work = tempfile::tempdir().expect("tmp");
    let prefix = format!("SageCdkDd{}", std::process::id());
    let (base, top, extra) = (
        format!("{prefix}Base"),
        format!("{prefix}Top"),
        format!("{prefix}Extra"),
    );
    let v1 = synth(work.path(), &prefix, "1", false);
    let stacks = v1.stacks().expect("stacks");
    let names: Vec<&str> = stacks.iter().map(|s| s.stack_name()).collect();
    assert_eq!(names, [base.as_str(), top.as_str()]);
    deploy_stacks(&v1, &stacks, &DeployOptions::default())
        .await
        .expect("deploy");

    // Deployed as synthesized: no differences.
    let diffs = diff_stacks(&stacks, &DiffOptions::default())
        .await
        .expect("diff");
    assert_eq!(diffs.len(), 2);
    for d in &diffs {
        assert!(d.deployed, "{} is deployed", d.stack_name);
        assert!(d.diff.is_empty(), "{}:\n{}", d.stack_name, d.diff);
    }

    // One property changed in Base, and a stack that was never deployed.
    let v2 = synth(work.path(), &prefix, "2", true);
    let changed = v2.stacks().expect("stacks");
    let diffs = diff_stacks(&changed, &DiffOptions::default())
        .await
        .expect("diff");
    let by_name = |name: &str| {
        diffs
            .iter()
            .find(|d| d.stack_name == name)
            .unwrap_or_else(|| panic!("no diff for {name}"))
    };
    let base_diff = &by_name(&base).diff;
    assert_eq!(base_diff.sections.len(), 1, "{base_diff}");
    let entries = &base_diff.section("Resources").expect("resources").entries;
    assert_eq!(entries.len(), 1, "{base_diff}");
    assert_eq!(entries[0].kind, ChangeKind::Modified);
    assert_eq!(
        entries[0].resource_type.as_deref(),
        Some("AWS::SageMaker::Model")
    );
    assert_eq!(entries[0].changes.len(), 1, "{base_diff}");
    assert_eq!(
        entries[0].changes[0].path,
        "PrimaryContainer.Environment.MODEL_VERSION"
    );
    let text = base_diff.to_string();
    assert!(
        text.contains("[~] AWS::SageMaker::Model Model")
            && text.contains("└─ [~] PrimaryContainer.Environment.MODEL_VERSION: \"1\" → \"2\""),
        "{text}"
    );
    assert!(by_name(&top).diff.is_empty(), "{}", by_name(&top).diff);
    let extra_diff = by_name(&extra);
    assert!(!extra_diff.deployed);
    let added = &extra_diff
        .diff
        .section("Resources")
        .expect("resources")
        .entries;
    assert!(added.iter().all(|e| e.kind == ChangeKind::Added));
    assert!(
        extra_diff
            .diff
            .to_string()
            .contains("[+] AWS::SageMaker::Model Model"),
        "{}",
        extra_diff.diff
    );

    // Destroy Base: Top depends on it and goes first; Extra (never deployed) is done at once.
    let selected: Vec<_> = changed
        .iter()
        .filter(|s| s.stack_name() == base || s.stack_name() == extra)
        .cloned()
        .collect();
    let order = destroy_order(&changed, &selected);
    let mut order_names: Vec<&str> = order.iter().map(|s| s.stack_name()).collect();
    let position = |name: &str| order_names.iter().position(|n| *n == name);
    assert!(position(&top) < position(&base), "{order_names:?}");
    order_names.sort_unstable();
    assert_eq!(order_names, [base.as_str(), extra.as_str(), top.as_str()]);
    destroy_stacks(&order, &DestroyOptions::default())
        .await
        .expect("destroy");
    let cfn = AwsEnvironment::cloudformation(env.base_config());
    for name in [&base, &top] {
        let err = cfn
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
            .expect_err("the stack is gone");
        assert!(
            err.message().unwrap_or_default().contains("does not exist"),
            "{name}: {err:?}"
        );
    }
    // Destroying again finds nothing to do.
    destroy_stacks(&order, &DestroyOptions::default())
        .await
        .expect("destroy again");
}

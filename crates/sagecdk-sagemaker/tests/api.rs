//! The SageMaker API beyond construction: imports by name, ARN and attributes, the variant
//! metrics, the variant limit, and model directories packaged through a model.

use sagecdk_assertions::{Match, Template, pattern};
use sagecdk_aws::iam::{Principal, Role, RoleProps};
use sagecdk_core::{App, AppProps, CfnOutput, Duration, Scope, Stack, Str};
use sagecdk_sagemaker::*;

mod common;

use common::*;

/// The values as the template renders them (through outputs).
fn rendered(stack: &Stack, values: Vec<Str>) -> Vec<serde_json::Value> {
    for (i, v) in values.into_iter().enumerate() {
        CfnOutput::new(stack, &format!("Value{i}"), v);
    }
    let t = Template::from_stack(stack);
    let outputs = t.as_json()["Outputs"].as_object().expect("outputs").clone();
    (0..outputs.len())
        .map(|i| outputs[&format!("Value{i}")]["Value"].clone())
        .collect()
}

fn role(stack: &Stack) -> Role {
    Role::new(
        stack,
        "Caller",
        RoleProps::new(Principal::service("lambda.amazonaws.com")),
    )
}

#[test]
fn models_imported_by_name_serve_variants() {
    let app = App::for_tests();
    let s = stack(&app);
    let imported = Model::from_model_name(&s, "Existing", "my-model");
    instance_config(
        &s,
        "Config",
        vec![InstanceProductionVariantProps::new(&imported, "a")],
    );
    let t = Template::from_stack(&s);
    t.assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": [{"ModelName": "my-model", "VariantName": "a"}]}),
    );
    // Nothing is created for the import itself.
    t.assert_resource_count_is("AWS::SageMaker::Model", 0);
    assert_eq!(
        rendered(&s, vec![imported.model_arn()])[0],
        serde_json::json!({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sagemaker:us-west-2:123456789012:model/my-model"]]})
    );

    let app = App::for_tests();
    let s = stack(&app);
    Model::from_model_name(&s, "Bad", "my_model");
    assert_eq!(
        errors(&s),
        vec![
            "[S/Bad] Invalid model name 'my_model': must match ^[a-zA-Z0-9](-*[a-zA-Z0-9])*$ and be at most 63 characters"
        ]
    );
}

#[test]
fn endpoints_imported_by_arn_or_attributes_take_invoke_grants() {
    let app = App::for_tests();
    let s = stack(&app);
    let by_arn = Endpoint::from_endpoint_arn(
        &s,
        "ByArn",
        "arn:aws:sagemaker:us-west-2:123456789012:endpoint/scoring",
    );
    let by_attributes = Endpoint::from_endpoint_attributes(
        &s,
        "ByAttributes",
        EndpointAttributes::new("arn:aws:sagemaker:us-west-2:123456789012:endpoint/ranking"),
    );
    assert_eq!(
        by_arn.endpoint_name().as_literal().as_deref(),
        Some("scoring")
    );
    assert_eq!(
        by_attributes.endpoint_name().as_literal().as_deref(),
        Some("ranking")
    );
    let caller = role(&s);
    assert!(by_arn.grant_invoke(&caller));
    assert!(by_attributes.grant_invoke(&caller));
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::IAM::Policy",
        pattern!({"PolicyDocument": {"Statement": [
            {
                "Action": "sagemaker:InvokeEndpoint",
                "Effect": "Allow",
                "Resource": "arn:aws:sagemaker:us-west-2:123456789012:endpoint/scoring"
            },
            {
                "Action": "sagemaker:InvokeEndpoint",
                "Effect": "Allow",
                "Resource": "arn:aws:sagemaker:us-west-2:123456789012:endpoint/ranking"
            }
        ]}}),
    );

    // A token ARN: the name is cut out of it at deploy time.
    let app = App::for_tests();
    let s = stack(&app);
    let parameter = sagecdk_core::CfnParameter::new(
        &s,
        "EndpointArn",
        sagecdk_core::CfnParameterProps::default(),
    );
    let from_token = Endpoint::from_endpoint_attributes(
        &s,
        "FromToken",
        EndpointAttributes::new(parameter.value_as_string()),
    );
    assert_eq!(
        rendered(&s, vec![from_token.endpoint_name()])[0],
        serde_json::json!({"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::Select": [5, {"Fn::Split": [":", {"Ref": "EndpointArn"}]}]}]}]})
    );

    let app = App::for_tests();
    let s = stack(&app);
    Endpoint::from_endpoint_arn(&s, "Bad", "scoring");
    assert_eq!(
        errors(&s),
        vec![
            "[S/Bad] 'scoring' is not a SageMaker resource ARN (expected arn:…:sagemaker:…:<type>/<name>)"
        ]
    );
}

#[test]
fn variant_metrics_have_their_namespace_statistic_and_dimensions() {
    let app = App::for_tests();
    let s = stack(&app);
    let config = config_of_model_m(&s, |m| vec![InstanceProductionVariantProps::new(m, "blue")]);
    let endpoint = Endpoint::new(&s, "Endpoint", EndpointProps::new(&config));
    let v = endpoint.find_instance_production_variant("blue");
    let expected: Vec<(sagecdk_aws::cloudwatch::Metric, &str, &str, &str)> = vec![
        (
            v.metric("Custom/NS", "Queue", "Maximum"),
            "Custom/NS",
            "Queue",
            "Maximum",
        ),
        (
            v.metric_invocations(),
            "AWS/SageMaker",
            "Invocations",
            "Sum",
        ),
        (
            v.metric_invocations_per_instance(),
            "AWS/SageMaker",
            "InvocationsPerInstance",
            "Sum",
        ),
        (
            v.metric_model_latency(),
            "AWS/SageMaker",
            "ModelLatency",
            "Average",
        ),
        (
            v.metric_overhead_latency(),
            "AWS/SageMaker",
            "OverheadLatency",
            "Average",
        ),
        (
            v.metric_invocation_4xx_errors(),
            "AWS/SageMaker",
            "Invocation4XXErrors",
            "Sum",
        ),
        (
            v.metric_invocation_5xx_errors(),
            "AWS/SageMaker",
            "Invocation5XXErrors",
            "Sum",
        ),
        (
            v.metric_disk_utilization(),
            "/aws/sagemaker/Endpoints",
            "DiskUtilization",
            "Average",
        ),
        (
            v.metric_cpu_utilization(),
            "/aws/sagemaker/Endpoints",
            "CPUUtilization",
            "Average",
        ),
        (
            v.metric_memory_utilization(),
            "/aws/sagemaker/Endpoints",
            "MemoryUtilization",
            "Average",
        ),
        (
            v.metric_gpu_utilization(),
            "/aws/sagemaker/Endpoints",
            "GPUUtilization",
            "Average",
        ),
        (
            v.metric_gpu_memory_utilization(),
            "/aws/sagemaker/Endpoints",
            "GPUMemoryUtilization",
            "Average",
        ),
    ];
    assert_eq!(expected.len(), 12);
    let mut values = vec![endpoint.endpoint_name()];
    for (metric, ..) in &expected {
        let dimensions = metric.sorted_dimensions();
        assert_eq!(
            dimensions.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ["EndpointName", "VariantName"]
        );
        values.extend(dimensions.into_iter().map(|(_, v)| v.clone()));
    }
    let values = rendered(&s, values);
    let endpoint_name = values[0].clone();
    for (i, (metric, namespace, name, statistic)) in expected.iter().enumerate() {
        assert_eq!(
            (
                metric.namespace.as_str(),
                metric.metric_name.as_str(),
                metric.statistic.as_str(),
                metric.period
            ),
            (*namespace, *name, *statistic, Duration::from_secs(300))
        );
        assert_eq!(
            (&values[1 + 2 * i], &values[2 + 2 * i]),
            (&endpoint_name, &serde_json::json!("blue")),
            "{name}"
        );
    }
    assert_eq!(
        endpoint_name,
        serde_json::json!({"Fn::GetAtt": ["Endpoint8024A810", "EndpointName"]})
    );
}

#[test]
fn more_than_ten_variants_are_refused() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    let config = instance_config(
        &s,
        "Config",
        (0..MAX_VARIANTS)
            .map(|i| InstanceProductionVariantProps::new(&m, format!("v{i}")))
            .collect(),
    );
    Template::from_stack(&s).assert_has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        pattern!({"ProductionVariants": Match::array_with(vec![Match::object_like(pattern!({"VariantName": "v9"}))])}),
    );
    config.add_instance_production_variant(InstanceProductionVariantProps::new(&m, "v10"));
    assert_eq!(
        errors(&s),
        vec!["[S/Config] Can't have more than 10 production variants ('v10' not added)"]
    );
}

#[test]
fn model_directories_are_packaged_staged_and_granted() {
    let dir = tempfile::tempdir().expect("tmp");
    let model_dir = dir.path().join("model");
    std::fs::create_dir_all(model_dir.join("code")).expect("mkdir");
    std::fs::write(model_dir.join("model.pth"), vec![7u8; 4096]).expect("write");
    std::fs::write(
        model_dir.join("code/inference.py"),
        "def predict(x): return x\n",
    )
    .expect("write");
    std::fs::write(model_dir.join("notes.txt"), "left out").expect("write");
    let out = dir.path().join("cdk.out");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let s = stack(&app);
    let m = Model::new(
        &s,
        "Model",
        ModelProps::with_container(
            ContainerDefinition::new(ContainerImage::from_dlc(
                "pytorch-inference",
                "2.3.0-cpu-py311",
            ))
            .with_model_data(ModelData::from_directory(
                model_dir.to_string_lossy(),
                PackageOptions {
                    exclude: vec!["*.txt".into()],
                    ..PackageOptions::default()
                },
            )),
        ),
    );
    assert!(m.node().try_find_child("Model").is_some());
    app.synth().expect("synthesizes");
    let template: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("S.template.json")).expect("template"),
    )
    .expect("json");
    let resources = template["Resources"].as_object().expect("resources");
    let model = resources
        .values()
        .find(|r| r["Type"] == "AWS::SageMaker::Model")
        .expect("model");
    let url = model["Properties"]["PrimaryContainer"]["ModelDataUrl"]["Fn::Sub"]
        .as_str()
        .expect("ModelDataUrl is an Fn::Sub");
    // The object key is the hash with the file's last extension, as the CDK names it.
    let hash = url
        .strip_prefix(
            "https://s3.us-west-2.${AWS::URLSuffix}/cdk-hnb659fds-assets-123456789012-us-west-2/",
        )
        .and_then(|key| key.strip_suffix(".gz"))
        .unwrap_or_else(|| panic!("{url}"));
    // The archive is staged under its hash and holds the directory, without the exclusions.
    let staged = out.join(format!("asset.{hash}.tar.gz"));
    let listing = std::process::Command::new("tar")
        .arg("tzf")
        .arg(&staged)
        .output()
        .expect("tar runs");
    assert!(listing.status.success(), "{}", staged.display());
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.contains("model.pth") && listing.contains("code/inference.py"),
        "{listing}"
    );
    assert!(!listing.contains("notes.txt"), "{listing}");
    // The role may read the staging bucket.
    let policy = resources
        .values()
        .find(|r| r["Type"] == "AWS::IAM::Policy")
        .expect("policy");
    let statements = policy["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements");
    assert!(
        statements
            .iter()
            .any(|st| st["Action"]
                == serde_json::json!(["s3:GetObject*", "s3:GetBucket*", "s3:List*"])),
        "{statements:#?}"
    );
}

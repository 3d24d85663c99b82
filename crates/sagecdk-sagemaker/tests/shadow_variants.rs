//! Shadow variants on endpoint configurations: rendered with the options of production
//! variants, and SageMaker's rules for shadow testing.

use sagecdk_assertions::Template;
use sagecdk_core::App;
use sagecdk_sagemaker::*;
use serde_json::json;

mod common;

use common::*;

#[test]
fn a_shadow_variant_renders_like_a_production_variant_and_gets_the_grants() {
    let app = App::for_tests();
    let s = stack(&app);
    let current = model(&s, "Current");
    let candidate = model(&s, "Candidate");
    EndpointConfig::new(
        &s,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(
                &current, "Current",
            )],
            shadow_production_variants: vec![
                InstanceProductionVariantProps::new(&candidate, "Candidate")
                    .with_instance_type(InstanceType::M5_XLARGE)
                    .with_instance_count(2),
            ],
            data_capture: Some(DataCaptureProps::new(S3Location::in_bucket(
                &sagecdk_aws::s3::Bucket::from_bucket_name(&s, "B", "capture"),
                "shadow",
            ))),
            ..EndpointConfigProps::default()
        },
    );
    let template = Template::from_stack(&s);
    let json = template.as_json();
    let config = resources_of_type(json, "AWS::SageMaker::EndpointConfig")[0];
    let shadow = &config["Properties"]["ShadowProductionVariants"];
    assert_eq!(shadow.as_array().map(Vec::len), Some(1), "{shadow}");
    assert_eq!(shadow[0]["VariantName"], "Candidate");
    assert_eq!(shadow[0]["InstanceType"], "ml.m5.xlarge");
    assert_eq!(shadow[0]["InitialInstanceCount"], 2);
    assert_eq!(shadow[0]["InitialVariantWeight"], 1);
    assert_eq!(
        shadow[0]["ModelName"]["Fn::GetAtt"][1],
        json!("ModelName"),
        "{shadow}"
    );
    assert_eq!(
        config["Properties"]["ProductionVariants"][0]["VariantName"],
        "Current"
    );
    // Both models' roles may write the captured data.
    let policies: Vec<String> = resources_of_type(json, "AWS::IAM::Policy")
        .into_iter()
        .map(|p| p["Properties"]["PolicyDocument"].to_string())
        .collect();
    assert_eq!(policies.len(), 2);
    assert!(
        policies.iter().all(|p| p.contains("/shadow/*")),
        "{policies:#?}"
    );
}

#[test]
fn shadow_testing_rules_are_reported_together() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    // Two production variants and two shadows.
    EndpointConfig::new(
        &s,
        "Two",
        EndpointConfigProps {
            instance_production_variants: vec![
                InstanceProductionVariantProps::new(&m, "a"),
                InstanceProductionVariantProps::new(&m, "b"),
            ],
            shadow_production_variants: vec![
                InstanceProductionVariantProps::new(&m, "s1"),
                InstanceProductionVariantProps::new(&m, "s2"),
            ],
            ..EndpointConfigProps::default()
        },
    );
    // A shadow named like the production variant, and bad options.
    EndpointConfig::new(
        &s,
        "Named",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(&m, "a")],
            shadow_production_variants: vec![InstanceProductionVariantProps::new(&m, "a")],
            ..EndpointConfigProps::default()
        },
    );
    EndpointConfig::new(
        &s,
        "Bad",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(&m, "a")],
            shadow_production_variants: vec![
                InstanceProductionVariantProps::new(&m, "s").with_instance_count(0),
            ],
            ..EndpointConfigProps::default()
        },
    );
    EndpointConfig::new(
        &s,
        "Serverless",
        EndpointConfigProps {
            serverless_production_variant: Some(ServerlessProductionVariantProps::new(
                &m, "sv", 2048, 5,
            )),
            shadow_production_variants: vec![InstanceProductionVariantProps::new(&m, "s")],
            ..EndpointConfigProps::default()
        },
    );
    let found = errors(&s);
    for expected in [
        "[S/Two] Can't have more than 1 shadow variant ('s2' not added)",
        "[S/Two] a configuration with a shadow variant must have exactly 1 instance production variant, found 2",
        "[S/Named] There is already a Production Variant with name 'a'",
        "[S/Bad] Invalid Shadow Variant Props: Must have at least one instance",
        "[S/Serverless] Cannot add shadow variant 's' to a configuration with a serverless production variant; shadow testing needs an instance production variant",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected}\nin {found:#?}"
        );
    }
}

#[test]
fn a_shadow_variant_has_metrics_and_scales_like_a_production_variant() {
    let app = App::for_tests();
    let s = stack(&app);
    let current = model(&s, "Current");
    let candidate = model(&s, "Candidate");
    let config = EndpointConfig::new(
        &s,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(
                &current, "Current",
            )],
            shadow_production_variants: vec![InstanceProductionVariantProps::new(
                &candidate,
                "Candidate",
            )],
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(&s, "E", EndpointProps::new(&config));
    let shadow = endpoint.find_shadow_variant("Candidate");
    assert_eq!(shadow.variant_name(), "Candidate");
    shadow
        .auto_scale_instance_count(EnableScalingProps::max(3))
        .scale_on_invocations("Invocations", InvocationsScalingProps::new(100.0));
    shadow.metric_model_latency().create_alarm(
        &s,
        "ShadowLatency",
        sagecdk_aws::cloudwatch::AlarmProps::new(1000.0, 1),
    );
    let t = Template::from_stack(&s);
    let json = t.as_json();
    let target =
        &resources_of_type(json, "AWS::ApplicationAutoScaling::ScalableTarget")[0]["Properties"];
    assert_eq!(target["MaxCapacity"], 3);
    assert!(
        target["ResourceId"]
            .to_string()
            .contains("/variant/Candidate"),
        "{target}"
    );
    let alarm = &resources_of_type(json, "AWS::CloudWatch::Alarm")[0]["Properties"];
    assert!(
        alarm["Dimensions"].to_string().contains("\"Candidate\""),
        "{alarm}"
    );

    // A production variant is not a shadow, nor the other way round.
    let app = App::for_tests();
    let s = stack(&app);
    let current = model(&s, "Current");
    let candidate = model(&s, "Candidate");
    let config = EndpointConfig::new(
        &s,
        "Config",
        EndpointConfigProps {
            instance_production_variants: vec![InstanceProductionVariantProps::new(
                &current, "Current",
            )],
            shadow_production_variants: vec![InstanceProductionVariantProps::new(
                &candidate,
                "Candidate",
            )],
            ..EndpointConfigProps::default()
        },
    );
    let endpoint = Endpoint::new(&s, "E", EndpointProps::new(&config));
    endpoint.find_shadow_variant("Current");
    endpoint.find_instance_production_variant("Candidate");
    let found = errors(&s);
    for expected in [
        "[S/E] No shadow variant with name: 'Current'",
        "[S/E] No variant with name: 'Candidate'",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected}\nin {found:#?}"
        );
    }
}

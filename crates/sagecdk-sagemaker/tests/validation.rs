//! Input SageMaker or Application Auto Scaling would reject at deploy time (errors at the
//! construct path), or accept although it is surely a mistake (warnings).

use sagecdk_assertions::{Annotations, Match};
use sagecdk_aws::s3::Bucket;
use sagecdk_core::{App, IndexMap, Lazy, Stack, Str};
use sagecdk_sagemaker::*;

mod common;

use common::*;

fn warnings(s: &Stack) -> Vec<String> {
    Annotations::from_stack(s)
        .expect("synthesizes")
        .messages()
        .iter()
        .map(|m| format!("[{}] {}", m.path, m.message))
        .collect()
}

#[test]
fn variants_that_all_weigh_nothing_are_a_warning() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    instance_config(
        &s,
        "Config",
        vec![
            InstanceProductionVariantProps::new(&m, "a").with_weight(0.0),
            InstanceProductionVariantProps::new(&m, "b").with_weight(0.0),
        ],
    );
    serverless_config(&s, "Serverless", {
        let mut v = ServerlessProductionVariantProps::new(&m, "s", 2048, 5);
        v.initial_variant_weight = Some(0.0);
        v
    });
    let found = warnings(&s);
    assert_eq!(
        found,
        vec![
            "[/S/Config] all 2 production variants have initialVariantWeight 0, so the endpoint routes no traffic; give at least one variant a positive weight",
            "[/S/Serverless] the only production variant has initialVariantWeight 0, so the endpoint routes no traffic; give at least one variant a positive weight",
        ]
    );

    // One variant with traffic is enough; a second synthesis does not repeat the warning.
    let app = App::for_tests();
    let s = stack(&app);
    config_of_model_m(&s, |m| {
        vec![
            InstanceProductionVariantProps::new(m, "shadow").with_weight(0.0),
            InstanceProductionVariantProps::new(m, "live"),
        ]
    });
    assert!(warnings(&s).is_empty(), "{:?}", warnings(&s));
    let app = App::for_tests();
    let s = stack(&app);
    config_of_model_m(&s, |m| {
        vec![InstanceProductionVariantProps::new(m, "a").with_weight(0.0)]
    });
    app.assemble().expect("first synthesis");
    assert_eq!(warnings(&s).len(), 1);
}

#[test]
fn container_environment_variables_follow_sagemaker_limits() {
    let app = App::for_tests();
    let s = stack(&app);
    let long = "A".repeat(1025);
    let container = ContainerDefinition::new(image())
        .with_environment("", "x")
        .with_environment("1_BAD-NAME", "x")
        .with_environment(long.as_str(), "x")
        .with_environment("BIG", "é".repeat(1025))
        .with_environment("FINE", "v".repeat(1024))
        // Only known at deploy time: not checked.
        .with_environment("LATER", Lazy::string(|_| Str::from("x".repeat(2000))));
    Model::new(&s, "M", ModelProps::with_container(container));
    let mut many = ContainerDefinition::new(image());
    many.environment = (0..101)
        .map(|i| (format!("V{i}"), Str::from("x")))
        .collect::<IndexMap<_, _>>();
    Model::new(&s, "Many", ModelProps::with_container(many));
    let e = errors(&s);
    let expected = [
        "[S/M] container environment variable name must not be empty",
        "[S/M] container environment variable name '1_BAD-NAME' must match [a-zA-Z_][a-zA-Z0-9_]*",
        "[S/M] container environment variable name 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…' is 1025 characters, more than SageMaker's limit of 1024",
        "[S/M] value of container environment variable 'BIG' is 1025 characters, more than SageMaker's limit of 1024",
        "[S/Many] container environment has 101 variables, more than SageMaker's limit of 100",
    ];
    assert_eq!(e, expected);
}

#[test]
fn model_data_needs_a_key_or_prefix() {
    let app = App::for_tests();
    let s = stack(&app);
    let bucket = Bucket::from_bucket_name(&s, "Data", "model-data");
    Model::new(
        &s,
        "Archive",
        ModelProps::with_container(
            ContainerDefinition::new(image()).with_model_data(ModelData::from_bucket(&bucket, "")),
        ),
    );
    Model::new(
        &s,
        "Files",
        ModelProps::with_container(
            ContainerDefinition::new(image())
                .with_model_data(ModelData::from_s3_prefix(&bucket, "")),
        ),
    );
    assert_eq!(
        errors(&s),
        [
            "[S/Archive] `ModelData::from_bucket` key must not be empty: name the model archive (.tar.gz) in the bucket",
            "[S/Files] `ModelData::from_s3_prefix` prefix must not be empty: name the folder that holds the model files",
        ]
    );
}

/// A scalable instance count of variant `v` of a new endpoint.
fn scalable(s: &Stack) -> ScalableInstanceCount {
    let config = config_of_model_m(s, |m| {
        vec![
            InstanceProductionVariantProps::new(m, "v").with_instance_type(InstanceType::M5_XLARGE),
        ]
    });
    let endpoint = Endpoint::new(s, "Endpoint", EndpointProps::new(&config));
    endpoint
        .find_instance_production_variant("v")
        .auto_scale_instance_count(EnableScalingProps::max(4).with_min(1))
}

#[test]
fn request_rates_must_be_positive() {
    let app = App::for_tests();
    let s = stack(&app);
    let count = scalable(&s);
    for (id, rate) in [("Negative", -5.0), ("Zero", 0.0), ("Nan", f64::NAN)] {
        count.scale_on_invocations(
            id,
            InvocationsScalingProps {
                max_requests_per_second: rate,
                ..InvocationsScalingProps::default()
            },
        );
    }
    assert_eq!(
        errors(&s),
        [
            "[S/Endpoint/InstanceCount/Target] maxRequestsPerSecond of 'Negative' must be a number greater than 0, got -5",
            "[S/Endpoint/InstanceCount/Target] maxRequestsPerSecond of 'Zero' must be a number greater than 0, got 0",
            "[S/Endpoint/InstanceCount/Target] maxRequestsPerSecond of 'Nan' must be a number greater than 0, got NaN",
        ]
    );

    // Application Auto Scaling accepts a target of 0 or less: a warning for predefined metrics.
    let app = App::for_tests();
    let s = stack(&app);
    scalable(&s).scale_to_track_metric(
        "Cpu",
        TargetTrackingProps {
            target_value: -1.0,
            predefined_metric: Some("SageMakerVariantInvocationsPerInstance".into()),
            ..TargetTrackingProps::default()
        },
    );
    Annotations::from_stack(&s)
        .expect("synthesizes")
        .has_warning(
            "/S/Endpoint/InstanceCount/Target/Cpu",
            Match::string_like_regexp(
                "^targetValue -1 of predefined metric SageMakerVariantInvocationsPerInstance is not above 0",
            ),
        )
        .expect("warning");
}

#[test]
fn step_scaling_names_the_step_at_fault() {
    let app = App::for_tests();
    let s = stack(&app);
    let count = scalable(&s);
    let metric = sagecdk_aws::cloudwatch::Metric::new("AWS/SageMaker", "CPUUtilization", "Average");
    let on = |id: &str, steps: Vec<ScalingInterval>| {
        count.scale_on_metric(id, StepScalingProps::new(metric.clone(), steps));
    };
    let step = |lower: Option<f64>, upper: Option<f64>, change: f64| ScalingInterval {
        lower,
        upper,
        change,
    };
    on(
        "Inverted",
        vec![
            step(Some(30.0), Some(10.0), 1.0),
            ScalingInterval::at_least(50.0, 2.0),
        ],
    );
    on(
        "Negative",
        vec![
            step(Some(-10.0), Some(0.0), -1.0),
            ScalingInterval::at_least(10.0, 1.0),
        ],
    );
    on(
        "Overlap",
        vec![
            step(Some(0.0), Some(20.0), 1.0),
            ScalingInterval::below(10.0, 2.0),
        ],
    );
    assert_eq!(
        errors(&s),
        [
            "[S/Endpoint/InstanceCount/Target/Inverted] interval [30, 10) change 1: the lower bound (30) must be less than the upper bound (10)",
            "[S/Endpoint/InstanceCount/Target/Negative] interval [-10, 0) change -1: the lower bound (-10) must not be negative (steps cover the metric from 0 up)",
            "[S/Endpoint/InstanceCount/Target/Overlap] Two intervals overlap: [0, 20) change 1 and [open, 10) change 2",
        ]
    );
}

//! Endpoint updates in place: the deployment configuration (blue/green, rolling, rollback
//! alarms), what of the running variants is kept, and SageMaker's limits.

use sagecdk_assertions::Template;
use sagecdk_aws::cloudwatch::{Alarm, AlarmProps};
use sagecdk_core::{App, Stack};
use sagecdk_sagemaker::*;
use serde_json::{Value as Json, json};
use std::time::Duration;

mod common;

use common::cdk::cdk_app;
use common::*;

/// Endpoint `E` of a one-variant configuration, updated as `update(stack, endpoint metric
/// source)` says; the endpoint's properties, or the synthesis errors.
fn endpoint_with(update: impl FnOnce(&Stack) -> EndpointUpdate) -> Result<Json, Vec<String>> {
    let app = App::for_tests();
    let s = stack(&app);
    let config = config_of_model_m(&s, |m| vec![InstanceProductionVariantProps::new(m, "v")]);
    let update = update(&s);
    Endpoint::new(&s, "E", EndpointProps::new(&config).with_update(update));
    match Template::try_from_stack(&s) {
        Ok(t) => {
            Ok(resources_of_type(t.as_json(), "AWS::SageMaker::Endpoint")[0]["Properties"].clone())
        }
        Err(_) => Err(errors(&s)),
    }
}

fn alarm(s: &Stack, id: &str) -> Alarm {
    let metric =
        sagecdk_aws::cloudwatch::Metric::new("AWS/SageMaker", "Invocation5XXErrors", "Sum");
    Alarm::new(s, id, &metric, AlarmProps::new(1.0, 1))
}

#[test]
fn blue_green_canary_with_a_rollback_alarm() {
    let props = endpoint_with(|s| {
        let mut update = BlueGreenUpdate::new(TrafficRouting::Canary {
            size: CapacitySize::Percent(10),
            wait: Duration::from_secs(600),
        });
        update.termination_wait = Some(Duration::from_secs(300));
        update.maximum_execution_timeout = Some(Duration::from_secs(1800));
        EndpointUpdate::blue_green(update).with_rollback_alarm(&alarm(s, "Errors"))
    })
    .expect("synthesizes");
    let config = &props["DeploymentConfig"];
    assert_eq!(
        config["BlueGreenUpdatePolicy"],
        json!({
            "MaximumExecutionTimeoutInSeconds": 1800,
            "TerminationWaitInSeconds": 300,
            "TrafficRoutingConfiguration": {
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
                "Type": "CANARY",
                "WaitIntervalInSeconds": 600
            }
        })
    );
    assert_eq!(
        config["AutoRollbackConfiguration"]["Alarms"][0]["AlarmName"]["Ref"]
            .as_str()
            .map(|r| r.starts_with("Errors")),
        Some(true),
        "{config}"
    );
    assert!(props.get("RetainAllVariantProperties").is_none());
}

#[test]
fn linear_all_at_once_and_rolling_render_their_policies() {
    let linear = endpoint_with(|_| {
        EndpointUpdate::blue_green(BlueGreenUpdate::new(TrafficRouting::Linear {
            step: CapacitySize::Instances(2),
            wait: Duration::from_secs(120),
        }))
    })
    .expect("synthesizes");
    assert_eq!(
        linear["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"],
        json!({"LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 2}, "Type": "LINEAR", "WaitIntervalInSeconds": 120})
    );
    let at_once = endpoint_with(|_| {
        EndpointUpdate::blue_green(BlueGreenUpdate::new(TrafficRouting::AllAtOnce {
            wait: Duration::from_secs(0),
        }))
    })
    .expect("synthesizes");
    assert_eq!(
        at_once["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"],
        json!({"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0})
    );
    let rolling = endpoint_with(|_| {
        let mut update = RollingUpdate::new(CapacitySize::Instances(1), Duration::from_secs(60));
        update.rollback_maximum_batch_size = Some(CapacitySize::Percent(50));
        update.maximum_execution_timeout = Some(Duration::from_secs(3600));
        EndpointUpdate::rolling(update)
            .retaining_variant_properties([VariantPropertyType::DesiredWeight])
    })
    .expect("synthesizes");
    assert_eq!(
        rolling["DeploymentConfig"],
        json!({"RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "MaximumExecutionTimeoutInSeconds": 3600,
            "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": 60
        }})
    );
    assert_eq!(rolling["RetainAllVariantProperties"], true);
    assert_eq!(
        rolling["ExcludeRetainedVariantProperties"],
        json!([{"VariantPropertyType": "DesiredWeight"}])
    );
    let plain = endpoint_with(|_| EndpointUpdate {
        retain_deployment_config: true,
        ..EndpointUpdate::default()
    })
    .expect("synthesizes");
    assert!(plain.get("DeploymentConfig").is_none(), "{plain}");
    assert_eq!(plain["RetainDeploymentConfig"], true);
}

#[test]
fn update_limits_are_reported_together() {
    let found = endpoint_with(|s| {
        let mut update = BlueGreenUpdate::new(TrafficRouting::Canary {
            size: CapacitySize::Percent(0),
            wait: Duration::from_secs(4000),
        });
        update.termination_wait = Some(Duration::from_millis(1500));
        update.maximum_execution_timeout = Some(Duration::from_secs(100));
        let mut u = EndpointUpdate::blue_green(update);
        for i in 0..11 {
            u = u.with_rollback_alarm(&alarm(s, &format!("A{i}")));
        }
        u.exclude_retained_variant_properties = vec![VariantPropertyType::DesiredInstanceCount];
        u
    })
    .expect_err("refused");
    for expected in [
        "[S/E] trafficRouting.wait must be between 0 and 3600 seconds, got 4000",
        "[S/E] terminationWait must be a whole number of seconds, got 1.5 s",
        "[S/E] maximumExecutionTimeout must be between 600 and 14400 seconds, got 100",
        "[S/E] trafficRouting size must be between 1 and 100 percent, got 0",
        "[S/E] autoRollbackAlarms lists 11 alarms; at most 10 are allowed",
        "[S/E] excludeRetainedVariantProperties only applies when retainAllVariantProperties is set; use `retaining_variant_properties`",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected}\nin {found:#?}"
        );
    }
    let rolling = endpoint_with(|_| {
        let mut update = RollingUpdate::new(CapacitySize::Instances(0), Duration::from_secs(60));
        update.maximum_execution_timeout = Some(Duration::from_secs(30000));
        EndpointUpdate::rolling(update)
    })
    .expect_err("refused");
    for expected in [
        "[S/E] rolling.maximumBatchSize must be at least 1 instance",
        "[S/E] maximumExecutionTimeout must be between 600 and 28800 seconds, got 30000",
    ] {
        assert!(
            rolling.iter().any(|f| f == expected),
            "missing {expected}\nin {rolling:#?}"
        );
    }
}

/// A named model in a named configuration, deployed by an endpoint when `with_endpoint`.
fn named(app: &App, with_endpoint: bool) -> Stack {
    let s = stack(app);
    let model = Model::new(
        &s,
        "M",
        ModelProps {
            model_name: Some("ranker".into()),
            ..ModelProps::with_container(ContainerDefinition::new(image()))
        },
    );
    let config = EndpointConfig::new(
        &s,
        "C",
        EndpointConfigProps {
            endpoint_config_name: Some("ranker-config".into()),
            instance_production_variants: vec![InstanceProductionVariantProps::new(&model, "v")],
            ..EndpointConfigProps::default()
        },
    );
    if with_endpoint {
        Endpoint::new(&s, "E", EndpointProps::new(&config));
    }
    s
}

#[test]
fn fixed_names_that_would_block_updates_are_errors_at_the_endpoint() {
    let app = App::for_tests();
    let found = errors(&named(&app, true));
    assert_eq!(
        found,
        [
            "[S/E] the endpoint configuration at 'S/C' has the fixed name 'ranker-config', so CloudFormation cannot replace it when it changes and this endpoint could not be updated; leave the name out (one is generated for each version)",
            "[S/E] the model at 'S/M' has the fixed name 'ranker', so CloudFormation cannot replace it when it changes and this endpoint could not be updated; leave the name out (one is generated for each version)",
        ]
    );
    // Without an endpoint nothing is updated in place; with the AWS CDK's defaults, as the
    // CDK allows it.
    let app = App::for_tests();
    assert!(Template::try_from_stack(&named(&app, false)).is_ok());
    let app = cdk_app();
    assert!(Template::try_from_stack(&named(&app, true)).is_ok());
}

//! `Endpoint`, its variants' metrics, and autoscaling of instance counts.

use crate::endpoint_config::{EndpointConfig, VariantInfo};
use crate::model::name_problem;
use sagecdk_aws::cloudwatch::Metric;
use sagecdk_aws::iam::{Grant, Grantable};
use sagecdk_core::{ArnComponents, CfnResource, Construct, Scope, Stack, Str, Value, cfn};
use std::cell::RefCell;
use std::rc::Rc;

/// Options of an [`Endpoint`].
#[derive(Clone, Debug)]
pub struct EndpointProps {
    /// The configuration to deploy.
    pub endpoint_config: EndpointConfig,
    /// Physical name.
    pub endpoint_name: Option<String>,
}

/// A SageMaker endpoint: `<id>/Endpoint` is the resource.
#[derive(Clone, Debug)]
pub struct Endpoint {
    node: Construct,
    resource: CfnResource,
    config: EndpointConfig,
}

impl Scope for Endpoint {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl Endpoint {
    /// Creates an endpoint.
    pub fn new(scope: &impl Scope, id: &str, props: EndpointProps) -> Endpoint {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.Endpoint");
        let resource = CfnResource::with_fqn(
            &node,
            "Endpoint",
            "AWS::SageMaker::Endpoint",
            "sagecdk.aws_sagemaker.CfnEndpoint",
        );
        resource.set_property(
            "EndpointConfigName",
            props.endpoint_config.endpoint_config_name(),
        );
        if let Some(name) = &props.endpoint_name {
            if let Some(p) = name_problem("endpoint", name) {
                node.add_error(p);
            }
            resource.set_property("EndpointName", name.as_str());
        }
        Endpoint {
            node,
            resource,
            config: props.endpoint_config,
        }
    }

    /// The endpoint's name (`Fn::GetAtt EndpointName`).
    pub fn endpoint_name(&self) -> Str {
        self.resource.get_att("EndpointName")
    }

    /// The endpoint's ARN (`Ref`).
    pub fn endpoint_arn(&self) -> Str {
        self.resource.reference()
    }

    /// The resource.
    pub fn resource(&self) -> &CfnResource {
        &self.resource
    }

    /// Allows invoking the endpoint.
    pub fn grant_invoke(&self, grantee: &dyn Grantable) -> bool {
        Grant::add_to_principal(grantee, ["sagemaker:InvokeEndpoint"], [self.endpoint_arn()])
    }

    /// Autoscaling of the serverless variant's provisioned concurrency between `min` and `max`
    /// (the CDK has no such support). Track its utilization with
    /// [`ScalableInstanceCount::scale_on_provisioned_concurrency_utilization`].
    pub fn auto_scale_provisioned_concurrency(
        &self,
        min: u32,
        max: u32,
    ) -> Option<ScalableInstanceCount> {
        let Some((name, provisioned)) = self.config.serverless_variant() else {
            self.node
                .add_error("Provisioned concurrency scaling needs a serverless production variant");
            return None;
        };
        let mut problems = Vec::new();
        if provisioned.is_none() {
            problems.push("the serverless variant must have provisioned concurrency".to_string());
        }
        if min > max || !(1..=200).contains(&max) {
            problems.push(format!(
                "min ({min}) and max ({max}) must satisfy 1 <= min <= max <= 200"
            ));
        }
        if !problems.is_empty() {
            self.node.add_error(format!(
                "Invalid Application Auto Scaling configuration: {}",
                problems.join("; ")
            ));
            return None;
        }
        scalable_target(
            self,
            &format!("ProvisionedConcurrency{name}"),
            &name,
            "sagemaker:variant:DesiredProvisionedConcurrency",
            min,
            max,
        )
    }

    /// The instance variants.
    pub fn instance_production_variants(&self) -> Vec<InstanceVariant> {
        self.config
            .variant_names()
            .into_iter()
            .filter_map(|n| self.find_instance_production_variant(&n))
            .collect()
    }

    /// The variant with this name; records an error and returns `None` if there is none.
    pub fn find_instance_production_variant(&self, name: &str) -> Option<InstanceVariant> {
        match self.config.variant(name) {
            Some(info) => Some(InstanceVariant {
                endpoint: self.clone(),
                info,
            }),
            None => {
                self.node
                    .add_error(format!("No variant with name: '{name}'"));
                None
            }
        }
    }
}

/// One instance variant of an endpoint: metrics and autoscaling.
#[derive(Clone, Debug)]
pub struct InstanceVariant {
    endpoint: Endpoint,
    info: VariantInfo,
}

impl InstanceVariant {
    /// The variant's name.
    pub fn variant_name(&self) -> &str {
        &self.info.name
    }

    /// A metric of this variant (dimensions `EndpointName`, `VariantName`; period 300 s).
    pub fn metric(&self, namespace: &str, metric_name: &str, statistic: &str) -> Metric {
        Metric::new(namespace, metric_name, statistic)
            .with_dimension("EndpointName", self.endpoint.endpoint_name())
            .with_dimension("VariantName", self.info.name.as_str())
    }

    /// `AWS/SageMaker Invocations` (Sum).
    pub fn metric_invocations(&self) -> Metric {
        self.metric("AWS/SageMaker", "Invocations", "Sum")
    }
    /// `AWS/SageMaker InvocationsPerInstance` (Sum).
    pub fn metric_invocations_per_instance(&self) -> Metric {
        self.metric("AWS/SageMaker", "InvocationsPerInstance", "Sum")
    }
    /// `AWS/SageMaker ModelLatency` (Average).
    pub fn metric_model_latency(&self) -> Metric {
        self.metric("AWS/SageMaker", "ModelLatency", "Average")
    }
    /// `AWS/SageMaker OverheadLatency` (Average).
    pub fn metric_overhead_latency(&self) -> Metric {
        self.metric("AWS/SageMaker", "OverheadLatency", "Average")
    }
    /// `AWS/SageMaker Invocation4XXErrors` (Sum).
    pub fn metric_invocation_4xx_errors(&self) -> Metric {
        self.metric("AWS/SageMaker", "Invocation4XXErrors", "Sum")
    }
    /// `AWS/SageMaker Invocation5XXErrors` (Sum).
    pub fn metric_invocation_5xx_errors(&self) -> Metric {
        self.metric("AWS/SageMaker", "Invocation5XXErrors", "Sum")
    }
    /// `/aws/sagemaker/Endpoints DiskUtilization` (Average).
    pub fn metric_disk_utilization(&self) -> Metric {
        self.metric("/aws/sagemaker/Endpoints", "DiskUtilization", "Average")
    }
    /// `/aws/sagemaker/Endpoints CPUUtilization` (Average).
    pub fn metric_cpu_utilization(&self) -> Metric {
        self.metric("/aws/sagemaker/Endpoints", "CPUUtilization", "Average")
    }
    /// `/aws/sagemaker/Endpoints MemoryUtilization` (Average).
    pub fn metric_memory_utilization(&self) -> Metric {
        self.metric("/aws/sagemaker/Endpoints", "MemoryUtilization", "Average")
    }
    /// `/aws/sagemaker/Endpoints GPUUtilization` (Average).
    pub fn metric_gpu_utilization(&self) -> Metric {
        self.metric("/aws/sagemaker/Endpoints", "GPUUtilization", "Average")
    }
    /// `/aws/sagemaker/Endpoints GPUMemoryUtilization` (Average).
    pub fn metric_gpu_memory_utilization(&self) -> Metric {
        self.metric(
            "/aws/sagemaker/Endpoints",
            "GPUMemoryUtilization",
            "Average",
        )
    }

    /// Enables autoscaling of the instance count between `min` and `max` (default: the
    /// variant's initial count). Each variant of an endpoint can be autoscaled.
    pub fn auto_scale_instance_count(
        &self,
        min: Option<u32>,
        max: Option<u32>,
    ) -> Option<ScalableInstanceCount> {
        let node = &self.endpoint.node;
        let count = self.info.initial_instance_count;
        let mut problems = Vec::new();
        if min.is_some_and(|m| m > count) {
            problems.push(format!(
                "minCapacity cannot be greater than initial instance count: {count}"
            ));
        }
        if max.is_some_and(|m| m < count) {
            problems.push(format!(
                "maxCapacity cannot be less than initial instance count: {count}"
            ));
        }
        if self.info.instance_type.is_burstable() {
            problems.push(format!(
                "AutoScaling not supported for burstable instance types like {}",
                self.info.instance_type
            ));
        }
        // The CDK's fixed ids made a second autoscaled variant impossible; the first keeps them.
        let scope_id = if node.try_find_child("InstanceCount").is_none() {
            "InstanceCount".to_string()
        } else {
            format!("InstanceCount{}", self.info.name)
        };
        if node.try_find_child(&scope_id).is_some() {
            problems.push("AutoScaling of task count already enabled for this service".to_string());
        }
        if !problems.is_empty() {
            node.add_error(format!(
                "Invalid Application Auto Scaling configuration: {}",
                problems.join("; ")
            ));
            return None;
        }
        scalable_target(
            &self.endpoint,
            &scope_id,
            &self.info.name,
            "sagemaker:variant:DesiredInstanceCount",
            min.unwrap_or(count),
            max.unwrap_or(count),
        )
    }
}

/// Creates `<endpoint>/<scope_id>/Target/Resource`, the scalable target of one variant dimension.
fn scalable_target(
    endpoint: &Endpoint,
    scope_id: &str,
    variant: &str,
    dimension: &str,
    min: u32,
    max: u32,
) -> Option<ScalableInstanceCount> {
    let node = &endpoint.node;
    let stack = Stack::of(node)?;
    if node.try_find_child("ScalingRole").is_none() {
        Construct::new(node, "ScalingRole");
    }
    let role_arn = stack.format_arn(
        ArnComponents::new("iam", "role").with_region("").with_resource_name(
            "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
        ),
    );
    let scope = Construct::new(node, scope_id);
    let target_scope = Construct::new(&scope, "Target");
    let target = CfnResource::with_fqn(
        &target_scope,
        "Resource",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        "sagecdk.aws_applicationautoscaling.CfnScalableTarget",
    )
    .with_properties(cfn!({
        "MaxCapacity": max,
        "MinCapacity": min,
        "ResourceId": (Str::from("endpoint/") + endpoint.endpoint_name() + "/variant/" + variant),
        "RoleARN": role_arn,
        "ScalableDimension": dimension,
        "ServiceNamespace": "sagemaker"
    }));
    Some(ScalableInstanceCount {
        target_scope,
        target,
        scheduled: Rc::new(RefCell::new(Vec::new())),
    })
}

/// Options of [`ScalableInstanceCount::scale_on_invocations`].
#[derive(Clone, Debug, Default)]
pub struct InvocationsScalingProps {
    /// Requests per second one instance handles.
    pub max_requests_per_second: f64,
    /// Fraction of that to target (default 0.5; 0 < f ≤ 1).
    pub safety_factor: Option<f64>,
    /// Physical policy name (default: unique from the path).
    pub policy_name: Option<String>,
    /// Never scale in.
    pub disable_scale_in: Option<bool>,
    /// Seconds between scale-in activities.
    pub scale_in_cooldown: Option<u32>,
    /// Seconds between scale-out activities.
    pub scale_out_cooldown: Option<u32>,
}

/// The scalable instance count of a variant.
#[derive(Clone, Debug)]
pub struct ScalableInstanceCount {
    target_scope: Construct,
    target: CfnResource,
    scheduled: Rc<RefCell<Vec<Value>>>,
}

/// Options of [`ScalableInstanceCount::scale_to_track_metric`].
#[derive(Clone, Debug, Default)]
pub struct TargetTrackingProps {
    /// Target value of the metric.
    pub target_value: f64,
    /// A predefined metric type (e.g. `SageMakerVariantInvocationsPerInstance`).
    pub predefined_metric: Option<String>,
    /// A custom metric (used when no predefined metric is given).
    pub custom_metric: Option<Metric>,
    /// Physical policy name (default: unique from the path).
    pub policy_name: Option<String>,
    /// Never scale in.
    pub disable_scale_in: Option<bool>,
    /// Seconds between scale-in activities.
    pub scale_in_cooldown: Option<u32>,
    /// Seconds between scale-out activities.
    pub scale_out_cooldown: Option<u32>,
}

/// A scheduled change of the capacity limits.
#[derive(Clone, Debug, Default)]
pub struct ScheduledScalingProps {
    /// `cron(...)`, `rate(...)` or `at(...)`.
    pub schedule: String,
    /// New minimum capacity.
    pub min_capacity: Option<u32>,
    /// New maximum capacity.
    pub max_capacity: Option<u32>,
    /// Time zone of the schedule (e.g. `Europe/Berlin`).
    pub timezone: Option<String>,
    /// When the schedule starts (ISO 8601).
    pub start_time: Option<String>,
    /// When it ends (ISO 8601).
    pub end_time: Option<String>,
}

impl ScalableInstanceCount {
    /// Target tracking on `SageMakerVariantInvocationsPerInstance`:
    /// target = safety factor × requests per second × 60.
    pub fn scale_on_invocations(&self, id: &str, props: InvocationsScalingProps) {
        let factor = props.safety_factor.unwrap_or(0.5);
        if factor <= 0.0 || factor > 1.0 {
            self.target_scope.add_error(format!(
                "Safety factor ({factor}) must be greater than 0.0 and less than or equal 1.0"
            ));
            return;
        }
        self.scale_to_track_metric(
            id,
            TargetTrackingProps {
                target_value: factor * props.max_requests_per_second * 60.0,
                predefined_metric: Some("SageMakerVariantInvocationsPerInstance".into()),
                custom_metric: None,
                policy_name: props.policy_name,
                disable_scale_in: props.disable_scale_in,
                scale_in_cooldown: props.scale_in_cooldown,
                scale_out_cooldown: props.scale_out_cooldown,
            },
        );
    }

    /// Target tracking on the serverless variant's provisioned concurrency utilization
    /// (`SageMakerVariantProvisionedConcurrencyUtilization`, a fraction such as 0.7).
    pub fn scale_on_provisioned_concurrency_utilization(&self, id: &str, target_value: f64) {
        self.scale_to_track_metric(
            id,
            TargetTrackingProps {
                target_value,
                predefined_metric: Some("SageMakerVariantProvisionedConcurrencyUtilization".into()),
                ..TargetTrackingProps::default()
            },
        );
    }

    /// Target tracking on any metric: a predefined type or a custom CloudWatch metric.
    pub fn scale_to_track_metric(&self, id: &str, props: TargetTrackingProps) {
        let scope = Construct::new(&self.target_scope, id);
        let mut config = sagecdk_core::Value::object();
        match (&props.predefined_metric, &props.custom_metric) {
            (None, Some(metric)) => {
                let mut dims: Vec<(&String, &Str)> = metric.dimensions.iter().collect();
                dims.sort_by(|a, b| a.0.cmp(b.0));
                let dimensions: Vec<Value> = dims
                    .into_iter()
                    .map(|(k, v)| {
                        Value::object_from([
                            ("Name", Value::from(k.as_str())),
                            ("Value", v.to_value()),
                        ])
                    })
                    .collect();
                config.insert(
                    "CustomizedMetricSpecification",
                    cfn!({
                        "Dimensions": dimensions,
                        "MetricName": (metric.metric_name.as_str()),
                        "Namespace": (metric.namespace.as_str()),
                        "Statistic": (metric.statistic.as_str())
                    }),
                );
            }
            (None, None) => {
                scope.add_error("Target tracking needs a predefined or a custom metric");
                return;
            }
            (Some(_), Some(_)) => {
                scope.add_error(
                    "Target tracking takes either a predefined or a custom metric, not both",
                );
                return;
            }
            (Some(_), None) => {}
        }
        if let Some(d) = props.disable_scale_in {
            config.insert("DisableScaleIn", d);
        }
        if let Some(p) = &props.predefined_metric {
            config.insert(
                "PredefinedMetricSpecification",
                cfn!({"PredefinedMetricType": (p.as_str())}),
            );
        }
        if let Some(c) = props.scale_in_cooldown {
            config.insert("ScaleInCooldown", c);
        }
        if let Some(c) = props.scale_out_cooldown {
            config.insert("ScaleOutCooldown", c);
        }
        config.insert("TargetValue", props.target_value);
        let name = props
            .policy_name
            .clone()
            .unwrap_or_else(|| scope.unique_id());
        CfnResource::with_fqn(
            &scope,
            "Resource",
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            "sagecdk.aws_applicationautoscaling.CfnScalingPolicy",
        )
        .with_properties(cfn!({
            "PolicyName": name,
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": (self.target.reference()),
            "TargetTrackingScalingPolicyConfiguration": config
        }));
    }

    /// Changes the capacity limits on a schedule.
    pub fn scale_on_schedule(&self, id: &str, props: ScheduledScalingProps) {
        if props.min_capacity.is_none() && props.max_capacity.is_none() {
            self.target_scope.add_error(format!(
                "Scheduled action '{id}' must set min_capacity, max_capacity or both"
            ));
            return;
        }
        let mut action = sagecdk_core::Value::object();
        if let Some(t) = &props.end_time {
            action.insert("EndTime", t.as_str());
        }
        let mut limits = sagecdk_core::Value::object();
        if let Some(m) = props.max_capacity {
            limits.insert("MaxCapacity", m);
        }
        if let Some(m) = props.min_capacity {
            limits.insert("MinCapacity", m);
        }
        action.insert("ScalableTargetAction", limits);
        action.insert("Schedule", props.schedule.as_str());
        action.insert("ScheduledActionName", id);
        if let Some(t) = &props.start_time {
            action.insert("StartTime", t.as_str());
        }
        if let Some(t) = &props.timezone {
            action.insert("Timezone", t.as_str());
        }
        let first = self.scheduled.borrow().is_empty();
        self.scheduled.borrow_mut().push(action);
        if first {
            let view = self.scheduled.clone();
            let mut props = self.target.properties();
            props.insert(
                "ScheduledActions".into(),
                Value::Token(sagecdk_core::Lazy::any(move |_| {
                    Some(Value::Array(view.borrow().clone()))
                })),
            );
            // Keep the CloudFormation-name order of the properties.
            props.sort_keys();
            let _ = self.target.clone().with_properties(Value::Object(props));
        }
    }

    /// The `AWS::ApplicationAutoScaling::ScalableTarget` resource.
    pub fn target(&self) -> &CfnResource {
        &self.target
    }
}

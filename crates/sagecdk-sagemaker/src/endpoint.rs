//! `Endpoint`, its variants' metrics, and autoscaling of instance counts (on
//! `sagecdk_aws::autoscaling`).

use crate::cdk_compatible;
use crate::deployment::EndpointUpdate;
use crate::endpoint_config::{EndpointConfig, VariantInfo};
use crate::imports::{EndpointConfigRef, ResourceEnv};
use crate::instance_type::InstanceType;
use crate::model::name_problem;
use sagecdk_aws::autoscaling::{
    ScalableTarget, ScalableTargetProps, ScalingInterval, ScheduledScalingProps, StepScalingProps,
    TargetTrackingProps,
};
use sagecdk_aws::cloudwatch::Metric;
use sagecdk_aws::iam::{Grant, Grantable, RoleRef};
use sagecdk_cfn::sagemaker::{CfnEndpoint, CfnEndpointProps};
use sagecdk_core::{ArnComponents, CfnResource, Construct, Duration, Scope, Stack, Str, Tokenized};
use std::cell::RefCell;
use std::rc::Rc;

/// Options of an [`Endpoint`].
#[derive(Clone, Debug)]
pub struct EndpointProps {
    /// The configuration to deploy (of this app or imported: `config.into()`).
    pub endpoint_config: EndpointConfigRef,
    /// Physical name.
    pub endpoint_name: Option<String>,
    /// How the endpoint moves to a new configuration when it changes (in place: the endpoint
    /// keeps its name).
    pub update: EndpointUpdate,
}

impl EndpointProps {
    /// Props deploying `endpoint_config` (`&EndpointConfig` or an imported configuration).
    pub fn new(endpoint_config: impl Into<EndpointConfigRef>) -> Self {
        EndpointProps {
            endpoint_config: endpoint_config.into(),
            endpoint_name: None,
            update: EndpointUpdate::default(),
        }
    }

    /// Sets how the endpoint is updated in place.
    pub fn with_update(mut self, update: EndpointUpdate) -> Self {
        self.update = update;
        self
    }

    /// Sets the physical name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.endpoint_name = Some(name.into());
        self
    }
}

/// A SageMaker endpoint: `<id>/Endpoint` is the resource.
///
/// ```
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_sagemaker::*;
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let model = Model::new(&stack, "Model", ModelProps::with_container(
///     ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311"))
///         .with_environment("LOG_LEVEL", "info")));
/// let config = EndpointConfig::new(&stack, "Config", EndpointConfigProps {
///     instance_production_variants: vec![
///         InstanceProductionVariantProps::new(&model, "AllTraffic")
///             .with_instance_type(InstanceType::G5_XLARGE),
///     ],
///     ..EndpointConfigProps::default()
/// });
/// let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&config));
/// endpoint
///     .find_instance_production_variant("AllTraffic")
///     .auto_scale_instance_count(EnableScalingProps::max(4))
///     .scale_on_invocations("Rps", InvocationsScalingProps {
///         max_requests_per_second: 20.0,
///         ..InvocationsScalingProps::default()
///     });
/// assert!(app.assemble().is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct Endpoint {
    node: Construct,
    cfn: CfnEndpoint,
    config: EndpointConfigRef,
    /// The scalable dimensions already enabled, as `(variant, dimension, handle)`: each may be
    /// autoscaled once (shared by the clones handed out through variants).
    scaled: Rc<RefCell<Vec<ScaledDimension>>>,
}

/// An autoscaled dimension of a variant: `(variant, dimension, handle)`.
type ScaledDimension = (String, &'static str, ScalableInstanceCount);

impl Scope for Endpoint {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl Endpoint {
    /// Creates an endpoint.
    pub fn new(scope: &impl Scope, id: &str, props: EndpointProps) -> Endpoint {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.Endpoint");
        let mut endpoint_props =
            CfnEndpointProps::new(props.endpoint_config.endpoint_config_name());
        if let Some(name) = &props.endpoint_name {
            match name_problem("endpoint", name) {
                // Reported once, in our words; the schema would repeat it.
                Some(p) => node.add_error(p),
                None => endpoint_props = endpoint_props.with_endpoint_name(name.as_str()),
            }
        }
        let (deployment, problems) = props.update.render();
        problems.into_iter().for_each(|p| node.add_error(p));
        endpoint_props.deployment_config = deployment;
        if props.update.retain_all_variant_properties {
            endpoint_props.retain_all_variant_properties = Some(true.into());
        }
        endpoint_props.exclude_retained_variant_properties =
            props.update.excluded().map(Tokenized::Literal);
        if props.update.retain_deployment_config {
            endpoint_props.retain_deployment_config = Some(true.into());
        }
        let cfn = CfnEndpoint::new(&node, "Endpoint", endpoint_props);
        for problem in props.endpoint_config.env().mismatches(
            &ResourceEnv::of_stack(&node),
            "endpoint configuration",
            "endpoint",
        ) {
            node.add_error(problem);
        }
        // Every property of a model or a configuration is replaced when it changes, which
        // CloudFormation refuses for a resource with a fixed name: the endpoint could then never
        // be updated. Checked at synthesis (names can be set until then); the AWS CDK allows it,
        // so its compatible defaults do too.
        if let EndpointConfigRef::Owned(config) = &props.endpoint_config
            && !cdk_compatible(&node)
        {
            let config = config.clone();
            node.add_validation(move |_| {
                config
                    .fixed_names()
                    .into_iter()
                    .map(|(what, name, path)| {
                        format!(
                            "the {what} at '{path}' has the fixed name '{name}', so CloudFormation cannot replace it when it changes and this endpoint could not be updated; leave the name out (one is generated for each version)"
                        )
                    })
                    .collect()
            });
        }
        Endpoint {
            node,
            cfn,
            config: props.endpoint_config,
            scaled: Rc::default(),
        }
    }

    /// The endpoint's name (`Fn::GetAtt EndpointName`).
    pub fn endpoint_name(&self) -> Str {
        self.cfn.attr_endpoint_name()
    }

    /// The endpoint's ARN (`Ref`).
    pub fn endpoint_arn(&self) -> Str {
        self.cfn.reference()
    }

    /// The resource (the escape hatch for overrides and resource options).
    pub fn resource(&self) -> &CfnResource {
        self.cfn.resource()
    }

    /// The typed `AWS::SageMaker::Endpoint`, whose props can be read and changed until
    /// synthesis.
    pub fn cfn_endpoint(&self) -> &CfnEndpoint {
        &self.cfn
    }

    /// A metric of the endpoint as a whole (dimension `EndpointName`; period 300 s), as
    /// asynchronous endpoints report their queue.
    pub fn metric(&self, namespace: &str, metric_name: &str, statistic: &str) -> Metric {
        Metric::new(namespace, metric_name, statistic)
            .with_dimension("EndpointName", self.endpoint_name())
    }

    /// `AWS/SageMaker ApproximateBacklogSize` (Average): requests queued on an asynchronous
    /// endpoint.
    pub fn metric_approximate_backlog_size(&self) -> Metric {
        self.metric("AWS/SageMaker", "ApproximateBacklogSize", "Average")
    }

    /// `AWS/SageMaker ApproximateBacklogSizePerInstance` (Average): queued requests per
    /// instance.
    pub fn metric_approximate_backlog_size_per_instance(&self) -> Metric {
        self.metric(
            "AWS/SageMaker",
            "ApproximateBacklogSizePerInstance",
            "Average",
        )
    }

    /// `AWS/SageMaker ApproximateAgeOfOldestRequest` (Maximum): how long the oldest queued
    /// request has waited.
    pub fn metric_approximate_age_of_oldest_request(&self) -> Metric {
        self.metric("AWS/SageMaker", "ApproximateAgeOfOldestRequest", "Maximum")
    }

    /// `AWS/SageMaker HasBacklogWithoutCapacity` (Average): 1 while requests wait on an
    /// endpoint scaled to zero instances.
    pub fn metric_has_backlog_without_capacity(&self) -> Metric {
        self.metric("AWS/SageMaker", "HasBacklogWithoutCapacity", "Average")
    }

    /// The execution role of the endpoint's configuration, if it is one of this app hosting
    /// inference components.
    pub(crate) fn component_host_role(&self) -> Option<RoleRef> {
        match &self.config {
            EndpointConfigRef::Owned(config) => config.host_role(),
            EndpointConfigRef::Imported(_) => None,
        }
    }

    /// What is wrong with placing inference components on variant `variant` of this endpoint:
    /// its configuration must host components and have that variant (an imported
    /// configuration is taken as it is).
    pub(crate) fn component_host_problems(&self, variant: &str) -> Vec<String> {
        let EndpointConfigRef::Owned(config) = &self.config else {
            return Vec::new();
        };
        if config.host_role().is_none() {
            return vec![format!(
                "endpoint '{}' has a configuration with models of its own; inference components need one made with `EndpointConfig::for_inference_components`",
                self.node.path()
            )];
        }
        let names = config.variant_names();
        if names.iter().any(|n| n == variant) {
            return Vec::new();
        }
        vec![format!(
            "variant '{variant}' is not a variant of the endpoint's configuration (it has: {})",
            names.join(", ")
        )]
    }

    /// Allows invoking the endpoint.
    pub fn grant_invoke(&self, grantee: &dyn Grantable) -> bool {
        Grant::add_to_principal(grantee, ["sagemaker:InvokeEndpoint"], [self.endpoint_arn()])
    }

    /// Autoscaling of the serverless variant's provisioned concurrency between
    /// `limits.min_capacity` (default 1) and `limits.max_capacity` (the CDK has no such
    /// support). Track its utilization with
    /// [`ScalableInstanceCount::scale_on_provisioned_concurrency_utilization`].
    ///
    /// Always returns a usable handle: invalid limits, a configuration without a serverless
    /// variant with provisioned concurrency, or a second call are errors at the endpoint's path,
    /// reported with all others at synthesis.
    pub fn auto_scale_provisioned_concurrency(
        &self,
        limits: EnableScalingProps,
    ) -> ScalableInstanceCount {
        let dimension = "sagemaker:variant:DesiredProvisionedConcurrency";
        let min = limits.min_capacity.unwrap_or(1);
        let max = limits.max_capacity;
        let variant = self
            .owned_config()
            .and_then(EndpointConfig::serverless_variant);
        let name = variant
            .as_ref()
            .map_or_else(|| "Serverless".to_string(), |v| v.name.clone());
        if let Some(existing) = self.scaled_handle(&name, dimension) {
            self.node.add_error(
                "Invalid Application Auto Scaling configuration: AutoScaling of provisioned \
                 concurrency already enabled for this variant",
            );
            return existing;
        }
        let mut problems = Vec::new();
        match &variant {
            None if self.owned_config().is_some() => problems.push(
                "Provisioned concurrency scaling needs a serverless production variant".to_string(),
            ),
            None => {}
            Some(v) => {
                if v.provisioned_concurrency.is_none() {
                    problems
                        .push("the serverless variant must have provisioned concurrency".into());
                }
                if max > v.max_concurrency {
                    problems.push(format!(
                        "max ({max}) cannot be greater than the variant's maxConcurrency ({})",
                        v.max_concurrency
                    ));
                }
            }
        }
        if min < 1 || min > max || max > 200 {
            problems.push(format!(
                "min ({min}) and max ({max}) must satisfy 1 <= min <= max <= 200"
            ));
        }
        if !problems.is_empty() {
            self.node.add_error(format!(
                "Invalid Application Auto Scaling configuration: {}",
                problems.join("; ")
            ));
        }
        scalable_target(
            self,
            &format!("ProvisionedConcurrency{name}"),
            &name,
            dimension,
            min,
            max,
        )
    }

    /// The handle of `dimension` of `variant` if it is autoscaled already.
    fn scaled_handle(&self, variant: &str, dimension: &str) -> Option<ScalableInstanceCount> {
        self.scaled
            .borrow()
            .iter()
            .find(|(v, d, _)| v == variant && *d == dimension)
            .map(|(_, _, h)| h.clone())
    }

    /// The configuration when it is defined in the app; an error for an imported one, whose
    /// variants are unknown.
    fn owned_config(&self) -> Option<&EndpointConfig> {
        match &self.config {
            EndpointConfigRef::Owned(c) => Some(c),
            EndpointConfigRef::Imported(_) => {
                self.node.add_error(
                    "Production variant lookup is not supported for an imported IEndpointConfig",
                );
                None
            }
        }
    }

    /// The instance variants (none, with an error, for an imported configuration).
    pub fn instance_production_variants(&self) -> Vec<InstanceVariant> {
        let Some(config) = self.owned_config() else {
            return Vec::new();
        };
        config
            .variant_names()
            .into_iter()
            .filter_map(|n| config.variant(&n))
            .map(|info| InstanceVariant {
                endpoint: self.clone(),
                info,
            })
            .collect()
    }

    /// The instance variant named `name`.
    ///
    /// Always returns a usable handle: an unknown name (or an imported configuration, whose
    /// variants are unknown) is an error at the endpoint's path, reported with all others at
    /// synthesis, and the handle's metrics and autoscaling then name the variant as given.
    ///
    /// ```
    /// # use sagecdk_core::{App, Stack, StackProps};
    /// # use sagecdk_sagemaker::*;
    /// # let app = App::for_tests();
    /// # let stack = Stack::new(&app, "S", StackProps::default());
    /// # let model = Model::new(&stack, "Model", ModelProps::with_container(
    /// #     ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311"))));
    /// # let config = EndpointConfig::new(&stack, "Config", EndpointConfigProps {
    /// #     instance_production_variants: vec![InstanceProductionVariantProps::new(&model, "AllTraffic")],
    /// #     ..EndpointConfigProps::default() });
    /// let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&config));
    /// let latency = endpoint.find_instance_production_variant("AllTraffic").metric_model_latency();
    /// endpoint.find_instance_production_variant("Typo"); // an error at Stack/Endpoint
    /// assert!(app.assemble().is_err());
    /// ```
    pub fn find_instance_production_variant(&self, name: &str) -> InstanceVariant {
        self.find_variant(name, "variant", EndpointConfig::variant)
    }

    /// The shadow variant named `name`: its metrics (by `VariantName`, as SageMaker reports
    /// them for shadows) and the autoscaling of its instance count, as for a production
    /// variant. An unknown name is an error at the endpoint's path, as in
    /// [`find_instance_production_variant`](Self::find_instance_production_variant).
    pub fn find_shadow_variant(&self, name: &str) -> InstanceVariant {
        self.find_variant(name, "shadow variant", EndpointConfig::shadow_variant)
    }

    fn find_variant(
        &self,
        name: &str,
        kind: &str,
        lookup: fn(&EndpointConfig, &str) -> Option<VariantInfo>,
    ) -> InstanceVariant {
        let info = match self.owned_config().map(|c| lookup(c, name)) {
            Some(Some(info)) => info,
            found => {
                if found.is_some() {
                    self.node
                        .add_error(format!("No {kind} with name: '{name}'"));
                }
                VariantInfo {
                    name: name.to_string(),
                    initial_variant_weight: 1.0,
                    initial_instance_count: 1,
                    instance_type: InstanceType::M5_LARGE,
                }
            }
        };
        InstanceVariant {
            endpoint: self.clone(),
            info,
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

    /// Enables autoscaling of the instance count between `limits.min_capacity` (default: the
    /// variant's initial count) and `limits.max_capacity`. Each variant of an endpoint can be
    /// autoscaled.
    ///
    /// Always returns a usable handle: limits that do not contain the initial count, a
    /// burstable instance type, or a second call are errors at the endpoint's path, reported
    /// with all others at synthesis.
    pub fn auto_scale_instance_count(&self, limits: EnableScalingProps) -> ScalableInstanceCount {
        let node = &self.endpoint.node;
        let dimension = "sagemaker:variant:DesiredInstanceCount";
        if let Some(existing) = self.endpoint.scaled_handle(&self.info.name, dimension) {
            node.add_error(
                "Invalid Application Auto Scaling configuration: AutoScaling of task count \
                 already enabled for this service",
            );
            return existing;
        }
        let count = self.info.initial_instance_count;
        let min = limits.min_capacity.unwrap_or(count);
        let max = limits.max_capacity;
        let mut problems = Vec::new();
        if min > count {
            problems.push(format!(
                "minCapacity cannot be greater than initial instance count: {count}"
            ));
        }
        if max < count {
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
        if !problems.is_empty() {
            node.add_error(format!(
                "Invalid Application Auto Scaling configuration: {}",
                problems.join("; ")
            ));
        }
        // The CDK's fixed ids made a second autoscaled variant impossible; the first keeps them.
        let scope_id = if node.try_find_child("InstanceCount").is_none() {
            "InstanceCount".to_string()
        } else {
            format!("InstanceCount{}", self.info.name)
        };
        scalable_target(
            &self.endpoint,
            &scope_id,
            &self.info.name,
            dimension,
            min,
            max,
        )
    }
}

/// The capacity limits of autoscaling (the CDK's `EnableScalingProps`).
///
/// ```
/// use sagecdk_sagemaker::EnableScalingProps;
/// let limits = EnableScalingProps::max(4).with_min(2);
/// assert_eq!((limits.min_capacity, limits.max_capacity), (Some(2), 4));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnableScalingProps {
    /// The lowest capacity autoscaling sets (default: the variant's initial instance count;
    /// 1 for provisioned concurrency).
    pub min_capacity: Option<u32>,
    /// The highest capacity autoscaling sets.
    pub max_capacity: u32,
}

impl EnableScalingProps {
    /// Limits up to `max_capacity`, from the default minimum.
    pub fn max(max_capacity: u32) -> Self {
        EnableScalingProps {
            min_capacity: None,
            max_capacity,
        }
    }

    /// Sets the minimum capacity.
    pub fn with_min(mut self, min_capacity: u32) -> Self {
        self.min_capacity = Some(min_capacity);
        self
    }
}

/// Creates `<endpoint>/<scope_id>/Target/Resource`, the scalable target of one variant
/// dimension, and records it as the dimension's handle.
fn scalable_target(
    endpoint: &Endpoint,
    scope_id: &str,
    variant: &str,
    dimension: &'static str,
    min: u32,
    max: u32,
) -> ScalableInstanceCount {
    let node = &endpoint.node;
    if node.try_find_child("ScalingRole").is_none() {
        Construct::new(node, "ScalingRole");
    }
    let role_arn = match Stack::of(node) {
        Some(stack) => stack.format_arn(
            ArnComponents::new("iam", "role").with_region("").with_resource_name(
                "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
            ),
        ),
        // Outside a stack (an error already): any value will do, nothing is synthesized.
        None => Str::from(""),
    };
    let scope = Construct::new(node, scope_id);
    let target = ScalableTarget::new(
        &scope,
        "Target",
        ScalableTargetProps::new(
            "sagemaker",
            Str::from("endpoint/") + endpoint.endpoint_name() + "/variant/" + variant,
            dimension,
            min,
            max,
        )
        .with_role_arn(role_arn),
    );
    let handle = ScalableInstanceCount {
        target,
        endpoint_name: endpoint.endpoint_name(),
        min_capacity: min,
    };
    endpoint
        .scaled
        .borrow_mut()
        .push((variant.to_string(), dimension, handle.clone()));
    handle
}

/// Options of [`ScalableInstanceCount::scale_on_backlog`].
#[derive(Clone, Debug, Default)]
pub struct BacklogScalingProps {
    /// Queued requests per instance to keep (the target of `ApproximateBacklogSizePerInstance`).
    pub backlog_per_instance: f64,
    /// Physical policy name (default: unique from the path).
    pub policy_name: Option<String>,
    /// Time after a scale-in activity before the next one (whole seconds).
    pub scale_in_cooldown: Option<Duration>,
    /// Time after a scale-out activity before the next one (whole seconds; also the cooldown
    /// of the scale-from-zero policy, default 300 seconds).
    pub scale_out_cooldown: Option<Duration>,
}

impl BacklogScalingProps {
    /// Scaling that keeps `backlog_per_instance` queued requests per instance.
    pub fn new(backlog_per_instance: f64) -> Self {
        BacklogScalingProps {
            backlog_per_instance,
            ..BacklogScalingProps::default()
        }
    }
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
    /// Time after a scale-in activity before the next one (whole seconds).
    pub scale_in_cooldown: Option<Duration>,
    /// Time after a scale-out activity before the next one (whole seconds).
    pub scale_out_cooldown: Option<Duration>,
}

impl InvocationsScalingProps {
    /// Scaling for instances that each serve `max_requests_per_second` (the CDK's required
    /// prop); the rest as in [`Default`].
    pub fn new(max_requests_per_second: f64) -> Self {
        InvocationsScalingProps {
            max_requests_per_second,
            ..InvocationsScalingProps::default()
        }
    }
}

/// The scalable instance count (or provisioned concurrency) of a variant: the variant's
/// [`ScalableTarget`], with SageMaker's own ways to scale it.
#[derive(Clone, Debug)]
pub struct ScalableInstanceCount {
    target: ScalableTarget,
    /// The endpoint's name, for its own metrics.
    endpoint_name: Str,
    /// The lowest capacity autoscaling sets.
    min_capacity: u32,
}

impl ScalableInstanceCount {
    /// Target tracking on `SageMakerVariantInvocationsPerInstance`:
    /// target = safety factor × requests per second × 60.
    pub fn scale_on_invocations(&self, id: &str, props: InvocationsScalingProps) {
        let factor = props.safety_factor.unwrap_or(0.5);
        let mut problems = Vec::new();
        // Written so that NaN fails too.
        if !(factor > 0.0 && factor <= 1.0) {
            problems.push(format!(
                "Safety factor ({factor}) must be greater than 0.0 and less than or equal 1.0"
            ));
        }
        // The requests one instance handles: the target would be 0 or less (which only ever
        // scales out) or not a number.
        let rate = props.max_requests_per_second;
        if !(rate > 0.0 && rate.is_finite()) {
            problems.push(format!(
                "maxRequestsPerSecond of '{id}' must be a number greater than 0, got {rate}"
            ));
        }
        if !problems.is_empty() {
            for p in problems {
                self.target.node().add_error(p);
            }
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

    /// Scaling of an asynchronous endpoint on its queue: target tracking of
    /// `ApproximateBacklogSizePerInstance` (the queued requests per instance). When the
    /// minimum capacity is 0, target tracking alone never brings the first instance back, so
    /// a step scaling policy `<id>FromZero` adds one instance when `HasBacklogWithoutCapacity`
    /// is at least 1 for two minutes, as AWS documents for scaling asynchronous endpoints to
    /// zero.
    ///
    /// ```
    /// # use sagecdk_core::{App, Stack, StackProps};
    /// # use sagecdk_sagemaker::*;
    /// # let app = App::for_tests();
    /// # let stack = Stack::new(&app, "S", StackProps::default());
    /// # let image = ContainerImage::from_dlc_in_account("r", "t", "763104351884");
    /// # let model = Model::new(&stack, "M", ModelProps::with_container(ContainerDefinition::new(image)));
    /// # let config = EndpointConfig::new(&stack, "C", EndpointConfigProps {
    /// #     instance_production_variants: vec![InstanceProductionVariantProps::new(&model, "v")],
    /// #     async_inference: Some(AsyncInferenceProps::new(S3Location::uri("s3://results/out"))),
    /// #     ..Default::default() });
    /// # let endpoint = Endpoint::new(&stack, "E", EndpointProps::new(&config));
    /// endpoint
    ///     .find_instance_production_variant("v")
    ///     .auto_scale_instance_count(EnableScalingProps::max(4).with_min(0))
    ///     .scale_on_backlog("Backlog", BacklogScalingProps::new(5.0));
    /// ```
    pub fn scale_on_backlog(&self, id: &str, props: BacklogScalingProps) {
        let per_instance = props.backlog_per_instance;
        if !(per_instance > 0.0 && per_instance.is_finite()) {
            self.target.node().add_error(format!(
                "backlogPerInstance of '{id}' must be a number greater than 0, got {per_instance}"
            ));
            return;
        }
        let metric = |name: &str| {
            Metric::new("AWS/SageMaker", name, "Average")
                .with_dimension("EndpointName", self.endpoint_name.clone())
        };
        self.scale_to_track_metric(
            id,
            TargetTrackingProps {
                target_value: per_instance,
                custom_metric: Some(metric("ApproximateBacklogSizePerInstance")),
                policy_name: props.policy_name,
                scale_in_cooldown: props.scale_in_cooldown,
                scale_out_cooldown: props.scale_out_cooldown,
                ..TargetTrackingProps::default()
            },
        );
        if self.min_capacity == 0 {
            let mut from_zero = StepScalingProps::new(
                metric("HasBacklogWithoutCapacity").with_period(Duration::from_secs(60)),
                vec![
                    ScalingInterval::below(1.0, 0.0),
                    ScalingInterval::at_least(1.0, 1.0),
                ],
            );
            from_zero.evaluation_periods = Some(2);
            from_zero.datapoints_to_alarm = Some(2);
            from_zero.cooldown = Some(props.scale_out_cooldown.unwrap_or(Duration::from_secs(300)));
            self.scale_on_metric(&format!("{id}FromZero"), from_zero);
        }
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
        self.target.scale_to_track_metric(id, props);
    }

    /// Step scaling on a metric, laid out as the AWS CDK's `scaleOnMetric` (the CDK offers it
    /// only for other services, not SageMaker variants); see
    /// [`ScalableTarget::scale_on_metric`].
    ///
    /// ```
    /// # use sagecdk_core::{App, Stack, StackProps};
    /// # use sagecdk_sagemaker::*;
    /// # let app = App::for_tests();
    /// # let stack = Stack::new(&app, "S", StackProps::default());
    /// # let image = ContainerImage::from_dlc_in_account("r", "t", "763104351884");
    /// # let model = Model::new(&stack, "M", ModelProps::with_container(ContainerDefinition::new(image)));
    /// # let config = EndpointConfig::new(&stack, "C", EndpointConfigProps {
    /// #     instance_production_variants: vec![InstanceProductionVariantProps::new(&model, "v")],
    /// #     ..Default::default() });
    /// # let endpoint = Endpoint::new(&stack, "E", EndpointProps::new(&config));
    /// let variant = endpoint.find_instance_production_variant("v");
    /// let count = variant.auto_scale_instance_count(EnableScalingProps::max(10).with_min(1));
    /// count.scale_on_metric("CpuSteps", StepScalingProps::new(
    ///     variant.metric_cpu_utilization(),
    ///     vec![ScalingInterval::below(20.0, -1.0), ScalingInterval::at_least(70.0, 2.0)],
    /// ));
    /// ```
    pub fn scale_on_metric(&self, id: &str, props: StepScalingProps) {
        self.target.scale_on_metric(id, props);
    }

    /// Changes the capacity limits on a schedule.
    pub fn scale_on_schedule(&self, id: &str, props: ScheduledScalingProps) {
        self.target.scale_on_schedule(id, props);
    }

    /// The `AWS::ApplicationAutoScaling::ScalableTarget` resource.
    pub fn target(&self) -> &CfnResource {
        self.target.resource()
    }

    /// The scalable target, for everything Application Auto Scaling offers.
    pub fn scalable_target(&self) -> &ScalableTarget {
        &self.target
    }
}

//! `InferenceComponent`: a model placed on an endpoint that hosts inference components, with
//! the compute each copy reserves, its copy count and the scaling of that count.

use crate::endpoint::{EnableScalingProps, Endpoint};
use crate::imports::ModelRef;
use crate::model::name_problem;
use sagecdk_aws::autoscaling::{
    ScalableTarget, ScalableTargetProps, ScalingInterval, StepScalingProps, TargetTrackingProps,
};
use sagecdk_aws::cloudwatch::Metric;
use sagecdk_cfn::sagemaker::inference_component::{
    InferenceComponentComputeResourceRequirements, InferenceComponentDataCacheConfig,
    InferenceComponentRuntimeConfig, InferenceComponentSpecification,
    InferenceComponentStartupParameters,
};
use sagecdk_cfn::sagemaker::{CfnInferenceComponent, CfnInferenceComponentProps};
use sagecdk_core::duration::whole_seconds;
use sagecdk_core::logical_id::make_unique_resource_name;
use sagecdk_core::{CfnResource, Construct, Duration, Scope, Str};

/// What each copy of a component reserves on its instance.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ComputeRequirements {
    /// Memory reserved per copy, in MB (at least 128).
    pub min_memory_mb: u32,
    /// Memory a copy may use at most, in MB (at least the minimum).
    pub max_memory_mb: Option<u32>,
    /// CPU cores per copy (may be a fraction, such as 0.5).
    pub cpu_cores: Option<f64>,
    /// Accelerators (GPUs, Neuron cores) per copy.
    pub accelerators: Option<u32>,
}

impl ComputeRequirements {
    /// `min_memory_mb` of memory per copy.
    pub fn memory(min_memory_mb: u32) -> Self {
        ComputeRequirements {
            min_memory_mb,
            ..ComputeRequirements::default()
        }
    }

    /// Sets the accelerators per copy.
    pub fn with_accelerators(mut self, accelerators: u32) -> Self {
        self.accelerators = Some(accelerators);
        self
    }

    /// Sets the CPU cores per copy.
    pub fn with_cpu_cores(mut self, cores: f64) -> Self {
        self.cpu_cores = Some(cores);
        self
    }
}

/// Options of an [`InferenceComponent`].
#[derive(Clone, Debug)]
pub struct InferenceComponentProps {
    /// The endpoint hosting the component (its configuration made with
    /// [`EndpointConfig::for_inference_components`](crate::EndpointConfig::for_inference_components)).
    pub endpoint: Endpoint,
    /// The host variant the copies run on.
    pub variant_name: String,
    /// The model the copies serve (of this app or imported).
    pub model: ModelRef,
    /// What each copy reserves.
    pub compute: ComputeRequirements,
    /// Copies at creation (default 1).
    pub copy_count: Option<u32>,
    /// Time to wait for the container's health check (60–3600 seconds).
    pub container_startup_health_check_timeout: Option<Duration>,
    /// Time to download the model data (60–3600 seconds).
    pub model_data_download_timeout: Option<Duration>,
    /// Cache the model data on the instance, so that new copies start faster.
    pub data_cache: bool,
    /// Physical name (default: made unique from the construct path).
    pub name: Option<String>,
}

impl InferenceComponentProps {
    /// Copies of `model` on variant `variant_name` of `endpoint`, each reserving `compute`.
    pub fn new(
        endpoint: &Endpoint,
        variant_name: impl Into<String>,
        model: impl Into<ModelRef>,
        compute: ComputeRequirements,
    ) -> Self {
        InferenceComponentProps {
            endpoint: endpoint.clone(),
            variant_name: variant_name.into(),
            model: model.into(),
            compute,
            copy_count: None,
            container_startup_health_check_timeout: None,
            model_data_download_timeout: None,
            data_cache: false,
            name: None,
        }
    }

    /// Sets the copies at creation.
    pub fn with_copy_count(mut self, copies: u32) -> Self {
        self.copy_count = Some(copies);
        self
    }
}

/// A model placed on an inference-component endpoint: `<id>/InferenceComponent` is the
/// `AWS::SageMaker::InferenceComponent`. Several components share one endpoint.
///
/// ```
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_sagemaker::*;
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let model = Model::new(&stack, "Model", ModelProps::with_container(
///     ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-gpu-py311"))));
/// let config = EndpointConfig::for_inference_components(&stack, "Hosting", ComponentHostingProps::new(vec![
///     ComponentHostVariantProps::new("AllTraffic", InstanceType::G5_XLARGE),
/// ]));
/// let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&config));
/// let ranker = InferenceComponent::new(&stack, "Ranker", InferenceComponentProps::new(
///     &endpoint, "AllTraffic", &model, ComputeRequirements::memory(4096).with_accelerators(1)));
/// ranker
///     .auto_scale_copy_count(EnableScalingProps::max(4).with_min(0))
///     .scale_on_invocations_per_copy("PerCopy", 10.0);
/// assert!(app.assemble().is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct InferenceComponent {
    node: Construct,
    cfn: CfnInferenceComponent,
    name: String,
    copy_count: u32,
}

impl Scope for InferenceComponent {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl InferenceComponent {
    /// Places copies of a model on an endpoint.
    pub fn new(scope: &impl Scope, id: &str, props: InferenceComponentProps) -> Self {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.InferenceComponent");
        let mut problems = Vec::new();
        let name = match &props.name {
            Some(n) => {
                problems.extend(name_problem("inference component", n));
                n.clone()
            }
            None => {
                let path = node.path();
                let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
                make_unique_resource_name(&components, 63).unwrap_or_default()
            }
        };
        let c = props.compute;
        if c.min_memory_mb < 128 {
            problems.push(format!(
                "compute.minMemoryMb must be at least 128, got {}",
                c.min_memory_mb
            ));
        }
        if let Some(max) = c.max_memory_mb
            && max < c.min_memory_mb
        {
            problems.push(format!(
                "compute.maxMemoryMb ({max}) must be at least minMemoryMb ({})",
                c.min_memory_mb
            ));
        }
        if let Some(cores) = c.cpu_cores
            && !(cores > 0.0 && cores.is_finite())
        {
            problems.push(format!(
                "compute.cpuCores must be a number greater than 0, got {cores}"
            ));
        }
        let copy_count = props.copy_count.unwrap_or(1);
        if copy_count == 0 {
            problems.push(
                "copyCount must be at least 1 at creation; scale to zero with `auto_scale_copy_count`"
                    .to_string(),
            );
        }
        let mut timeout = |value: Option<Duration>, what: &str| {
            let value = value?;
            match whole_seconds(value, what) {
                Ok(s) if !(60..=3600).contains(&s) => {
                    problems.push(format!("{what} must be between 60 and 3600 seconds"));
                    None
                }
                Ok(s) => Some(s as f64),
                Err(p) => {
                    problems.push(p);
                    None
                }
            }
        };
        let health = timeout(
            props.container_startup_health_check_timeout,
            "containerStartupHealthCheckTimeout",
        );
        let download = timeout(
            props.model_data_download_timeout,
            "modelDataDownloadTimeout",
        );
        for p in problems {
            node.add_error(p);
        }

        let mut compute = InferenceComponentComputeResourceRequirements::new()
            .with_min_memory_required_in_mb(f64::from(c.min_memory_mb));
        compute.max_memory_required_in_mb = c.max_memory_mb.map(|m| f64::from(m).into());
        compute.number_of_cpu_cores_required = c.cpu_cores.map(Into::into);
        compute.number_of_accelerator_devices_required =
            c.accelerators.map(|a| f64::from(a).into());
        let mut specification = InferenceComponentSpecification::new();
        specification.model_name = Some(props.model.model_name());
        specification.compute_resource_requirements = Some(compute);
        if health.is_some() || download.is_some() {
            let mut startup = InferenceComponentStartupParameters::new();
            startup.container_startup_health_check_timeout_in_seconds = health.map(Into::into);
            startup.model_data_download_timeout_in_seconds = download.map(Into::into);
            specification.startup_parameters = Some(startup);
        }
        if props.data_cache {
            specification.data_cache_config = Some(InferenceComponentDataCacheConfig::new(true));
        }
        let mut cfn_props = CfnInferenceComponentProps::new(props.endpoint.endpoint_name());
        cfn_props.inference_component_name = Some(name.as_str().into());
        cfn_props.variant_name = Some(props.variant_name.as_str().into());
        cfn_props.specification = Some(specification);
        cfn_props.runtime_config = Some(
            InferenceComponentRuntimeConfig::new().with_copy_count(f64::from(copy_count.max(1))),
        );
        let cfn = CfnInferenceComponent::new(&node, "InferenceComponent", cfn_props);

        // The host variant must exist on a configuration hosting components (known at
        // synthesis, when every variant has been added).
        let endpoint = props.endpoint.clone();
        let variant = props.variant_name.clone();
        node.add_validation(move |_| endpoint.component_host_problems(&variant));
        InferenceComponent {
            node,
            cfn,
            name,
            copy_count,
        }
    }

    /// The component's name.
    pub fn inference_component_name(&self) -> &str {
        &self.name
    }

    /// The component's ARN.
    pub fn inference_component_arn(&self) -> Str {
        self.cfn.attr_inference_component_arn()
    }

    /// The `AWS::SageMaker::InferenceComponent` resource.
    pub fn resource(&self) -> &CfnResource {
        self.cfn.resource()
    }

    /// The typed resource, whose props can be read and changed until synthesis.
    pub fn cfn_inference_component(&self) -> &CfnInferenceComponent {
        &self.cfn
    }

    /// A metric of the component (dimension `InferenceComponentName`).
    pub fn metric(&self, metric_name: &str, statistic: &str) -> Metric {
        Metric::new("AWS/SageMaker", metric_name, statistic)
            .with_dimension("InferenceComponentName", self.name.as_str())
    }

    /// `Invocations` (Sum).
    pub fn metric_invocations(&self) -> Metric {
        self.metric("Invocations", "Sum")
    }

    /// `ModelLatency` (Average).
    pub fn metric_model_latency(&self) -> Metric {
        self.metric("ModelLatency", "Average")
    }

    /// `NoCapacityInvocationFailures` (Maximum): requests that found no copy to serve them.
    pub fn metric_no_capacity_invocation_failures(&self) -> Metric {
        self.metric("NoCapacityInvocationFailures", "Maximum")
    }

    /// Enables autoscaling of the copy count between `limits.min_capacity` (default: the
    /// initial copy count; 0 scales to zero) and `limits.max_capacity`.
    pub fn auto_scale_copy_count(&self, limits: EnableScalingProps) -> ScalableCopyCount {
        let min = limits.min_capacity.unwrap_or(self.copy_count);
        let max = limits.max_capacity;
        if max < 1 || min > max {
            self.node.add_error(format!(
                "copy count autoscaling needs minCapacity ({min}) <= maxCapacity ({max}) and maxCapacity >= 1"
            ));
        }
        let target = ScalableTarget::new(
            &Construct::new(&self.node, "CopyCount"),
            "Target",
            ScalableTargetProps::new(
                "sagemaker",
                Str::from("inference-component/") + self.name.as_str(),
                "sagemaker:inference-component:DesiredCopyCount",
                min,
                max,
            ),
        );
        target.node().add_dependency(self.cfn.resource());
        ScalableCopyCount {
            target,
            component: self.clone(),
            min_capacity: min,
        }
    }
}

/// The scalable copy count of an inference component.
#[derive(Clone, Debug)]
pub struct ScalableCopyCount {
    target: ScalableTarget,
    component: InferenceComponent,
    min_capacity: u32,
}

impl ScalableCopyCount {
    /// Target tracking of the invocations per copy
    /// (`SageMakerInferenceComponentInvocationsPerCopy`).
    pub fn scale_on_invocations_per_copy(&self, id: &str, target_per_copy: f64) {
        self.track(
            id,
            "SageMakerInferenceComponentInvocationsPerCopy",
            target_per_copy,
        );
    }

    /// Target tracking of the concurrent requests per copy
    /// (`SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution`).
    pub fn scale_on_concurrent_requests_per_copy(&self, id: &str, target_per_copy: f64) {
        self.track(
            id,
            "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution",
            target_per_copy,
        );
    }

    /// Target tracking on a predefined metric; with a minimum of 0, also the step policy
    /// `<id>FromZero` that adds a copy when requests find none
    /// (`NoCapacityInvocationFailures` above 0 for a minute), as AWS documents for scaling
    /// inference components to zero.
    fn track(&self, id: &str, metric: &str, target: f64) {
        if !(target > 0.0 && target.is_finite()) {
            self.target.node().add_error(format!(
                "the target per copy of '{id}' must be a number greater than 0, got {target}"
            ));
            return;
        }
        self.target.scale_to_track_metric(
            id,
            TargetTrackingProps {
                target_value: target,
                predefined_metric: Some(metric.to_string()),
                ..TargetTrackingProps::default()
            },
        );
        if self.min_capacity == 0 {
            let mut from_zero = StepScalingProps::new(
                self.component
                    .metric_no_capacity_invocation_failures()
                    .with_period(Duration::from_secs(60)),
                vec![
                    ScalingInterval::below(1.0, 0.0),
                    ScalingInterval::at_least(1.0, 1.0),
                ],
            );
            from_zero.cooldown = Some(Duration::from_secs(60));
            self.target
                .scale_on_metric(&format!("{id}FromZero"), from_zero);
        }
    }

    /// The scalable target, for everything Application Auto Scaling offers.
    pub fn scalable_target(&self) -> &ScalableTarget {
        &self.target
    }
}

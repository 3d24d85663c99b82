//! `InferenceComponent`: a model placed on an endpoint that hosts inference components, with
//! the compute each copy reserves, its copy count and the scaling of that count.

use crate::container_image::ContainerImage;
use crate::deployment::ComponentRollingUpdate;
use crate::endpoint::{EnableScalingProps, Endpoint};
use crate::imports::{ImportedModel, ModelRef};
use crate::model::{Model, bucket_arn, environment_problems, name_problem, wait_for_role_policy};
use crate::model_data::{BoundModelData, ModelData};
use sagecdk_aws::autoscaling::{
    ScalableTarget, ScalableTargetProps, ScalingInterval, StepScalingProps, TargetTrackingProps,
};
use sagecdk_aws::cloudwatch::Metric;
use sagecdk_aws::iam::{Grantable, RoleRef};
use sagecdk_cfn::sagemaker::inference_component::{
    InferenceComponentComputeResourceRequirements, InferenceComponentContainerSpecification,
    InferenceComponentDataCacheConfig, InferenceComponentRuntimeConfig,
    InferenceComponentSpecification, InferenceComponentStartupParameters,
};
use sagecdk_cfn::sagemaker::{CfnInferenceComponent, CfnInferenceComponentProps};
use sagecdk_core::duration::whole_seconds;
use sagecdk_core::logical_id::make_unique_resource_name;
use sagecdk_core::{CfnResource, Construct, Duration, IndexMap, Scope, Stack, Str, Tokenized};

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

    /// Sets the most memory a copy may use, in MB.
    pub fn with_max_memory(mut self, max_memory_mb: u32) -> Self {
        self.max_memory_mb = Some(max_memory_mb);
        self
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.min_memory_mb < 128 {
            problems.push(format!(
                "compute.minMemoryMb must be at least 128, got {}",
                self.min_memory_mb
            ));
        }
        if let Some(max) = self.max_memory_mb
            && max < self.min_memory_mb
        {
            problems.push(format!(
                "compute.maxMemoryMb ({max}) must be at least minMemoryMb ({})",
                self.min_memory_mb
            ));
        }
        if let Some(cores) = self.cpu_cores
            && !(cores >= 0.25 && cores.is_finite())
        {
            problems.push(format!(
                "compute.cpuCores must be a number of at least 0.25, got {cores}"
            ));
        }
        if self.accelerators == Some(0) {
            problems.push(
                "compute.accelerators must be at least 1 when given (leave it out for none)"
                    .to_string(),
            );
        }
        problems
    }

    fn render(&self) -> InferenceComponentComputeResourceRequirements {
        let mut compute = InferenceComponentComputeResourceRequirements::new()
            .with_min_memory_required_in_mb(f64::from(self.min_memory_mb));
        compute.max_memory_required_in_mb = self.max_memory_mb.map(|m| f64::from(m).into());
        compute.number_of_cpu_cores_required = self.cpu_cores.map(Into::into);
        compute.number_of_accelerator_devices_required =
            self.accelerators.map(|a| f64::from(a).into());
        compute
    }
}

/// What the copies of a component run: a model, or a container given directly.
#[derive(Clone, Debug)]
pub enum ComponentSource {
    /// A model (of this app or imported): its containers, model data and role.
    Model(ModelRef),
    /// A container run with the endpoint configuration's execution role, which gets the image
    /// pull and the artifact read.
    Container(ComponentContainer),
}

impl From<ModelRef> for ComponentSource {
    fn from(model: ModelRef) -> Self {
        ComponentSource::Model(model)
    }
}

/// A model of the app or an imported one is the source as it is.
macro_rules! model_source {
    ($($t:ty),*) => {$(
        impl From<$t> for ComponentSource {
            fn from(model: $t) -> Self {
                ComponentSource::Model(model.into())
            }
        }
    )*};
}
model_source!(Model, &Model, ImportedModel, &ImportedModel);

impl From<ComponentContainer> for ComponentSource {
    fn from(container: ComponentContainer) -> Self {
        ComponentSource::Container(container)
    }
}

/// A component's container given without a model (the component's `Container`).
///
/// ```
/// use sagecdk_sagemaker::{ComponentContainer, ContainerImage};
/// let container = ComponentContainer::new(ContainerImage::from_dlc("djl-inference", "0.31.0-lmi13.0.0-cu124"))
///     .with_environment("OPTION_MAX_MODEL_LEN", "4096");
/// ```
#[derive(Clone, Debug)]
pub struct ComponentContainer {
    /// The image.
    pub image: ContainerImage,
    /// The model archive (`.tar.gz`) the container loads (`ArtifactUrl`).
    pub artifact: Option<ModelData>,
    /// Environment variables.
    pub environment: IndexMap<String, Str>,
}

impl ComponentContainer {
    /// A container running `image`.
    pub fn new(image: ContainerImage) -> Self {
        ComponentContainer {
            image,
            artifact: None,
            environment: IndexMap::new(),
        }
    }

    /// Sets the model archive.
    pub fn with_artifact(mut self, artifact: ModelData) -> Self {
        self.artifact = Some(artifact);
        self
    }

    /// Adds an environment variable.
    pub fn with_environment(mut self, key: impl Into<String>, value: impl Into<Str>) -> Self {
        self.environment.insert(key.into(), value.into());
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
    /// What the copies run.
    pub source: ComponentSource,
    /// What each copy reserves.
    pub compute: ComputeRequirements,
    /// Copies at creation (default 1; 0 creates the component scaled to zero).
    pub copy_count: Option<u32>,
    /// Time to wait for the container's health check (60–3600 seconds).
    pub container_startup_health_check_timeout: Option<Duration>,
    /// Time to download the model data (60–3600 seconds).
    pub model_data_download_timeout: Option<Duration>,
    /// Cache the model data on the instance, so that new copies start faster.
    pub data_cache: bool,
    /// How an update of the component replaces its copies (default: SageMaker's).
    pub update: Option<ComponentRollingUpdate>,
    /// Physical name (default: made unique from the construct path).
    pub name: Option<String>,
}

impl InferenceComponentProps {
    /// Copies of `source` (a model, or a [`ComponentContainer`]) on variant `variant_name`
    /// of `endpoint`, each reserving `compute`.
    pub fn new(
        endpoint: &Endpoint,
        variant_name: impl Into<String>,
        source: impl Into<ComponentSource>,
        compute: ComputeRequirements,
    ) -> Self {
        InferenceComponentProps {
            endpoint: endpoint.clone(),
            variant_name: variant_name.into(),
            source: source.into(),
            compute,
            copy_count: None,
            container_startup_health_check_timeout: None,
            model_data_download_timeout: None,
            data_cache: false,
            update: None,
            name: None,
        }
    }

    /// Sets the copies at creation.
    pub fn with_copy_count(mut self, copies: u32) -> Self {
        self.copy_count = Some(copies);
        self
    }

    /// Sets how updates replace the copies.
    pub fn with_update(mut self, update: ComponentRollingUpdate) -> Self {
        self.update = Some(update);
        self
    }
}

/// Options of an adapter ([`InferenceComponent::adapter`]): weights that tailor the model
/// of a base component, served with the base's copies and compute.
#[derive(Clone, Debug)]
pub struct AdapterProps {
    /// The component serving the base model.
    pub base: InferenceComponent,
    /// The adapter's weights (a `.tar.gz` archive).
    pub artifact: ModelData,
    /// Physical name (default: made unique from the construct path).
    pub name: Option<String>,
}

impl AdapterProps {
    /// The adapter `artifact` on `base`.
    pub fn new(base: &InferenceComponent, artifact: ModelData) -> Self {
        AdapterProps {
            base: base.clone(),
            artifact,
            name: None,
        }
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
    endpoint: Endpoint,
    /// Copies at creation; `None` for an adapter, which runs on its base's copies.
    copy_count: Option<u32>,
}

impl Scope for InferenceComponent {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl InferenceComponent {
    /// Places copies of a model (or container) on an endpoint.
    pub fn new(scope: &impl Scope, id: &str, props: InferenceComponentProps) -> Self {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.InferenceComponent");
        let mut problems = Vec::new();
        let name = component_name(&node, props.name.as_deref(), &mut problems);
        problems.extend(props.compute.problems());
        let copy_count = props.copy_count.unwrap_or(1);
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

        let host_role = props.endpoint.component_host_role();
        let mut specification = InferenceComponentSpecification::new();
        match &props.source {
            ComponentSource::Model(model) => specification.model_name = Some(model.model_name()),
            ComponentSource::Container(container) => {
                specification.container = Some(render_container(
                    &node,
                    host_role.as_ref(),
                    container,
                    &mut problems,
                ));
            }
        }
        specification.compute_resource_requirements = Some(props.compute.render());
        if health.is_some() || download.is_some() {
            let mut startup = InferenceComponentStartupParameters::new();
            startup.container_startup_health_check_timeout_in_seconds = health.map(Into::into);
            startup.model_data_download_timeout_in_seconds = download.map(Into::into);
            specification.startup_parameters = Some(startup);
        }
        if props.data_cache {
            specification.data_cache_config = Some(InferenceComponentDataCacheConfig::new(true));
        }
        let deployment_config = props.update.as_ref().map(|u| {
            let (config, update_problems) = u.render();
            problems.extend(update_problems);
            config
        });
        for p in problems {
            node.add_error(p);
        }
        let mut cfn_props = CfnInferenceComponentProps::new(props.endpoint.endpoint_name());
        cfn_props.inference_component_name = Some(name.as_str().into());
        cfn_props.variant_name = Some(props.variant_name.as_str().into());
        cfn_props.specification = Some(specification);
        cfn_props.runtime_config =
            Some(InferenceComponentRuntimeConfig::new().with_copy_count(f64::from(copy_count)));
        cfn_props.deployment_config = deployment_config;
        let cfn = CfnInferenceComponent::new(&node, "InferenceComponent", cfn_props);
        if let (ComponentSource::Container(_), Some(role)) = (&props.source, &host_role) {
            wait_for_role_policy(cfn.resource(), role);
        }

        // The host variant must exist on a configuration hosting components (known at
        // synthesis, when every variant has been added).
        let endpoint = props.endpoint.clone();
        let variant = props.variant_name.clone();
        node.add_validation(move |_| endpoint.component_host_problems(&variant));
        InferenceComponent {
            node,
            cfn,
            name,
            endpoint: props.endpoint,
            copy_count: Some(copy_count),
        }
    }

    /// An adapter on `props.base`: weights (such as a LoRA adapter) tailoring the base
    /// component's model, served by the base's copies on its endpoint. The endpoint
    /// configuration's execution role gets the read of the weights.
    ///
    /// ```
    /// use sagecdk_aws::s3::Bucket;
    /// use sagecdk_core::{App, Stack, StackProps};
    /// use sagecdk_sagemaker::*;
    /// let app = App::for_tests();
    /// let stack = Stack::new(&app, "S", StackProps::default());
    /// let config = EndpointConfig::for_inference_components(&stack, "Hosting", ComponentHostingProps::new(vec![
    ///     ComponentHostVariantProps::new("AllTraffic", InstanceType::G5_XLARGE),
    /// ]));
    /// let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&config));
    /// let base = InferenceComponent::new(&stack, "Base", InferenceComponentProps::new(
    ///     &endpoint, "AllTraffic",
    ///     ComponentContainer::new(ContainerImage::from_dlc("djl-inference", "0.31.0-lmi13.0.0-cu124")),
    ///     ComputeRequirements::memory(16384).with_accelerators(1)));
    /// let weights = Bucket::from_bucket_name(&stack, "Weights", "my-adapters");
    /// InferenceComponent::adapter(&stack, "Support", AdapterProps::new(
    ///     &base, ModelData::from_bucket(&weights, "support/adapter.tar.gz")));
    /// assert!(app.assemble().is_ok());
    /// ```
    pub fn adapter(scope: &impl Scope, id: &str, props: AdapterProps) -> Self {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.InferenceComponent");
        let mut problems = Vec::new();
        let name = component_name(&node, props.name.as_deref(), &mut problems);
        if props.base.copy_count.is_none() {
            problems.push(format!(
                "the base of an adapter must serve a model, not be an adapter itself ('{}' is one)",
                props.base.node.path()
            ));
        }
        let host_role = props.base.endpoint.component_host_role();
        let artifact = bind_artifact(&node, host_role.as_ref(), &props.artifact, &mut problems);
        for p in problems {
            node.add_error(p);
        }
        let mut container = InferenceComponentContainerSpecification::new();
        container.artifact_url = artifact;
        let mut specification = InferenceComponentSpecification::new();
        specification.base_inference_component_name = Some(props.base.name.as_str().into());
        specification.container = Some(container);
        let mut cfn_props = CfnInferenceComponentProps::new(props.base.endpoint.endpoint_name());
        cfn_props.inference_component_name = Some(name.as_str().into());
        cfn_props.specification = Some(specification);
        let cfn = CfnInferenceComponent::new(&node, "InferenceComponent", cfn_props);
        // The base is named by its literal name, which carries no dependency.
        cfn.resource().node().add_dependency(props.base.resource());
        if let Some(role) = &host_role {
            wait_for_role_policy(cfn.resource(), role);
        }
        InferenceComponent {
            node,
            cfn,
            name,
            endpoint: props.base.endpoint,
            copy_count: None,
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
    /// An adapter runs on its base's copies: scaling one is an error (scale the base).
    pub fn auto_scale_copy_count(&self, limits: EnableScalingProps) -> ScalableCopyCount {
        if self.copy_count.is_none() {
            self.node.add_error(
                "an adapter runs on the copies of its base component: scale the base's copy count",
            );
        }
        let min = limits.min_capacity.unwrap_or(self.copy_count.unwrap_or(1));
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

/// The component's physical name: `given` (checked), or one made unique from the path.
fn component_name(node: &Construct, given: Option<&str>, problems: &mut Vec<String>) -> String {
    match given {
        Some(n) => {
            problems.extend(name_problem("inference component", n));
            n.to_string()
        }
        None => {
            let path = node.path();
            let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
            make_unique_resource_name(&components, 63).unwrap_or_default()
        }
    }
}

/// The component's `Container`: the image pulled and the artifact read with the endpoint
/// configuration's role (`None` for an imported configuration: its role is the user's to
/// grant).
fn render_container(
    node: &Construct,
    role: Option<&RoleRef>,
    container: &ComponentContainer,
    problems: &mut Vec<String>,
) -> InferenceComponentContainerSpecification {
    let stack = Stack::of(node);
    let grantee = role.map(|r| r as &dyn Grantable);
    let mut spec = InferenceComponentContainerSpecification::new();
    if let Some(stack) = &stack {
        spec.image = Some(container.image.bind(node, stack, grantee));
    }
    if let Some(artifact) = &container.artifact {
        spec.artifact_url = bind_artifact(node, role, artifact, problems);
    }
    problems.extend(environment_problems(&container.environment));
    if !container.environment.is_empty() {
        spec.environment = Some(Tokenized::Literal(container.environment.clone()));
    }
    spec
}

/// The `ArtifactUrl` of one model archive, read with `role`; a folder of files is refused
/// (SageMaker takes an archive here).
fn bind_artifact(
    node: &Construct,
    role: Option<&RoleRef>,
    artifact: &ModelData,
    problems: &mut Vec<String>,
) -> Option<Str> {
    let stack = Stack::of(node)?;
    if artifact.is_multi_model_prefix() {
        problems.push(
            "an inference component's artifact is one model archive (.tar.gz), not the prefix of a multi-model endpoint".to_string(),
        );
        return None;
    }
    let grantee = role.map(|r| r as &dyn Grantable);
    match artifact.bind(node, grantee, |bucket| bucket_arn(&stack, bucket)) {
        BoundModelData::Url(url) => Some(url),
        BoundModelData::Source(_) => {
            problems.push(
                "an inference component's artifact is one model archive (.tar.gz): use `ModelData::from_asset` or `ModelData::from_bucket`, not an S3 prefix".to_string(),
            );
            None
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

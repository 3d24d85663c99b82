//! `EndpointConfig`: production variants (instances, weights) for an endpoint.

use crate::async_inference::AsyncInferenceProps;
use crate::data_capture::DataCaptureProps;
use crate::destinations::WriteTarget;
use crate::imports::{ModelRef, ResourceEnv};
use crate::model::{
    configure_networking, execution_role, name_problem, vpc_access, wait_for_role_policy,
};
use crate::{AcceleratorType, InstanceType, cdk_compatible};
use sagecdk_aws::ec2::{Connectable, Connections, SecurityGroup, Vpc};
use sagecdk_aws::iam::RoleRef;
use sagecdk_cfn::runtime::ToCfnValue;
use sagecdk_cfn::sagemaker::endpoint_config::{
    ManagedInstanceScaling as CfnManagedInstanceScaling, ProductionVariant, RoutingConfig,
    ServerlessConfig, VpcConfig,
};
use sagecdk_cfn::sagemaker::{CfnEndpointConfig, CfnEndpointConfigProps};
use sagecdk_core::duration::whole_seconds;
use sagecdk_core::{CfnResource, Construct, Duration, Lazy, List, Scope, Str, Tokenized, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The most production variants an endpoint configuration may have.
pub const MAX_VARIANTS: usize = 10;

/// An instance-backed production variant.
///
/// ```
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_sagemaker::*;
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let model = Model::new(&stack, "Model", ModelProps::with_container(
///     ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311"))
///         .with_environment("LOG_LEVEL", "info")));
/// let blue = InstanceProductionVariantProps::new(&model, "Blue")
///     .with_instance_type(InstanceType::M5_XLARGE)
///     .with_instance_count(2)
///     .with_weight(3.0);
/// ```
#[derive(Clone, Debug)]
pub struct InstanceProductionVariantProps {
    /// The model served (of this app or imported).
    pub model: ModelRef,
    /// The variant's name.
    pub variant_name: String,
    /// Traffic weight relative to the other variants (default 1; 0 is allowed).
    pub initial_variant_weight: Option<f64>,
    /// Number of instances (default 1).
    pub initial_instance_count: Option<u32>,
    /// Instance type (default `ml.m5.large`; `ml.t2.medium` with CDK-compatible defaults).
    pub instance_type: Option<InstanceType>,
    /// Elastic Inference accelerator: discontinued, so an error unless
    /// [`crate::CDK_COMPATIBLE_DEFAULTS`] is set (then rendered as the CDK does, with a
    /// warning).
    pub accelerator_type: Option<AcceleratorType>,
    /// Time to wait for the container's health check (60–3600 seconds, whole seconds).
    pub container_startup_health_check_timeout: Option<Duration>,
    /// Time to download the model data (60–3600 seconds, whole seconds).
    pub model_data_download_timeout: Option<Duration>,
    /// Storage volume per instance, in GB (1–512).
    pub volume_size_in_gb: Option<u32>,
    /// Request routing across instances.
    pub routing_strategy: Option<RoutingStrategy>,
    /// Let SageMaker scale the instances of the variant for its inference components.
    pub managed_instance_scaling: Option<ManagedInstanceScaling>,
}

/// Managed instance scaling of a variant (`ManagedInstanceScaling`, status `ENABLED`):
/// SageMaker adds and removes instances as inference components need them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManagedInstanceScaling {
    /// Fewest instances (0 lets the variant scale to zero).
    pub min_instance_count: u32,
    /// Most instances (at least 1).
    pub max_instance_count: u32,
}

impl ManagedInstanceScaling {
    /// The rule the limits break, if any.
    fn problem(self) -> Option<String> {
        (self.max_instance_count < 1 || self.min_instance_count > self.max_instance_count).then(|| {
            format!(
                "managedInstanceScaling needs 0 <= minInstanceCount ({}) <= maxInstanceCount ({}) and maxInstanceCount >= 1",
                self.min_instance_count, self.max_instance_count
            )
        })
    }
}

/// Sets the options instance variants and component host variants share.
fn set_instance_options(
    variant: &mut ProductionVariant,
    scaling: Option<ManagedInstanceScaling>,
    routing: Option<RoutingStrategy>,
) {
    if let Some(scaling) = scaling {
        variant.managed_instance_scaling = Some(
            CfnManagedInstanceScaling::new()
                .with_max_instance_count(scaling.max_instance_count)
                .with_min_instance_count(scaling.min_instance_count)
                .with_status("ENABLED"),
        );
    }
    if let Some(r) = routing {
        variant.routing_config = Some(RoutingConfig::new().with_routing_strategy(r.as_str()));
    }
}

/// How requests are routed across a variant's instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoutingStrategy {
    /// `LEAST_OUTSTANDING_REQUESTS`.
    LeastOutstandingRequests,
    /// `RANDOM`.
    Random,
}

impl RoutingStrategy {
    fn as_str(self) -> &'static str {
        match self {
            RoutingStrategy::LeastOutstandingRequests => "LEAST_OUTSTANDING_REQUESTS",
            RoutingStrategy::Random => "RANDOM",
        }
    }
}

/// A serverless production variant.
///
/// ```
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_sagemaker::*;
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let model = Model::new(&stack, "Model", ModelProps::with_container(
///     ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311"))
///         .with_environment("LOG_LEVEL", "info")));
/// // 2 GiB of memory, at most 20 concurrent invocations.
/// let variant = ServerlessProductionVariantProps::new(&model, "Serverless", 2048, 20);
/// ```
#[derive(Clone, Debug)]
pub struct ServerlessProductionVariantProps {
    /// The model served (of this app or imported).
    pub model: ModelRef,
    /// The variant's name.
    pub variant_name: String,
    /// Traffic weight (default 1).
    pub initial_variant_weight: Option<f64>,
    /// Maximum concurrent invocations (1–200).
    pub max_concurrency: u32,
    /// Memory in MB: 1024, 2048, 3072, 4096, 5120 or 6144.
    pub memory_size_in_mb: u32,
    /// Provisioned concurrency (1–200, at most `max_concurrency`).
    pub provisioned_concurrency: Option<u32>,
}

impl ServerlessProductionVariantProps {
    /// A serverless variant serving `model`.
    pub fn new(
        model: impl Into<ModelRef>,
        variant_name: impl Into<String>,
        memory_size_in_mb: u32,
        max_concurrency: u32,
    ) -> Self {
        ServerlessProductionVariantProps {
            model: model.into(),
            variant_name: variant_name.into(),
            initial_variant_weight: None,
            max_concurrency,
            memory_size_in_mb,
            provisioned_concurrency: None,
        }
    }
}

impl InstanceProductionVariantProps {
    /// A variant serving `model` (`&Model` or an imported model).
    pub fn new(model: impl Into<ModelRef>, variant_name: impl Into<String>) -> Self {
        InstanceProductionVariantProps {
            model: model.into(),
            variant_name: variant_name.into(),
            initial_variant_weight: None,
            initial_instance_count: None,
            instance_type: None,
            accelerator_type: None,
            container_startup_health_check_timeout: None,
            model_data_download_timeout: None,
            volume_size_in_gb: None,
            routing_strategy: None,
            managed_instance_scaling: None,
        }
    }

    /// Sets the weight.
    pub fn with_weight(mut self, weight: f64) -> Self {
        self.initial_variant_weight = Some(weight);
        self
    }

    /// Sets the instance type.
    pub fn with_instance_type(mut self, instance_type: InstanceType) -> Self {
        self.instance_type = Some(instance_type);
        self
    }

    /// Sets the instance count.
    pub fn with_instance_count(mut self, count: u32) -> Self {
        self.initial_instance_count = Some(count);
        self
    }
}

/// Options of an [`EndpointConfig`].
#[derive(Clone, Debug, Default)]
pub struct EndpointConfigProps {
    /// Physical name.
    pub endpoint_config_name: Option<String>,
    /// Instance production variants.
    pub instance_production_variants: Vec<InstanceProductionVariantProps>,
    /// A serverless variant (cannot be combined with instance variants).
    pub serverless_production_variant: Option<ServerlessProductionVariantProps>,
    /// KMS key ARN for the storage volume (e.g. `key.key_arn()` of a
    /// [`sagecdk_aws::kms::Key`]). As in the CDK, no key grants are made.
    pub kms_key_arn: Option<Str>,
    /// Asynchronous inference: requests queued, results written to S3 (instance variants
    /// only).
    pub async_inference: Option<AsyncInferenceProps>,
    /// A sample of invocations written to S3 (instance variants only).
    pub data_capture: Option<DataCaptureProps>,
    /// A shadow variant (at most one, next to exactly one instance production variant): it
    /// receives a copy of the production traffic for shadow testing.
    pub shadow_production_variants: Vec<InstanceProductionVariantProps>,
}

/// A variant that hosts inference components: instances without a model of their own.
///
/// ```
/// use sagecdk_sagemaker::*;
/// let host = ComponentHostVariantProps::new("AllTraffic", InstanceType::G5_XLARGE)
///     .with_instance_count(1);
/// ```
#[derive(Clone, Debug)]
pub struct ComponentHostVariantProps {
    /// The variant's name.
    pub variant_name: String,
    /// Instance type.
    pub instance_type: InstanceType,
    /// Number of instances (default 1).
    pub initial_instance_count: Option<u32>,
    /// Let SageMaker add and remove instances as the components need them (0 allowed as the
    /// minimum, to scale to zero).
    pub managed_instance_scaling: Option<ManagedInstanceScaling>,
    /// Request routing across instances.
    pub routing_strategy: Option<RoutingStrategy>,
}

impl ComponentHostVariantProps {
    /// `instance_type` instances named `variant_name`.
    pub fn new(variant_name: impl Into<String>, instance_type: InstanceType) -> Self {
        ComponentHostVariantProps {
            variant_name: variant_name.into(),
            instance_type,
            initial_instance_count: None,
            managed_instance_scaling: None,
            routing_strategy: None,
        }
    }

    /// Sets the number of instances.
    pub fn with_instance_count(mut self, count: u32) -> Self {
        self.initial_instance_count = Some(count);
        self
    }

    /// Sets managed instance scaling.
    pub fn with_managed_instance_scaling(mut self, scaling: ManagedInstanceScaling) -> Self {
        self.managed_instance_scaling = Some(scaling);
        self
    }
}

/// An endpoint configuration whose variants host inference components
/// ([`EndpointConfig::for_inference_components`]).
#[derive(Clone, Debug)]
pub struct ComponentHostingProps {
    /// Physical name.
    pub endpoint_config_name: Option<String>,
    /// The host variants.
    pub variants: Vec<ComponentHostVariantProps>,
    /// The role SageMaker assumes for the endpoint's components (default: a new role
    /// `<id>/Role` with least privilege).
    pub role: Option<RoleRef>,
    /// Run the components without network access.
    pub network_isolation: bool,
    /// Place the components' containers in a VPC.
    pub vpc: Option<Vpc>,
    /// Security groups (default: one created as `<id>/SecurityGroup`; needs `vpc`).
    pub security_groups: Vec<SecurityGroup>,
    /// Whether a created security group allows all outbound traffic (default true; needs
    /// `vpc` and no `security_groups`).
    pub allow_all_outbound: Option<bool>,
}

impl ComponentHostingProps {
    /// Hosting on `variants`.
    pub fn new(variants: Vec<ComponentHostVariantProps>) -> Self {
        ComponentHostingProps {
            endpoint_config_name: None,
            variants,
            role: None,
            network_isolation: false,
            vpc: None,
            security_groups: Vec::new(),
            allow_all_outbound: None,
        }
    }

    /// Places the components' containers in `vpc`, with a new security group.
    pub fn with_vpc(mut self, vpc: &Vpc) -> Self {
        self.vpc = Some(vpc.clone());
        self
    }
}

/// A resolved variant, as endpoints and autoscaling see it.
#[derive(Clone, Debug)]
pub(crate) struct VariantInfo {
    pub(crate) name: String,
    pub(crate) initial_variant_weight: f64,
    pub(crate) initial_instance_count: u32,
    pub(crate) instance_type: InstanceType,
}

/// The serverless variant, as autoscaling of its provisioned concurrency sees it.
#[derive(Clone, Debug)]
pub(crate) struct ServerlessInfo {
    pub(crate) name: String,
    pub(crate) initial_variant_weight: f64,
    pub(crate) provisioned_concurrency: Option<u32>,
    pub(crate) max_concurrency: u32,
}

/// A SageMaker endpoint configuration: `<id>/EndpointConfig` is the resource.
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
/// assert!(app.assemble().is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct EndpointConfig {
    node: Construct,
    cfn: CfnEndpointConfig,
    variants: Rc<RefCell<Vec<InstanceVariantEntry>>>,
    serverless: SharedServerless,
    compatible: bool,
    /// Whether a variant was refused with an error (and not rendered).
    rejected: Rc<Cell<bool>>,
    /// Where the models write (asynchronous results, captured data): each variant's model
    /// gets the grants.
    write_targets: Rc<Vec<WriteTarget>>,
    /// The options set that a serverless variant cannot have.
    serverless_excluded: Rc<Vec<&'static str>>,
    /// The shadow variants (at most one).
    shadows: Rc<RefCell<Vec<InstanceVariantEntry>>>,
    /// The execution role of a configuration hosting inference components.
    host_role: Rc<RefCell<Option<RoleRef>>>,
    /// The security groups of the components' containers (in a VPC).
    host_security_groups: Rc<RefCell<Vec<SecurityGroup>>>,
}

/// The serverless variant, if any: what endpoints see, and its CloudFormation property (boxed:
/// most configurations have none, and the pair is large).
type SharedServerless = Rc<RefCell<Option<Box<(ServerlessInfo, ProductionVariant)>>>>;

/// An instance variant of the configuration: what endpoints see, and its CloudFormation
/// property.
#[derive(Clone, Debug)]
struct InstanceVariantEntry {
    info: VariantInfo,
    /// The model served (none on a variant hosting inference components).
    model: Option<ModelRef>,
    variant: ProductionVariant,
    /// The discontinued Elastic Inference accelerator, rendered only for compatibility with
    /// the AWS CDK: the schema's `ProductionVariant` no longer has the property.
    accelerator_type: Option<AcceleratorType>,
}

impl Connectable for EndpointConfig {
    /// The security groups of the inference components' containers (none outside a VPC, or on
    /// a configuration with models of its own: rules then have nothing to apply to).
    fn connections(&self) -> Connections {
        Connections::new(self.host_security_groups.borrow().clone())
    }
}

impl Scope for EndpointConfig {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl EndpointConfig {
    /// Creates an endpoint configuration.
    pub fn new(scope: &impl Scope, id: &str, props: EndpointConfigProps) -> EndpointConfig {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.EndpointConfig");
        let compatible = cdk_compatible(&node);
        let variants: Rc<RefCell<Vec<InstanceVariantEntry>>> = Rc::new(RefCell::new(Vec::new()));
        let serverless: SharedServerless = Rc::new(RefCell::new(None));
        // Replaced by the literal list when a variant is added; until then an empty list the
        // schema does not check, so a configuration without variants gets one error (ours).
        let no_variants: List<ProductionVariant> =
            Tokenized::Token(Lazy::any(|_| Some(Value::Array(Vec::new()))));
        let mut cfn_props = CfnEndpointConfigProps::new(no_variants);
        if let Some(name) = &props.endpoint_config_name {
            match name_problem("endpoint configuration", name) {
                // Reported once, in our words; the schema would repeat it.
                Some(p) => node.add_error(p),
                None => cfn_props = cfn_props.with_endpoint_config_name(name.as_str()),
            }
        }
        if let Some(key) = &props.kms_key_arn {
            cfn_props = cfn_props.with_kms_key_id(key.clone());
        }
        let mut write_targets = Vec::new();
        let mut serverless_excluded = Vec::new();
        if let Some(a) = &props.async_inference {
            a.problems().into_iter().for_each(|p| node.add_error(p));
            cfn_props.async_inference_config = Some(a.render());
            write_targets.extend(a.write_targets());
            serverless_excluded.push("asynchronous inference");
        }
        if let Some(d) = &props.data_capture {
            d.problems().into_iter().for_each(|p| node.add_error(p));
            cfn_props.data_capture_config = Some(d.render());
            write_targets.extend(d.write_targets());
            serverless_excluded.push("data capture");
        }
        let cfn = CfnEndpointConfig::new(&node, "EndpointConfig", cfn_props);
        let rejected = Rc::new(Cell::new(false));
        let shadows: Rc<RefCell<Vec<InstanceVariantEntry>>> = Rc::default();
        let (view, serverless_view, rejected_view, shadows_view) = (
            variants.clone(),
            serverless.clone(),
            rejected.clone(),
            shadows.clone(),
        );
        let warned = Cell::new(false);
        node.add_validation(move |node| {
            let weights: Vec<f64> = view
                .borrow()
                .iter()
                .map(|v| v.info.initial_variant_weight)
                .chain(
                    serverless_view
                        .borrow()
                        .iter()
                        .map(|pair| pair.0.initial_variant_weight),
                )
                .collect();
            let mut problems = Vec::new();
            // SageMaker replicates the traffic of one production variant to one shadow.
            let production = view.borrow().len();
            if !shadows_view.borrow().is_empty() && production != 1 && !rejected_view.get() {
                problems.push(format!(
                    "a configuration with a shadow variant must have exactly 1 instance production variant, found {production}"
                ));
            }
            // A variant rejected with its own error is not also reported as missing.
            if weights.is_empty() && !rejected_view.get() {
                problems.push("Must configure at least 1 production variant".to_string());
            }
            // SageMaker documents no rule against it (each weight may be 0), so not an error;
            // but with every weight 0 InvokeEndpoint has no variant to route to unless each call
            // names a TargetVariant: surely a mistake. Warned once, however often synthesized.
            if !weights.is_empty() && weights.iter().all(|w| *w == 0.0) && !warned.replace(true) {
                let which = match weights.len() {
                    1 => "the only production variant has".to_string(),
                    n => format!("all {n} production variants have"),
                };
                node.add_warning(format!(
                    "{which} initialVariantWeight 0, so the endpoint routes no traffic; give at least one variant a positive weight"
                ));
            }
            problems
        });
        let config = EndpointConfig {
            node,
            cfn,
            variants,
            serverless,
            compatible,
            rejected,
            write_targets: Rc::new(write_targets),
            serverless_excluded: Rc::new(serverless_excluded),
            shadows,
            host_role: Rc::default(),
            host_security_groups: Rc::default(),
        };
        if props.serverless_production_variant.is_some()
            && !props.instance_production_variants.is_empty()
        {
            config.node.add_error(
                "Cannot specify both instanceProductionVariants and serverlessProductionVariant. Choose one variant type.",
            );
        }
        for v in props.instance_production_variants {
            config.add_instance_production_variant(v);
        }
        if let Some(v) = props.serverless_production_variant {
            config.add_serverless_production_variant(v);
        }
        for v in props.shadow_production_variants {
            config.add_shadow_production_variant(v);
        }
        config
    }

    /// Adds the serverless production variant (at most one, and no instance variants).
    pub fn add_serverless_production_variant(&self, props: ServerlessProductionVariantProps) {
        if self.refused_on_component_host("serverless variant", &props.variant_name) {
            return;
        }
        if self.serverless.borrow().is_some() {
            self.node.add_error(
                "Cannot add more than one serverless production variant per endpoint configuration",
            );
            return;
        }
        if !self.variants.borrow().is_empty() {
            self.node.add_error("Cannot add serverless production variant when instance production variants are already configured");
            return;
        }
        let mut problems = Vec::new();
        problems.extend(name_problem("production variant", &props.variant_name));
        for option in self.serverless_excluded.iter() {
            problems.push(format!(
                "a serverless variant cannot be used with {option}; use an instance production variant"
            ));
        }
        if !(1..=200).contains(&props.max_concurrency) {
            problems.push("maxConcurrency must be between 1 and 200".to_string());
        }
        if !matches!(
            props.memory_size_in_mb,
            1024 | 2048 | 3072 | 4096 | 5120 | 6144
        ) {
            problems.push(
                "memorySizeInMB must be one of: 1024, 2048, 3072, 4096, 5120, 6144 MB".to_string(),
            );
        }
        if let Some(p) = props.provisioned_concurrency {
            if !(1..=200).contains(&p) {
                problems.push("provisionedConcurrency must be between 1 and 200".to_string());
            }
            if p > props.max_concurrency {
                problems.push(
                    "provisionedConcurrency cannot be greater than maxConcurrency".to_string(),
                );
            }
        }
        if props.initial_variant_weight.is_some_and(|w| w < 0.0) {
            problems.push("Cannot have negative variant weight".to_string());
        }
        problems.extend(props.model.env().mismatches(
            &ResourceEnv::of_stack(&self.node),
            "model",
            "endpoint configuration",
        ));
        if !problems.is_empty() {
            self.node.add_error(format!(
                "Invalid Serverless Production Variant Props: {}",
                problems.join(" / ")
            ));
            self.rejected.set(true);
            return;
        }
        let mut config = ServerlessConfig::new(props.max_concurrency, props.memory_size_in_mb);
        if let Some(p) = props.provisioned_concurrency {
            config = config.with_provisioned_concurrency(p);
        }
        let variant = ProductionVariant::new(props.variant_name.as_str())
            .with_initial_variant_weight(props.initial_variant_weight.unwrap_or(1.0))
            .with_model_name(props.model.model_name())
            .with_serverless_config(config);
        let info = ServerlessInfo {
            name: props.variant_name,
            initial_variant_weight: props.initial_variant_weight.unwrap_or(1.0),
            provisioned_concurrency: props.provisioned_concurrency,
            max_concurrency: props.max_concurrency,
        };
        *self.serverless.borrow_mut() = Some(Box::new((info, variant)));
        self.sync_variants();
    }

    /// Writes the variants into the typed props as a literal list (so the schema checks them).
    fn sync_variants(&self) {
        let variants = self.variants.borrow();
        let mut list: Vec<ProductionVariant> = variants.iter().map(|v| v.variant.clone()).collect();
        list.extend(self.serverless.borrow().iter().map(|pair| pair.1.clone()));
        let accelerators: Vec<Option<String>> = variants
            .iter()
            .map(|v| v.accelerator_type.as_ref().map(|a| a.as_str().to_string()))
            .collect();
        let production_variants: List<ProductionVariant> =
            if accelerators.iter().all(Option::is_none) {
                Tokenized::Literal(list)
            } else {
                // `AcceleratorType`, which the CDK renders first, is no longer in the schema (nor in
                // the typed variant): the list is rendered with it, hidden from the schema check,
                // which would reject it.
                Tokenized::Token(Lazy::any(move |_| {
                    Some(Value::Array(
                        list.iter()
                            .zip(accelerators.iter().chain(std::iter::repeat(&None)))
                            .map(|(variant, accelerator)| {
                                let mut value = variant.to_cfn_value();
                                if let (Some(a), Value::Object(m)) = (accelerator, &mut value) {
                                    m.shift_insert(
                                        0,
                                        "AcceleratorType".into(),
                                        Value::from(a.as_str()),
                                    );
                                }
                                value
                            })
                            .collect(),
                    ))
                }))
            };
        self.cfn
            .update(|p| p.production_variants = production_variants);
    }

    /// An endpoint configuration for inference components: its variants run no model of their
    /// own, and [`InferenceComponent`](crate::InferenceComponent)s are placed on them. The
    /// execution role, network isolation (and the routing and managed scaling of each variant)
    /// are the configuration's.
    ///
    /// ```
    /// use sagecdk_core::{App, Stack, StackProps};
    /// use sagecdk_sagemaker::*;
    /// let app = App::for_tests();
    /// let stack = Stack::new(&app, "S", StackProps::default());
    /// let config = EndpointConfig::for_inference_components(&stack, "Hosting", ComponentHostingProps::new(vec![
    ///     ComponentHostVariantProps::new("AllTraffic", InstanceType::G5_XLARGE)
    ///         .with_managed_instance_scaling(ManagedInstanceScaling { min_instance_count: 0, max_instance_count: 4 }),
    /// ]));
    /// ```
    pub fn for_inference_components(
        scope: &impl Scope,
        id: &str,
        props: ComponentHostingProps,
    ) -> EndpointConfig {
        let config = EndpointConfig::new(
            scope,
            id,
            EndpointConfigProps {
                endpoint_config_name: props.endpoint_config_name.clone(),
                ..EndpointConfigProps::default()
            },
        );
        // The security group before the role, as a model orders them.
        let security_groups = configure_networking(
            &config.node,
            props.vpc.as_ref(),
            &props.security_groups,
            props.allow_all_outbound,
        );
        let role = match props.role {
            Some(r) => r,
            None => execution_role(&config.node, config.compatible),
        };
        let vpc_config = props.vpc.as_ref().map(|vpc| {
            VpcConfig::new(
                vpc_access(&role, config.compatible, &security_groups),
                vpc.subnet_ids.clone(),
            )
        });
        config.cfn.update(|p| {
            p.execution_role_arn = Some(role.role_arn());
            if props.network_isolation {
                p.enable_network_isolation = Some(true.into());
            }
            p.vpc_config = vpc_config;
        });
        // Endpoints start the components with the role: its grants must exist first.
        wait_for_role_policy(config.cfn.resource(), &role);
        *config.host_role.borrow_mut() = Some(role);
        *config.host_security_groups.borrow_mut() = security_groups;
        for v in props.variants {
            config.add_component_host_variant(v);
        }
        config
    }

    /// Adds a variant hosting inference components (see
    /// [`for_inference_components`](Self::for_inference_components)).
    pub fn add_component_host_variant(&self, props: ComponentHostVariantProps) {
        if self.host_role.borrow().is_none() {
            self.node.add_error(format!(
                "variant '{}' hosts inference components, which needs a configuration made with `EndpointConfig::for_inference_components`",
                props.variant_name
            ));
            return;
        }
        let mut problems = Vec::new();
        problems.extend(name_problem("production variant", &props.variant_name));
        if props.initial_instance_count == Some(0) {
            problems.push("Must have at least one instance".to_string());
        }
        problems.extend(
            props
                .managed_instance_scaling
                .and_then(ManagedInstanceScaling::problem),
        );
        if self
            .variants
            .borrow()
            .iter()
            .any(|v| v.info.name == props.variant_name)
        {
            problems.push(format!(
                "There is already a Production Variant with name '{}'",
                props.variant_name
            ));
        }
        if !problems.is_empty() {
            self.node.add_error(format!(
                "Invalid Component Host Variant Props: {}",
                problems.join("; ")
            ));
            self.rejected.set(true);
            return;
        }
        let info = VariantInfo {
            name: props.variant_name.clone(),
            initial_variant_weight: 1.0,
            initial_instance_count: props.initial_instance_count.unwrap_or(1),
            instance_type: props.instance_type.clone(),
        };
        let mut variant = ProductionVariant::new(info.name.as_str())
            .with_initial_instance_count(info.initial_instance_count)
            .with_instance_type(self.instance_type_value(&info.instance_type));
        set_instance_options(
            &mut variant,
            props.managed_instance_scaling,
            props.routing_strategy,
        );
        self.variants.borrow_mut().push(InstanceVariantEntry {
            info,
            model: None,
            variant,
            accelerator_type: None,
        });
        self.sync_variants();
    }

    /// Whether this configuration hosts inference components, which a `kind` variant cannot
    /// join (an error then).
    fn refused_on_component_host(&self, kind: &str, name: &str) -> bool {
        let hosting = self.host_role.borrow().is_some();
        if hosting {
            self.node.add_error(format!(
                "Cannot add {kind} '{name}' to a configuration hosting inference components; SageMaker places components on instance host variants only"
            ));
            self.rejected.set(true);
        }
        hosting
    }

    /// The execution role of a configuration hosting inference components.
    pub(crate) fn host_role(&self) -> Option<RoleRef> {
        self.host_role.borrow().clone()
    }

    /// Adds an instance production variant.
    pub fn add_instance_production_variant(&self, props: InstanceProductionVariantProps) {
        if self.host_role.borrow().is_some() {
            self.node.add_error(format!(
                "Cannot add production variant '{}' with a model to a configuration hosting inference components; add a host variant and place the model with an InferenceComponent",
                props.variant_name
            ));
            return;
        }
        if self.serverless.borrow().is_some() {
            self.node.add_error("Cannot add instance production variant when serverless production variant is already configured");
            return;
        }
        if self.variants.borrow().len() >= MAX_VARIANTS {
            self.node.add_error(format!(
                "Can't have more than {MAX_VARIANTS} production variants ('{}' not added)",
                props.variant_name
            ));
            self.rejected.set(true);
            return;
        }
        let Some(entry) = self.instance_variant(props, "Production Variant") else {
            self.rejected.set(true);
            return;
        };
        let mut variants = self.variants.borrow_mut();
        // A configuration has a variant or a few: amortized growth would reserve four.
        variants.reserve_exact(1);
        variants.push(entry);
        drop(variants);
        self.sync_variants();
    }

    /// Adds a shadow variant: it receives a copy of the production variant's traffic, and its
    /// responses are logged, not returned (SageMaker shadow testing). A configuration with a
    /// shadow variant has exactly one production variant (checked at synthesis) and one shadow.
    ///
    /// ```
    /// use sagecdk_core::{App, Stack, StackProps};
    /// use sagecdk_sagemaker::*;
    /// let app = App::for_tests();
    /// let stack = Stack::new(&app, "S", StackProps::default());
    /// let image = ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311");
    /// let current = Model::new(&stack, "Current", ModelProps::with_container(ContainerDefinition::new(image.clone())));
    /// let candidate = Model::new(&stack, "Candidate", ModelProps::with_container(ContainerDefinition::new(image)));
    /// EndpointConfig::new(&stack, "Config", EndpointConfigProps {
    ///     instance_production_variants: vec![InstanceProductionVariantProps::new(&current, "Current")],
    ///     shadow_production_variants: vec![InstanceProductionVariantProps::new(&candidate, "Candidate")],
    ///     ..EndpointConfigProps::default()
    /// });
    /// ```
    pub fn add_shadow_production_variant(&self, props: InstanceProductionVariantProps) {
        if self.refused_on_component_host("shadow variant", &props.variant_name) {
            return;
        }
        if self.serverless.borrow().is_some() {
            self.node.add_error(format!(
                "Cannot add shadow variant '{}' to a configuration with a serverless production variant; shadow testing needs an instance production variant",
                props.variant_name
            ));
            return;
        }
        if !self.shadows.borrow().is_empty() {
            self.node.add_error(format!(
                "Can't have more than 1 shadow variant ('{}' not added)",
                props.variant_name
            ));
            return;
        }
        let Some(entry) = self.instance_variant(props, "Shadow Variant") else {
            return;
        };
        self.shadows.borrow_mut().push(entry);
        let list: Vec<ProductionVariant> = self
            .shadows
            .borrow()
            .iter()
            .map(|v| v.variant.clone())
            .collect();
        self.cfn
            .update(|p| p.shadow_production_variants = Some(Tokenized::Literal(list)));
    }

    /// Checks and renders an instance variant (production or shadow, as `kind` says in its
    /// errors), grants its model's role what the configuration writes; `None` (with the errors
    /// recorded) when it cannot be added.
    fn instance_variant(
        &self,
        props: InstanceProductionVariantProps,
        kind: &str,
    ) -> Option<InstanceVariantEntry> {
        let mut problems = Vec::new();
        let mut timeouts = [None, None];
        for ((name, value), seconds) in [
            (
                "containerStartupHealthCheckTimeout",
                props.container_startup_health_check_timeout,
            ),
            (
                "modelDataDownloadTimeout",
                props.model_data_download_timeout,
            ),
        ]
        .into_iter()
        .zip(&mut timeouts)
        {
            let Some(value) = value else { continue };
            match whole_seconds(value, name) {
                // The AWS CDK's message.
                Ok(s) if !(60..=3600).contains(&s) => {
                    problems.push(format!("{name} must be between 60 and 3600 seconds"));
                }
                Ok(s) => *seconds = Some(s),
                Err(problem) => problems.push(problem),
            }
        }
        let [health_check_seconds, download_seconds] = timeouts;
        if props
            .volume_size_in_gb
            .is_some_and(|v| !(1..=512).contains(&v))
        {
            problems.push("volumeSizeInGB must be between 1 and 512".to_string());
        }
        if self
            .variants
            .borrow()
            .iter()
            .chain(self.shadows.borrow().iter())
            .any(|v| v.info.name == props.variant_name)
        {
            self.node.add_error(format!(
                "There is already a Production Variant with name '{}'",
                props.variant_name
            ));
            return None;
        }
        problems.extend(name_problem("production variant", &props.variant_name));
        if let Some(a) = &props.accelerator_type
            && !self.compatible
        {
            problems.push(format!(
                "acceleratorType ({a}) is not supported: Amazon Elastic Inference was discontinued and the CloudFormation schema of ProductionVariant no longer has AcceleratorType (use a GPU or Inferentia instance type instead)",
                a = a.as_str()
            ));
        }
        if props.initial_instance_count == Some(0) {
            problems.push("Must have at least one instance".to_string());
        }
        if props.initial_variant_weight.is_some_and(|w| w < 0.0) {
            problems.push("Cannot have negative variant weight".to_string());
        }
        problems.extend(props.model.env().mismatches(
            &ResourceEnv::of_stack(&self.node),
            "model",
            "endpoint configuration",
        ));
        problems.extend(
            props
                .managed_instance_scaling
                .and_then(ManagedInstanceScaling::problem),
        );
        if !problems.is_empty() {
            self.node
                .add_error(format!("Invalid {kind} Props: {}", problems.join("; ")));
            return None;
        }
        let info = VariantInfo {
            name: props.variant_name.clone(),
            initial_variant_weight: props.initial_variant_weight.unwrap_or(1.0),
            initial_instance_count: props.initial_instance_count.unwrap_or(1),
            instance_type: props
                .instance_type
                .clone()
                .unwrap_or_else(|| self.default_instance_type()),
        };
        let mut variant = ProductionVariant::new(info.name.as_str())
            .with_initial_instance_count(info.initial_instance_count)
            // A weight of 0 is valid (shadow traffic off); the CDK turned it into 1.
            .with_initial_variant_weight(info.initial_variant_weight)
            .with_instance_type(self.instance_type_value(&info.instance_type))
            .with_model_name(props.model.model_name());
        variant.container_startup_health_check_timeout_in_seconds =
            health_check_seconds.map(Into::into);
        variant.model_data_download_timeout_in_seconds = download_seconds.map(Into::into);
        set_instance_options(
            &mut variant,
            props.managed_instance_scaling,
            props.routing_strategy,
        );
        variant.volume_size_in_gb = props.volume_size_in_gb.map(Into::into);
        if let Some(a) = &props.accelerator_type {
            self.node.add_warning(format!(
                "Variant '{}' uses Elastic Inference accelerator {}, rendered for compatibility with the AWS CDK: Elastic Inference was discontinued and CloudFormation no longer accepts AcceleratorType, so expect the deployment to fail",
                info.name,
                a.as_str()
            ));
        }
        for target in self.write_targets.iter() {
            target.grant(props.model.grant_principal());
        }
        Some(InstanceVariantEntry {
            info,
            model: Some(props.model),
            variant,
            accelerator_type: props.accelerator_type,
        })
    }

    /// The `InstanceType` value: a type the schema does not list yet is deployed as given,
    /// with a warning, and hidden from the schema's enum check (the schema lags new types).
    fn instance_type_value(&self, instance_type: &InstanceType) -> Str {
        if instance_type.is_known() {
            return Str::from(instance_type.as_str());
        }
        self.node.add_warning(format!(
            "Instance type '{instance_type}' is not among the hosting instance types of the CloudFormation schema sagecdk was built with; it is deployed as given (check its spelling)"
        ));
        let name = instance_type.as_str().to_string();
        Lazy::any(move |_| Some(Value::from(name.as_str()))).to_str()
    }

    /// What a user-given physical name fixes, so that a change cannot replace it: this
    /// configuration's name and its models' (each with the construct path), for endpoints to
    /// check.
    pub(crate) fn fixed_names(&self) -> Vec<(&'static str, String, String)> {
        let mut out = Vec::new();
        if let Some(name) = self
            .cfn
            .props()
            .endpoint_config_name
            .and_then(|n| n.as_literal())
        {
            out.push(("endpoint configuration", name, self.node.path()));
        }
        for entry in self
            .variants
            .borrow()
            .iter()
            .chain(self.shadows.borrow().iter())
        {
            if let Some(ModelRef::Owned(m)) = &entry.model
                && let Some(name) = m
                    .cfn_model()
                    .props()
                    .model_name
                    .and_then(|n| n.as_literal())
            {
                out.push(("model", name, m.node().path()));
            }
        }
        out
    }

    pub(crate) fn variant(&self, name: &str) -> Option<VariantInfo> {
        self.variants
            .borrow()
            .iter()
            .find(|v| v.info.name == name)
            .map(|v| v.info.clone())
    }

    pub(crate) fn shadow_variant(&self, name: &str) -> Option<VariantInfo> {
        self.shadows
            .borrow()
            .iter()
            .find(|v| v.info.name == name)
            .map(|v| v.info.clone())
    }

    /// The serverless variant, if there is one.
    pub(crate) fn serverless_variant(&self) -> Option<ServerlessInfo> {
        self.serverless.borrow().as_ref().map(|pair| pair.0.clone())
    }

    /// `ml.m5.large`; `ml.t2.medium` with CDK-compatible defaults.
    fn default_instance_type(&self) -> InstanceType {
        if self.compatible {
            InstanceType::T2_MEDIUM
        } else {
            InstanceType::M5_LARGE
        }
    }

    pub(crate) fn variant_names(&self) -> Vec<String> {
        self.variants
            .borrow()
            .iter()
            .map(|v| v.info.name.clone())
            .collect()
    }

    /// The resource (the escape hatch for overrides and resource options).
    pub fn resource(&self) -> &CfnResource {
        self.cfn.resource()
    }

    /// The typed `AWS::SageMaker::EndpointConfig`, whose props can be read and changed until
    /// synthesis. The production variants are the configuration's: adding a variant rewrites
    /// `ProductionVariants`.
    pub fn cfn_endpoint_config(&self) -> &CfnEndpointConfig {
        &self.cfn
    }

    /// The configuration's name (`Fn::GetAtt EndpointConfigName`).
    pub fn endpoint_config_name(&self) -> Str {
        self.cfn.attr_endpoint_config_name()
    }

    /// The configuration's ARN (`Ref`).
    pub fn endpoint_config_arn(&self) -> Str {
        self.cfn.reference()
    }
}

//! `Model`: one container (`PrimaryContainer`) or an inference pipeline (`Containers`).

use crate::cdk_compatible;
use crate::container_image::ContainerImage;
use crate::model_data::{BoundModelData, ModelData};
use sagecdk_aws::ec2::{Connectable, Connections, SecurityGroup, SecurityGroupProps, Vpc};
use sagecdk_aws::iam::{
    Grantable, PolicyStatement, Principal, Role, RoleProps, RoleRef, aws_managed_policy_arn,
};
use sagecdk_cfn::sagemaker::model::{
    ContainerDefinition as CfnContainerDefinition, InferenceExecutionConfig, MultiModelConfig,
    VpcConfig,
};
use sagecdk_cfn::sagemaker::{CfnModel, CfnModelProps};
use sagecdk_core::error::{abbreviate, too_long};
use sagecdk_core::{
    ArnComponents, Aspect, Aspects, CfnResource, Construct, IndexMap, Scope, Stack, Str, Tokenized,
    Value,
};
use std::cell::RefCell;
use std::rc::Rc;

/// The most containers an inference pipeline may have.
pub const MAX_CONTAINERS: usize = 15;

/// One container of a model: the image and model data as sources to bind (assets are created
/// and read grants made when the model takes the container), rendered into the CloudFormation
/// `ContainerDefinition` of [`CfnModel`] (`sagecdk_cfn::sagemaker::model::ContainerDefinition`).
#[derive(Clone, Debug)]
pub struct ContainerDefinition {
    /// The image.
    pub image: ContainerImage,
    /// Environment variables.
    pub environment: IndexMap<String, Str>,
    /// Hostname (inference pipelines with direct invocation).
    pub container_hostname: Option<String>,
    /// Model artifacts.
    pub model_data: Option<ModelData>,
    /// One model, or many loaded on demand (a multi-model endpoint).
    pub mode: ContainerMode,
}

/// How a container serves models.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContainerMode {
    /// One model (`SingleModel`, the default).
    #[default]
    SingleModel,
    /// Any of the `.tar.gz` models under an S3 prefix, loaded when first invoked
    /// (`MultiModel`); the model data must be [`ModelData::from_multi_model_prefix`].
    MultiModel {
        /// Keep loaded models in the instance's cache (SageMaker's default); off for models
        /// invoked once each, so that they do not crowd out the others.
        cache_models: bool,
    },
}

/// How the containers of a model with several run (`InferenceExecutionConfig`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InferenceExecutionMode {
    /// Each request goes through every container in order (an inference pipeline, SageMaker's
    /// default).
    Serial,
    /// Each request goes to one container, named by the invocation's `TargetContainerHostname`
    /// (a multi-container endpoint).
    Direct,
}

impl InferenceExecutionMode {
    /// The CloudFormation value.
    pub fn as_str(self) -> &'static str {
        match self {
            InferenceExecutionMode::Serial => "Serial",
            InferenceExecutionMode::Direct => "Direct",
        }
    }
}

impl ContainerDefinition {
    /// A container running `image`.
    pub fn new(image: ContainerImage) -> Self {
        ContainerDefinition {
            image,
            environment: IndexMap::new(),
            container_hostname: None,
            model_data: None,
            mode: ContainerMode::SingleModel,
        }
    }

    /// Serves the models under `models` (a multi-model endpoint), caching them as SageMaker
    /// does by default.
    ///
    /// ```
    /// use sagecdk_aws::s3::Bucket;
    /// use sagecdk_core::{App, Stack, StackProps};
    /// use sagecdk_sagemaker::*;
    /// let app = App::for_tests();
    /// let stack = Stack::new(&app, "S", StackProps::default());
    /// let bucket = Bucket::from_bucket_name(&stack, "Models", "my-models");
    /// let container = ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311"))
    ///     .with_multi_model(ModelData::from_multi_model_prefix(&bucket, "tenants/"));
    /// ```
    pub fn with_multi_model(mut self, models: ModelData) -> Self {
        self.model_data = Some(models);
        self.mode = ContainerMode::MultiModel { cache_models: true };
        self
    }

    /// Sets the model data.
    pub fn with_model_data(mut self, data: ModelData) -> Self {
        self.model_data = Some(data);
        self
    }

    /// Adds an environment variable.
    pub fn with_environment(mut self, key: impl Into<String>, value: impl Into<Str>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }

    /// Sets the container hostname.
    pub fn with_hostname(mut self, hostname: impl Into<String>) -> Self {
        self.container_hostname = Some(hostname.into());
        self
    }
}

/// Options of a [`Model`].
#[derive(Clone, Debug, Default)]
pub struct ModelProps {
    /// Execution role (default: a new role; see the crate docs for its permissions). An
    /// immutable import takes no grants: give it the permissions yourself.
    pub role: Option<RoleRef>,
    /// Physical name (default: generated by CloudFormation).
    pub model_name: Option<String>,
    /// Containers (one, or up to 15 for an inference pipeline).
    pub containers: Vec<ContainerDefinition>,
    /// Run the containers without network access.
    pub network_isolation: bool,
    /// Place the model's containers in a VPC.
    pub vpc: Option<Vpc>,
    /// Security groups (default: one created as `<id>/SecurityGroup`; needs `vpc`).
    pub security_groups: Vec<SecurityGroup>,
    /// Whether a created security group allows all outbound traffic (default true; needs
    /// `vpc` and no `security_groups`).
    pub allow_all_outbound: Option<bool>,
    /// How several containers run: in sequence, or each invoked directly (needs at least two
    /// containers; SageMaker runs them in sequence when unset).
    pub inference_execution_mode: Option<InferenceExecutionMode>,
}

impl ModelProps {
    /// Props with one container.
    pub fn with_container(container: ContainerDefinition) -> Self {
        Self::with_containers(vec![container])
    }

    /// Props of an inference pipeline: the containers in the order they process a request.
    pub fn with_containers(containers: Vec<ContainerDefinition>) -> Self {
        ModelProps {
            containers,
            ..ModelProps::default()
        }
    }
}

/// A SageMaker model: `<id>/Model` is the `AWS::SageMaker::Model`; `<id>/Role` the created
/// execution role.
///
/// ```
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_sagemaker::*;
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let model = Model::new(&stack, "Model", ModelProps::with_container(
///     ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311"))
///         .with_environment("LOG_LEVEL", "info")));
/// assert!(app.assemble().is_ok());
/// ```
#[derive(Clone)]
pub struct Model {
    node: Construct,
    cfn: CfnModel,
    role: RoleRef,
    stack: Stack,
    state: Rc<RefCell<ModelState>>,
    security_groups: Vec<SecurityGroup>,
}

impl Scope for Model {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Model({})", self.node.path())
    }
}

/// Model, endpoint, endpoint configuration and production variant names and container
/// hostnames: `^[a-zA-Z0-9](-*[a-zA-Z0-9])*$`, ≤ 63.
pub(crate) fn name_problem(kind: &str, name: &str) -> Option<String> {
    let valid_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let ok = !name.is_empty()
        && name.len() <= 63
        && valid_chars
        && !name.starts_with('-')
        && !name.ends_with('-');
    (!ok).then(|| {
        format!("Invalid {kind} name '{name}': must match ^[a-zA-Z0-9](-*[a-zA-Z0-9])*$ and be at most 63 characters")
    })
}

/// SageMaker's limits on a container's `Environment` (`ContainerDefinition` of the CreateModel
/// API): at most 100 variables, names matching `[a-zA-Z_][a-zA-Z0-9_]*` and at most 1024
/// characters, values at most 1024 characters.
pub const MAX_ENVIRONMENT_VARIABLES: usize = 100;
const MAX_ENVIRONMENT_KEY: usize = 1024;
const MAX_ENVIRONMENT_VALUE: usize = 1024;

/// What SageMaker would reject in a container's environment variables; values only known at
/// deploy time are not checked.
pub(crate) fn environment_problems(environment: &IndexMap<String, Str>) -> Vec<String> {
    let mut problems = Vec::new();
    if environment.len() > MAX_ENVIRONMENT_VARIABLES {
        problems.push(format!(
            "container environment has {} variables, more than SageMaker's limit of {MAX_ENVIRONMENT_VARIABLES}",
            environment.len()
        ));
    }
    for (name, value) in environment {
        let mut chars = name.chars();
        let well_formed = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if name.is_empty() {
            problems.push("container environment variable name must not be empty".to_string());
        } else if !well_formed {
            problems.push(format!(
                "container environment variable name '{}' must match [a-zA-Z_][a-zA-Z0-9_]*",
                abbreviate(name)
            ));
        } else if let Some(problem) = too_long(
            format_args!("container environment variable name '{}'", abbreviate(name)),
            name,
            MAX_ENVIRONMENT_KEY,
            "SageMaker's",
        ) {
            problems.push(problem);
        }
        if let Some(value) = value.as_literal() {
            problems.extend(too_long(
                format_args!(
                    "value of container environment variable '{}'",
                    abbreviate(name)
                ),
                &value,
                MAX_ENVIRONMENT_VALUE,
                "SageMaker's",
            ));
        }
    }
    problems
}

/// Writes the containers into the typed props as literal values (so the schema checks them):
/// one is the `PrimaryContainer`, several are `Containers`.
fn sync_containers(model: &CfnModel, state: &ModelState) {
    let (primary, pipeline) = match state.containers.as_slice() {
        [] => (None, None),
        [one] => (Some(one.clone()), None),
        many => (None, Some(Tokenized::Literal(many.to_vec()))),
    };
    model.update(|p| {
        p.primary_container = primary;
        p.containers = pipeline;
    });
}

/// Makes the model depend on its role's grants policy, once the policy's content is final.
struct WaitForRolePolicy {
    model: CfnResource,
    role: RoleRef,
}

impl Aspect for WaitForRolePolicy {
    fn visit(&self, node: &Construct) {
        if node.is_same(&self.model)
            && let Some(policy) = self.role.grants_policy()
        {
            self.model.node().add_dependency(&policy);
        }
    }
}

struct ModelState {
    containers: Vec<CfnContainerDefinition>,
    hostnames: Vec<Option<String>>,
}

/// Binds one container: image and model data (creating assets in the model's scope and adding
/// grants to the role) and returns its `ContainerDefinition` property.
fn render_container(
    node: &Construct,
    stack: &Stack,
    role: &RoleRef,
    def: &ContainerDefinition,
) -> CfnContainerDefinition {
    let grantee: &dyn Grantable = role;
    if let Some(package) = def.image.bind_model_package(node, stack, Some(grantee)) {
        if def.model_data.is_some() {
            node.add_error(
                "a container running a model package takes its model data from the package: leave `model_data` out",
            );
        }
        return CfnContainerDefinition::new().with_model_package_name(package);
    }
    let image = def.image.bind(node, stack, Some(grantee));
    let data = def.model_data.as_ref().map(|d| {
        d.bind(node, Some(grantee), |bucket_name| {
            bucket_arn(stack, bucket_name)
        })
    });
    let mut container = CfnContainerDefinition::new().with_image(image);
    if let Some(h) = &def.container_hostname {
        match name_problem("container host", h) {
            // Reported once, in our words; the schema would repeat it.
            Some(problem) => node.add_error(problem),
            None => container.container_hostname = Some(h.as_str().into()),
        }
    }
    for problem in environment_problems(&def.environment) {
        node.add_error(problem);
    }
    if !def.environment.is_empty() {
        // The schema types `Environment` as free-form JSON; the variables keep their order.
        container.environment = Some(Value::Object(
            def.environment
                .iter()
                .map(|(k, v)| (k.clone(), v.to_value()))
                .collect(),
        ));
    }
    let multi_model_data = def
        .model_data
        .as_ref()
        .is_some_and(ModelData::is_multi_model_prefix);
    match (def.mode, multi_model_data) {
        (ContainerMode::MultiModel { cache_models }, true) => {
            container.mode = Some("MultiModel".into());
            container.multi_model_config = Some(MultiModelConfig::new().with_model_cache_setting(
                if cache_models { "Enabled" } else { "Disabled" },
            ));
        }
        (ContainerMode::MultiModel { .. }, false) => node.add_error(
            "a multi-model container serves the .tar.gz models under an S3 prefix: give it `ModelData::from_multi_model_prefix` (with `with_multi_model`)",
        ),
        (ContainerMode::SingleModel, true) => node.add_error(
            "`ModelData::from_multi_model_prefix` holds many models: serve it from a multi-model container (`ContainerDefinition::with_multi_model`)",
        ),
        (ContainerMode::SingleModel, false) => {}
    }
    match data {
        Some(BoundModelData::Source(source)) => container.model_data_source = Some(source),
        Some(BoundModelData::Url(url)) => container.model_data_url = Some(url),
        None => {}
    }
    container
}

/// A new execution role `<scope>/Role` that SageMaker assumes: with least privilege (logs and
/// metrics; what else the role needs is granted as it is used), or the AWS CDK's
/// `AmazonSageMakerFullAccess` under its compatible defaults.
pub(crate) fn execution_role(scope: &Construct, compatible: bool) -> RoleRef {
    let mut role_props = RoleProps::new(Principal::service("sagemaker.amazonaws.com"));
    if compatible {
        role_props =
            role_props.with_managed_policy(aws_managed_policy_arn("AmazonSageMakerFullAccess"));
    }
    let role = Role::new(scope, "Role", role_props);
    if !compatible {
        // Least privilege (CreateModel execution role permissions): logs and metrics; image
        // pulls and model data reads are added per container.
        role.add_to_policy(
            PolicyStatement::allow()
                .actions([
                    "cloudwatch:PutMetricData",
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                ])
                .resource("*"),
        );
    }
    RoleRef::Owned(role)
}

/// Checks the network options (of a model, or of a configuration hosting inference
/// components) and returns the security groups: none outside a VPC, the given ones, or one
/// created as `<scope>/SecurityGroup`.
pub(crate) fn configure_networking(
    node: &Construct,
    vpc: Option<&Vpc>,
    security_groups: &[SecurityGroup],
    allow_all_outbound: Option<bool>,
) -> Vec<SecurityGroup> {
    if vpc.is_none() && (!security_groups.is_empty() || allow_all_outbound.is_some()) {
        node.add_error(
            "Cannot configure 'securityGroups' or 'allowAllOutbound' without configuring a VPC",
        );
    }
    if !security_groups.is_empty() && allow_all_outbound.is_some() {
        node.add_error("Configure 'allowAllOutbound' directly on the supplied SecurityGroups");
    }
    match vpc {
        None => Vec::new(),
        Some(_) if !security_groups.is_empty() => security_groups.to_vec(),
        Some(vpc) => vec![SecurityGroup::new(
            node,
            "SecurityGroup",
            SecurityGroupProps {
                allow_all_outbound: allow_all_outbound.unwrap_or(true),
                ..SecurityGroupProps::new(vpc)
            },
        )],
    }
}

/// Grants `role` what SageMaker needs to place network interfaces in a VPC (CreateModel
/// execution role permissions; not under the AWS CDK's compatible defaults, whose role has
/// `AmazonSageMakerFullAccess`) and returns the security group ids.
pub(crate) fn vpc_access(
    role: &RoleRef,
    compatible: bool,
    security_groups: &[SecurityGroup],
) -> Vec<Str> {
    if !compatible {
        role.add_to_principal_policy(
            PolicyStatement::allow()
                .actions([
                    "ec2:CreateNetworkInterface",
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                ])
                .resource("*"),
        );
    }
    security_groups
        .iter()
        .map(SecurityGroup::security_group_id)
        .collect()
}

/// The ARN of an S3 bucket named `bucket_name` (partition-aware).
pub(crate) fn bucket_arn(stack: &Stack, bucket_name: Str) -> Str {
    stack.format_arn(
        ArnComponents::new("s3", "")
            .with_region("")
            .with_account("")
            .with_separator("")
            .with_resource_name(bucket_name),
    )
}

/// Makes `resource` wait for `role`'s grants policy, once the policy's content is final: the
/// resource's creation uses what the policy grants.
pub(crate) fn wait_for_role_policy(resource: &CfnResource, role: &RoleRef) {
    Aspects::of(resource).add(WaitForRolePolicy {
        model: resource.clone(),
        role: role.clone(),
    });
}

impl Model {
    /// Creates a model.
    pub fn new(scope: &impl Scope, id: &str, props: ModelProps) -> Model {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.Model");
        let stack = match Stack::of(&node) {
            Some(s) => s,
            None => {
                node.add_error("A Model must be defined within a Stack");
                // Keep going with a throwaway stack so construction never panics.
                Stack::new(&node, "Detached", sagecdk_core::StackProps::default())
            }
        };
        let compatible = cdk_compatible(&node);
        // Networking before the role, as in the CDK: construct order is template order, so
        // the security group comes before the role and its policy.
        let security_groups = configure_networking(
            &node,
            props.vpc.as_ref(),
            &props.security_groups,
            props.allow_all_outbound,
        );
        let role = match props.role.clone() {
            Some(r) => r,
            None => execution_role(&node, compatible),
        };
        let vpc_config = props.vpc.as_ref().map(|vpc| {
            VpcConfig::new(
                vpc_access(&role, compatible, &security_groups),
                vpc.subnet_ids.clone(),
            )
        });
        let state = Rc::new(RefCell::new(ModelState {
            containers: Vec::with_capacity(props.containers.len()),
            hostnames: Vec::with_capacity(props.containers.len()),
        }));
        for def in &props.containers {
            let rendered = render_container(&node, &stack, &role, def);
            let mut s = state.borrow_mut();
            s.containers.push(rendered);
            s.hostnames.push(def.container_hostname.clone());
        }

        let mut cfn_props = CfnModelProps::new().with_execution_role_arn(role.role_arn());
        if props.network_isolation {
            cfn_props = cfn_props.with_enable_network_isolation(true);
        }
        if let Some(name) = &props.model_name {
            match name_problem("model", name) {
                // Reported once, in our words; the schema would repeat it.
                Some(problem) => node.add_error(problem),
                None => cfn_props = cfn_props.with_model_name(name.as_str()),
            }
        }
        if let Some(vpc_config) = vpc_config {
            cfn_props = cfn_props.with_vpc_config(vpc_config);
        }
        let execution_mode = props.inference_execution_mode;
        if let Some(mode) = execution_mode {
            cfn_props.inference_execution_config =
                Some(InferenceExecutionConfig::new(mode.as_str()));
        }
        let cfn = CfnModel::new(&node, "Model", cfn_props);
        sync_containers(&cfn, &state.borrow());
        let resource = cfn.resource();
        let view = state.clone();
        node.add_validation(move |_| {
            let s = view.borrow();
            let mut problems = Vec::new();
            if s.containers.is_empty() {
                problems.push("Must configure at least 1 container for model".to_string());
            }
            if s.containers.len() > MAX_CONTAINERS {
                problems.push(format!(
                    "Cannot have more than {MAX_CONTAINERS} containers in inference pipeline"
                ));
            }
            let named = s.hostnames.iter().filter(|h| h.is_some()).count();
            if named > 0 && named < s.hostnames.len() {
                problems.push(
                    "Container hostnames must be set on all containers or on none".to_string(),
                );
            }
            if let Some(mode) = execution_mode
                && s.containers.len() < 2
            {
                problems.push(format!(
                    "inferenceExecutionMode {} applies to a model of at least 2 containers, found {}",
                    mode.as_str(),
                    s.containers.len()
                ));
            }
            if s.containers.len() > 1 && s.containers.iter().any(|c| c.mode.is_some()) {
                problems.push(format!(
                    "a multi-model container must be its model's only container, found {} containers",
                    s.containers.len()
                ));
            }
            problems
        });
        // The model must wait for its role's permissions (SageMaker checks access to the image
        // and data when it creates the model). The CDK depends on the whole role, which the
        // ExecutionRoleArn reference already implies; sagecdk depends only on the policy.
        // The policy may appear only later (grants through `add_container`, `add_to_role_policy`
        // or `grant_principal`), so the dependency is decided just before synthesis.
        if compatible {
            resource.node().add_dependency(&role);
        } else {
            wait_for_role_policy(resource, &role);
        }
        Model {
            node,
            cfn,
            role,
            stack,
            state,
            security_groups,
        }
    }

    /// Adds a container (an inference pipeline has several).
    pub fn add_container(&self, container: ContainerDefinition) {
        let rendered = render_container(&self.node, &self.stack, &self.role, &container);
        let mut s = self.state.borrow_mut();
        s.containers.push(rendered);
        s.hostnames.push(container.container_hostname);
        sync_containers(&self.cfn, &s);
    }

    /// Adds a statement to the execution role's policy.
    pub fn add_to_role_policy(&self, statement: PolicyStatement) {
        self.role.add_to_principal_policy(statement);
    }

    /// The execution role.
    pub fn role(&self) -> &RoleRef {
        &self.role
    }

    /// Network access of the model's containers through its security groups. A model outside a
    /// VPC has none: that is an error at the model's path (reported at synthesis), and the
    /// connections returned hold no group, so rules added to them go nowhere.
    ///
    /// ```
    /// use sagecdk_aws::ec2::{Peer, Port, Vpc};
    /// use sagecdk_core::{App, Stack, StackProps};
    /// use sagecdk_sagemaker::{ContainerDefinition, ContainerImage, Model, ModelProps};
    /// let app = App::for_tests();
    /// let stack = Stack::new(&app, "S", StackProps::default());
    /// let image = ContainerImage::from_dlc_in_account("pytorch-inference", "2.3.0-cpu-py311", "763104351884");
    /// let model = Model::new(&stack, "Model", ModelProps {
    ///     vpc: Some(Vpc::from_attributes("vpc-1", vec!["subnet-1".into()])),
    ///     allow_all_outbound: Some(false),
    ///     ..ModelProps::with_container(ContainerDefinition::new(image))
    /// });
    /// model.connections().allow_to(&Peer::ipv4("10.0.0.0/16"), Port::tcp(443));
    /// ```
    pub fn connections(&self) -> Connections {
        if self.security_groups.is_empty() {
            self.node
                .add_error("Cannot manage network access without configuring a VPC");
        }
        Connections::new(self.security_groups.clone())
    }

    /// What permissions are granted to.
    pub fn grant_principal(&self) -> &dyn Grantable {
        &self.role
    }

    /// The `AWS::SageMaker::Model` resource (the escape hatch for overrides and resource
    /// options).
    pub fn resource(&self) -> &CfnResource {
        self.cfn.resource()
    }

    /// The typed `AWS::SageMaker::Model`, whose props can be read and changed until synthesis.
    /// The containers are the model's: [`add_container`](Self::add_container) rewrites
    /// `PrimaryContainer` and `Containers`.
    pub fn cfn_model(&self) -> &CfnModel {
        &self.cfn
    }

    /// The model's name (`Fn::GetAtt ModelName`).
    pub fn model_name(&self) -> Str {
        self.cfn.attr_model_name()
    }

    /// The model's ARN (`Ref`).
    pub fn model_arn(&self) -> Str {
        self.cfn.reference()
    }

    /// The stack the model belongs to.
    pub fn stack(&self) -> &Stack {
        &self.stack
    }
}

impl Model {
    /// A model running the newest *Approved* package of the model-registry group `group`
    /// (see [`ContainerImage::from_model_package_group`]).
    pub fn from_model_package_group(
        scope: &impl Scope,
        id: &str,
        group: impl Into<String>,
    ) -> Model {
        Model::new(
            scope,
            id,
            ModelProps::with_container(ContainerDefinition::new(
                ContainerImage::from_model_package_group(group),
            )),
        )
    }
}

impl Connectable for Model {
    /// The model's groups (none outside a VPC: rules then have nothing to apply to).
    fn connections(&self) -> Connections {
        Connections::new(self.security_groups.clone())
    }
}

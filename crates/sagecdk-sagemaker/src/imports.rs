//! Models, endpoint configurations and endpoints defined outside the app (by name, ARN or
//! attributes), and the references ([`ModelRef`], [`EndpointConfigRef`]) through which
//! variants and endpoints accept either kind.

use crate::{Endpoint, EndpointConfig, Model};
use sagecdk_aws::ec2::{Connections, SecurityGroup};
use sagecdk_aws::iam::{Grant, Grantable, PolicyStatement, RoleRef, UnknownPrincipal};
use sagecdk_core::{ArnComponents, Construct, Scope, Stack, Str, fns};

/// Account and region a resource lives in, where they are known literally; `None` parts are
/// not compared (the CDK's `sameEnv` treats unresolved values the same way).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ResourceEnv {
    pub(crate) account: Option<String>,
    pub(crate) region: Option<String>,
}

impl ResourceEnv {
    pub(crate) fn of_stack(node: &Construct) -> ResourceEnv {
        Stack::of(node).map_or_else(ResourceEnv::default, |s| ResourceEnv {
            account: s.literal_account(),
            region: s.literal_region(),
        })
    }

    /// Problems using a resource in `self` from a `user` in `env` (`kind` names both).
    pub(crate) fn mismatches(&self, env: &ResourceEnv, what: &str, user: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if let (Some(a), Some(b)) = (&self.account, &env.account)
            && a != b
        {
            problems.push(format!(
                "Cannot use {what} in account {a} for {user} in account {b}"
            ));
        }
        if let (Some(a), Some(b)) = (&self.region, &env.region)
            && a != b
        {
            problems.push(format!(
                "Cannot use {what} in region {a} for {user} in region {b}"
            ));
        }
        problems
    }
}

/// What imports of every kind share: the construct, the ARN, the name and where it lives.
#[derive(Clone, Debug)]
struct Imported {
    node: Construct,
    arn: Str,
    name: Str,
    env: ResourceEnv,
}

impl Imported {
    fn from_name(scope: &impl Scope, id: &str, resource: &str, name: &str) -> Imported {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.Imported");
        if let Some(p) = crate::model::name_problem(resource, name) {
            node.add_error(p);
        }
        let arn = match Stack::of(&node) {
            Some(stack) => stack.format_arn(
                ArnComponents::new("sagemaker", resource.replace(' ', "-"))
                    .with_resource_name(name),
            ),
            None => {
                node.add_error("Imports must be defined within a Stack");
                Str::failed()
            }
        };
        Imported {
            env: ResourceEnv::of_stack(&node),
            node,
            arn,
            name: Str::from(name),
        }
    }

    /// Name, account and region come from the ARN, as the CDK's `environmentFromArn`.
    fn from_arn(scope: &impl Scope, id: &str, arn: impl Into<Str>) -> Imported {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.Imported");
        let arn = arn.into();
        // arn:partition:sagemaker:region:account:<resource>/<name>
        let (name, env) = match arn.as_literal() {
            Some(lit) => {
                let parts: Vec<&str> = lit.splitn(6, ':').collect();
                match parts.get(5).and_then(|r| r.split_once('/')) {
                    Some((_, name)) if parts[0] == "arn" => {
                        let known = |s: &str| (!s.is_empty()).then(|| s.to_string());
                        (
                            Str::from(name),
                            ResourceEnv {
                                account: known(parts[4]),
                                region: known(parts[3]),
                            },
                        )
                    }
                    _ => {
                        node.add_error(format!("'{lit}' is not a SageMaker resource ARN (expected arn:…:sagemaker:…:<type>/<name>)"));
                        (Str::failed(), ResourceEnv::default())
                    }
                }
            }
            None => (
                fns::select(
                    1,
                    fns::split("/", fns::select(5, fns::split(":", arn.clone()))),
                ),
                ResourceEnv::default(),
            ),
        };
        Imported {
            node,
            arn,
            name,
            env,
        }
    }
}

/// A model defined outside the app: serve it from endpoint configurations, grant to its role.
#[derive(Clone, Debug)]
pub struct ImportedModel {
    imported: Imported,
    role: Option<RoleRef>,
    unknown: UnknownPrincipal,
    security_groups: Vec<SecurityGroup>,
}

/// What is known about a model defined elsewhere ([`Model::from_model_attributes`]).
#[derive(Clone, Debug)]
pub struct ModelAttributes {
    /// The model's ARN.
    pub model_arn: Str,
    /// Its execution role, to grant permissions to.
    pub role: Option<RoleRef>,
    /// Its security groups, to manage network access through [`ImportedModel::connections`].
    pub security_groups: Vec<SecurityGroup>,
}

impl ModelAttributes {
    /// Attributes with only the ARN.
    pub fn new(model_arn: impl Into<Str>) -> Self {
        ModelAttributes {
            model_arn: model_arn.into(),
            role: None,
            security_groups: Vec::new(),
        }
    }
}

impl Scope for ImportedModel {
    fn node(&self) -> &Construct {
        &self.imported.node
    }
}

impl ImportedModel {
    fn new(imported: Imported, role: Option<RoleRef>, groups: Vec<SecurityGroup>) -> Self {
        ImportedModel {
            unknown: UnknownPrincipal::new(&imported.node),
            imported,
            role,
            security_groups: groups,
        }
    }

    /// The model's ARN.
    pub fn model_arn(&self) -> Str {
        self.imported.arn.clone()
    }

    /// The model's name (from the ARN).
    pub fn model_name(&self) -> Str {
        self.imported.name.clone()
    }

    /// The execution role, if it was given.
    pub fn role(&self) -> Option<&RoleRef> {
        self.role.as_ref()
    }

    /// What permissions are granted to: the role, or nothing (grants dropped with a warning).
    pub fn grant_principal(&self) -> &dyn Grantable {
        match &self.role {
            Some(r) => r,
            None => &self.unknown,
        }
    }

    /// Adds a statement to the role's policy (dropped with a warning without a role).
    pub fn add_to_role_policy(&self, statement: PolicyStatement) {
        self.grant_principal().add_to_principal_policy(statement);
    }

    /// Network access through the model's security groups. Without any (none were given),
    /// that is an error at the import's path (reported at synthesis), and the connections
    /// returned hold no group.
    pub fn connections(&self) -> Connections {
        if self.security_groups.is_empty() {
            self.imported
                .node
                .add_error("Cannot manage network access without configuring a VPC");
        }
        Connections::new(self.security_groups.clone())
    }
}

/// An endpoint configuration defined outside the app; endpoints can deploy it, but its
/// variants are unknown (no variant lookup or autoscaling).
#[derive(Clone, Debug)]
pub struct ImportedEndpointConfig {
    imported: Imported,
}

impl Scope for ImportedEndpointConfig {
    fn node(&self) -> &Construct {
        &self.imported.node
    }
}

impl ImportedEndpointConfig {
    /// The configuration's ARN.
    pub fn endpoint_config_arn(&self) -> Str {
        self.imported.arn.clone()
    }

    /// The configuration's name (from the ARN).
    pub fn endpoint_config_name(&self) -> Str {
        self.imported.name.clone()
    }
}

/// What is known about an endpoint defined elsewhere ([`Endpoint::from_endpoint_attributes`]),
/// as the CDK's `EndpointAttributes`.
#[derive(Clone, Debug)]
pub struct EndpointAttributes {
    /// The endpoint's ARN.
    pub endpoint_arn: Str,
}

impl EndpointAttributes {
    /// Attributes with the ARN.
    pub fn new(endpoint_arn: impl Into<Str>) -> Self {
        EndpointAttributes {
            endpoint_arn: endpoint_arn.into(),
        }
    }
}

/// An endpoint defined outside the app.
#[derive(Clone, Debug)]
pub struct ImportedEndpoint {
    imported: Imported,
}

impl Scope for ImportedEndpoint {
    fn node(&self) -> &Construct {
        &self.imported.node
    }
}

impl ImportedEndpoint {
    /// The endpoint's ARN.
    pub fn endpoint_arn(&self) -> Str {
        self.imported.arn.clone()
    }

    /// The endpoint's name (from the ARN).
    pub fn endpoint_name(&self) -> Str {
        self.imported.name.clone()
    }

    /// Allows invoking the endpoint.
    pub fn grant_invoke(&self, grantee: &dyn Grantable) -> bool {
        Grant::add_to_principal(grantee, ["sagemaker:InvokeEndpoint"], [self.endpoint_arn()])
    }
}

/// A model a production variant serves: defined in the app or imported.
#[derive(Clone, Debug)]
pub enum ModelRef {
    /// A model of this app.
    Owned(Model),
    /// A model defined elsewhere.
    Imported(ImportedModel),
}

impl ModelRef {
    /// The model's name.
    pub fn model_name(&self) -> Str {
        match self {
            ModelRef::Owned(m) => m.model_name(),
            ModelRef::Imported(m) => m.model_name(),
        }
    }

    /// The model's ARN.
    pub fn model_arn(&self) -> Str {
        match self {
            ModelRef::Owned(m) => m.model_arn(),
            ModelRef::Imported(m) => m.model_arn(),
        }
    }

    /// What permissions for the model are granted to: its role (an imported model without
    /// its role drops grants with a warning).
    pub fn grant_principal(&self) -> &dyn Grantable {
        match self {
            ModelRef::Owned(m) => m.grant_principal(),
            ModelRef::Imported(m) => m.grant_principal(),
        }
    }

    pub(crate) fn env(&self) -> ResourceEnv {
        match self {
            ModelRef::Owned(m) => ResourceEnv::of_stack(m.node()),
            ModelRef::Imported(m) => m.imported.env.clone(),
        }
    }
}

impl From<Model> for ModelRef {
    fn from(m: Model) -> Self {
        ModelRef::Owned(m)
    }
}

impl From<&Model> for ModelRef {
    fn from(m: &Model) -> Self {
        ModelRef::Owned(m.clone())
    }
}

impl From<ImportedModel> for ModelRef {
    fn from(m: ImportedModel) -> Self {
        ModelRef::Imported(m)
    }
}

impl From<&ImportedModel> for ModelRef {
    fn from(m: &ImportedModel) -> Self {
        ModelRef::Imported(m.clone())
    }
}

/// The configuration an endpoint deploys: defined in the app or imported.
#[derive(Clone, Debug)]
pub enum EndpointConfigRef {
    /// A configuration of this app (its variants are known).
    Owned(EndpointConfig),
    /// A configuration defined elsewhere.
    Imported(ImportedEndpointConfig),
}

impl EndpointConfigRef {
    /// The configuration's name.
    pub fn endpoint_config_name(&self) -> Str {
        match self {
            EndpointConfigRef::Owned(c) => c.endpoint_config_name(),
            EndpointConfigRef::Imported(c) => c.endpoint_config_name(),
        }
    }

    pub(crate) fn env(&self) -> ResourceEnv {
        match self {
            EndpointConfigRef::Owned(c) => ResourceEnv::of_stack(c.node()),
            EndpointConfigRef::Imported(c) => c.imported.env.clone(),
        }
    }
}

impl From<EndpointConfig> for EndpointConfigRef {
    fn from(c: EndpointConfig) -> Self {
        EndpointConfigRef::Owned(c)
    }
}

impl From<&EndpointConfig> for EndpointConfigRef {
    fn from(c: &EndpointConfig) -> Self {
        EndpointConfigRef::Owned(c.clone())
    }
}

impl From<ImportedEndpointConfig> for EndpointConfigRef {
    fn from(c: ImportedEndpointConfig) -> Self {
        EndpointConfigRef::Imported(c)
    }
}

impl From<&ImportedEndpointConfig> for EndpointConfigRef {
    fn from(c: &ImportedEndpointConfig) -> Self {
        EndpointConfigRef::Imported(c.clone())
    }
}

impl Model {
    /// An existing model by name (ARN in this stack's account and region).
    pub fn from_model_name(scope: &impl Scope, id: &str, name: &str) -> ImportedModel {
        ImportedModel::new(Imported::from_name(scope, id, "model", name), None, vec![])
    }

    /// An existing model by ARN (its account and region are taken from the ARN).
    pub fn from_model_arn(scope: &impl Scope, id: &str, arn: impl Into<Str>) -> ImportedModel {
        ImportedModel::new(Imported::from_arn(scope, id, arn), None, vec![])
    }

    /// An existing model with its role and security groups, so grants and network rules can
    /// be added to them.
    pub fn from_model_attributes(
        scope: &impl Scope,
        id: &str,
        attributes: ModelAttributes,
    ) -> ImportedModel {
        ImportedModel::new(
            Imported::from_arn(scope, id, attributes.model_arn),
            attributes.role,
            attributes.security_groups,
        )
    }
}

impl EndpointConfig {
    /// An existing endpoint configuration by name.
    pub fn from_endpoint_config_name(
        scope: &impl Scope,
        id: &str,
        name: &str,
    ) -> ImportedEndpointConfig {
        ImportedEndpointConfig {
            imported: Imported::from_name(scope, id, "endpoint config", name),
        }
    }

    /// An existing endpoint configuration by ARN.
    pub fn from_endpoint_config_arn(
        scope: &impl Scope,
        id: &str,
        arn: impl Into<Str>,
    ) -> ImportedEndpointConfig {
        ImportedEndpointConfig {
            imported: Imported::from_arn(scope, id, arn),
        }
    }
}

impl Endpoint {
    /// An existing endpoint by name.
    pub fn from_endpoint_name(scope: &impl Scope, id: &str, name: &str) -> ImportedEndpoint {
        ImportedEndpoint {
            imported: Imported::from_name(scope, id, "endpoint", name),
        }
    }

    /// An existing endpoint by ARN.
    pub fn from_endpoint_arn(
        scope: &impl Scope,
        id: &str,
        arn: impl Into<Str>,
    ) -> ImportedEndpoint {
        ImportedEndpoint {
            imported: Imported::from_arn(scope, id, arn),
        }
    }

    /// An existing endpoint from its attributes (the ARN; name, account and region come from
    /// it).
    pub fn from_endpoint_attributes(
        scope: &impl Scope,
        id: &str,
        attributes: EndpointAttributes,
    ) -> ImportedEndpoint {
        Self::from_endpoint_arn(scope, id, attributes.endpoint_arn)
    }
}

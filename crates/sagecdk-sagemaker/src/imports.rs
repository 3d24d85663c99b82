//! Models, endpoint configurations and endpoints defined outside the app, by name or ARN.

use sagecdk_aws::iam::{Grant, Grantable};
use sagecdk_core::{ArnComponents, Construct, Scope, Stack, Str};

/// A SageMaker resource defined elsewhere.
#[derive(Clone, Debug)]
pub struct ImportedResource {
    node: Construct,
    arn: Str,
    name: Str,
}

impl Scope for ImportedResource {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl ImportedResource {
    fn from_name(scope: &impl Scope, id: &str, resource: &str, name: &str) -> ImportedResource {
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
                Str::default()
            }
        };
        ImportedResource {
            node,
            arn,
            name: Str::from(name),
        }
    }

    fn from_arn(scope: &impl Scope, id: &str, arn: impl Into<Str>) -> ImportedResource {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.Imported");
        let arn = arn.into();
        // arn:partition:sagemaker:region:account:<resource>/<name>
        let name = match arn.as_literal() {
            Some(lit) => match lit.splitn(6, ':').nth(5).and_then(|r| r.split_once('/')) {
                Some((_, name)) => Str::from(name),
                None => {
                    node.add_error(format!("'{lit}' is not a SageMaker resource ARN (expected arn:…:sagemaker:…:<type>/<name>)"));
                    Str::default()
                }
            },
            None => sagecdk_core::fns::select(
                1,
                sagecdk_core::fns::split(
                    "/",
                    sagecdk_core::fns::select(5, sagecdk_core::fns::split(":", arn.clone())),
                ),
            ),
        };
        ImportedResource { node, arn, name }
    }

    /// The ARN.
    pub fn arn(&self) -> Str {
        self.arn.clone()
    }

    /// The name.
    pub fn name(&self) -> Str {
        self.name.clone()
    }

    /// Allows invoking an imported endpoint.
    pub fn grant_invoke(&self, grantee: &dyn Grantable) -> bool {
        Grant::add_to_principal(grantee, ["sagemaker:InvokeEndpoint"], [self.arn()])
    }
}

impl crate::Model {
    /// An existing model by name (ARN in this stack's account and region).
    pub fn from_model_name(scope: &impl Scope, id: &str, name: &str) -> ImportedResource {
        ImportedResource::from_name(scope, id, "model", name)
    }

    /// An existing model by ARN.
    pub fn from_model_arn(scope: &impl Scope, id: &str, arn: impl Into<Str>) -> ImportedResource {
        ImportedResource::from_arn(scope, id, arn)
    }
}

impl crate::EndpointConfig {
    /// An existing endpoint configuration by name.
    pub fn from_endpoint_config_name(scope: &impl Scope, id: &str, name: &str) -> ImportedResource {
        ImportedResource::from_name(scope, id, "endpoint config", name)
    }

    /// An existing endpoint configuration by ARN.
    pub fn from_endpoint_config_arn(
        scope: &impl Scope,
        id: &str,
        arn: impl Into<Str>,
    ) -> ImportedResource {
        ImportedResource::from_arn(scope, id, arn)
    }
}

impl crate::Endpoint {
    /// An existing endpoint by name.
    pub fn from_endpoint_name(scope: &impl Scope, id: &str, name: &str) -> ImportedResource {
        ImportedResource::from_name(scope, id, "endpoint", name)
    }

    /// An existing endpoint by ARN.
    pub fn from_endpoint_arn(
        scope: &impl Scope,
        id: &str,
        arn: impl Into<Str>,
    ) -> ImportedResource {
        ImportedResource::from_arn(scope, id, arn)
    }
}

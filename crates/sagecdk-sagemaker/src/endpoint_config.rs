//! `EndpointConfig`: production variants (instances, weights) for an endpoint.

use crate::model::{Model, name_problem};
use crate::{AcceleratorType, InstanceType, cdk_compatible};
use sagecdk_core::{CfnResource, Construct, IndexMap, Lazy, Scope, Str, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// The most production variants an endpoint configuration may have.
pub const MAX_VARIANTS: usize = 10;

/// An instance-backed production variant.
#[derive(Clone, Debug)]
pub struct InstanceProductionVariantProps {
    /// The model served.
    pub model: Model,
    /// The variant's name.
    pub variant_name: String,
    /// Traffic weight relative to the other variants (default 1; 0 is allowed).
    pub initial_variant_weight: Option<f64>,
    /// Number of instances (default 1).
    pub initial_instance_count: Option<u32>,
    /// Instance type (default `ml.m5.large`; `ml.t2.medium` with CDK-compatible defaults).
    pub instance_type: Option<InstanceType>,
    /// Elastic Inference accelerator.
    pub accelerator_type: Option<AcceleratorType>,
}

impl InstanceProductionVariantProps {
    /// A variant serving `model`.
    pub fn new(model: &Model, variant_name: impl Into<String>) -> Self {
        InstanceProductionVariantProps {
            model: model.clone(),
            variant_name: variant_name.into(),
            initial_variant_weight: None,
            initial_instance_count: None,
            instance_type: None,
            accelerator_type: None,
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
    /// KMS key ARN for the storage volume.
    pub kms_key_arn: Option<Str>,
}

/// A resolved variant, as endpoints and autoscaling see it.
#[derive(Clone, Debug)]
pub(crate) struct VariantInfo {
    pub(crate) name: String,
    pub(crate) initial_instance_count: u32,
    pub(crate) instance_type: InstanceType,
}

/// A SageMaker endpoint configuration: `<id>/EndpointConfig` is the resource.
#[derive(Clone, Debug)]
pub struct EndpointConfig {
    node: Construct,
    resource: CfnResource,
    variants: Rc<RefCell<Vec<(VariantInfo, Value)>>>,
    default_instance_type: InstanceType,
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
        let default_instance_type = if cdk_compatible(&node) {
            InstanceType::T2_MEDIUM
        } else {
            InstanceType::M5_LARGE
        };
        let resource = CfnResource::with_fqn(
            &node,
            "EndpointConfig",
            "AWS::SageMaker::EndpointConfig",
            "sagecdk.aws_sagemaker.CfnEndpointConfig",
        );
        if let Some(name) = &props.endpoint_config_name {
            if let Some(p) = name_problem("endpoint configuration", name) {
                node.add_error(p);
            }
            resource.set_property("EndpointConfigName", name.as_str());
        }
        if let Some(key) = &props.kms_key_arn {
            resource.set_property("KmsKeyId", key.clone());
        }
        let variants: Rc<RefCell<Vec<(VariantInfo, Value)>>> = Rc::new(RefCell::new(Vec::new()));
        let view = variants.clone();
        resource.set_property(
            "ProductionVariants",
            Lazy::any(move |_| {
                Some(Value::Array(
                    view.borrow().iter().map(|(_, v)| v.clone()).collect(),
                ))
            }),
        );
        let view = variants.clone();
        node.add_validation(move |_| {
            let n = view.borrow().len();
            let mut problems = Vec::new();
            if n == 0 {
                problems.push("Must configure at least 1 production variant".to_string());
            }
            if n > MAX_VARIANTS {
                problems.push(format!(
                    "Can't have more than {MAX_VARIANTS} production variants"
                ));
            }
            problems
        });
        let config = EndpointConfig {
            node,
            resource,
            variants,
            default_instance_type,
        };
        for v in props.instance_production_variants {
            config.add_instance_production_variant(v);
        }
        config
    }

    /// Adds an instance production variant.
    pub fn add_instance_production_variant(&self, props: InstanceProductionVariantProps) {
        let mut problems = Vec::new();
        if self
            .variants
            .borrow()
            .iter()
            .any(|(v, _)| v.name == props.variant_name)
        {
            self.node.add_error(format!(
                "There is already a Production Variant with name '{}'",
                props.variant_name
            ));
            return;
        }
        if props.initial_instance_count == Some(0) {
            problems.push("Must have at least one instance".to_string());
        }
        if props.initial_variant_weight.is_some_and(|w| w < 0.0) {
            problems.push("Cannot have negative variant weight".to_string());
        }
        if let (Some(a), Some(b)) = (
            props.model.stack().literal_account(),
            sagecdk_core::Stack::of(&self.node).and_then(|s| s.literal_account()),
        ) && a != b
        {
            problems.push(format!(
                "Cannot use model in account {a} for endpoint configuration in account {b}"
            ));
        }
        if let (Some(a), Some(b)) = (
            props.model.stack().literal_region(),
            sagecdk_core::Stack::of(&self.node).and_then(|s| s.literal_region()),
        ) && a != b
        {
            problems.push(format!(
                "Cannot use model in region {a} for endpoint configuration in region {b}"
            ));
        }
        if !problems.is_empty() {
            self.node.add_error(format!(
                "Invalid Production Variant Props: {}",
                problems.join("; ")
            ));
            return;
        }
        let info = VariantInfo {
            name: props.variant_name.clone(),
            initial_instance_count: props.initial_instance_count.unwrap_or(1),
            instance_type: props
                .instance_type
                .clone()
                .unwrap_or_else(|| self.default_instance_type.clone()),
        };
        let mut m: IndexMap<String, Value> = IndexMap::new();
        if let Some(a) = &props.accelerator_type {
            m.insert("AcceleratorType".into(), Value::from(a.as_str()));
        }
        m.insert(
            "InitialInstanceCount".into(),
            Value::from(info.initial_instance_count),
        );
        // A weight of 0 is valid (shadow traffic off); the CDK turned it into 1.
        m.insert(
            "InitialVariantWeight".into(),
            Value::from(props.initial_variant_weight.unwrap_or(1.0)),
        );
        m.insert(
            "InstanceType".into(),
            Value::from(info.instance_type.as_str()),
        );
        m.insert("ModelName".into(), props.model.model_name().to_value());
        m.insert("VariantName".into(), Value::from(info.name.as_str()));
        self.variants.borrow_mut().push((info, Value::Object(m)));
    }

    pub(crate) fn variant(&self, name: &str) -> Option<VariantInfo> {
        self.variants
            .borrow()
            .iter()
            .find(|(v, _)| v.name == name)
            .map(|(v, _)| v.clone())
    }

    pub(crate) fn variant_names(&self) -> Vec<String> {
        self.variants
            .borrow()
            .iter()
            .map(|(v, _)| v.name.clone())
            .collect()
    }

    /// The resource.
    pub fn resource(&self) -> &CfnResource {
        &self.resource
    }

    /// The configuration's name (`Fn::GetAtt EndpointConfigName`).
    pub fn endpoint_config_name(&self) -> Str {
        self.resource.get_att("EndpointConfigName")
    }

    /// The configuration's ARN (`Ref`).
    pub fn endpoint_config_arn(&self) -> Str {
        self.resource.reference()
    }
}

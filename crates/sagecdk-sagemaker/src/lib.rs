//! SageMaker constructs: models (single container or inference pipeline), container images
//! and model data from local assets, ECR or deep learning containers, endpoint configurations
//! with weighted variants, endpoints, autoscaling, metrics and alarms.
//!
//! Construct ids and templates follow the AWS CDK's `@aws-cdk/aws-sagemaker-alpha`, so a CDK
//! stack ported to Rust deploys over the existing stack without replacing anything. Where the
//! CDK's defaults are not what a careful user wants, sagecdk differs, and the context flag
//! [`CDK_COMPATIBLE_DEFAULTS`] restores the CDK's behaviour byte for byte:
//!
//! | | sagecdk default | with the flag (AWS CDK) |
//! |---|---|---|
//! | model execution role | only the grants the model needs, plus CloudWatch Logs/metrics | `AmazonSageMakerFullAccess` |
//! | default instance type | `ml.m5.large` | `ml.t2.medium` |
//! | Elastic Inference `accelerator_type` (discontinued) | an error | rendered, with a warning |
//!
//! ## Ported AWS CDK tests
//!
//! The AWS CDK's own tests of `aws-sagemaker-alpha` are ported in `tests/cdk_*.rs`, one test
//! per CDK case, named after it and quoting its title. Where the CDK throws, sagecdk records
//! the error at the construct path and reports it at synthesis; the message text is asserted.
//!
//! | CDK file | cases | ported | passing | not applicable |
//! |---|---|---|---|---|
//! | `model.test.ts` | 26 | 16 | 16 | 10 |
//! | `endpoint-config.test.ts` | 31 | 29 | 29 | 2 |
//! | `endpoint.test.ts` | 22 (+2 checks in `describe` blocks) | 22 (+2) | 22 (+2) | 0 |
//! | `model-data.test.ts` | 6 | 3 | 2 (1 ignored) | 3 |
//! | `pipeline.test.ts` | 17 | 0 | 0 | 17 |
//! | integ programs (snapshot templates) | 6 | 2 | 2 | 4 |
//!
//! Not applicable: a user-defined `ContainerImage` subclass (sagecdk's images are a closed
//! set); `connections.addSecurityGroup` after construction (groups are given in
//! [`ModelProps::security_groups`]); the 8 `InferenceExecutionMode` cases, uncompressed local
//! model data (the ignored case) and SageMaker `Pipeline` imports (17 cases, and
//! `integ.pipeline-import`), features of later CDK releases than the one sagecdk follows;
//! `EndpointConfig._findInstanceProductionVariant` (2, an internal CDK method: the lookup is
//! [`Endpoint::find_instance_production_variant`]); `bundling` options of model data (3,
//! sagecdk builds no assets in Docker); `integ.model` and `integ.endpoint-config` (a new VPC,
//! which sagecdk only imports) and `integ.model-data` (bucket deployments). The integ
//! templates are compared with asset hashes redacted (the CDK's model archive is binary and
//! not in the golden data) and object keys sorted; the CDK's newer S3 read grant adds
//! `s3:HeadObject`, which sagecdk does not.
//!
//! ```
//! use sagecdk_core::{App, Stack, StackProps};
//! use sagecdk_sagemaker::{ContainerDefinition, ContainerImage, Model, ModelProps};
//! let app = App::for_tests();
//! let stack = Stack::new(&app, "S", StackProps::default());
//! let image = ContainerImage::from_dlc_in_account("pytorch-inference", "2.3.0-cpu-py311", "763104351884");
//! Model::new(&stack, "Model", ModelProps::with_container(ContainerDefinition::new(image)));
//! ```

mod api_shapes;
mod async_inference;
mod batch_transform;
mod container_image;
mod data_capture;
mod deployment;
mod destinations;
mod endpoint;
mod endpoint_config;
mod imports;
mod inference_component;
mod instance_type;
mod job;
mod model;
mod model_data;
mod training_job;

pub use async_inference::{
    AsyncInferenceProps, InferenceResponseIn, MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE,
};
pub use batch_transform::{
    BatchStrategy, BatchTransform, BatchTransformProps, DataProcessing, JoinSource,
    ModelClientConfig, SplitType,
};
pub use container_image::ContainerImage;
pub use data_capture::{Capture, DataCaptureProps, MAX_CAPTURE_CONTENT_TYPES};
pub use deployment::{
    BlueGreenUpdate, CapacitySize, ComponentRollingUpdate, CopyBatchSize, EndpointUpdate,
    MAX_ROLLBACK_ALARMS, RollingUpdate, TrafficRouting, UpdateStrategy, VariantPropertyType,
};
pub use destinations::S3Location;
pub use endpoint::{
    BacklogScalingProps, EnableScalingProps, Endpoint, EndpointProps, InstanceVariant,
    InvocationsScalingProps, ScalableInstanceCount,
};
pub use endpoint_config::{
    ComponentHostVariantProps, ComponentHostingProps, EndpointConfig, EndpointConfigProps,
    InstanceProductionVariantProps, MAX_VARIANTS, ManagedInstanceScaling, RoutingStrategy,
    ServerlessProductionVariantProps,
};
pub use imports::{
    EndpointAttributes, EndpointConfigRef, ImportedEndpoint, ImportedEndpointConfig, ImportedModel,
    ModelAttributes, ModelRef,
};
pub use inference_component::{
    AdapterProps, ComponentContainer, ComponentSource, ComputeRequirements, InferenceComponent,
    InferenceComponentProps, ScalableCopyCount,
};
pub use instance_type::{AcceleratorType, InstanceType};
pub use job::JobTrigger;
pub use model::{
    ContainerDefinition, ContainerMode, InferenceExecutionMode, MAX_CONTAINERS,
    MAX_ENVIRONMENT_VARIABLES, Model, ModelProps,
};
pub use model_data::ModelData;
/// Options of [`ModelData::from_directory`] (exclusions, compression).
pub use sagecdk_assets::PackageOptions;
/// Options of [`ContainerImage::from_inference_spec_with`] (base image, cargo features).
pub use sagecdk_assets::ServingImageOptions;
/// The general Application Auto Scaling types the variants' scaling takes.
pub use sagecdk_aws::autoscaling::{
    AdjustmentType, ScalableTarget, ScalingInterval, ScheduledScalingProps, StepScalingProps,
    TargetTrackingProps,
};
pub use training_job::{InputMode, TrainingChannel, TrainingJob, TrainingJobProps};

/// Context flag: `true` restores the AWS CDK's defaults (full-access execution role,
/// `ml.t2.medium` instance type) so templates are byte-identical to the CDK's; the core then
/// also writes the manifest parts that describe the CDK itself ([`sagecdk_core::compat`]).
pub use sagecdk_core::compat::CDK_COMPATIBLE_DEFAULTS;

pub(crate) fn cdk_compatible(node: &sagecdk_core::Construct) -> bool {
    node.context_flag(CDK_COMPATIBLE_DEFAULTS)
}

/// Lower-case hex MD5, the CDK's `hashcode` used in asset construct ids.
pub(crate) fn md5_hex(s: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

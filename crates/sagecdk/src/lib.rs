//! **sagecdk**: infrastructure as code for Amazon SageMaker, in Rust.
//!
//! Stack programs depend on this crate only. It re-exports the construct tree, tokens,
//! CloudFormation elements and synthesis from `sagecdk-core`, and (default features) the typed
//! CloudFormation resources as [`cfn`](mod@cfn) and the SageMaker constructs as [`sagemaker`], with
//! [`aws`] and [`assets`].
//!
//! ```
//! use sagecdk::prelude::*;
//!
//! let app = App::for_tests();
//! let stack = Stack::new(&app, "Hello", StackProps::default());
//! CfnResource::new(&stack, "Bucket", "AWS::S3::Bucket");
//! let assembly = app.assemble().expect("valid");
//! assert_eq!(assembly.stacks.len(), 1);
//! ```

pub use sagecdk_core::*;

/// Typed CloudFormation resources generated from the registry schemas: the types the SageMaker
/// constructs use, or all of them with the `cfn-all` feature.
#[cfg(feature = "cfn")]
pub use sagecdk_cfn as cfn;

/// SageMaker constructs: models, endpoint configurations, endpoints, autoscaling, metrics.
#[cfg(feature = "sagemaker")]
pub use sagecdk_sagemaker as sagemaker;

/// Supporting AWS constructs: IAM, S3, ECR, CloudWatch.
#[cfg(feature = "sagemaker")]
pub use sagecdk_aws as aws;

/// Assets: files, directories, Docker images and model archives.
#[cfg(feature = "sagemaker")]
pub use sagecdk_assets as assets;

/// The images of SageMaker's frameworks and algorithms (`image_uris.retrieve`).
#[cfg(feature = "sagemaker")]
pub use sagecdk_images as images;

/// The names most stack programs use: `use sagecdk::prelude::*;` is all a SageMaker stack
/// program needs to import.
pub mod prelude {
    pub use sagecdk_core::{
        App, AppProps, ArnComponents, Aspect, Aspects, Aws, CfnCondition, CfnMapping, CfnOutput,
        CfnParameter, CfnParameterProps, CfnResource, CfnRule, Construct, Duration, Environment,
        Lazy, RemovalPolicy, Scope, Stack, StackProps, Str, SynthError, Tags, Token, Value, cfn,
        fmt_str, fns,
    };

    #[cfg(feature = "sagemaker")]
    pub use sagecdk_aws::cloudwatch::{Alarm, AlarmProps, ComparisonOperator, Metric};
    #[cfg(feature = "sagemaker")]
    pub use sagecdk_aws::kms::{Key, KeyProps};
    #[cfg(feature = "sagemaker")]
    pub use sagecdk_aws::s3::{Bucket, BucketProps};
    #[cfg(feature = "sagemaker")]
    pub use sagecdk_aws::sns::{Subscription, Topic, TopicProps};
    #[cfg(feature = "sagemaker")]
    pub use sagecdk_images::{ImageQuery, ImageScope};
    #[cfg(feature = "sagemaker")]
    pub use sagecdk_sagemaker::{
        AdapterProps, AsyncInferenceProps, BacklogScalingProps, BatchTransform,
        BatchTransformProps, Capture, ComponentContainer, ComponentHostVariantProps,
        ComponentHostingProps, ComponentRollingUpdate, ComputeRequirements, ContainerDefinition,
        ContainerImage, ContainerMode, CopyBatchSize, DataCaptureProps, EnableScalingProps,
        Endpoint, EndpointConfig, EndpointConfigProps, EndpointProps, InferenceComponent,
        InferenceComponentProps, InferenceExecutionMode, InferenceResponseIn,
        InstanceProductionVariantProps, InstanceType, InvocationsScalingProps, JobTrigger,
        ManagedInstanceScaling, Model, ModelData, ModelProps, S3Location, ScalingInterval,
        ScheduledScalingProps, ServerlessProductionVariantProps, StepScalingProps,
        TargetTrackingProps, TrainingChannel, TrainingJob, TrainingJobProps,
    };
}

//! Asynchronous inference on an endpoint configuration (`AsyncInferenceConfig`): where results
//! and failures go, the notifications, and the invocations each instance takes at once.

use crate::destinations::{S3Location, WriteTarget};
use sagecdk_aws::kms::Key;
use sagecdk_aws::sns::Topic;
use sagecdk_cfn::sagemaker::endpoint_config::{
    AsyncInferenceClientConfig, AsyncInferenceConfig, AsyncInferenceNotificationConfig,
    AsyncInferenceOutputConfig,
};
use sagecdk_core::{Str, Tokenized};

/// The most invocations an instance may process at once (SageMaker's limit).
pub const MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE: u32 = 1000;

/// Which notifications carry the inference response itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InferenceResponseIn {
    /// The success topic's messages (`SUCCESS_NOTIFICATION_TOPIC`).
    SuccessTopic,
    /// The error topic's messages (`ERROR_NOTIFICATION_TOPIC`).
    ErrorTopic,
}

impl InferenceResponseIn {
    /// The CloudFormation value.
    pub fn as_str(self) -> &'static str {
        match self {
            InferenceResponseIn::SuccessTopic => "SUCCESS_NOTIFICATION_TOPIC",
            InferenceResponseIn::ErrorTopic => "ERROR_NOTIFICATION_TOPIC",
        }
    }
}

/// Asynchronous inference: requests are queued, and results written to S3.
///
/// The roles of the configuration's models get what writing needs: putting objects under the
/// output and failure locations (when they are in a bucket), publishing on the topics,
/// encrypting with the key.
///
/// ```
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_aws::s3::{Bucket, BucketProps};
/// use sagecdk_aws::sns::{Topic, TopicProps};
/// use sagecdk_sagemaker::*;
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let results = Bucket::new(&stack, "Results", BucketProps::default());
/// let done = Topic::new(&stack, "Done", TopicProps::default());
/// let model = Model::new(&stack, "Model", ModelProps::with_container(
///     ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311"))));
/// EndpointConfig::new(&stack, "Config", EndpointConfigProps {
///     instance_production_variants: vec![InstanceProductionVariantProps::new(&model, "AllTraffic")],
///     async_inference: Some(AsyncInferenceProps::new(S3Location::in_bucket(&results, "outputs"))
///         .with_failure(S3Location::in_bucket(&results, "failures"))
///         .with_success_topic(&done)
///         .with_max_concurrent_invocations_per_instance(4)),
///     ..EndpointConfigProps::default()
/// });
/// ```
#[derive(Clone, Debug)]
pub struct AsyncInferenceProps {
    /// Where results are written (`S3OutputPath`).
    pub output: S3Location,
    /// Where failed requests' errors are written (`S3FailurePath`).
    pub failure: Option<S3Location>,
    /// The key results are encrypted with.
    pub kms_key: Option<Key>,
    /// Notified of each result.
    pub success_topic: Option<Topic>,
    /// Notified of each failure.
    pub error_topic: Option<Topic>,
    /// Which notifications carry the response itself (each needs its topic).
    pub include_inference_response_in: Vec<InferenceResponseIn>,
    /// Invocations each instance processes at once (1–1000; SageMaker chooses when unset).
    pub max_concurrent_invocations_per_instance: Option<u32>,
}

impl AsyncInferenceProps {
    /// Results written to `output`.
    pub fn new(output: S3Location) -> Self {
        AsyncInferenceProps {
            output,
            failure: None,
            kms_key: None,
            success_topic: None,
            error_topic: None,
            include_inference_response_in: Vec::new(),
            max_concurrent_invocations_per_instance: None,
        }
    }

    /// Errors of failed requests written to `failure`.
    pub fn with_failure(mut self, failure: S3Location) -> Self {
        self.failure = Some(failure);
        self
    }

    /// Results encrypted with `key`.
    pub fn with_kms_key(mut self, key: &Key) -> Self {
        self.kms_key = Some(key.clone());
        self
    }

    /// Each result announced on `topic`.
    pub fn with_success_topic(mut self, topic: &Topic) -> Self {
        self.success_topic = Some(topic.clone());
        self
    }

    /// Each failure announced on `topic`.
    pub fn with_error_topic(mut self, topic: &Topic) -> Self {
        self.error_topic = Some(topic.clone());
        self
    }

    /// The response itself included in `notification`'s messages.
    pub fn with_inference_response_in(mut self, notification: InferenceResponseIn) -> Self {
        if !self.include_inference_response_in.contains(&notification) {
            self.include_inference_response_in.push(notification);
        }
        self
    }

    /// At most `n` invocations processed at once per instance.
    pub fn with_max_concurrent_invocations_per_instance(mut self, n: u32) -> Self {
        self.max_concurrent_invocations_per_instance = Some(n);
        self
    }

    /// Every rule the options break, each a message for the configuration's path.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out = self.output.problems("asyncInference.output");
        if let Some(f) = &self.failure {
            out.extend(f.problems("asyncInference.failure"));
        }
        if let Some(n) = self.max_concurrent_invocations_per_instance
            && !(1..=MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE).contains(&n)
        {
            out.push(format!(
                "asyncInference.maxConcurrentInvocationsPerInstance must be between 1 and {MAX_CONCURRENT_INVOCATIONS_PER_INSTANCE}, got {n}"
            ));
        }
        for wanted in &self.include_inference_response_in {
            let (topic, name) = match wanted {
                InferenceResponseIn::SuccessTopic => (&self.success_topic, "successTopic"),
                InferenceResponseIn::ErrorTopic => (&self.error_topic, "errorTopic"),
            };
            if topic.is_none() {
                out.push(format!(
                    "asyncInference.includeInferenceResponseIn has '{}' but no {name} is set; set the topic or leave the response out of its messages",
                    wanted.as_str()
                ));
            }
        }
        out
    }

    /// The CloudFormation property.
    pub(crate) fn render(&self) -> AsyncInferenceConfig {
        let mut output = AsyncInferenceOutputConfig::new();
        output.s3_output_path = Some(self.output.to_uri());
        output.s3_failure_path = self.failure.as_ref().map(S3Location::to_uri);
        output.kms_key_id = self.kms_key.as_ref().map(Key::key_arn);
        if self.success_topic.is_some() || self.error_topic.is_some() {
            let mut notification = AsyncInferenceNotificationConfig::new();
            notification.success_topic = self.success_topic.as_ref().map(Topic::topic_arn);
            notification.error_topic = self.error_topic.as_ref().map(Topic::topic_arn);
            if !self.include_inference_response_in.is_empty() {
                notification.include_inference_response_in = Some(Tokenized::Literal(
                    self.include_inference_response_in
                        .iter()
                        .map(|n| Str::from(n.as_str()))
                        .collect(),
                ));
            }
            output.notification_config = Some(notification);
        }
        let mut config = AsyncInferenceConfig::new(output);
        if let Some(n) = self.max_concurrent_invocations_per_instance {
            config.client_config = Some(
                AsyncInferenceClientConfig::new()
                    .with_max_concurrent_invocations_per_instance(f64::from(n)),
            );
        }
        config
    }

    /// What the models' roles must be able to write to.
    pub(crate) fn write_targets(&self) -> Vec<WriteTarget> {
        let mut out = vec![WriteTarget::Objects(self.output.clone())];
        out.extend(self.failure.clone().map(WriteTarget::Objects));
        out.extend(self.success_topic.clone().map(WriteTarget::Topic));
        out.extend(self.error_topic.clone().map(WriteTarget::Topic));
        out.extend(self.kms_key.clone().map(WriteTarget::Key));
        out
    }
}

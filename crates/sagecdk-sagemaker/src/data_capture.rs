//! Data capture on an endpoint configuration (`DataCaptureConfig`): a sample of requests
//! and responses written to S3, as Model Monitor reads them.

use crate::destinations::{S3Location, WriteTarget};
use sagecdk_aws::kms::Key;
use sagecdk_cfn::sagemaker::endpoint_config::{
    CaptureContentTypeHeader, CaptureOption, DataCaptureConfig,
};
use sagecdk_core::{Str, Tokenized};

/// The most content types of each kind a capture header lists (SageMaker's limit).
pub const MAX_CAPTURE_CONTENT_TYPES: usize = 10;

/// What is captured of each sampled invocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Capture {
    /// The request and the response.
    #[default]
    InputAndOutput,
    /// The request only.
    Input,
    /// The response only.
    Output,
}

/// Data capture: a percentage of invocations written to S3.
///
/// The roles of the configuration's models may put objects under the destination (when it is
/// in a bucket) and encrypt with the key.
///
/// ```
/// use sagecdk_aws::s3::{Bucket, BucketProps};
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_sagemaker::*;
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let bucket = Bucket::new(&stack, "Capture", BucketProps::default());
/// let capture = DataCaptureProps::new(S3Location::in_bucket(&bucket, "capture"))
///     .with_sampling_percentage(20)
///     .with_json_content_types(["application/json"]);
/// ```
#[derive(Clone, Debug)]
pub struct DataCaptureProps {
    /// Where captured data is written (`DestinationS3Uri`).
    pub destination: S3Location,
    /// The percentage of invocations captured, 0–100 (default 20, as the SageMaker Python
    /// SDK's).
    pub sampling_percentage: u32,
    /// Requests, responses or both (default both).
    pub capture: Capture,
    /// The key captured data is encrypted with.
    pub kms_key: Option<Key>,
    /// Content types recorded as CSV.
    pub csv_content_types: Vec<String>,
    /// Content types recorded as JSON.
    pub json_content_types: Vec<String>,
    /// Capture on (default); off keeps the configuration for later.
    pub enabled: bool,
}

impl DataCaptureProps {
    /// Capture written to `destination`.
    pub fn new(destination: S3Location) -> Self {
        DataCaptureProps {
            destination,
            sampling_percentage: 20,
            capture: Capture::default(),
            kms_key: None,
            csv_content_types: Vec::new(),
            json_content_types: Vec::new(),
            enabled: true,
        }
    }

    /// `percentage` of invocations captured.
    pub fn with_sampling_percentage(mut self, percentage: u32) -> Self {
        self.sampling_percentage = percentage;
        self
    }

    /// Only requests, or only responses.
    pub fn with_capture(mut self, capture: Capture) -> Self {
        self.capture = capture;
        self
    }

    /// Captured data encrypted with `key`.
    pub fn with_kms_key(mut self, key: &Key) -> Self {
        self.kms_key = Some(key.clone());
        self
    }

    /// Content types recorded as CSV.
    pub fn with_csv_content_types<S: Into<String>>(
        mut self,
        types: impl IntoIterator<Item = S>,
    ) -> Self {
        self.csv_content_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Content types recorded as JSON.
    pub fn with_json_content_types<S: Into<String>>(
        mut self,
        types: impl IntoIterator<Item = S>,
    ) -> Self {
        self.json_content_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Every rule the options break, each a message for the configuration's path.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out = self.destination.problems("dataCapture.destination");
        if self.sampling_percentage > 100 {
            out.push(format!(
                "dataCapture.samplingPercentage must be between 0 and 100, got {}",
                self.sampling_percentage
            ));
        }
        for (name, types) in [
            ("csvContentTypes", &self.csv_content_types),
            ("jsonContentTypes", &self.json_content_types),
        ] {
            if types.len() > MAX_CAPTURE_CONTENT_TYPES {
                out.push(format!(
                    "dataCapture.{name} lists {} content types; at most {MAX_CAPTURE_CONTENT_TYPES} are allowed",
                    types.len()
                ));
            }
            for t in types {
                if t.is_empty() || t.len() > 256 || t.chars().any(|c| c.is_whitespace()) {
                    out.push(format!(
                        "dataCapture.{name} entry '{t}' is not a content type: 1 to 256 characters without spaces, such as 'application/json'"
                    ));
                }
            }
        }
        out
    }

    /// The CloudFormation property.
    pub(crate) fn render(&self) -> DataCaptureConfig {
        let modes: &[&str] = match self.capture {
            Capture::InputAndOutput => &["Input", "Output"],
            Capture::Input => &["Input"],
            Capture::Output => &["Output"],
        };
        let options: Vec<CaptureOption> = modes.iter().map(|m| CaptureOption::new(*m)).collect();
        let mut config = DataCaptureConfig::new(
            options,
            self.destination.to_uri(),
            f64::from(self.sampling_percentage),
        );
        config.enable_capture = Some(self.enabled.into());
        config.kms_key_id = self.kms_key.as_ref().map(Key::key_arn);
        let list = |types: &[String]| {
            (!types.is_empty())
                .then(|| Tokenized::Literal(types.iter().map(|t| Str::from(t.as_str())).collect()))
        };
        if !self.csv_content_types.is_empty() || !self.json_content_types.is_empty() {
            let mut header = CaptureContentTypeHeader::new();
            header.csv_content_types = list(&self.csv_content_types);
            header.json_content_types = list(&self.json_content_types);
            config.capture_content_type_header = Some(header);
        }
        config
    }

    /// What the models' roles must be able to write to.
    pub(crate) fn write_targets(&self) -> Vec<WriteTarget> {
        let mut out = vec![WriteTarget::Objects(self.destination.clone())];
        out.extend(self.kms_key.clone().map(WriteTarget::Key));
        out
    }
}

//! `BatchTransform`: a batch transform job of a model, run by an AWS Step Functions state
//! machine through the `sagemaker:createTransformJob.sync` integration (CloudFormation has no
//! transform-job resource): each execution runs one job, named uniquely, and waits for it.

use crate::destinations::{S3Location, WriteTarget};
use crate::instance_type::InstanceType;
use crate::job::{self, InputOverride, JobTrigger, Parameters, TRANSFORM_JOB};
use crate::model::Model;
use sagecdk_aws::kms::Key;
use sagecdk_cfn::step_functions::CfnStateMachine;
use sagecdk_core::duration::whole_seconds;
use sagecdk_core::{Construct, IndexMap, Scope, Str};
use serde_json::json;
use std::time::Duration;

/// How the input is split into records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitType {
    /// By line.
    Line,
    /// By RecordIO record.
    RecordIo,
    /// By TFRecord.
    TfRecord,
}

/// How records are sent to the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchStrategy {
    /// One record per request.
    SingleRecord,
    /// As many records per request as fit the payload limit.
    MultiRecord,
}

/// Which data is joined with each result (`DataProcessing.JoinSource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinSource {
    /// The input record, joined with its result (after the input filter is applied to the
    /// model's input, the whole record is kept for the join).
    Input,
}

/// JSONPath filters and joins of a transform's records (`DataProcessing`).
#[derive(Clone, Debug, Default)]
pub struct DataProcessing {
    /// The part of each input record sent to the model (`$[1:]`, `$.features`).
    pub input_filter: Option<String>,
    /// The part of each (joined) result written (`$[0,-1]`).
    pub output_filter: Option<String>,
    /// Join the input record with its result.
    pub join_source: Option<JoinSource>,
}

/// How the job calls the model's container (`ModelClientConfig`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ModelClientConfig {
    /// How long one invocation may take (1 s–1 h; SageMaker's default 600 s).
    pub invocations_timeout: Option<Duration>,
    /// How often a failed invocation is retried (0–3; SageMaker's default 3).
    pub invocations_max_retries: Option<u32>,
}

/// Options of a [`BatchTransform`].
#[derive(Clone, Debug)]
pub struct BatchTransformProps {
    /// The model whose containers transform the data.
    pub model: Model,
    /// The input: an S3 prefix (every object under it), or a manifest file with
    /// `input_is_manifest`.
    pub input: S3Location,
    /// Whether `input` names a manifest file listing the objects.
    pub input_is_manifest: bool,
    /// The input's MIME type (`text/csv`, `application/jsonlines`…).
    pub content_type: Option<String>,
    /// Whether the input objects are gzipped.
    pub gzipped_input: bool,
    /// How the input is split into records.
    pub split_type: Option<SplitType>,
    /// Where the results go (`<input object>.out` under it).
    pub output: S3Location,
    /// The MIME type the container is asked for.
    pub accept: Option<String>,
    /// Join the results of an object's records by line into one output object.
    pub assemble_by_line: bool,
    /// The key encrypting the results (the model's role may use it).
    pub output_kms_key: Option<Key>,
    /// Instance type (default `ml.m5.large`).
    pub instance_type: Option<InstanceType>,
    /// Number of instances (default 1).
    pub instance_count: Option<u32>,
    /// The key encrypting the instances' storage volumes (the model's role may use it).
    pub volume_kms_key: Option<Key>,
    /// How records are sent.
    pub batch_strategy: Option<BatchStrategy>,
    /// The largest request payload, in MB (0–100).
    pub max_payload_mb: Option<u32>,
    /// Requests sent to each instance at once.
    pub max_concurrent_transforms: Option<u32>,
    /// Environment variables of the containers.
    pub environment: IndexMap<String, String>,
    /// Filters and joins of the records.
    pub data_processing: Option<DataProcessing>,
    /// How the job calls the container.
    pub model_client: Option<ModelClientConfig>,
    /// What starts a job besides `sagecdk run`: schedules, new input objects.
    pub triggers: Vec<JobTrigger>,
}

impl BatchTransformProps {
    /// Transforms the objects under `input` with `model` into `output`.
    pub fn new(model: &Model, input: S3Location, output: S3Location) -> Self {
        BatchTransformProps {
            model: model.clone(),
            input,
            input_is_manifest: false,
            content_type: None,
            gzipped_input: false,
            split_type: None,
            output,
            accept: None,
            assemble_by_line: false,
            output_kms_key: None,
            instance_type: None,
            instance_count: None,
            volume_kms_key: None,
            batch_strategy: None,
            max_payload_mb: None,
            max_concurrent_transforms: None,
            environment: IndexMap::new(),
            data_processing: None,
            model_client: None,
            triggers: Vec::new(),
        }
    }

    /// Adds a trigger (a schedule, new objects under a location).
    pub fn with_trigger(mut self, trigger: JobTrigger) -> Self {
        self.triggers.push(trigger);
        self
    }
}

/// A batch transform job of a model: `<id>/StateMachine` runs it (start an execution with
/// `sagecdk run`, or give triggers), `<id>/StateMachineRole` is the state machine's role. The
/// model's role may read the input and write the output. An execution's input may name other
/// data: `{"input": "s3://…", "output": "s3://…"}` (the model's role must be able to reach
/// it).
///
/// ```
/// use sagecdk_aws::s3::{Bucket, BucketProps};
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_sagemaker::*;
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let data = Bucket::new(&stack, "Data", BucketProps::default());
/// let model = Model::new(&stack, "Model", ModelProps::with_container(
///     ContainerDefinition::new(ContainerImage::from_dlc("pytorch-inference", "2.3.0-cpu-py311"))));
/// let input = S3Location::in_bucket(&data, "batch/input");
/// let props = BatchTransformProps::new(&model, input.clone(), S3Location::in_bucket(&data, "batch/output"))
///     .with_trigger(JobTrigger::schedule("rate(1 day)"))
///     .with_trigger(JobTrigger::new_objects(input));
/// BatchTransform::new(&stack, "Nightly", props);
/// assert!(app.assemble().is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct BatchTransform {
    node: Construct,
    state_machine: CfnStateMachine,
    job_name_prefix: String,
}

impl Scope for BatchTransform {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl BatchTransform {
    /// Defines the job and the state machine that runs it.
    pub fn new(scope: &impl Scope, id: &str, props: BatchTransformProps) -> Self {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.BatchTransform");
        let mut problems = Vec::new();
        problems.extend(props.input.problems("input"));
        problems.extend(props.output.problems("output"));
        if let Some(mb) = props.max_payload_mb
            && mb > 100
        {
            problems.push(format!("maxPayloadMb must be between 0 and 100, got {mb}"));
        }
        let job_name_prefix = job::job_name_prefix(&node);

        // The model's containers read the input and write the output.
        let model_role = props.model.role();
        props.input.grant_read(model_role);
        WriteTarget::Objects(props.output.clone()).grant(model_role);
        for key in [&props.output_kms_key, &props.volume_kms_key]
            .into_iter()
            .flatten()
        {
            WriteTarget::Key(key.clone()).grant(model_role);
        }

        let mut p = Parameters::default();
        let mut input = json!({
            "DataSource": {"S3DataSource": {
                "S3DataType": if props.input_is_manifest { "ManifestFile" } else { "S3Prefix" },
                "S3Uri": p.unchecked(&props.input.to_uri())
            }}
        });
        if let Some(t) = &props.content_type {
            input["ContentType"] = json!(t);
        }
        if props.gzipped_input {
            input["CompressionType"] = json!("Gzip");
        }
        if let Some(s) = props.split_type {
            input["SplitType"] = json!(match s {
                SplitType::Line => "Line",
                SplitType::RecordIo => "RecordIO",
                SplitType::TfRecord => "TFRecord",
            });
        }
        let mut output = json!({"S3OutputPath": p.unchecked(&props.output.to_uri())});
        if let Some(a) = &props.accept {
            output["Accept"] = json!(a);
        }
        if props.assemble_by_line {
            output["AssembleWith"] = json!("Line");
        }
        if let Some(key) = &props.output_kms_key {
            output["KmsKeyId"] = p.text(&key.key_arn());
        }
        let instance_type = props
            .instance_type
            .clone()
            .unwrap_or(InstanceType::M5_LARGE);
        let mut resources = json!({
            "InstanceType": instance_type.as_str(),
            "InstanceCount": props.instance_count.unwrap_or(1),
        });
        if let Some(key) = &props.volume_kms_key {
            resources["VolumeKmsKeyId"] = p.text(&key.key_arn());
        }
        let mut request = json!({
            "ModelName": p.text(&props.model.model_name()),
            "TransformInput": input,
            "TransformOutput": output,
            "TransformResources": resources,
        });
        if let Some(b) = props.batch_strategy {
            request["BatchStrategy"] = json!(match b {
                BatchStrategy::SingleRecord => "SingleRecord",
                BatchStrategy::MultiRecord => "MultiRecord",
            });
        }
        if let Some(mb) = props.max_payload_mb {
            request["MaxPayloadInMB"] = json!(mb);
        }
        if let Some(n) = props.max_concurrent_transforms {
            request["MaxConcurrentTransforms"] = json!(n);
        }
        if !props.environment.is_empty() {
            request["Environment"] = json!(props.environment);
        }
        if let Some(d) = &props.data_processing {
            let mut processing = json!({});
            if let Some(f) = &d.input_filter {
                processing["InputFilter"] = json!(f);
            }
            if let Some(f) = &d.output_filter {
                processing["OutputFilter"] = json!(f);
            }
            if let Some(JoinSource::Input) = d.join_source {
                processing["JoinSource"] = json!("Input");
            }
            request["DataProcessing"] = processing;
        }
        if let Some(c) = &props.model_client {
            let mut client = json!({});
            if let Some(t) = c.invocations_timeout {
                match whole_seconds(t, "modelClient.invocationsTimeout") {
                    Ok(s) => client["InvocationsTimeoutInSeconds"] = json!(s),
                    Err(e) => problems.push(e),
                }
            }
            if let Some(n) = c.invocations_max_retries {
                client["InvocationsMaxRetries"] = json!(n);
            }
            request["ModelClientConfig"] = client;
        }
        for problem in problems {
            node.add_error(problem);
        }
        // `sagecdk run --input input=s3://… --input output=s3://…` transforms other data.
        let overrides = [
            InputOverride {
                key: "input".into(),
                pointer: "/TransformInput/DataSource/S3DataSource/S3Uri".into(),
            },
            InputOverride {
                key: "output".into(),
                pointer: "/TransformOutput/S3OutputPath".into(),
            },
        ];
        let state_machine = job::job_state_machine(
            &node,
            TRANSFORM_JOB,
            &job_name_prefix,
            request,
            p,
            None,
            &overrides,
        );
        job::add_triggers(&node, &state_machine, &props.triggers);
        BatchTransform {
            node,
            state_machine,
            job_name_prefix,
        }
    }

    /// The state machine's ARN (start an execution to run a job).
    pub fn state_machine_arn(&self) -> Str {
        self.state_machine.reference()
    }

    /// The prefix of the jobs' names (`<prefix>-<uuid>`).
    pub fn job_name_prefix(&self) -> &str {
        &self.job_name_prefix
    }

    /// The `AWS::StepFunctions::StateMachine`, typed.
    pub fn cfn_state_machine(&self) -> &CfnStateMachine {
        &self.state_machine
    }
}

//! `TrainingJob`: ModelTrainer's side of the handshake as a construct — a training job run by
//! an AWS Step Functions state machine through `sagemaker:createTrainingJob.sync`, with an
//! execution role that reads the channels and writes the artifacts and nothing more.

use crate::container_image::ContainerImage;
use crate::destinations::{S3Location, WriteTarget};
use crate::instance_type::InstanceType;
use crate::job::{self, InputOverride, JobTrigger, Parameters, TRAINING_JOB};
use crate::model::{configure_networking, execution_role, vpc_access};
use sagecdk_aws::ec2::{SecurityGroup, Vpc};
use sagecdk_aws::iam::RoleRef;
use sagecdk_aws::kms::Key;
use sagecdk_cfn::step_functions::CfnStateMachine;
use sagecdk_core::duration::whole_seconds;
use sagecdk_core::{Construct, IndexMap, Scope, Stack, Str};
use serde_json::{Value, json};
use std::time::Duration;

/// SageMaker's default stopping condition: one day.
const DEFAULT_MAX_RUNTIME: u64 = 86_400;

/// How a channel's data reaches the training container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputMode {
    /// Downloaded to the instance before training starts.
    File,
    /// Streamed through a named pipe.
    Pipe,
    /// Read from S3 on demand, presented as files.
    FastFile,
}

impl InputMode {
    fn as_str(self) -> &'static str {
        match self {
            InputMode::File => "File",
            InputMode::Pipe => "Pipe",
            InputMode::FastFile => "FastFile",
        }
    }
}

/// A named input of a training job (`train`, `validation`…): the objects under an S3 prefix,
/// or those a manifest file lists.
#[derive(Clone, Debug)]
pub struct TrainingChannel {
    /// The channel's name, the directory under `/opt/ml/input/data/` in the container.
    pub name: String,
    /// The data.
    pub data: S3Location,
    /// Whether `data` names a manifest file listing the objects.
    pub is_manifest: bool,
    /// The data's MIME type.
    pub content_type: Option<String>,
    /// Whether the objects are gzipped.
    pub gzipped: bool,
    /// How the data reaches the container (default: the job's, `File`).
    pub input_mode: Option<InputMode>,
    /// Give each instance a different part of the data (`ShardedByS3Key`) instead of all of
    /// it.
    pub sharded: bool,
}

impl TrainingChannel {
    /// The channel `name` with the objects under `data`.
    pub fn new(name: impl Into<String>, data: S3Location) -> Self {
        TrainingChannel {
            name: name.into(),
            data,
            is_manifest: false,
            content_type: None,
            gzipped: false,
            input_mode: None,
            sharded: false,
        }
    }

    /// Sets the data's MIME type.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

/// Options of a [`TrainingJob`].
#[derive(Clone, Debug)]
pub struct TrainingJobProps {
    /// The training image (a framework image with the training scope, an asset, ECR…); the
    /// role may pull it.
    pub image: ContainerImage,
    /// Hyperparameters, passed to the container as `/opt/ml/input/config/hyperparameters.json`.
    pub hyperparameters: IndexMap<String, String>,
    /// The input channels (up to 20).
    pub channels: Vec<TrainingChannel>,
    /// Where the artifacts go: `<output>/<job name>/output/model.tar.gz`.
    pub output: S3Location,
    /// The key encrypting the artifacts (the role may use it).
    pub output_kms_key: Option<Key>,
    /// Instance type (default `ml.m5.xlarge`).
    pub instance_type: Option<InstanceType>,
    /// Number of instances (default 1).
    pub instance_count: Option<u32>,
    /// Storage volume size per instance, in GB (default 30).
    pub volume_size_gb: Option<u32>,
    /// The key encrypting the storage volumes (the role may use it).
    pub volume_kms_key: Option<Key>,
    /// The longest the job may run (default 1 day); SageMaker stops it then.
    pub max_runtime: Option<Duration>,
    /// How channels reach the container by default (default `File`).
    pub input_mode: Option<InputMode>,
    /// Environment variables of the container.
    pub environment: IndexMap<String, String>,
    /// Execution role (default: a new role with least privilege). An immutable import takes
    /// no grants.
    pub role: Option<RoleRef>,
    /// Run the container without network access.
    pub network_isolation: bool,
    /// Place the instances in a VPC.
    pub vpc: Option<Vpc>,
    /// Security groups (default: one created as `<id>/SecurityGroup`; needs `vpc`).
    pub security_groups: Vec<SecurityGroup>,
    /// What starts a job besides `sagecdk run`: schedules, new data.
    pub triggers: Vec<JobTrigger>,
}

impl TrainingJobProps {
    /// Trains with `image` on `channels`, writing the artifacts under `output`.
    pub fn new(image: ContainerImage, channels: Vec<TrainingChannel>, output: S3Location) -> Self {
        TrainingJobProps {
            image,
            hyperparameters: IndexMap::new(),
            channels,
            output,
            output_kms_key: None,
            instance_type: None,
            instance_count: None,
            volume_size_gb: None,
            volume_kms_key: None,
            max_runtime: None,
            input_mode: None,
            environment: IndexMap::new(),
            role: None,
            network_isolation: false,
            vpc: None,
            security_groups: Vec::new(),
            triggers: Vec::new(),
        }
    }

    /// Sets a hyperparameter.
    pub fn with_hyperparameter(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.hyperparameters.insert(name.into(), value.into());
        self
    }

    /// Adds a trigger (a schedule, new objects under a location).
    pub fn with_trigger(mut self, trigger: JobTrigger) -> Self {
        self.triggers.push(trigger);
        self
    }
}

/// A training job: `<id>/StateMachine` runs it (start an execution with `sagecdk run`, or give
/// triggers), `<id>/Role` is the job's execution role, `<id>/StateMachineRole` the state
/// machine's. An execution's input may replace a channel's data (by the channel's name, when
/// it is letters, digits and `_`), the `output` location or all `hyperparameters` (an object;
/// the role must be able to reach other data). The trained model is `<output>/<job name>/output/model.tar.gz`; deploy it with
/// [`ModelData::from_latest_training_job`](crate::ModelData::from_latest_training_job) and
/// [`job_name_prefix`](Self::job_name_prefix).
///
/// ```
/// use sagecdk_aws::s3::{Bucket, BucketProps};
/// use sagecdk_core::{App, Stack, StackProps};
/// use sagecdk_images::{ImageQuery, ImageScope};
/// use sagecdk_sagemaker::*;
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let data = Bucket::new(&stack, "Data", BucketProps::default());
/// let image = ContainerImage::from_framework(
///     ImageQuery::new("xgboost").with_version("1.7-1").with_scope(ImageScope::Training));
/// let props = TrainingJobProps::new(
///     image,
///     vec![TrainingChannel::new("train", S3Location::in_bucket(&data, "train")).with_content_type("text/csv")],
///     S3Location::in_bucket(&data, "models"),
/// )
/// .with_hyperparameter("num_round", "100");
/// let job = TrainingJob::new(&stack, "Train", props);
/// assert!(job.job_name_prefix().starts_with("STrain-"));
/// assert!(app.assemble().is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct TrainingJob {
    node: Construct,
    state_machine: CfnStateMachine,
    role: RoleRef,
    job_name_prefix: String,
    output: S3Location,
}

impl Scope for TrainingJob {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl TrainingJob {
    /// Defines the job, its role and the state machine that runs it.
    pub fn new(scope: &impl Scope, id: &str, props: TrainingJobProps) -> Self {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sagemaker.TrainingJob");
        let stack = match Stack::of(&node) {
            Some(s) => s,
            None => {
                node.add_error("A TrainingJob must be defined within a Stack");
                Stack::new(&node, "Detached", sagecdk_core::StackProps::default())
            }
        };
        let mut problems = Vec::new();
        problems.extend(props.output.problems("output"));
        let mut seen = Vec::new();
        for channel in &props.channels {
            problems.extend(channel.data.problems(&format!("channels.{}", channel.name)));
            if seen.contains(&channel.name) {
                problems.push(format!("channel '{}' is defined twice", channel.name));
            }
            seen.push(channel.name.clone());
        }
        // The API allows 0 (for instance groups, which this construct does not write).
        if props.instance_count == Some(0) {
            problems.push("instanceCount must be at least 1, got 0".to_string());
        }
        let compatible = crate::cdk_compatible(&node);
        let security_groups =
            configure_networking(&node, props.vpc.as_ref(), &props.security_groups, None);
        let role = match props.role.clone() {
            // A training role under the CDK's defaults would be a full-access role: jobs have
            // no CDK counterpart to match, so the role keeps to least privilege.
            Some(r) => r,
            None => execution_role(&node, false),
        };
        let job_name_prefix = job::job_name_prefix(&node);

        let mut p = Parameters::default();
        let image = props.image.bind(&node, &stack, Some(&role));
        for channel in &props.channels {
            channel.data.grant_read(&role);
        }
        WriteTarget::Objects(props.output.clone()).grant(&role);
        for key in [&props.output_kms_key, &props.volume_kms_key]
            .into_iter()
            .flatten()
        {
            WriteTarget::Key(key.clone()).grant(&role);
        }

        let channels: Vec<Value> = props
            .channels
            .iter()
            .map(|c| {
                let mut source = json!({
                    "S3DataType": if c.is_manifest { "ManifestFile" } else { "S3Prefix" },
                    "S3Uri": p.unchecked(&c.data.to_uri()),
                });
                if c.sharded {
                    source["S3DataDistributionType"] = json!("ShardedByS3Key");
                }
                let mut channel = json!({
                    "ChannelName": c.name,
                    "DataSource": {"S3DataSource": source},
                });
                if let Some(t) = &c.content_type {
                    channel["ContentType"] = json!(t);
                }
                if c.gzipped {
                    channel["CompressionType"] = json!("Gzip");
                }
                if let Some(m) = c.input_mode {
                    channel["InputMode"] = json!(m.as_str());
                }
                channel
            })
            .collect();
        let mut output = json!({"S3OutputPath": p.unchecked(&props.output.to_uri())});
        if let Some(key) = &props.output_kms_key {
            output["KmsKeyId"] = p.text(&key.key_arn());
        }
        let instance_type = props
            .instance_type
            .clone()
            .unwrap_or(InstanceType::M5_XLARGE);
        let mut resources = json!({
            "InstanceType": instance_type.as_str(),
            "InstanceCount": props.instance_count.unwrap_or(1),
            "VolumeSizeInGB": props.volume_size_gb.unwrap_or(30),
        });
        if let Some(key) = &props.volume_kms_key {
            resources["VolumeKmsKeyId"] = p.text(&key.key_arn());
        }
        let max_runtime = match props.max_runtime {
            Some(d) => match whole_seconds(d, "maxRuntime") {
                Ok(s) => s,
                Err(e) => {
                    // Reported once, here; the default keeps the request otherwise valid.
                    problems.push(e);
                    DEFAULT_MAX_RUNTIME
                }
            },
            None => DEFAULT_MAX_RUNTIME,
        };
        let mut request = json!({
            "AlgorithmSpecification": {
                "TrainingImage": p.text(&image),
                "TrainingInputMode": props.input_mode.unwrap_or(InputMode::File).as_str(),
            },
            "RoleArn": p.text(&role.role_arn()),
            "OutputDataConfig": output,
            "ResourceConfig": resources,
            "StoppingCondition": {"MaxRuntimeInSeconds": max_runtime},
        });
        if !channels.is_empty() {
            request["InputDataConfig"] = Value::Array(channels);
        }
        if !props.hyperparameters.is_empty() {
            request["HyperParameters"] = json!(props.hyperparameters);
        }
        if !props.environment.is_empty() {
            request["Environment"] = json!(props.environment);
        }
        if props.network_isolation {
            request["EnableNetworkIsolation"] = json!(true);
        }
        if let Some(vpc) = &props.vpc {
            let groups: Vec<Value> = vpc_access(&role, compatible, &security_groups)
                .iter()
                .map(|g| p.text(g))
                .collect();
            let subnets: Vec<Value> = vpc.subnet_ids.iter().map(|s| p.text(s)).collect();
            request["VpcConfig"] = json!({"SecurityGroupIds": groups, "Subnets": subnets});
        }
        for problem in problems {
            node.add_error(problem);
        }
        // `sagecdk run --input train=s3://… --input hyperparameters='{…}'` trains on other
        // data or with other hyperparameters.
        let mut overrides: Vec<InputOverride> = props
            .channels
            .iter()
            .enumerate()
            .filter(|(_, c)| is_input_key(&c.name))
            .map(|(i, c)| InputOverride {
                key: c.name.clone(),
                pointer: format!("/InputDataConfig/{i}/DataSource/S3DataSource/S3Uri"),
            })
            .collect();
        overrides.push(InputOverride {
            key: "output".into(),
            pointer: "/OutputDataConfig/S3OutputPath".into(),
        });
        if !props.hyperparameters.is_empty() {
            overrides.push(InputOverride {
                key: "hyperparameters".into(),
                pointer: "/HyperParameters".into(),
            });
        }
        let state_machine = job::job_state_machine(
            &node,
            TRAINING_JOB,
            &job_name_prefix,
            request,
            p,
            Some(&role),
            &overrides,
        );
        job::add_triggers(&node, &state_machine, &props.triggers);
        TrainingJob {
            node,
            state_machine,
            role,
            job_name_prefix,
            output: props.output,
        }
    }

    /// The state machine's ARN (start an execution to run a job).
    pub fn state_machine_arn(&self) -> Str {
        self.state_machine.reference()
    }

    /// The prefix of the jobs' names (`<prefix>-<uuid>`), for
    /// [`ModelData::from_latest_training_job`](crate::ModelData::from_latest_training_job).
    pub fn job_name_prefix(&self) -> &str {
        &self.job_name_prefix
    }

    /// Where the jobs write their artifacts.
    pub fn output(&self) -> &S3Location {
        &self.output
    }

    /// The job's execution role.
    pub fn role(&self) -> &RoleRef {
        &self.role
    }

    /// The `AWS::StepFunctions::StateMachine`, typed.
    pub fn cfn_state_machine(&self) -> &CfnStateMachine {
        &self.state_machine
    }
}

/// Whether a channel name can be an execution input key (a JSONPath name in dot notation).
fn is_input_key(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !["output", "hyperparameters"].contains(&name)
}

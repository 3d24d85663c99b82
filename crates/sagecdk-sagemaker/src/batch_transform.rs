//! `BatchTransform`: a batch transform job of a model, run by an AWS Step Functions state
//! machine through the `sagemaker:createTransformJob.sync` integration (CloudFormation has no
//! transform-job resource): each execution runs one job, named uniquely, and waits for it.

use crate::destinations::{S3Location, WriteTarget};
use crate::instance_type::InstanceType;
use crate::model::{Model, wait_for_role_policy};
use sagecdk_aws::iam::{PolicyStatement, Principal, Role, RoleProps, RoleRef};
use sagecdk_cfn::events::rule::Target;
use sagecdk_cfn::events::{CfnRule, CfnRuleProps};
use sagecdk_cfn::step_functions::{CfnStateMachine, CfnStateMachineProps};
use sagecdk_core::{Aws, Construct, IndexMap, Scope, Stack, Str, Tokenized};
use serde_json::json;

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
    /// Instance type (default `ml.m5.large`).
    pub instance_type: Option<InstanceType>,
    /// Number of instances (default 1).
    pub instance_count: Option<u32>,
    /// How records are sent.
    pub batch_strategy: Option<BatchStrategy>,
    /// The largest request payload, in MB (0–100).
    pub max_payload_mb: Option<u32>,
    /// Requests sent to each instance at once.
    pub max_concurrent_transforms: Option<u32>,
    /// Environment variables of the containers.
    pub environment: IndexMap<String, String>,
    /// A schedule (`rate(1 day)`, `cron(0 3 * * ? *)`) that starts an execution.
    pub schedule: Option<String>,
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
            instance_type: None,
            instance_count: None,
            batch_strategy: None,
            max_payload_mb: None,
            max_concurrent_transforms: None,
            environment: IndexMap::new(),
            schedule: None,
        }
    }
}

/// Where the partition goes in the definition text.
const PARTITION: &str = "@@partition@@";

/// The longest job-name prefix: SageMaker's 63 characters, less a dash and a UUID.
const MAX_PREFIX: usize = 63 - 1 - 36;

/// A batch transform job of a model: `<id>/StateMachine` runs it (start an execution to run
/// it, or give a schedule), `<id>/Role` is the state machine's role. The model's role may read
/// the input and write the output.
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
/// let mut props = BatchTransformProps::new(&model,
///     S3Location::in_bucket(&data, "batch/input"), S3Location::in_bucket(&data, "batch/output"));
/// props.schedule = Some("rate(1 day)".into());
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
        let count = props.instance_count.unwrap_or(1);
        if count == 0 {
            problems.push("instanceCount must be at least 1".to_string());
        }
        if let Some(mb) = props.max_payload_mb
            && mb > 100
        {
            problems.push(format!("maxPayloadMb must be between 0 and 100, got {mb}"));
        }
        for p in problems {
            node.add_error(p);
        }
        let job_name_prefix = job_name_prefix(&node);

        // The model's containers read the input and write the output.
        let model_role = props.model.role();
        props.input.grant_read(model_role);
        WriteTarget::Objects(props.output.clone()).grant(model_role);

        let mut input = json!({
            "DataSource": {"S3DataSource": {
                "S3DataType": if props.input_is_manifest { "ManifestFile" } else { "S3Prefix" },
                "S3Uri": "@@InputUri@@"
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
        let mut output = json!({"S3OutputPath": "@@OutputUri@@"});
        if let Some(a) = &props.accept {
            output["Accept"] = json!(a);
        }
        if props.assemble_by_line {
            output["AssembleWith"] = json!("Line");
        }
        let instance_type = props
            .instance_type
            .clone()
            .unwrap_or(InstanceType::M5_LARGE);
        let mut parameters = json!({
            "TransformJobName.$": format!("States.Format('{job_name_prefix}-{{}}', States.UUID())"),
            "ModelName": "@@ModelName@@",
            "TransformInput": input,
            "TransformOutput": output,
            "TransformResources": {"InstanceType": instance_type.as_str(), "InstanceCount": count},
        });
        if let Some(b) = props.batch_strategy {
            parameters["BatchStrategy"] = json!(match b {
                BatchStrategy::SingleRecord => "SingleRecord",
                BatchStrategy::MultiRecord => "MultiRecord",
            });
        }
        if let Some(mb) = props.max_payload_mb {
            parameters["MaxPayloadInMB"] = json!(mb);
        }
        if let Some(n) = props.max_concurrent_transforms {
            parameters["MaxConcurrentTransforms"] = json!(n);
        }
        if !props.environment.is_empty() {
            parameters["Environment"] = json!(props.environment);
        }
        let definition = json!({
            "Comment": format!("Batch transform {}", node.path()),
            "StartAt": "Transform",
            "States": {"Transform": {
                "Type": "Task",
                "Resource": format!("arn:{PARTITION}:states:::sagemaker:createTransformJob.sync"),
                "Parameters": parameters,
                "End": true
            }}
        });

        let stack = Stack::of(&node);
        let arn = |resource: String| -> Str {
            match &stack {
                Some(s) => s.format_arn(
                    sagecdk_core::ArnComponents::new("sagemaker", "transform-job")
                        .with_resource_name(resource.as_str()),
                ),
                None => Str::default(),
            }
        };
        let role = Role::new(
            &node,
            "Role",
            RoleProps::new(Principal::service("states.amazonaws.com")),
        );
        role.add_to_policy(
            PolicyStatement::allow()
                .actions([
                    "sagemaker:CreateTransformJob",
                    "sagemaker:DescribeTransformJob",
                    "sagemaker:StopTransformJob",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ])
                .resource(arn(format!("{}*", job_name_prefix.to_lowercase()))),
        );
        // The `.sync` integration follows the job through a rule Step Functions manages.
        let rule_arn = match &stack {
            Some(s) => s.format_arn(
                sagecdk_core::ArnComponents::new("events", "rule")
                    .with_resource_name("StepFunctionsGetEventsForSageMakerTransformJobsRule"),
            ),
            None => Str::default(),
        };
        role.add_to_policy(
            PolicyStatement::allow()
                .actions(["events:PutTargets", "events:PutRule", "events:DescribeRule"])
                .resource(rule_arn),
        );
        // The definition as text joined with the tokens it holds, as the AWS CDK writes it
        // (a definition object is checked literally, and substitutions are not applied by
        // every implementation of CloudFormation).
        let tokens = [
            (PARTITION, Aws::partition()),
            ("@@ModelName@@", props.model.model_name()),
            ("@@InputUri@@", props.input.to_uri()),
            ("@@OutputUri@@", props.output.to_uri()),
        ];
        let mut sm_props = CfnStateMachineProps::new(role.role_arn());
        sm_props.definition_string = Some(join_with_tokens(&definition.to_string(), &tokens));
        let state_machine = CfnStateMachine::new(&node, "StateMachine", sm_props);
        // The role's policy must exist before the first execution.
        wait_for_role_policy(state_machine.resource(), &RoleRef::Owned(role.clone()));

        if let Some(schedule) = &props.schedule {
            let trigger = Role::new(
                &node,
                "ScheduleRole",
                RoleProps::new(Principal::service("events.amazonaws.com")),
            );
            trigger.add_to_policy(
                PolicyStatement::allow()
                    .actions(["states:StartExecution"])
                    .resource(state_machine.reference()),
            );
            let mut target = Target::new(state_machine.reference(), "StateMachine");
            target.role_arn = Some(trigger.role_arn());
            let mut rule = CfnRuleProps::new();
            rule.schedule_expression = Some(schedule.as_str().into());
            rule.targets = Some(Tokenized::Literal(vec![target]));
            CfnRule::new(&node, "Schedule", rule);
        }
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

/// `text` with each placeholder replaced by its token.
fn join_with_tokens(text: &str, tokens: &[(&str, Str)]) -> Str {
    let mut joined = Str::default();
    let mut rest = text;
    loop {
        let next = tokens
            .iter()
            .filter_map(|(placeholder, token)| {
                rest.find(placeholder).map(|i| (i, *placeholder, token))
            })
            .min_by_key(|(i, _, _)| *i);
        match next {
            Some((i, placeholder, token)) => {
                joined = joined + &rest[..i] + token.clone();
                rest = &rest[i + placeholder.len()..];
            }
            None => return joined + rest,
        }
    }
}

/// A job-name prefix from the construct path: its letters and digits, at most
/// [`MAX_PREFIX`] characters, ending in a short hash of the path so that it is unique.
fn job_name_prefix(node: &Construct) -> String {
    let path = node.path();
    let hash = crate::md5_hex(&path);
    let letters: String = path.chars().filter(char::is_ascii_alphanumeric).collect();
    let keep = MAX_PREFIX - 1 - 8;
    let start = letters.len().saturating_sub(keep);
    format!("{}-{}", &letters[start..], &hash[..8])
}

//! What every job construct shares: an AWS Step Functions state machine that runs one SageMaker
//! job per execution through the service's `.sync` integration (CloudFormation has no job
//! resources), its least-privilege role, unique job names, and the triggers that start it.

use crate::api_shapes;
use crate::destinations::S3Location;
use crate::model::wait_for_role_policy;
use sagecdk_aws::iam::{PolicyStatement, Principal, Role, RoleProps, RoleRef};
use sagecdk_cfn::events::rule::Target;
use sagecdk_cfn::events::{CfnRule, CfnRuleProps};
use sagecdk_cfn::step_functions::{CfnStateMachine, CfnStateMachineProps};
use sagecdk_core::{ArnComponents, Aws, Construct, Scope, Stack, Str, Tokenized, cfn};
use serde_json::{Value, json};

/// What starts a job's state machine, besides a user's `StartExecution` (`sagecdk run`).
#[derive(Clone, Debug)]
pub enum JobTrigger {
    /// An EventBridge schedule expression: `rate(1 day)`, `cron(0 3 * * ? *)`.
    Schedule(String),
    /// Every object created under an S3 location of a bucket (S3's EventBridge notifications;
    /// a bucket of the app gets them turned on, an imported one must have them already). Each
    /// new object starts one execution.
    NewObjects(S3Location),
}

impl JobTrigger {
    /// A schedule expression (`rate(…)` or `cron(…)`).
    pub fn schedule(expression: impl Into<String>) -> Self {
        JobTrigger::Schedule(expression.into())
    }

    /// New objects under `location`.
    pub fn new_objects(location: S3Location) -> Self {
        JobTrigger::NewObjects(location)
    }
}

/// The SageMaker job a state machine runs: its API, name parameter and ARN.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobKind {
    /// The state's name in the definition.
    pub(crate) state: &'static str,
    /// The integration (`createTransformJob`), which is also the request's API operation.
    pub(crate) integration: &'static str,
    /// The request shape in the SageMaker API model.
    pub(crate) request_shape: &'static str,
    /// The parameter naming the job.
    pub(crate) name_parameter: &'static str,
    /// The ARN resource type of the job (`transform-job`).
    pub(crate) arn_type: &'static str,
    /// The job's create, describe and stop actions.
    pub(crate) actions: [&'static str; 3],
    /// The EventBridge rule through which Step Functions follows the job.
    pub(crate) events_rule: &'static str,
}

/// A batch transform job.
pub(crate) const TRANSFORM_JOB: JobKind = JobKind {
    state: "Transform",
    integration: "createTransformJob",
    request_shape: "CreateTransformJobRequest",
    name_parameter: "TransformJobName",
    arn_type: "transform-job",
    actions: [
        "sagemaker:CreateTransformJob",
        "sagemaker:DescribeTransformJob",
        "sagemaker:StopTransformJob",
    ],
    events_rule: "StepFunctionsGetEventsForSageMakerTransformJobsRule",
};

/// A training job.
pub(crate) const TRAINING_JOB: JobKind = JobKind {
    state: "Train",
    integration: "createTrainingJob",
    request_shape: "CreateTrainingJobRequest",
    name_parameter: "TrainingJobName",
    arn_type: "training-job",
    actions: [
        "sagemaker:CreateTrainingJob",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:StopTrainingJob",
    ],
    events_rule: "StepFunctionsGetEventsForSageMakerTrainingJobsRule",
};

/// The longest job-name prefix: SageMaker's 63 characters, less a dash and a UUID.
const MAX_PREFIX: usize = 63 - 1 - 36;

/// A job-name prefix from the construct path: its letters and digits, at most
/// [`MAX_PREFIX`] characters, ending in a short hash of the path so that it is unique.
pub(crate) fn job_name_prefix(node: &Construct) -> String {
    let path = node.path();
    let hash = crate::md5_hex(&path);
    let letters: String = path.chars().filter(char::is_ascii_alphanumeric).collect();
    let keep = MAX_PREFIX - 1 - 8;
    let start = letters.len().saturating_sub(keep);
    format!("{}-{}", &letters[start..], &hash[..8])
}

/// Request parameters being written: literal values go in as they are, values holding tokens
/// as placeholders that [`Parameters::definition`] joins back as the tokens.
#[derive(Default)]
pub(crate) struct Parameters {
    tokens: Vec<(String, Str)>,
}

impl Parameters {
    /// `value` as a JSON string of the request: itself when literal, else a placeholder.
    pub(crate) fn text(&mut self, value: &Str) -> Value {
        match value.as_literal() {
            Some(text) => Value::String(text),
            None => self.unchecked(value),
        }
    }

    /// `value` as a placeholder, which the API check skips: for values the construct checks
    /// itself in its own words (S3 locations).
    pub(crate) fn unchecked(&mut self, value: &Str) -> Value {
        let placeholder = format!("@@sagecdk:{}@@", self.tokens.len());
        self.tokens.push((placeholder.clone(), value.clone()));
        Value::String(placeholder)
    }
}

/// A value of the request that an execution's input may replace: `key` in the input replaces
/// the value at `pointer` (a JSON pointer into the request).
pub(crate) struct InputOverride {
    /// The execution input's key (letters, digits, `_`).
    pub(crate) key: String,
    /// Where the value is in the request.
    pub(crate) pointer: String,
}

/// The state machine `<node>/StateMachine` running `kind` with `request` (the job's name is
/// added), and its role `<node>/StateMachineRole`, which may pass `passed_role` to SageMaker.
/// The request is checked against the SageMaker API model; problems are errors at `node`.
///
/// An execution's input (an object) may replace the `overrides`: two `Pass` states merge the
/// input over the defaults, and the task reads those values from the merge. Other input keys
/// (an EventBridge event's) are ignored.
pub(crate) fn job_state_machine(
    node: &Construct,
    kind: JobKind,
    prefix: &str,
    mut request: Value,
    parameters: Parameters,
    passed_role: Option<&RoleRef>,
    overrides: &[InputOverride],
) -> CfnStateMachine {
    request[format!("{}.$", kind.name_parameter)] =
        json!(format!("States.Format('{prefix}-{{}}', States.UUID())"));
    for problem in api_shapes::check(kind.request_shape, &request) {
        node.add_error(problem);
    }
    let mut defaults = serde_json::Map::new();
    for o in overrides {
        let Some((parent, field)) = o.pointer.rsplit_once('/') else {
            continue;
        };
        if let Some(Value::Object(fields)) = request.pointer_mut(parent)
            && let Some(value) = fields.shift_remove(field)
        {
            defaults.insert(o.key.clone(), value);
            fields.insert(format!("{field}.$"), json!(format!("$.values.{}", o.key)));
        }
    }
    let mut states = serde_json::Map::new();
    let start = if defaults.is_empty() {
        kind.state
    } else {
        states.insert(
            "Inputs".into(),
            json!({"Type": "Pass", "Parameters": {"defaults": defaults, "given.$": "$"}, "Next": "Merge"}),
        );
        states.insert(
            "Merge".into(),
            json!({"Type": "Pass", "Parameters": {"values.$": "States.JsonMerge($.defaults, $.given, false)"}, "Next": kind.state}),
        );
        "Inputs"
    };
    states.insert(
        kind.state.into(),
        json!({
            "Type": "Task",
            "Resource": format!("arn:{PARTITION}:states:::sagemaker:{}.sync", kind.integration),
            "Parameters": request,
            "End": true
        }),
    );
    let definition = json!({
        "Comment": format!("SageMaker {} job of {}", kind.arn_type.trim_end_matches("-job"), node.path()),
        "StartAt": start,
        "States": states,
    });

    let stack = Stack::of(node);
    let arn = |service: &str, resource_type: &str, name: String| -> Str {
        match &stack {
            Some(s) => s.format_arn(
                ArnComponents::new(service, resource_type).with_resource_name(name.as_str()),
            ),
            None => Str::default(),
        }
    };
    let role = Role::new(
        node,
        "StateMachineRole",
        RoleProps::new(Principal::service("states.amazonaws.com")),
    );
    let [create, describe, stop] = kind.actions;
    role.add_to_policy(
        PolicyStatement::allow()
            .actions([
                create,
                describe,
                stop,
                "sagemaker:AddTags",
                "sagemaker:ListTags",
            ])
            // SageMaker keeps job names in lower case in ARNs.
            .resource(arn(
                "sagemaker",
                kind.arn_type,
                format!("{}*", prefix.to_lowercase()),
            )),
    );
    // The `.sync` integration follows the job through a rule Step Functions manages.
    role.add_to_policy(
        PolicyStatement::allow()
            .actions(["events:PutTargets", "events:PutRule", "events:DescribeRule"])
            .resource(arn("events", "rule", kind.events_rule.to_string())),
    );
    if let Some(passed) = passed_role {
        role.add_to_policy(
            PolicyStatement::allow()
                .action("iam:PassRole")
                .resource(passed.role_arn())
                .condition(
                    "StringEquals",
                    json!({"iam:PassedToService": "sagemaker.amazonaws.com"}),
                ),
        );
    }
    // The definition as text joined with the tokens it holds, as the AWS CDK writes it
    // (a definition object is checked literally, and substitutions are not applied by
    // every implementation of CloudFormation).
    let mut tokens = vec![(PARTITION.to_string(), Aws::partition())];
    tokens.extend(parameters.tokens);
    let mut props = CfnStateMachineProps::new(role.role_arn());
    props.definition_string = Some(join_with_tokens(&definition.to_string(), &tokens));
    let state_machine = CfnStateMachine::new(node, "StateMachine", props);
    let inputs: Vec<&str> = overrides.iter().map(|o| o.key.as_str()).collect();
    state_machine.resource().add_metadata(
        sagecdk_assembly::manifest::JOB_METADATA,
        sagecdk_core::cfn!({"job": (kind.arn_type), "jobNamePrefix": (prefix), "inputs": (inputs)}),
    );
    // The role's policy must exist before the first execution.
    wait_for_role_policy(state_machine.resource(), &RoleRef::Owned(role));
    state_machine
}

/// Where the partition goes in the definition text.
const PARTITION: &str = "@@sagecdk:partition@@";

/// Adds what starts `state_machine` on `triggers`: an EventBridge rule each (`<node>/Schedule`,
/// `<node>/NewObjects`, numbered from the second on) and one role they share.
pub(crate) fn add_triggers(
    node: &Construct,
    state_machine: &CfnStateMachine,
    triggers: &[JobTrigger],
) {
    if triggers.is_empty() {
        return;
    }
    let role = Role::new(
        node,
        "TriggerRole",
        RoleProps::new(Principal::service("events.amazonaws.com")),
    );
    role.add_to_policy(
        PolicyStatement::allow()
            .action("states:StartExecution")
            .resource(state_machine.reference()),
    );
    for trigger in triggers {
        let mut rule = CfnRuleProps::new();
        let base = match trigger {
            JobTrigger::Schedule(expression) => {
                rule.schedule_expression = Some(expression.as_str().into());
                "Schedule"
            }
            JobTrigger::NewObjects(location) => {
                match location.object_created_pattern() {
                    Some((bucket, prefix)) => {
                        if !bucket.enable_event_bridge_notification() {
                            node.add_warning(format!(
                                "bucket '{}' is imported: its EventBridge notifications must be on for new objects to start the job",
                                bucket.node().path()
                            ));
                        }
                        let key = if prefix.is_empty() {
                            cfn!([{"exists": true}])
                        } else {
                            cfn!([{"prefix": (format!("{prefix}/"))}])
                        };
                        rule.event_pattern = Some(cfn!({
                            "source": ["aws.s3"],
                            "detail-type": ["Object Created"],
                            "detail": {
                                "bucket": {"name": [(bucket.bucket_name())]},
                                "object": {"key": (key)}
                            }
                        }));
                    }
                    None => node.add_error(
                        "a new-objects trigger needs a location in a bucket (`S3Location::in_bucket`), not a bare URI",
                    ),
                }
                "NewObjects"
            }
        };
        let mut id = base.to_string();
        let mut n = 1;
        while node.try_find_child(&id).is_some() {
            n += 1;
            id = format!("{base}{n}");
        }
        let mut target = Target::new(state_machine.reference(), "StateMachine");
        target.role_arn = Some(role.role_arn());
        rule.targets = Some(Tokenized::Literal(vec![target]));
        CfnRule::new(node, &id, rule);
    }
}

/// `text` with each placeholder replaced by its token.
fn join_with_tokens(text: &str, tokens: &[(String, Str)]) -> Str {
    let mut joined = Str::default();
    let mut rest = text;
    loop {
        let next = tokens
            .iter()
            .filter_map(|(placeholder, token)| {
                rest.find(placeholder.as_str())
                    .map(|i| (i, placeholder.len(), token))
            })
            .min_by_key(|(i, _, _)| *i);
        match next {
            Some((i, len, token)) => {
                joined = joined + &rest[..i] + token.clone();
                rest = &rest[i + len..];
            }
            None => return joined + rest,
        }
    }
}

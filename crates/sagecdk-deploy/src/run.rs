//! Running the SageMaker jobs of deployed stacks: finding a job's state machine by construct
//! path or stack output, starting an execution with an input, and following it and its job
//! (training or batch transform) until it ends.

use crate::environment::{AwsEnvironment, EnvironmentOptions};
use crate::error::{DeployError, Result, aws};
use crate::stack::describe_stack;
use crate::target::{resources_at, split_target};
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use sagecdk_assembly::StackArtifact;
use sagecdk_assembly::manifest::JOB_METADATA;
use serde_json::{Map, Value};
use std::time::Duration;

/// The resource type of a job's state machine.
const STATE_MACHINE: &str = "AWS::StepFunctions::StateMachine";

/// A state machine of a stack template that runs SageMaker jobs (a `TrainingJob` or a
/// `BatchTransform`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStateMachine {
    /// The state machine's construct path (`Stack/Batch/StateMachine`).
    pub path: String,
    /// Its logical id.
    pub logical_id: String,
    /// The job's ARN resource type: `training-job` or `transform-job`.
    pub job: String,
    /// The execution input keys it reads.
    pub inputs: Vec<String>,
}

/// The job state machines of a template (with path metadata, as the CLI synthesizes).
pub fn job_state_machines(template: &Value) -> Vec<JobStateMachine> {
    let Some(resources) = template["Resources"].as_object() else {
        return Vec::new();
    };
    resources
        .iter()
        .filter(|(_, r)| r["Type"] == STATE_MACHINE)
        .filter_map(|(id, r)| {
            let job = &r["Metadata"][JOB_METADATA];
            Some(JobStateMachine {
                path: r["Metadata"]["aws:cdk:path"].as_str()?.to_string(),
                logical_id: id.clone(),
                job: job["job"].as_str()?.to_string(),
                inputs: job["inputs"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|k| k.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// What `sagecdk run` names: a state machine of a stack, found.
#[derive(Debug, Clone)]
pub struct RunTarget {
    /// The stack.
    pub stack: StackArtifact,
    /// The job state machine when known (by path, or an output referencing it).
    pub job: Option<JobStateMachine>,
    /// The output named, if the target was `stack/output`.
    pub output: Option<String>,
    /// The state machine's logical id, when known.
    pub logical_id: Option<String>,
}

/// Finds `target` — a construct path (of the job construct or its state machine) or
/// `<stack>/<output>` — in the assembly's `stacks`.
pub fn find_target(stacks: &[StackArtifact], target: &str) -> Result<RunTarget> {
    let (stack, rest) = split_target(stacks, target)?;
    let target = target.trim_matches('/');
    let template = stack
        .template()
        .map_err(|e| DeployError::Invalid(format!("stack {}: {e}", stack.display_name)))?;
    let jobs = job_state_machines(&template);
    if let Some(output) = template["Outputs"].get(&rest) {
        // An output that references a job state machine tells what the job reads.
        let referenced = output["Value"]["Ref"].as_str();
        let job = jobs
            .iter()
            .find(|j| Some(j.logical_id.as_str()) == referenced)
            .cloned();
        return Ok(RunTarget {
            stack: stack.clone(),
            logical_id: job.as_ref().map(|j| j.logical_id.clone()),
            job,
            output: Some(rest),
        });
    }
    let matching: Vec<&str> = resources_at(&template, STATE_MACHINE, target, "StateMachine")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let found: Vec<&JobStateMachine> = jobs
        .iter()
        .filter(|j| matching.contains(&j.logical_id.as_str()))
        .collect();
    match found.as_slice() {
        [job] => Ok(RunTarget {
            stack: stack.clone(),
            logical_id: Some(job.logical_id.clone()),
            job: Some((*job).clone()),
            output: None,
        }),
        _ => {
            let mut known: Vec<String> = jobs
                .iter()
                .map(|j| {
                    j.path
                        .strip_suffix("/StateMachine")
                        .unwrap_or(&j.path)
                        .to_string()
                })
                .collect();
            if let Some(outputs) = template["Outputs"].as_object() {
                known.extend(
                    outputs
                        .keys()
                        .map(|o| format!("{}/{o} (output)", stack.display_name)),
                );
            }
            let known = if known.is_empty() {
                "it has no job state machines (a `TrainingJob` or `BatchTransform`) and no outputs"
                    .to_string()
            } else {
                format!("jobs and outputs: {}", known.join(", "))
            };
            Err(DeployError::Invalid(format!(
                "stack {} has no job or output '{target}'; {known}",
                stack.display_name
            )))
        }
    }
}

/// Parses `KEY=VALUE` execution inputs into an object: a value that reads as a JSON object,
/// array, number or boolean is that value, anything else a string. Keys the job does not read
/// are an error listing those it reads; every bad input is reported together.
pub fn execution_input(pairs: &[String], job: Option<&JobStateMachine>) -> Result<Value> {
    let mut input = Map::new();
    let mut problems = Vec::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            problems.push(format!("--input '{pair}' is not KEY=VALUE"));
            continue;
        };
        if let Some(job) = job
            && !job.inputs.iter().any(|k| k == key)
        {
            problems.push(format!(
                "--input {key}: the job {} reads {}",
                job.path.strip_suffix("/StateMachine").unwrap_or(&job.path),
                if job.inputs.is_empty() {
                    "no input".to_string()
                } else {
                    job.inputs.join(", ")
                }
            ));
            continue;
        }
        let parsed = match serde_json::from_str::<Value>(value) {
            Ok(v @ (Value::Object(_) | Value::Array(_) | Value::Number(_) | Value::Bool(_))) => v,
            _ => Value::String(value.to_string()),
        };
        input.insert(key.to_string(), parsed);
    }
    if problems.is_empty() {
        Ok(Value::Object(input))
    } else {
        Err(DeployError::Invalid(problems.join("; ")))
    }
}

/// The AWS side of a run: the environment's credentials, Step Functions and SageMaker.
#[derive(Debug, Clone)]
pub struct JobRunner {
    config: aws_config::SdkConfig,
    sfn: aws_sdk_sfn::Client,
    sagemaker: aws_sdk_sagemaker::Client,
}

impl JobRunner {
    /// Clients for the environment of `stack` with the caller's credentials (starting an
    /// execution is the user's action, not a deployment role's).
    pub async fn for_stack(options: &EnvironmentOptions, stack: &StackArtifact) -> Result<Self> {
        let env = AwsEnvironment::resolve(options, &stack.environment).await?;
        Ok(Self::from_config(env.base_config().clone()))
    }

    /// Clients for the region of an execution or state machine ARN.
    pub async fn for_arn(options: &EnvironmentOptions, arn: &str) -> Result<Self> {
        let region = arn.split(':').nth(3).filter(|r| !r.is_empty());
        let config = crate::environment::load_config(options, region).await?;
        Ok(Self::from_config(config))
    }

    fn from_config(config: aws_config::SdkConfig) -> Self {
        JobRunner {
            sfn: AwsEnvironment::step_functions(&config),
            sagemaker: AwsEnvironment::sagemaker(&config),
            config,
        }
    }

    /// The state machine's ARN: the physical id of its resource when the template tells which
    /// (by path, or an output that is its `Ref`), else the deployed output's value.
    pub async fn state_machine_arn(&self, target: &RunTarget) -> Result<String> {
        let cfn = AwsEnvironment::cloudformation(&self.config);
        let name = target.stack.stack_name();
        let not_deployed = || {
            DeployError::Invalid(format!(
                "stack {name} is not deployed: run `sagecdk deploy {}` first",
                target.stack.display_name
            ))
        };
        if let (Some(output), None) = (&target.output, &target.logical_id) {
            let stack = describe_stack(&cfn, name).await?.ok_or_else(not_deployed)?;
            return stack
                .outputs()
                .iter()
                .find(|o| o.output_key() == Some(output.as_str()))
                .and_then(|o| o.output_value())
                .filter(|v| v.starts_with("arn:") && v.contains(":stateMachine:"))
                .map(str::to_string)
                .ok_or_else(|| {
                    DeployError::Invalid(format!(
                        "output {output} of stack {name} is not the ARN of a state machine in the deployed stack: deploy the stack again, or name the job by its construct path"
                    ))
                });
        }
        let logical_id = target.logical_id.as_deref().unwrap_or_default();
        describe_stack(&cfn, name).await?.ok_or_else(not_deployed)?;
        let out = cfn
            .describe_stack_resource()
            .stack_name(name)
            .logical_resource_id(logical_id)
            .send()
            .await
            .map_err(|e| aws("CloudFormation DescribeStackResource", e))?;
        out.stack_resource_detail()
            .and_then(|d| d.physical_resource_id())
            .map(str::to_string)
            .ok_or_else(|| {
                DeployError::Invalid(format!(
                    "the state machine {logical_id} of stack {name} is not deployed yet: run `sagecdk deploy {}`",
                    target.stack.display_name
                ))
            })
    }

    /// Starts an execution of `state_machine` with `input`; returns its ARN.
    pub async fn start(&self, state_machine: &str, input: &Value) -> Result<String> {
        let out = self
            .sfn
            .start_execution()
            .state_machine_arn(state_machine)
            .input(input.to_string())
            .send()
            .await
            .map_err(|e| aws("Step Functions StartExecution", e))?;
        Ok(out.execution_arn().to_string())
    }

    /// One look at an execution and its job (`known`: the job, once found — an execution runs
    /// one job, so its history is read only until it shows it).
    pub async fn status(&self, execution: &str, known: Option<&JobRef>) -> Result<RunStatus> {
        let out = self
            .sfn
            .describe_execution()
            .execution_arn(execution)
            .send()
            .await
            .map_err(|e| aws("Step Functions DescribeExecution", e))?;
        let mut status = RunStatus {
            execution: out.status().as_str().to_string(),
            error: out.error().map(str::to_string),
            cause: out.cause().map(str::to_string),
            output: out.output().map(str::to_string),
            ..RunStatus::default()
        };
        let job = match known {
            Some(job) => Some(job.clone()),
            None => self.job_of(execution).await?,
        };
        if let Some(job) = job {
            status.job_status = Some(self.job_status(&job).await?);
            status.job = Some(job);
        }
        Ok(status)
    }

    /// The SageMaker job an execution scheduled, from its history.
    async fn job_of(&self, execution: &str) -> Result<Option<JobRef>> {
        let out = self
            .sfn
            .get_execution_history()
            .execution_arn(execution)
            .reverse_order(true)
            .send()
            .await
            .map_err(|e| aws("Step Functions GetExecutionHistory", e))?;
        Ok(out
            .events()
            .iter()
            .filter(|e| e.r#type() == &HistoryEventType::TaskScheduled)
            .filter_map(|e| e.task_scheduled_event_details())
            .filter(|d| d.resource_type() == "sagemaker")
            .find_map(|d| job_in_parameters(d.parameters())))
    }

    async fn job_status(&self, job: &JobRef) -> Result<JobStatus> {
        match job {
            JobRef::Training(name) => {
                let out = self
                    .sagemaker
                    .describe_training_job()
                    .training_job_name(name)
                    .send()
                    .await
                    .map_err(|e| aws("SageMaker DescribeTrainingJob", e))?;
                Ok(JobStatus {
                    status: out
                        .training_job_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    secondary: out.secondary_status().map(|s| s.as_str().to_string()),
                    failure_reason: out.failure_reason().map(str::to_string),
                })
            }
            JobRef::Transform(name) => {
                let out = self
                    .sagemaker
                    .describe_transform_job()
                    .transform_job_name(name)
                    .send()
                    .await
                    .map_err(|e| aws("SageMaker DescribeTransformJob", e))?;
                Ok(JobStatus {
                    status: out
                        .transform_job_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    secondary: None,
                    failure_reason: out.failure_reason().map(str::to_string),
                })
            }
        }
    }

    /// Follows `execution` until it ends, calling `on_change` whenever what is seen changes
    /// (every `poll`). Returns the last status; [`RunStatus::failure`] tells whether it failed.
    pub async fn follow(
        &self,
        execution: &str,
        poll: Duration,
        on_change: &mut dyn FnMut(&RunStatus),
    ) -> Result<RunStatus> {
        let mut last: Option<RunStatus> = None;
        loop {
            let known = last.as_ref().and_then(|s| s.job.as_ref());
            let status = self.status(execution, known).await?;
            if last.as_ref() != Some(&status) {
                on_change(&status);
            }
            if status.execution != ExecutionStatus::Running.as_str() {
                return Ok(status);
            }
            last = Some(status);
            tokio::time::sleep(poll).await;
        }
    }
}

/// The job an execution runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobRef {
    /// A training job, by name.
    Training(String),
    /// A batch transform job, by name.
    Transform(String),
}

impl JobRef {
    /// The job's name.
    pub fn name(&self) -> &str {
        match self {
            JobRef::Training(n) | JobRef::Transform(n) => n,
        }
    }
}

/// A job's status as SageMaker reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobStatus {
    /// `InProgress`, `Completed`, `Failed`, `Stopping`, `Stopped`.
    pub status: String,
    /// A training job's secondary status (`Starting`, `Downloading`, `Training`, `Uploading`…).
    pub secondary: Option<String>,
    /// Why it failed.
    pub failure_reason: Option<String>,
}

/// What a run looks like at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStatus {
    /// The execution's status: `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`.
    pub execution: String,
    /// The execution's error, once failed.
    pub error: Option<String>,
    /// The execution's cause, once failed.
    pub cause: Option<String>,
    /// The execution's output, once succeeded.
    pub output: Option<String>,
    /// The job it runs, once scheduled.
    pub job: Option<JobRef>,
    /// The job's status.
    pub job_status: Option<JobStatus>,
}

impl RunStatus {
    /// Why the run failed, `None` while it runs or when it succeeded.
    pub fn failure(&self) -> Option<String> {
        if matches!(
            self.execution.as_str(),
            "RUNNING" | "SUCCEEDED" | "PENDING_REDRIVE"
        ) {
            return None;
        }
        let mut reason = match self.execution.as_str() {
            "ABORTED" => "the execution was aborted".to_string(),
            "TIMED_OUT" => "the execution timed out".to_string(),
            _ => "the execution failed".to_string(),
        };
        if let Some(job_reason) = self
            .job_status
            .as_ref()
            .and_then(|j| j.failure_reason.as_deref())
        {
            reason.push_str(&format!(
                ": job {} failed: {job_reason}",
                self.job.as_ref().map_or("", JobRef::name)
            ));
        } else {
            let detail: Vec<&str> = [self.error.as_deref(), self.cause.as_deref()]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect();
            if !detail.is_empty() {
                reason.push_str(&format!(": {}", detail.join(": ")));
            }
        }
        Some(reason)
    }

    /// One line describing the status (`RUNNING · training job x: InProgress (Training)`).
    pub fn line(&self) -> String {
        let mut line = self.execution.clone();
        if let (Some(job), Some(status)) = (&self.job, &self.job_status) {
            let kind = match job {
                JobRef::Training(_) => "training job",
                JobRef::Transform(_) => "transform job",
            };
            line.push_str(&format!(" · {kind} {}: {}", job.name(), status.status));
            if let Some(secondary) = &status.secondary {
                line.push_str(&format!(" ({secondary})"));
            }
        }
        line
    }
}

/// The job named in a SageMaker task's parameters (as the history records them).
fn job_in_parameters(parameters: &str) -> Option<JobRef> {
    let value: Value = serde_json::from_str(parameters).ok()?;
    if let Some(name) = value["TrainingJobName"].as_str() {
        return Some(JobRef::Training(name.to_string()));
    }
    value["TransformJobName"]
        .as_str()
        .map(|n| JobRef::Transform(n.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn job_state_machines_are_found_by_their_metadata() {
        let template = json!({"Resources": {
            "BatchStateMachine1": {"Type": "AWS::StepFunctions::StateMachine", "Metadata": {
                "aws:cdk:path": "S/Batch/StateMachine",
                "sagecdk:job": {"job": "transform-job", "inputs": ["input", "output"]}}},
            "Other": {"Type": "AWS::StepFunctions::StateMachine", "Metadata": {"aws:cdk:path": "S/Other"}}
        }});
        let jobs = job_state_machines(&template);
        assert_eq!(
            jobs,
            [JobStateMachine {
                path: "S/Batch/StateMachine".into(),
                logical_id: "BatchStateMachine1".into(),
                job: "transform-job".into(),
                inputs: vec!["input".into(), "output".into()],
            }]
        );
        let input = execution_input(
            &["input=s3://b/x".into(), "output={\"a\":1}".into()],
            jobs.first(),
        )
        .expect("valid");
        assert_eq!(input, json!({"input": "s3://b/x", "output": {"a": 1}}));
        let err = execution_input(&["nope".into(), "epochs=3".into()], jobs.first())
            .expect_err("invalid")
            .to_string();
        assert_eq!(
            err,
            "--input 'nope' is not KEY=VALUE; --input epochs: the job S/Batch reads input, output"
        );
    }

    #[test]
    fn a_failure_names_the_job_reason_or_the_execution_error() {
        let mut status = RunStatus {
            execution: "FAILED".into(),
            error: Some("States.TaskFailed".into()),
            cause: Some("boom".into()),
            ..RunStatus::default()
        };
        assert_eq!(
            status.failure().as_deref(),
            Some("the execution failed: States.TaskFailed: boom")
        );
        status.job = job_in_parameters(r#"{"TrainingJobName":"t-1","RoleArn":"r"}"#);
        status.job_status = Some(JobStatus {
            status: "Failed".into(),
            secondary: Some("Failed".into()),
            failure_reason: Some("AlgorithmError: out of memory".into()),
        });
        assert_eq!(
            status.failure().as_deref(),
            Some("the execution failed: job t-1 failed: AlgorithmError: out of memory")
        );
        assert_eq!(status.line(), "FAILED · training job t-1: Failed (Failed)");
        assert_eq!(
            RunStatus {
                execution: "SUCCEEDED".into(),
                ..RunStatus::default()
            }
            .failure(),
            None
        );
    }
}

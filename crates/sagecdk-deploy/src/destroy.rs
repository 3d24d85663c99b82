//! `destroy`: deleting the stacks of a cloud assembly, dependents first.
//!
//! Per stack: `DescribeStacks` (a stack that does not exist is done), `DeleteStack` with the
//! CloudFormation execution role when the stack names one (assumed through the deployment role,
//! as for deployments), the stack events, and a wait until the stack is gone. Assets in the
//! staging bucket and the container repository are not removed.

use crate::environment::{AwsEnvironment, EnvironmentOptions, Environments};
use crate::error::{DeployError, Result, aws};
use crate::progress::{Reporter, Silent};
use crate::stack::{EventMonitor, describe_stack, follow_operation, in_progress, wait_stable};
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::types::StackStatus;
use sagecdk_assembly::StackArtifact;
use std::sync::Arc;

/// Options of `destroy`.
#[derive(Debug, Clone)]
pub struct DestroyOptions {
    /// Credentials and region.
    pub environment: EnvironmentOptions,
    /// Shows the stack events and messages (default: [`Silent`]).
    pub reporter: Arc<dyn Reporter>,
}

impl Default for DestroyOptions {
    fn default() -> Self {
        DestroyOptions {
            environment: EnvironmentOptions::default(),
            reporter: Arc::new(Silent),
        }
    }
}

/// Destroys the given stacks one after the other, in the given order (see [`crate::order::destroy_order`]).
/// Environments are resolved once each.
pub async fn destroy_stacks(stacks: &[StackArtifact], options: &DestroyOptions) -> Result<()> {
    let environments = Environments::new(options.environment.clone(), options.reporter.clone());
    let reporter = options.reporter.as_ref();
    for (i, stack) in stacks.iter().enumerate() {
        let env = environments.get(&stack.environment).await?;
        reporter.message(&format!(
            "{}: destroying... [{}/{}]",
            stack.display_name,
            i + 1,
            stacks.len()
        ));
        destroy_artifact(&env, stack, reporter).await?;
        reporter.message(&format!("\n ✅  {}: destroyed", stack.display_name));
    }
    Ok(())
}

/// Destroys one stack artifact in `env`, with its deployment role and execution role; the
/// events are shown by `reporter`.
pub async fn destroy_artifact(
    env: &AwsEnvironment,
    stack: &StackArtifact,
    reporter: &dyn Reporter,
) -> Result<()> {
    let props = &stack.properties;
    let config = env
        .config_for_role(
            props.assume_role_arn.as_deref(),
            props.assume_role_external_id.as_deref(),
            None,
        )
        .await?;
    let cfn = AwsEnvironment::cloudformation(&config);
    let role = props
        .cloud_formation_execution_role_arn
        .as_deref()
        .map(|r| env.replace_placeholders(r));
    delete_stack(&cfn, stack.stack_name(), role.as_deref(), reporter).await?;
    Ok(())
}

/// Deletes stack `name` (with `role` as the CloudFormation execution role), shows its events
/// through `reporter` and waits until it is gone. Returns `false` when the stack did not exist.
pub async fn delete_stack(
    cfn: &Client,
    name: &str,
    role: Option<&str>,
    reporter: &dyn Reporter,
) -> Result<bool> {
    let Some(mut stack) = describe_stack(cfn, name).await? else {
        return Ok(false);
    };
    if stack
        .stack_status()
        .is_some_and(|s| in_progress(s.as_str()))
    {
        reporter.message(&format!(
            "{name}: waiting for the stack's current operation to finish"
        ));
        match wait_stable(cfn, name, reporter).await? {
            Some(s) => stack = s,
            None => return Ok(false),
        }
    }
    if stack.stack_status() == Some(&StackStatus::DeleteComplete) {
        return Ok(false);
    }
    let id = stack.stack_id().unwrap_or(name).to_string();
    let total = count_resources(cfn, &id).await;
    let mut monitor = EventMonitor::new(name, total, 0, reporter).with_stack_id(&id);
    monitor.skip_existing(cfn).await;

    cfn.delete_stack()
        .stack_name(&id)
        .set_role_arn(role.map(str::to_string))
        .send()
        .await
        .map_err(|e| aws("CloudFormation DeleteStack", e))?;

    // By id: a deleted stack still answers (DELETE_COMPLETE) instead of "does not exist".
    let last = follow_operation(cfn, &id, &mut monitor).await?;
    let Some(last) = last else {
        return Ok(true);
    };
    match last.stack_status() {
        Some(StackStatus::DeleteComplete) => Ok(true),
        status => {
            let mut message = format!(
                "Failed to destroy {name}: {}{}",
                status.map(|s| s.as_str()).unwrap_or("unknown status"),
                last.stack_status_reason()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
            if !monitor.errors().is_empty() {
                message.push_str("\nFailed resources:");
                for e in monitor.errors() {
                    message.push_str("\n  ");
                    message.push_str(e);
                }
            }
            message.push_str(
                "\nRemove or fix what blocks the deletion (see the events above), then run \
                 destroy again",
            );
            Err(DeployError::StackFailed(message))
        }
    }
}

/// Number of resources of the stack (progress total of the events); 0 when unknown.
async fn count_resources(cfn: &Client, id: &str) -> usize {
    let mut count = 0;
    let mut next: Option<String> = None;
    loop {
        let Ok(page) = cfn
            .list_stack_resources()
            .stack_name(id)
            .set_next_token(next.clone())
            .send()
            .await
        else {
            return count;
        };
        count += page.stack_resource_summaries().len();
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            return count;
        }
    }
}

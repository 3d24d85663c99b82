//! Deploying one CloudFormation stack with a change set, following its events.

use crate::error::{DeployError, Result, aws};
use crate::progress::{Reporter, StackActivity, StackPhase};
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::types::{
    Capability, ChangeSetStatus, ChangeSetType, Parameter, StackStatus, Tag,
};
use indexmap::IndexMap;
use std::borrow::Cow;
use std::collections::HashSet;
use std::time::Duration;

/// The change set name used for deployments.
pub const CHANGE_SET_NAME: &str = "cdk-deploy-change-set";
/// Largest template passed inline (`TemplateBody`).
pub const MAX_TEMPLATE_BODY: usize = 51_200;

/// Where CloudFormation reads the template from.
#[derive(Debug, Clone)]
pub enum TemplateSource {
    /// An `https://` URL of an S3 object.
    Url(String),
    /// The template text.
    Body(String),
}

/// The value a deployment gives a template parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    /// This value.
    Value(String),
    /// The value the deployed stack has (CloudFormation's `UsePreviousValue`), so that a value
    /// CloudFormation shows differently from how it was given (masked `NoEcho` values, lists on
    /// some implementations) is kept as it is. When the stack is created, or has no such
    /// parameter yet, the parameter is left out: the template's default applies.
    Previous,
}

impl From<String> for ParameterValue {
    fn from(value: String) -> Self {
        ParameterValue::Value(value)
    }
}

impl From<&str> for ParameterValue {
    fn from(value: &str) -> Self {
        ParameterValue::Value(value.to_string())
    }
}

/// What to deploy.
#[derive(Debug, Clone)]
pub struct StackDeployment {
    /// The CloudFormation stack name.
    pub stack_name: String,
    /// The template as JSON (used to skip unchanged stacks).
    pub template: serde_json::Value,
    /// Where CloudFormation gets the template.
    pub source: TemplateSource,
    /// Parameter values.
    pub parameters: IndexMap<String, ParameterValue>,
    /// Stack tags.
    pub tags: IndexMap<String, String>,
    /// Role CloudFormation uses for the resources.
    pub execution_role_arn: Option<String>,
    /// SNS topics for stack events.
    pub notification_arns: Vec<String>,
    /// Create the change set but do not execute it.
    pub no_execute: bool,
    /// Deploy even when nothing changed.
    pub force: bool,
    /// Keep what was changed when the update fails (no rollback).
    pub no_rollback: bool,
}

/// The outcome of a stack deployment.
#[derive(Debug, Clone, Default)]
pub struct DeployResult {
    /// The stack name.
    pub stack_name: String,
    /// The stack ARN, when the stack exists.
    pub stack_arn: Option<String>,
    /// Stack outputs.
    pub outputs: IndexMap<String, String>,
    /// Nothing changed: no change set was executed.
    pub no_op: bool,
    /// The change set was created and left for review (`--no-execute`).
    pub change_set_pending: bool,
}

impl DeployResult {
    /// The result for `name` as the stack now stands (outputs only once executed).
    fn of(
        name: &str,
        stack: Option<&aws_sdk_cloudformation::types::Stack>,
        no_op: bool,
        change_set_pending: bool,
    ) -> DeployResult {
        DeployResult {
            stack_name: name.to_string(),
            stack_arn: stack.and_then(|s| s.stack_id().map(str::to_string)),
            outputs: if change_set_pending {
                IndexMap::new()
            } else {
                stack.map(outputs_of).unwrap_or_default()
            },
            no_op,
            change_set_pending,
        }
    }
}

/// Polling intervals: short first, growing to `max`.
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub(crate) fn new(max: Duration) -> Self {
        Backoff {
            next: Duration::from_millis(500),
            max,
        }
    }
    pub(crate) async fn wait(&mut self) {
        tokio::time::sleep(self.next).await;
        self.next = (self.next * 2).min(self.max);
    }
}

/// How many polls in a row may fail with a transient error (each already retried by the SDK
/// with backoff) before a polling loop gives up.
pub(crate) const POLL_FAILURES_TOLERATED: u32 = 3;

/// The consecutive failures of one polling loop: transient ones are reported and retried up
/// to [`POLL_FAILURES_TOLERATED`], anything else ends the loop with the error.
pub(crate) struct PollFailures {
    what: String,
    count: u32,
}

impl PollFailures {
    /// Failures of polling `what` (e.g. "Stack X: reading its events").
    pub(crate) fn new(what: impl Into<String>) -> Self {
        PollFailures {
            what: what.into(),
            count: 0,
        }
    }

    /// A poll succeeded.
    pub(crate) fn reset(&mut self) {
        self.count = 0;
    }

    /// A poll failed: `Ok` to poll again (after a warning to `reporter`), or the error to give
    /// up with.
    pub(crate) fn absorb(&mut self, err: DeployError, reporter: &dyn Reporter) -> Result<()> {
        self.count += 1;
        if !err.is_transient() {
            return Err(err);
        }
        if self.count > POLL_FAILURES_TOLERATED {
            return Err(DeployError::StackFailed(format!(
                "{} failed {} times in a row, giving up: {err}. CloudFormation carries on with \
                 the stack's operation on its own: run the command again to follow it, or check \
                 the stack in the CloudFormation console",
                self.what, self.count
            )));
        }
        reporter.message(&format!(
            "{} failed ({err}); trying again ({} of {POLL_FAILURES_TOLERATED})",
            self.what, self.count
        ));
        Ok(())
    }
}

/// Current description of a stack, `None` when it does not exist.
pub async fn describe_stack(
    cfn: &Client,
    name: &str,
) -> Result<Option<aws_sdk_cloudformation::types::Stack>> {
    match cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out.stacks().first().cloned()),
        Err(e) => {
            let err = aws("CloudFormation DescribeStacks", e);
            if err.to_string().contains("does not exist") {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

fn outputs_of(stack: &aws_sdk_cloudformation::types::Stack) -> IndexMap<String, String> {
    let mut outputs: IndexMap<String, String> = stack
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
        .collect();
    outputs.sort_keys();
    outputs
}

pub(crate) fn in_progress(status: &str) -> bool {
    status.ends_with("_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS"
}

/// Waits until stack `name` is no longer in progress. Returns the stack as it ended, `None`
/// if it no longer exists.
pub(crate) async fn wait_stable(
    cfn: &Client,
    name: &str,
    reporter: &dyn Reporter,
) -> Result<Option<aws_sdk_cloudformation::types::Stack>> {
    poll_until_settled(cfn, name, Duration::from_secs(5), None, reporter).await
}

/// Follows the operation under way on stack `stack` (name or id) until it is no longer in
/// progress: its events go to `monitor`, its status is polled with growing intervals. Returns
/// the stack as it ended, `None` if it no longer exists.
pub(crate) async fn follow_operation(
    cfn: &Client,
    stack: &str,
    monitor: &mut EventMonitor<'_>,
) -> Result<Option<aws_sdk_cloudformation::types::Stack>> {
    let reporter = monitor.reporter;
    let last = poll_until_settled(
        cfn,
        stack,
        Duration::from_secs(2),
        Some(&mut *monitor),
        reporter,
    )
    .await?;
    // The last events name the failed resources and their reasons: read them for sure.
    monitor.finish(cfn).await?;
    Ok(last)
}

/// Polls the status of `stack` (and its events, with a `monitor`) with intervals growing to
/// `max_wait` until it is no longer in progress.
async fn poll_until_settled(
    cfn: &Client,
    stack: &str,
    max_wait: Duration,
    mut monitor: Option<&mut EventMonitor<'_>>,
    reporter: &dyn Reporter,
) -> Result<Option<aws_sdk_cloudformation::types::Stack>> {
    let mut backoff = Backoff::new(max_wait);
    let mut failures = PollFailures::new(format!("{stack}: reading the stack status"));
    loop {
        if let Some(monitor) = monitor.as_deref_mut() {
            monitor.poll(cfn).await?;
        }
        match describe_stack(cfn, stack).await {
            Ok(Some(s)) if s.stack_status().is_some_and(|st| in_progress(st.as_str())) => {
                failures.reset();
            }
            Ok(settled) => return Ok(settled),
            Err(e) => failures.absorb(e, reporter)?,
        }
        backoff.wait().await;
    }
}

async fn delete_stack_and_wait(
    cfn: &Client,
    name: &str,
    role: Option<&str>,
    reporter: &dyn Reporter,
) -> Result<()> {
    cfn.delete_stack()
        .stack_name(name)
        .set_role_arn(role.map(str::to_string))
        .send()
        .await
        .map_err(|e| aws("CloudFormation DeleteStack", e))?;
    match wait_stable(cfn, name, reporter).await? {
        Some(s) if s.stack_status() != Some(&StackStatus::DeleteComplete) => {
            Err(DeployError::StackFailed(format!(
                "Failed deleting stack {name} that had previously failed creation (current state: \
                 {}). Delete it in the CloudFormation console, then deploy again",
                s.stack_status().map(|s| s.as_str()).unwrap_or("?")
            )))
        }
        _ => Ok(()),
    }
}

/// Whether the deployed stack already has this template, parameters and tags.
async fn unchanged(
    cfn: &Client,
    stack: &aws_sdk_cloudformation::types::Stack,
    d: &StackDeployment,
) -> Result<bool> {
    let status = stack.stack_status().map(|s| s.as_str()).unwrap_or("");
    if status.ends_with("FAILED") || status == "REVIEW_IN_PROGRESS" {
        return Ok(false);
    }
    let deployed_params: IndexMap<String, String> = stack
        .parameters()
        .iter()
        .filter_map(|p| {
            Some((
                p.parameter_key()?.to_string(),
                p.parameter_value()?.to_string(),
            ))
        })
        .collect();
    let differs = |(k, v): (&String, &ParameterValue)| match v {
        ParameterValue::Value(v) => deployed_params.get(k) != Some(v),
        ParameterValue::Previous => !deployed_params.contains_key(k),
    };
    if d.parameters.iter().any(differs) {
        return Ok(false);
    }
    let deployed_tags: IndexMap<String, String> = stack
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect();
    if deployed_tags.len() != d.tags.len()
        || d.tags.iter().any(|(k, v)| deployed_tags.get(k) != Some(v))
    {
        return Ok(false);
    }
    let mut deployed_arns: Vec<&str> = stack
        .notification_arns()
        .iter()
        .map(String::as_str)
        .collect();
    let mut arns: Vec<&str> = d.notification_arns.iter().map(String::as_str).collect();
    deployed_arns.sort_unstable();
    arns.sort_unstable();
    if deployed_arns != arns {
        return Ok(false);
    }
    let body = cfn
        .get_template()
        .stack_name(stack.stack_id().unwrap_or(&d.stack_name))
        .template_stage(aws_sdk_cloudformation::types::TemplateStage::Original)
        .send()
        .await
        .map_err(|e| aws("CloudFormation GetTemplate", e))?;
    let deployed: Option<serde_json::Value> = body
        .template_body()
        .and_then(|b| serde_json::from_str(b).ok());
    Ok(deployed.as_ref() == Some(&d.template))
}

/// Why a change set is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeSetPurpose {
    /// To be executed.
    Deploy,
    /// Only to learn what would change (replacements), then deleted.
    Diff,
}

/// A created change set.
pub(crate) enum ChangeSetOutcome {
    /// Ready to execute, with all its changes.
    Ready {
        id: String,
        /// The stack the change set belongs to, as CreateChangeSet named it.
        stack_id: Option<String>,
        changes: Vec<aws_sdk_cloudformation::types::Change>,
        /// Creation time (Unix seconds): events before it belong to earlier operations.
        created_at: Option<i64>,
    },
    /// CloudFormation found nothing to change; the (failed) change set still exists.
    NoChanges { id: String },
}

/// Creates change set `change_set_name` for `d` (CREATE, or UPDATE when `update`) and waits
/// until CloudFormation has computed it.
pub(crate) async fn create_change_set(
    cfn: &Client,
    d: &StackDeployment,
    change_set_name: &str,
    update: bool,
    purpose: ChangeSetPurpose,
    reporter: &dyn Reporter,
) -> Result<ChangeSetOutcome> {
    let name = d.stack_name.as_str();
    let token = unique_token();
    let (description, client_token) = match purpose {
        ChangeSetPurpose::Deploy => (
            format!("CDK Changeset for execution {token}"),
            format!("create{token}"),
        ),
        ChangeSetPurpose::Diff => (
            format!("CDK Changeset for diff {token}"),
            format!("diff{token}"),
        ),
    };
    let parameters: Vec<Parameter> = d
        .parameters
        .iter()
        .map(|(k, v)| match v {
            ParameterValue::Value(v) => Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build(),
            ParameterValue::Previous => Parameter::builder()
                .parameter_key(k)
                .use_previous_value(true)
                .build(),
        })
        .collect();
    let tags: Vec<Tag> = d
        .tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let mut create = cfn
        .create_change_set()
        .stack_name(name)
        .change_set_name(change_set_name)
        .change_set_type(if update {
            ChangeSetType::Update
        } else {
            ChangeSetType::Create
        })
        .description(description)
        .client_token(client_token)
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand)
        .set_parameters(Some(parameters))
        .set_tags(Some(tags))
        .set_notification_arns(Some(d.notification_arns.clone()))
        .set_role_arn(d.execution_role_arn.clone());
    create = match &d.source {
        TemplateSource::Url(url) => create.template_url(url),
        TemplateSource::Body(body) => create.template_body(body),
    };
    let created = create
        .send()
        .await
        .map_err(|e| aws("CloudFormation CreateChangeSet", e))?;
    let id = created.id().unwrap_or(change_set_name).to_string();
    let stack_id = created.stack_id().map(str::to_string);

    let mut backoff = Backoff::new(Duration::from_secs(5));
    let mut failures = PollFailures::new(format!("{name}: reading change set {change_set_name}"));
    loop {
        let described = cfn
            .describe_change_set()
            .stack_name(name)
            .change_set_name(&id)
            .send()
            .await
            .map_err(|e| aws("CloudFormation DescribeChangeSet", e));
        let cs = match described {
            Ok(cs) => {
                failures.reset();
                cs
            }
            Err(e) => {
                failures.absorb(e, reporter)?;
                backoff.wait().await;
                continue;
            }
        };
        match cs.status() {
            Some(ChangeSetStatus::CreatePending | ChangeSetStatus::CreateInProgress) | None => {
                backoff.wait().await;
            }
            Some(ChangeSetStatus::CreateComplete) => {
                let created_at = cs.creation_time().map(|t| t.secs());
                let mut changes = cs.changes().to_vec();
                let mut next = cs.next_token().map(str::to_string);
                while let Some(token) = next {
                    let page = cfn
                        .describe_change_set()
                        .stack_name(name)
                        .change_set_name(&id)
                        .next_token(token)
                        .send()
                        .await
                        .map_err(|e| aws("CloudFormation DescribeChangeSet", e))?;
                    changes.extend_from_slice(page.changes());
                    next = page.next_token().map(str::to_string);
                }
                return Ok(ChangeSetOutcome::Ready {
                    id,
                    stack_id,
                    changes,
                    created_at,
                });
            }
            Some(status) => {
                let reason = cs.status_reason().unwrap_or_default();
                if reason.starts_with("The submitted information didn't contain changes.")
                    || reason.starts_with("No updates are to be performed.")
                {
                    return Ok(ChangeSetOutcome::NoChanges { id });
                }
                return Err(DeployError::StackFailed(format!(
                    "Failed to create ChangeSet {change_set_name} on {name}: {}, {reason}",
                    status.as_str()
                )));
            }
        }
    }
}

/// Deletes change set `change_set_name` of stack `name` when one is left over (by an earlier
/// run, or one interrupted), as it would block the name. Found by listing the stack's change
/// sets (a lookup by name may answer with another stack's change set, or an older one of the
/// same name, in some implementations; and a listing may hold other stacks' change sets, which
/// are never touched) and deleted by id; executed ones are history, not leftovers. A stack that
/// does not exist has none.
pub(crate) async fn delete_leftover_change_set(
    cfn: &Client,
    name: &str,
    change_set_name: &str,
) -> Result<()> {
    let mut leftovers = Vec::new();
    let mut next = None;
    loop {
        let Ok(page) = cfn
            .list_change_sets()
            .stack_name(name)
            .set_next_token(next)
            .send()
            .await
        else {
            break;
        };
        leftovers.extend(
            page.summaries()
                .iter()
                // Some implementations list every stack's change sets.
                .filter(|s| s.stack_name() == Some(name) || s.stack_id() == Some(name))
                .filter(|s| s.change_set_name() == Some(change_set_name))
                .filter(|s| s.execution_status().map(|e| e.as_str()) != Some("EXECUTE_COMPLETE"))
                .filter_map(|s| s.change_set_id().map(str::to_string)),
        );
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    for id in leftovers {
        cfn.delete_change_set()
            .stack_name(name)
            .change_set_name(id)
            .send()
            .await
            .map_err(|e| aws("CloudFormation DeleteChangeSet", e))?;
    }
    Ok(())
}

/// After a CREATE change set for stack `name` while it was under review (`review`, its id):
/// CloudFormation adds the change set to that stack, but some implementations create a second
/// stack of the same name (`created`) instead, which lookups by name would never reach. The
/// stack under review has never been executed and has no resources: it is deleted then.
async fn forget_stack_under_review(
    cfn: &Client,
    name: &str,
    review: &str,
    created: Option<&str>,
    reporter: &dyn Reporter,
) -> Result<()> {
    if created.is_none_or(|created| created == review) {
        return Ok(());
    }
    reporter.message(&format!(
        "{name}: deleting the earlier stack under review (never executed, no resources)"
    ));
    cfn.delete_stack()
        .stack_name(review)
        .send()
        .await
        .map_err(|e| aws("CloudFormation DeleteStack", e))?;
    match wait_stable(cfn, review, reporter).await? {
        Some(s) if s.stack_status() != Some(&StackStatus::DeleteComplete) => {
            Err(DeployError::StackFailed(format!(
                "Failed deleting the earlier stack {name} under review ({review}, current state: \
                 {}). Delete it in the CloudFormation console, then deploy again",
                s.stack_status().map(|s| s.as_str()).unwrap_or("?")
            )))
        }
        _ => Ok(()),
    }
}

/// `d` as sent to update `deployed` (`None`: to create the stack): the parameters to keep
/// that the stack has no value for are left out, so the template's defaults apply, as
/// CloudFormation refuses `UsePreviousValue` for them.
fn keeping_only_deployed_values<'d>(
    d: &'d StackDeployment,
    deployed: Option<&aws_sdk_cloudformation::types::Stack>,
) -> Cow<'d, StackDeployment> {
    let has = |key: &str| {
        deployed.is_some_and(|s| {
            s.parameters()
                .iter()
                .any(|p| p.parameter_key() == Some(key))
        })
    };
    if d.parameters
        .iter()
        .all(|(k, v)| *v != ParameterValue::Previous || has(k))
    {
        return Cow::Borrowed(d);
    }
    let mut kept = d.clone();
    kept.parameters
        .retain(|k, v| *v != ParameterValue::Previous || has(k));
    Cow::Owned(kept)
}

/// Deploys a stack: change set CREATE or UPDATE, wait, execute, follow events (shown by
/// `reporter`), outputs.
pub async fn deploy_stack(
    cfn: &Client,
    d: &StackDeployment,
    reporter: &dyn Reporter,
) -> Result<DeployResult> {
    let name = d.stack_name.as_str();
    let mut existing = describe_stack(cfn, name).await?;
    if let Some(s) = &existing {
        if matches!(
            s.stack_status(),
            Some(StackStatus::RollbackComplete | StackStatus::RollbackFailed)
        ) {
            reporter.message(&format!(
                "{name}: stack failed creation earlier; deleting it before deploying"
            ));
            delete_stack_and_wait(cfn, name, d.execution_role_arn.as_deref(), reporter).await?;
            existing = None;
        } else if s.stack_status().is_some_and(|st| in_progress(st.as_str())) {
            reporter.message(&format!(
                "{name}: waiting for the stack's current operation to finish"
            ));
            reporter.phase(name, StackPhase::WaitingForOtherOperation);
            existing = wait_stable(cfn, name, reporter).await?;
        }
        if existing
            .as_ref()
            .is_some_and(|s| s.stack_status() == Some(&StackStatus::DeleteComplete))
        {
            existing = None;
        }
    }

    if let Some(s) = &existing
        && !d.force
        && !d.no_execute
        && unchanged(cfn, s, d).await?
    {
        reporter.message(&format!(
            "{name}: skipping deployment (template and parameters unchanged)"
        ));
        return Ok(DeployResult::of(name, Some(s), true, false));
    }

    // A stack under review (a CREATE change set made, never executed: after `--no-execute`, or
    // an execution that failed to start) has no template or resources: CloudFormation counts
    // it as not existing, refuses an UPDATE change set for it and takes a CREATE one, as the
    // AWS CDK makes.
    let under_review = existing
        .as_ref()
        .filter(|s| s.stack_status() == Some(&StackStatus::ReviewInProgress))
        .and_then(|s| s.stack_id());
    let update = existing.is_some() && under_review.is_none();
    if existing.is_some() {
        // Remove a change set left over by an earlier run (e.g. `--no-execute`).
        delete_leftover_change_set(cfn, name, CHANGE_SET_NAME).await?;
    }
    reporter.message(&format!(
        "{name}: creating CloudFormation changeset ({})...",
        if update { "UPDATE" } else { "CREATE" }
    ));
    reporter.phase(name, StackPhase::CreatingChangeSet);
    let sent = keeping_only_deployed_values(d, existing.as_ref().filter(|_| update));
    let (change_set_id, changes, created_at) = match create_change_set(
        cfn,
        &sent,
        CHANGE_SET_NAME,
        update,
        ChangeSetPurpose::Deploy,
        reporter,
    )
    .await?
    {
        ChangeSetOutcome::Ready {
            id,
            stack_id,
            changes,
            created_at,
        } => {
            if let Some(review) = under_review {
                forget_stack_under_review(cfn, name, review, stack_id.as_deref(), reporter).await?;
            }
            (id, changes.len(), created_at)
        }
        ChangeSetOutcome::NoChanges { id } => {
            let _ = cfn
                .delete_change_set()
                .stack_name(name)
                .change_set_name(&id)
                .send()
                .await;
            reporter.message(&format!("{name}: no changes"));
            let stack = describe_stack(cfn, name).await?;
            return Ok(DeployResult::of(name, stack.as_ref(), true, false));
        }
    };

    if d.no_execute {
        reporter.message(&format!(
            "{name}: changeset {CHANGE_SET_NAME} created and waiting in review for manual \
             execution (--no-execute)"
        ));
        let stack = describe_stack(cfn, name).await?;
        return Ok(DeployResult::of(name, stack.as_ref(), false, true));
    }

    reporter.message(&format!("{name}: executing changeset..."));
    // From here on CloudFormation may be changing the stack, whatever happens to this process.
    reporter.phase(name, StackPhase::Executing);
    let token = unique_token();
    cfn.execute_change_set()
        .stack_name(name)
        .change_set_name(&change_set_id)
        .set_disable_rollback(d.no_rollback.then_some(true))
        .client_request_token(format!("exec{token}"))
        .send()
        .await
        .map_err(|e| {
            aws(
                &format!("CloudFormation ExecuteChangeSet of stack {name}"),
                e,
            )
        })?;

    let total = changes + usize::from(update);
    let mut monitor = EventMonitor::new(name, total, created_at.unwrap_or(0), reporter);
    let stack = follow_operation(cfn, name, &mut monitor).await?;
    let Some(stack) = stack else {
        return Err(DeployError::StackFailed(format!(
            "Stack {name} disappeared during deployment"
        )));
    };
    let status = stack.stack_status().map(|s| s.as_str()).unwrap_or("?");
    match status {
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" => {
            Ok(DeployResult::of(name, Some(&stack), false, false))
        }
        _ => {
            let reason = stack
                .stack_status_reason()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            let mut message = match status {
                "ROLLBACK_COMPLETE" => format!(
                    "The stack named {name} failed creation and was rolled back: \
                     {status}{reason}. Fix the cause (see the failed resources) and deploy \
                     again: the rolled-back stack is deleted first"
                ),
                "ROLLBACK_FAILED" => format!(
                    "The stack named {name} failed creation and its rollback failed too: \
                     {status}{reason}. Resources may be left over: deploy again to delete the \
                     stack first, or delete it in the CloudFormation console"
                ),
                "UPDATE_ROLLBACK_COMPLETE" => format!(
                    "The stack named {name} failed to update and was rolled back to its \
                     previous state: {status}{reason}"
                ),
                _ => format!("The stack named {name} failed to deploy: {status}{reason}"),
            };
            if !monitor.errors.is_empty() {
                message.push_str("\nFailed resources:");
                for e in &monitor.errors {
                    message.push_str("\n  ");
                    message.push_str(e);
                }
            }
            Err(DeployError::StackFailed(message))
        }
    }
}

/// Deletes a stack (if it exists) and waits until it is gone (`reporter` hears of retried
/// status reads).
pub async fn destroy_stack(
    cfn: &Client,
    name: &str,
    role: Option<&str>,
    reporter: &dyn Reporter,
) -> Result<()> {
    if describe_stack(cfn, name).await?.is_none() {
        return Ok(());
    }
    delete_stack_and_wait(cfn, name, role, reporter).await
}

/// Follows `DescribeStackEvents`: counts finished resources, collects failures and hands each
/// new event to a [`Reporter`] for display. Dropping it ends the display.
pub(crate) struct EventMonitor<'a> {
    stack: String,
    /// Name or id used for the API calls (the id still answers once the stack is deleted).
    stack_id: String,
    total: usize,
    done: usize,
    since: i64,
    seen: HashSet<String>,
    completed: HashSet<String>,
    errors: Vec<String>,
    failures: PollFailures,
    reporter: &'a dyn Reporter,
}

impl<'a> EventMonitor<'a> {
    pub(crate) fn new(stack: &str, total: usize, since: i64, reporter: &'a dyn Reporter) -> Self {
        reporter.follow_start(stack, total);
        EventMonitor {
            stack: stack.to_string(),
            stack_id: stack.to_string(),
            total,
            done: 0,
            since,
            seen: HashSet::new(),
            completed: HashSet::new(),
            errors: Vec::new(),
            failures: PollFailures::new(format!("{stack}: reading the stack events")),
            reporter,
        }
    }

    /// Calls the API with the stack id (ARN) instead of the name.
    pub(crate) fn with_stack_id(mut self, id: &str) -> Self {
        self.stack_id = id.to_string();
        self
    }

    /// Marks the current newest events as seen, without showing them (following starts after
    /// them, independent of the local clock).
    pub(crate) async fn skip_existing(&mut self, cfn: &Client) {
        if let Ok(page) = cfn
            .describe_stack_events()
            .stack_name(&self.stack_id)
            .send()
            .await
        {
            for e in page.stack_events() {
                self.seen
                    .insert(e.event_id().unwrap_or_default().to_string());
            }
        }
    }

    /// Errors collected from failed resources.
    pub(crate) fn errors(&self) -> &[String] {
        &self.errors
    }

    /// Reads and reports the new events. A transient failure is reported and left to the next
    /// round, up to [`POLL_FAILURES_TOLERATED`] in a row; other failures are errors.
    pub(crate) async fn poll(&mut self, cfn: &Client) -> Result<()> {
        self.round(cfn).await.map(|_| ())
    }

    /// Polls until a round succeeds (transient failures tolerated as by [`EventMonitor::poll`]),
    /// so that the last events of a finished operation are read.
    pub(crate) async fn finish(&mut self, cfn: &Client) -> Result<()> {
        let mut backoff = Backoff::new(Duration::from_secs(2));
        while !self.round(cfn).await? {
            backoff.wait().await;
        }
        Ok(())
    }

    /// One round of reading the new events: whether it succeeded, a tolerated failure being
    /// `Ok(false)`.
    async fn round(&mut self, cfn: &Client) -> Result<bool> {
        match self.read_new_events(cfn).await {
            Ok(()) => {
                self.failures.reset();
                Ok(true)
            }
            Err(e) => self.failures.absorb(e, self.reporter).map(|()| false),
        }
    }

    async fn read_new_events(&mut self, cfn: &Client) -> Result<()> {
        let mut new_events = Vec::new();
        let mut next: Option<String> = None;
        'pages: loop {
            let page = cfn
                .describe_stack_events()
                .stack_name(&self.stack_id)
                .set_next_token(next.clone())
                .send()
                .await
                .map_err(|e| aws("CloudFormation DescribeStackEvents", e))?;
            for e in page.stack_events() {
                let id = e.event_id().unwrap_or_default().to_string();
                let older = e.timestamp().is_some_and(|t| t.secs() < self.since);
                if self.seen.contains(&id) || older {
                    break 'pages;
                }
                new_events.push(e.clone());
            }
            next = page.next_token().map(str::to_string);
            if next.is_none() {
                break;
            }
        }
        for e in new_events.into_iter().rev() {
            let id = e.event_id().unwrap_or_default().to_string();
            self.seen.insert(id);
            let activity = self.account(&e);
            self.reporter.activity(&activity);
        }
        Ok(())
    }

    /// Counts one event (done resources, failures) and describes it.
    fn account(&mut self, e: &aws_sdk_cloudformation::types::StackEvent) -> StackActivity {
        let status = e.resource_status().map(|s| s.as_str()).unwrap_or("");
        let logical = e.logical_resource_id().unwrap_or_default().to_string();
        let is_stack = e.resource_type() == Some("AWS::CloudFormation::Stack");
        if status.ends_with("_COMPLETE") && !is_stack {
            if self.completed.insert(logical.clone()) {
                self.done += 1;
            } else {
                self.done = self.done.saturating_sub(1);
            }
        }
        let reason = e.resource_status_reason().unwrap_or_default();
        let failed = (status.ends_with("_FAILED")
            || status == "ROLLBACK_IN_PROGRESS"
            || status == "UPDATE_ROLLBACK_IN_PROGRESS")
            && !is_stack
            && !reason.contains("cancelled");
        if failed {
            self.errors.push(format!("{logical}: {reason}"));
        }
        StackActivity {
            stack: self.stack.clone(),
            done: self.done.min(self.total),
            total: self.total,
            time: e.timestamp().map(|t| clock(t.secs())).unwrap_or_default(),
            status: status.to_string(),
            resource_type: e.resource_type().unwrap_or_default().to_string(),
            logical_id: logical,
            reason: reason.to_string(),
            is_stack,
            failed,
        }
    }
}

impl Drop for EventMonitor<'_> {
    fn drop(&mut self) {
        self.reporter.follow_end(&self.stack);
    }
}

/// `HH:MM:SS` (UTC) of a Unix time.
fn clock(secs: i64) -> String {
    let s = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// A token unique to this process and moment (for client request tokens).
pub(crate) fn unique_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:x}-{:x}-{n}", nanos, std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    use aws_sdk_cloudformation::primitives::DateTime;
    use aws_sdk_cloudformation::types::{ResourceStatus, StackEvent};
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recording {
        events: Mutex<Vec<StackActivity>>,
        ended: Mutex<Vec<String>>,
    }

    impl Reporter for Recording {
        fn activity(&self, activity: &StackActivity) {
            self.events.lock().unwrap().push(activity.clone());
        }
        fn follow_end(&self, stack: &str) {
            self.ended.lock().unwrap().push(stack.to_string());
        }
    }

    fn event(logical: &str, ty: &str, status: ResourceStatus, reason: &str) -> StackEvent {
        StackEvent::builder()
            .stack_id("arn:stack")
            .stack_name("S")
            .event_id(format!("{logical}-{}", status.as_str()))
            .timestamp(DateTime::from_secs(3600 + 61))
            .logical_resource_id(logical)
            .resource_type(ty)
            .resource_status(status)
            .resource_status_reason(reason)
            .build()
    }

    #[test]
    fn the_monitor_counts_and_reports_each_event() {
        let recording = Recording::default();
        {
            let mut monitor = EventMonitor::new("S", 2, 0, &recording);
            let events = [
                event(
                    "S",
                    "AWS::CloudFormation::Stack",
                    ResourceStatus::CreateInProgress,
                    "User Initiated",
                ),
                event("A", "AWS::SQS::Queue", ResourceStatus::CreateComplete, ""),
                event(
                    "B",
                    "AWS::SQS::Queue",
                    ResourceStatus::CreateFailed,
                    "Resource handler returned message: boom",
                ),
                event(
                    "C",
                    "AWS::SQS::Queue",
                    ResourceStatus::CreateFailed,
                    "Resource creation cancelled",
                ),
                event("A", "AWS::SQS::Queue", ResourceStatus::DeleteComplete, ""),
            ];
            let activities: Vec<StackActivity> =
                events.iter().map(|e| monitor.account(e)).collect();
            let summary: Vec<(usize, bool, bool)> = activities
                .iter()
                .map(|a| (a.done, a.is_stack, a.failed))
                .collect();
            // The second completion of A (its rollback) counts it back out.
            assert_eq!(
                summary,
                [
                    (0, true, false),
                    (1, false, false),
                    (1, false, true),
                    (1, false, false),
                    (0, false, false)
                ]
            );
            assert_eq!(activities[1].time, "01:01:01");
            assert_eq!(activities[1].total, 2);
            assert_eq!(
                monitor.errors(),
                ["B: Resource handler returned message: boom"]
            );
            monitor.reporter.activity(&activities[2]);
        }
        assert_eq!(recording.events.lock().unwrap()[0].logical_id, "B");
        assert_eq!(
            *recording.ended.lock().unwrap(),
            ["S"],
            "dropping ends the display"
        );
    }

    #[test]
    fn polls_tolerate_a_few_transient_failures_in_a_row_only() {
        let throttled = || DeployError::Aws {
            operation: "CloudFormation DescribeStacks".into(),
            code: Some("Throttling".into()),
            message: "Rate exceeded".into(),
        };
        let mut failures = PollFailures::new("S: reading the stack status");
        for _ in 0..POLL_FAILURES_TOLERATED {
            assert!(
                failures
                    .absorb(throttled(), &crate::progress::Silent)
                    .is_ok()
            );
        }
        failures.reset();
        for _ in 0..POLL_FAILURES_TOLERATED {
            assert!(
                failures
                    .absorb(throttled(), &crate::progress::Silent)
                    .is_ok()
            );
        }
        let given_up = failures
            .absorb(throttled(), &crate::progress::Silent)
            .expect_err("gives up")
            .to_string();
        assert!(
            given_up.starts_with("S: reading the stack status failed 4 times in a row, giving up")
                && given_up.contains("Rate exceeded"),
            "{given_up}"
        );

        let denied = DeployError::AccessDenied {
            operation: "CloudFormation DescribeStacks".into(),
            message: "no".into(),
        };
        let mut failures = PollFailures::new("S: reading the stack status");
        assert!(matches!(
            failures.absorb(denied, &crate::progress::Silent),
            Err(DeployError::AccessDenied { .. })
        ));
        let unreachable = DeployError::Unreachable {
            operation: "CloudFormation DescribeStacks".into(),
            endpoint: None,
            cause: "connection refused".into(),
        };
        assert!(matches!(
            failures.absorb(unreachable, &crate::progress::Silent),
            Err(DeployError::Unreachable { .. })
        ));
    }

    #[test]
    fn clock_formats_utc() {
        assert_eq!(clock(3600 * 13 + 62), "13:01:02");
        assert!(in_progress("UPDATE_IN_PROGRESS"));
        assert!(!in_progress("REVIEW_IN_PROGRESS"));
    }
}

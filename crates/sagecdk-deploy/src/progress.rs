//! What deployments and destroys show while they run.
//!
//! Following a stack operation (polling `DescribeStackEvents`, counting finished resources,
//! collecting failures) is done in one place, the event monitor of [`crate::stack`]. It hands
//! each new event to a [`Reporter`], which only displays it (the command line's displays are
//! its own: this crate prints nothing). A reporter is also told which stack is being deployed
//! and in which phase, hears the operations' messages (assets published, change sets created,
//! warnings), and is asked to approve security-relevant changes, so a command line can keep
//! its own account of a deployment (for Ctrl-C) and ask its user.

use crate::security::{RequireApproval, SecurityDiff};
use crate::stack::DeployResult;
use sagecdk_assembly::StackArtifact;
use std::fmt;

/// One new stack event, with the progress of the stack's operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackActivity {
    /// The stack name.
    pub stack: String,
    /// Resources finished so far (never more than `total`).
    pub done: usize,
    /// Resources the operation touches (0 when unknown).
    pub total: usize,
    /// `HH:MM:SS` (UTC) of the event.
    pub time: String,
    /// The resource status (`CREATE_IN_PROGRESS`, …).
    pub status: String,
    /// The resource type (`AWS::CloudFormation::Stack` for the stack itself).
    pub resource_type: String,
    /// The logical id.
    pub logical_id: String,
    /// The status reason (empty when none).
    pub reason: String,
    /// The event is about the stack itself, not one of its resources.
    pub is_stack: bool,
    /// The event is a resource failure (it is listed among the failed resources).
    pub failed: bool,
}

/// Where a stack deployment is (for an interrupted deployment: what is left behind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackPhase {
    /// Checking the environment, approvals and publishing assets: nothing changed in
    /// CloudFormation yet.
    Preparing,
    /// Waiting for an operation on the stack that was already running when the deployment
    /// started.
    WaitingForOtherOperation,
    /// Creating the change set (it is replaced by the next deployment).
    CreatingChangeSet,
    /// The change set is being executed: CloudFormation is changing the stack.
    Executing,
}

/// What an approval is asked for: the security-relevant changes of one stack.
#[derive(Debug, Clone)]
pub struct ApprovalRequest {
    /// The stack's display name.
    pub stack: String,
    /// The approval level in force.
    pub level: RequireApproval,
    /// The IAM and security group changes (deployed template → local template).
    pub changes: SecurityDiff,
}

/// Receives the progress of deployments. Every method but [`activity`](Self::activity) has a
/// default that does nothing (approvals: refuses).
pub trait Reporter: Send + Sync {
    /// A line for the user about what an operation does (`Stack: creating CloudFormation
    /// changeset (CREATE)...`, an asset published) or a warning.
    fn message(&self, _text: &str) {}
    /// Following the events of `stack` starts; `total` resources are expected (0: unknown).
    fn follow_start(&self, _stack: &str, _total: usize) {}
    /// A new stack event.
    fn activity(&self, activity: &StackActivity);
    /// Following the events of `stack` ends (finished, failed or abandoned).
    fn follow_end(&self, _stack: &str) {}
    /// The deployment of `stack` starts.
    fn stack_started(&self, _stack: &StackArtifact) {}
    /// The deployment of stack `stack_name` reached `phase`.
    fn phase(&self, _stack_name: &str, _phase: StackPhase) {}
    /// The deployment of `stack` finished successfully.
    fn stack_done(&self, _stack: &StackArtifact, _result: &DeployResult) {}
    /// Asks whether the changes may be deployed: `Ok(false)` declines, `Err` says why nobody
    /// could be asked. Called on a thread that may block (e.g. reading a terminal).
    fn approve(&self, request: &ApprovalRequest) -> Result<bool, String> {
        Err(format!(
            "{}: the deployment changes IAM permissions or security groups and needs approval \
             (require approval: {}), but nothing can ask for it",
            request.stack, request.level
        ))
    }
}

impl fmt::Debug for dyn Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reporter")
    }
}

/// A reporter that shows nothing and approves nothing: the default of the library's options.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Reporter for Silent {
    fn activity(&self, _activity: &StackActivity) {}
}

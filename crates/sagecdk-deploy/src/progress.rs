//! What deployments and destroys show while they run.
//!
//! Following a stack operation (polling `DescribeStackEvents`, counting finished resources,
//! collecting failures) is done in one place, the event monitor of [`crate::stack`]. It hands
//! each new event to a [`Reporter`], which only displays it: [`EventLines`] prints one plain
//! line per event (the CDK's `--progress events`), [`ProgressBarReporter`] draws a live bar on a
//! terminal (the CDK's default on a terminal). A reporter is also told which stack is being
//! deployed and in which phase, and is asked to approve security-relevant changes, so a command
//! line can keep its own account of a deployment (for Ctrl-C) and ask its user.

use crate::security::{RequireApproval, SecurityDiff};
use crate::stack::DeployResult;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sagecdk_assembly::StackArtifact;
use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;

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

/// One plain line per stack event on standard error:
/// `stack | done/total | time | STATUS | type | logical id reason`.
#[derive(Debug, Default)]
pub struct EventLines {
    /// Widest resource type so far (the type column is padded to it, at least 26).
    width: Mutex<usize>,
}

impl EventLines {
    /// The line of one event; `width` is the type column's width.
    pub fn line(a: &StackActivity, width: usize) -> String {
        format!(
            "{} | {}/{} | {} | {:<20} | {:<width$} | {} {}",
            a.stack, a.done, a.total, a.time, a.status, a.resource_type, a.logical_id, a.reason
        )
    }
}

impl Reporter for EventLines {
    fn activity(&self, a: &StackActivity) {
        let width = {
            let mut w = self.width.lock().unwrap_or_else(|e| e.into_inner());
            *w = (*w).max(a.resource_type.len()).max(26);
            *w
        };
        eprintln!("{}", EventLines::line(a, width));
    }
}

/// A live progress bar on the terminal (standard error) while a stack operation runs: resources
/// done out of the total, the newest event, and the resources still in progress. Failures are
/// printed above the bar and stay on the screen.
pub struct ProgressBarReporter {
    target: fn() -> ProgressDrawTarget,
    state: Mutex<BarState>,
}

#[derive(Default)]
struct BarState {
    bar: Option<ProgressBar>,
    in_progress: Vec<String>,
    finished: HashSet<String>,
}

impl fmt::Debug for ProgressBarReporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressBarReporter")
    }
}

impl Default for ProgressBarReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressBarReporter {
    /// A bar drawn on standard error (invisible when standard error is not a terminal).
    pub fn new() -> Self {
        Self::with_target(ProgressDrawTarget::stderr)
    }

    /// A bar drawn where `target` says (one target per followed operation).
    pub fn with_target(target: fn() -> ProgressDrawTarget) -> Self {
        ProgressBarReporter {
            target,
            state: Mutex::new(BarState::default()),
        }
    }

    /// The bar of the operation being followed, if any.
    pub fn bar(&self) -> Option<ProgressBar> {
        self.lock().bar.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BarState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Reporter for ProgressBarReporter {
    fn follow_start(&self, stack: &str, total: usize) {
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(total as u64), (self.target)())
            .with_style(style)
            .with_prefix(stack.to_string());
        let mut state = self.lock();
        if let Some(old) = state.bar.replace(bar) {
            old.finish_and_clear();
        }
        state.in_progress.clear();
        state.finished.clear();
    }

    fn activity(&self, a: &StackActivity) {
        let mut state = self.lock();
        let Some(bar) = state.bar.clone() else {
            return;
        };
        if !a.is_stack {
            if a.status.ends_with("_IN_PROGRESS") && !state.finished.contains(&a.logical_id) {
                if !state.in_progress.contains(&a.logical_id) {
                    state.in_progress.push(a.logical_id.clone());
                }
            } else {
                state.in_progress.retain(|l| l != &a.logical_id);
                if a.status.ends_with("_COMPLETE") || a.status.ends_with("_FAILED") {
                    state.finished.insert(a.logical_id.clone());
                }
            }
        }
        if a.total as u64 > bar.length().unwrap_or(0) {
            bar.set_length(a.total as u64);
        }
        bar.set_position(a.done as u64);
        let mut message = if a.is_stack {
            a.status.clone()
        } else {
            format!("{} {} {}", a.status, a.resource_type, a.logical_id)
        };
        if !state.in_progress.is_empty() {
            message.push_str(&format!(" (in progress: {})", state.in_progress.join(", ")));
        }
        bar.set_message(message);
        if a.failed {
            bar.println(EventLines::line(a, a.resource_type.len()));
        }
    }

    fn follow_end(&self, _stack: &str) {
        if let Some(bar) = self.lock().bar.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;

    fn event(status: &str, logical: &str, done: usize, total: usize) -> StackActivity {
        let is_stack = logical == "Stack";
        StackActivity {
            stack: "Stack".into(),
            done,
            total,
            time: "12:00:00".into(),
            status: status.into(),
            resource_type: if is_stack {
                "AWS::CloudFormation::Stack".into()
            } else {
                "AWS::SageMaker::Model".into()
            },
            logical_id: logical.into(),
            reason: if status.ends_with("FAILED") {
                "image not found".into()
            } else {
                String::new()
            },
            is_stack,
            failed: status.ends_with("FAILED"),
        }
    }

    #[test]
    fn event_lines_keep_the_cdk_events_format() {
        let a = event("CREATE_FAILED", "Model", 1, 3);
        assert_eq!(
            EventLines::line(&a, 26),
            "Stack | 1/3 | 12:00:00 | CREATE_FAILED        | AWS::SageMaker::Model      | Model \
             image not found"
        );
    }

    #[test]
    fn the_bar_follows_done_total_and_the_newest_event() {
        let reporter = ProgressBarReporter::with_target(ProgressDrawTarget::hidden);
        assert!(reporter.bar().is_none());
        reporter.follow_start("Stack", 3);
        let bar = reporter.bar().expect("a bar while following");
        assert_eq!(bar.length(), Some(3));
        assert_eq!(bar.position(), 0);
        assert_eq!(bar.prefix(), "Stack");

        reporter.activity(&event("CREATE_IN_PROGRESS", "Stack", 0, 3));
        assert_eq!(bar.message(), "CREATE_IN_PROGRESS", "the stack's own event");
        reporter.activity(&event("CREATE_IN_PROGRESS", "Model", 0, 3));
        reporter.activity(&event("CREATE_IN_PROGRESS", "Config", 0, 3));
        assert_eq!(
            bar.message(),
            "CREATE_IN_PROGRESS AWS::SageMaker::Model Config (in progress: Model, Config)"
        );
        reporter.activity(&event("CREATE_COMPLETE", "Model", 1, 3));
        assert_eq!(bar.position(), 1);
        assert_eq!(
            bar.message(),
            "CREATE_COMPLETE AWS::SageMaker::Model Model (in progress: Config)"
        );
        reporter.activity(&event("CREATE_COMPLETE", "Config", 2, 3));
        assert_eq!(bar.position(), 2);
        assert_eq!(
            bar.message(),
            "CREATE_COMPLETE AWS::SageMaker::Model Config"
        );
        // More changes than announced (e.g. a rollback): the bar grows instead of overflowing.
        reporter.activity(&event("UPDATE_COMPLETE", "Extra", 4, 4));
        assert_eq!(bar.length(), Some(4));
        assert_eq!(bar.position(), 4);

        reporter.follow_end("Stack");
        assert!(bar.is_finished());
        assert!(reporter.bar().is_none());
        // Events after the end (none expected) are ignored rather than drawn.
        reporter.activity(&event("CREATE_COMPLETE", "Late", 1, 1));
        assert!(reporter.bar().is_none());
    }

    /// A terminal that records the lines written to it.
    #[derive(Debug)]
    struct Recorder;

    static RECORDED: Mutex<Vec<String>> = Mutex::new(Vec::new());

    impl TermLike for Recorder {
        fn width(&self) -> u16 {
            200
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            RECORDED.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            RECORDED.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn recording_target() -> ProgressDrawTarget {
        ProgressDrawTarget::term_like(Box::new(Recorder))
    }

    #[test]
    fn failures_are_printed_above_the_bar() {
        let reporter = ProgressBarReporter::with_target(recording_target);
        reporter.follow_start("Stack", 2);
        reporter.activity(&event("CREATE_IN_PROGRESS", "Model", 0, 2));
        reporter.activity(&event("CREATE_FAILED", "Model", 0, 2));
        reporter.follow_end("Stack");
        let recorded = RECORDED.lock().unwrap().join("\n");
        assert!(
            recorded.contains(
                "Stack | 0/2 | 12:00:00 | CREATE_FAILED        | AWS::SageMaker::Model | Model \
                 image not found"
            ),
            "{recorded}"
        );
        assert!(
            recorded.contains("Stack [") && recorded.contains("0/2"),
            "{recorded}"
        );
    }
}

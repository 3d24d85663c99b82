//! How the command line shows stack operations on standard error: [`EventLines`] prints one
//! plain line per event (the CDK's `--progress events`), [`ProgressBars`] draws a live bar per
//! stack being followed (the CDK's default on a terminal). Both print the operations' messages
//! as lines of their own.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use sagecdk_deploy::Reporter;
use sagecdk_deploy::progress::StackActivity;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;

/// One plain line per stack event on standard error:
/// `stack | done/total | time | STATUS | type | logical id reason`.
#[derive(Debug, Default)]
pub(crate) struct EventLines {
    /// Widest resource type so far (the type column is padded to it, at least 26).
    width: Mutex<usize>,
}

impl EventLines {
    /// The line of one event; `width` is the type column's width.
    pub(crate) fn line(a: &StackActivity, width: usize) -> String {
        format!(
            "{} | {}/{} | {} | {:<20} | {:<width$} | {} {}",
            a.stack, a.done, a.total, a.time, a.status, a.resource_type, a.logical_id, a.reason
        )
    }
}

impl Reporter for EventLines {
    fn message(&self, text: &str) {
        eprintln!("{text}");
    }

    fn activity(&self, a: &StackActivity) {
        let width = {
            let mut w = self.width.lock().unwrap_or_else(|e| e.into_inner());
            *w = (*w).max(a.resource_type.len()).max(26);
            *w
        };
        eprintln!("{}", EventLines::line(a, width));
    }
}

/// Live progress bars on the terminal (standard error), one per stack operation being followed
/// (several when stacks deploy concurrently): resources done out of the total, the newest
/// event, and the resources still in progress. Failures and messages are printed above the
/// bars and stay on the screen.
pub(crate) struct ProgressBars {
    bars: MultiProgress,
    state: Mutex<HashMap<String, BarState>>,
}

struct BarState {
    bar: ProgressBar,
    in_progress: Vec<String>,
    finished: HashSet<String>,
}

impl fmt::Debug for ProgressBars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressBars")
    }
}

impl ProgressBars {
    /// Bars drawn on standard error (invisible when standard error is not a terminal).
    pub(crate) fn new() -> Self {
        Self::with_target(ProgressDrawTarget::stderr())
    }

    /// Bars drawn on `target`.
    pub(crate) fn with_target(target: ProgressDrawTarget) -> Self {
        ProgressBars {
            bars: MultiProgress::with_draw_target(target),
            state: Mutex::new(HashMap::new()),
        }
    }

    /// The bar of the operation on `stack` being followed, if any.
    #[cfg(test)]
    fn bar(&self, stack: &str) -> Option<ProgressBar> {
        self.lock().get(stack).map(|s| s.bar.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, BarState>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A line above the bars (directly on standard error when none is drawn).
    fn print_line(&self, line: &str) {
        if self.lock().is_empty() || self.bars.println(line).is_err() {
            eprintln!("{line}");
        }
    }
}

impl Reporter for ProgressBars {
    fn message(&self, text: &str) {
        self.print_line(text);
    }

    fn follow_start(&self, stack: &str, total: usize) {
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = self.bars.add(
            ProgressBar::new(total as u64)
                .with_style(style)
                .with_prefix(stack.to_string()),
        );
        let state = BarState {
            bar,
            in_progress: Vec::new(),
            finished: HashSet::new(),
        };
        if let Some(old) = self.lock().insert(stack.to_string(), state) {
            old.bar.finish_and_clear();
            self.bars.remove(&old.bar);
        }
    }

    fn activity(&self, a: &StackActivity) {
        let failure = {
            let mut states = self.lock();
            let Some(state) = states.get_mut(&a.stack) else {
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
            let bar = &state.bar;
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
            a.failed.then(|| EventLines::line(a, a.resource_type.len()))
        };
        if let Some(line) = failure {
            self.print_line(&line);
        }
    }

    fn follow_end(&self, stack: &str) {
        if let Some(state) = self.lock().remove(stack) {
            state.bar.finish_and_clear();
            self.bars.remove(&state.bar);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;

    fn event(stack: &str, status: &str, logical: &str, done: usize, total: usize) -> StackActivity {
        let is_stack = logical == stack;
        StackActivity {
            stack: stack.into(),
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
        let a = event("Stack", "CREATE_FAILED", "Model", 1, 3);
        assert_eq!(
            EventLines::line(&a, 26),
            "Stack | 1/3 | 12:00:00 | CREATE_FAILED        | AWS::SageMaker::Model      | Model \
             image not found"
        );
    }

    #[test]
    fn each_stack_has_a_bar_following_done_total_and_the_newest_event() {
        let reporter = ProgressBars::with_target(ProgressDrawTarget::hidden());
        assert!(reporter.bar("Stack").is_none());
        reporter.follow_start("Stack", 3);
        reporter.follow_start("Other", 1);
        let bar = reporter.bar("Stack").expect("a bar while following");
        let other = reporter.bar("Other").expect("a bar per stack");
        assert_eq!(bar.length(), Some(3));
        assert_eq!(bar.position(), 0);
        assert_eq!(bar.prefix(), "Stack");

        reporter.activity(&event("Stack", "CREATE_IN_PROGRESS", "Stack", 0, 3));
        assert_eq!(bar.message(), "CREATE_IN_PROGRESS", "the stack's own event");
        reporter.activity(&event("Stack", "CREATE_IN_PROGRESS", "Model", 0, 3));
        reporter.activity(&event("Stack", "CREATE_IN_PROGRESS", "Config", 0, 3));
        assert_eq!(
            bar.message(),
            "CREATE_IN_PROGRESS AWS::SageMaker::Model Config (in progress: Model, Config)"
        );
        reporter.activity(&event("Other", "CREATE_COMPLETE", "Role", 1, 1));
        assert_eq!(
            (other.position(), bar.position()),
            (1, 0),
            "events go to their bar"
        );
        reporter.activity(&event("Stack", "CREATE_COMPLETE", "Model", 1, 3));
        assert_eq!(bar.position(), 1);
        assert_eq!(
            bar.message(),
            "CREATE_COMPLETE AWS::SageMaker::Model Model (in progress: Config)"
        );
        // More changes than announced (e.g. a rollback): the bar grows instead of overflowing.
        reporter.activity(&event("Stack", "UPDATE_COMPLETE", "Extra", 4, 4));
        assert_eq!(bar.length(), Some(4));
        assert_eq!(bar.position(), 4);

        reporter.follow_end("Stack");
        assert!(bar.is_finished());
        assert!(reporter.bar("Stack").is_none());
        assert!(reporter.bar("Other").is_some());
        // Events after the end (none expected) are ignored rather than drawn.
        reporter.activity(&event("Stack", "CREATE_COMPLETE", "Late", 1, 1));
        assert!(reporter.bar("Stack").is_none());
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

    #[test]
    fn failures_and_messages_are_printed_above_the_bars() {
        let reporter = ProgressBars::with_target(ProgressDrawTarget::term_like(Box::new(Recorder)));
        reporter.follow_start("Stack", 2);
        reporter.message("Stack: executing changeset...");
        reporter.activity(&event("Stack", "CREATE_IN_PROGRESS", "Model", 0, 2));
        reporter.activity(&event("Stack", "CREATE_FAILED", "Model", 0, 2));
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
            recorded.contains("Stack: executing changeset..."),
            "{recorded}"
        );
        assert!(
            recorded.contains("Stack [") && recorded.contains("0/2"),
            "{recorded}"
        );
    }
}

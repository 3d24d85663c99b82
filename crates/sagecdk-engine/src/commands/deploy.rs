//! `sagecdk deploy`: synthesize, then deploy the selected stacks and their dependencies.
//!
//! Stack events are shown by the display `--progress` chooses. Security-relevant changes are
//! approved on the terminal (`--require-approval`). The first Ctrl-C stops following: nothing
//! is cancelled in CloudFormation, the outputs of the stacks that finished are written (whole
//! files only), and the message says which stack is still in progress and how to resume; the
//! exit code is 130.

use super::Answer;
use anyhow::Context as _;
use sagecdk_assembly::StackArtifact;
use sagecdk_cli::args::{ApprovalLevel, DeployArgs, ProgressMode};
use sagecdk_cli::commands::Session;
use sagecdk_deploy::deploy::ParameterOverride;
use sagecdk_deploy::progress::{ApprovalRequest, StackActivity};
use sagecdk_deploy::stack::DeployResult;
use sagecdk_deploy::{
    DeployOptions, EnvironmentOptions, Reporter, StackPhase, deploy_order, deploy_stacks,
};
use sagecdk_toolkit::select_stacks;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Exit code of an interrupted deployment (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;

pub(crate) fn run(session: &Session<'_>, args: &DeployArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let assembly = session.synth()?;
    let all = assembly.stacks()?;
    let selected = select_stacks(&assembly, &args.stacks)?;
    let stacks = deploy_order(&all, &selected, args.exclusively);
    let parameters = parameter_overrides(&args.parameters, &stacks)?;
    let tags = key_values("--tags", &args.tags)?;
    eprintln!(
        "\n✨  Synthesis time: {:.2}s\n",
        start.elapsed().as_secs_f64()
    );
    // Several stacks at once are shown as event lines (as the AWS CDK does): bars of other
    // stacks would be redrawn over an approval question.
    let progress = if args.concurrency > 1 {
        if args.progress == Some(ProgressMode::Bar) {
            eprintln!(
                "⚠️  The --concurrency flag only supports --progress \"events\". Switching to \"events\"."
            );
        }
        Some(ProgressMode::Events)
    } else {
        args.progress
    };
    let tracker = Arc::new(Tracker::new(super::display(progress)));
    let options = DeployOptions {
        environment: EnvironmentOptions {
            profile: args.profile.clone(),
        },
        no_execute: args.no_execute,
        force: args.force,
        require_approval: required_approval(approval_level(args, &session.config)?),
        reporter: tracker.clone(),
        toolkit_stack_name: args.toolkit_stack_name.clone(),
        parameters,
        tags,
        no_rollback: args.no_rollback,
        concurrency: usize::from(args.concurrency),
        ..DeployOptions::default()
    };
    let runtime = sagecdk_deploy::runtime()?;
    let outcome = runtime.block_on(async {
        // Without a signal handler (it could not be installed) the deployment simply runs on.
        let interrupted = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            // Polled first, so the handler is in place before anything is deployed.
            biased;
            () = interrupted => None,
            result = deploy_stacks(&assembly, &stacks, &options) => Some(result),
        }
    });
    // An approval prompt may still wait for its answer on a blocking thread: do not wait.
    runtime.shutdown_timeout(Duration::from_millis(100));
    // The stacks that did deploy before an interruption or a failure still have their outputs
    // written and reported.
    let report_partial = |error: &str| {
        report(
            &tracker.lock().done,
            args.outputs_file.as_deref(),
            args.json,
            Some(error),
        )
    };
    let Some(results) = outcome else {
        report_partial("interrupted")?;
        eprintln!("\n{}", interrupt_message(&tracker.account(), &stacks));
        return Ok(ExitCode::from(INTERRUPTED));
    };
    let results = match results {
        Ok(results) => results,
        Err(e) => {
            let error = anyhow::Error::from(e);
            report_partial(&sagecdk_cli::error_text(&error))?;
            return Err(error);
        }
    };
    let done: Vec<(String, DeployResult)> = stacks
        .iter()
        .zip(results)
        .map(|(s, r)| (s.id.clone(), r))
        .collect();
    report(&done, args.outputs_file.as_deref(), args.json, None)?;
    eprintln!("\n✨  Total time: {:.2}s", start.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// The deploy engine's approval level for the command line's.
fn required_approval(level: ApprovalLevel) -> sagecdk_deploy::RequireApproval {
    match level {
        ApprovalLevel::Never => sagecdk_deploy::RequireApproval::Never,
        ApprovalLevel::AnyChange => sagecdk_deploy::RequireApproval::AnyChange,
        ApprovalLevel::Broadening => sagecdk_deploy::RequireApproval::Broadening,
    }
}

/// `--require-approval`, else cdk.json's `requireApproval` (checked when it was read), else
/// broadening.
fn approval_level(
    args: &DeployArgs,
    config: &sagecdk_toolkit::ProjectConfig,
) -> anyhow::Result<ApprovalLevel> {
    use clap::ValueEnum;
    match (args.require_approval, &config.require_approval) {
        (Some(level), _) => Ok(level),
        (None, Some(text)) => ApprovalLevel::from_str(text, false)
            .map_err(|e| anyhow::anyhow!("cdk.json \"requireApproval\": {e}")),
        (None, None) => Ok(ApprovalLevel::Broadening),
    }
}

/// `--parameters [STACK:]KEY=VALUE`: every malformed value, a stack that is not deployed, and
/// a parameter no deployed stack declares are reported together.
fn parameter_overrides(
    values: &[String],
    stacks: &[StackArtifact],
) -> anyhow::Result<Vec<ParameterOverride>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let templates: Vec<(&StackArtifact, serde_json::Value)> = stacks
        .iter()
        .map(|s| Ok((s, s.template()?)))
        .collect::<anyhow::Result<_>>()?;
    for value in values {
        let Some((target, assigned)) = value.split_once('=') else {
            problems.push(format!("--parameters '{value}' is not [STACK:]KEY=VALUE"));
            continue;
        };
        let (stack, key) = match target.rsplit_once(':') {
            Some((stack, key)) => (Some(stack.to_string()), key.to_string()),
            None => (None, target.to_string()),
        };
        let declares = |t: &serde_json::Value| t["Parameters"].get(&key).is_some();
        let found = match &stack {
            Some(name) => templates
                .iter()
                .find(|(s, _)| s.display_name == *name || s.stack_name() == name || s.id == *name),
            None => templates.iter().find(|(_, t)| declares(t)),
        };
        match (found, &stack) {
            (None, Some(name)) => problems.push(format!(
                "--parameters {value}: stack {name} is not deployed by this command ({})",
                stacks
                    .iter()
                    .map(|s| s.display_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            (None, None) => problems.push(format!(
                "--parameters {value}: no deployed stack declares parameter {key}"
            )),
            (Some((s, t)), _) if !declares(t) => problems.push(format!(
                "--parameters {value}: stack {} declares no parameter {key}",
                s.display_name
            )),
            _ => out.push(ParameterOverride {
                stack,
                key,
                value: assigned.to_string(),
            }),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        anyhow::bail!("{}", problems.join("\n"))
    }
}

/// `KEY=VALUE` arguments of `flag`.
fn key_values(flag: &str, values: &[String]) -> anyhow::Result<indexmap::IndexMap<String, String>> {
    let mut out = indexmap::IndexMap::new();
    let mut problems = Vec::new();
    for value in values {
        match value.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            _ => problems.push(format!("{flag} '{value}' is not KEY=VALUE")),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        anyhow::bail!("{}", problems.join("\n"))
    }
}

/// Prints the outputs and ARNs of deployed stacks (artifact id, result), as text or with
/// `--json` as one JSON document (with `error` when the deployment failed or was
/// interrupted), and writes the outputs file, replacing it as a whole
/// (nothing is written when no stack was deployed).
fn report(
    done: &[(String, DeployResult)],
    outputs_file: Option<&Path>,
    json: bool,
    error: Option<&str>,
) -> anyhow::Result<()> {
    let outputs_of = |result: &DeployResult| -> serde_json::Map<String, serde_json::Value> {
        result
            .outputs
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect()
    };
    if json {
        let stacks: Vec<serde_json::Value> = done
            .iter()
            .map(|(id, result)| {
                serde_json::json!({
                    "id": id,
                    "stackName": result.stack_name,
                    "stackArn": result.stack_arn,
                    "outputs": outputs_of(result),
                    "noChanges": result.no_op,
                    "changeSetPending": result.change_set_pending,
                })
            })
            .collect();
        let mut document = serde_json::json!({ "stacks": stacks });
        if let Some(error) = error {
            document["error"] = serde_json::Value::from(error);
        }
        let text = serde_json::to_string_pretty(&document)?;
        println!("{text}");
    } else {
        for (id, result) in done {
            if !result.outputs.is_empty() {
                println!("Outputs:");
                for (k, v) in &result.outputs {
                    println!("{id}.{k} = {v}");
                }
            }
            if let Some(arn) = &result.stack_arn {
                println!("Stack ARN:\n{arn}");
            }
        }
    }
    if let Some(path) = outputs_file
        && !done.is_empty()
    {
        let file: serde_json::Map<String, serde_json::Value> = done
            .iter()
            .map(|(_, result)| {
                (
                    result.stack_name.clone(),
                    serde_json::Value::Object(outputs_of(result)),
                )
            })
            .collect();
        let text = serde_json::to_string_pretty(&serde_json::Value::Object(file))? + "\n";
        write_atomically(path, text.as_bytes())
            .with_context(|| format!("writing outputs file {}", path.display()))?;
    }
    Ok(())
}

/// Writes `path` through a temporary file in the same directory and a rename: readers see the
/// old file or the whole new one, never a part.
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".sagecdk-outputs")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The stack being deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Current {
    display_name: String,
    stack_name: String,
    phase: StackPhase,
}

/// What the tracker knows about the deployment.
#[derive(Debug, Clone, Default)]
struct Account {
    /// The stacks under way, in the order they started.
    current: Vec<Current>,
    /// Finished stacks: artifact id and result.
    done: Vec<(String, DeployResult)>,
}

/// Output for the display, held back while a question is on the screen.
enum Shown {
    Message(String),
    FollowStart(String, usize),
    Activity(StackActivity),
    FollowEnd(String),
}

/// The command line's reporter: shows events and messages through the chosen display, asks
/// for approvals on the terminal (one question at a time; messages and events that arrive
/// meanwhile, such as assets published in the background or another stack's events, are held
/// back until it is answered), and keeps account of which stacks are done and where those
/// under way are.
struct Tracker {
    display: Arc<dyn Reporter>,
    account: Mutex<Account>,
    /// Held while a question is on the screen.
    asking: Mutex<()>,
    /// Output held back while a question is on the screen (`None`: none is).
    held: Mutex<Option<Vec<Shown>>>,
}

impl Tracker {
    fn new(display: Arc<dyn Reporter>) -> Self {
        Tracker {
            display,
            account: Mutex::new(Account::default()),
            asking: Mutex::new(()),
            held: Mutex::new(None),
        }
    }

    /// Holds back the output `later` makes while a question is on the screen; whether it did
    /// (otherwise the caller shows it now, without making a copy).
    fn hold(&self, later: impl FnOnce() -> Shown) -> bool {
        match self.held().as_mut() {
            Some(held) => {
                held.push(later());
                true
            }
            None => false,
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Option<Vec<Shown>>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn display_now(&self, output: Shown) {
        match output {
            Shown::Message(text) => self.display.message(&text),
            Shown::FollowStart(stack, total) => self.display.follow_start(&stack, total),
            Shown::Activity(activity) => self.display.activity(&activity),
            Shown::FollowEnd(stack) => self.display.follow_end(&stack),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Account> {
        self.account.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn account(&self) -> Account {
        self.lock().clone()
    }
}

impl Reporter for Tracker {
    fn message(&self, text: &str) {
        if !self.hold(|| Shown::Message(text.to_string())) {
            self.display.message(text);
        }
    }

    fn follow_start(&self, stack: &str, total: usize) {
        if !self.hold(|| Shown::FollowStart(stack.to_string(), total)) {
            self.display.follow_start(stack, total);
        }
    }

    fn activity(&self, activity: &StackActivity) {
        if !self.hold(|| Shown::Activity(activity.clone())) {
            self.display.activity(activity);
        }
    }

    fn follow_end(&self, stack: &str) {
        if !self.hold(|| Shown::FollowEnd(stack.to_string())) {
            self.display.follow_end(stack);
        }
    }

    fn stack_started(&self, stack: &StackArtifact) {
        self.lock().current.push(Current {
            display_name: stack.display_name.clone(),
            stack_name: stack.stack_name().to_string(),
            phase: StackPhase::Preparing,
        });
    }

    fn phase(&self, stack_name: &str, phase: StackPhase) {
        if let Some(current) = self
            .lock()
            .current
            .iter_mut()
            .find(|c| c.stack_name == stack_name)
        {
            current.phase = phase;
        }
    }

    fn stack_done(&self, stack: &StackArtifact, result: &DeployResult) {
        let mut account = self.lock();
        account
            .current
            .retain(|c| c.stack_name != stack.stack_name());
        account.done.push((stack.id.clone(), result.clone()));
    }

    fn approve(&self, request: &ApprovalRequest) -> Result<bool, String> {
        self.while_asking(|| self.ask_approval(request))
    }
}

impl Tracker {
    /// Runs `ask` (a question on the terminal) alone, holding back the output that arrives
    /// meanwhile until it returns.
    fn while_asking<T>(&self, ask: impl FnOnce() -> T) -> T {
        let _one_question = self.asking.lock().unwrap_or_else(|e| e.into_inner());
        self.held().get_or_insert_with(Vec::new);
        let answer = ask();
        let later = self.held().take().unwrap_or_default();
        for output in later {
            self.display_now(output);
        }
        answer
    }

    /// Shows the changes of `request` and asks whether to deploy them.
    fn ask_approval(&self, request: &ApprovalRequest) -> Result<bool, String> {
        eprintln!(
            "{}: this deployment changes IAM permissions or security groups and needs approval \
             (--require-approval {}):\n",
            request.stack, request.level
        );
        eprint!("{}", request.changes);
        eprintln!();
        match super::ask("Do you wish to deploy these changes (y/n)?") {
            Ok(Answer::Yes) => Ok(true),
            Ok(Answer::No) => Ok(false),
            Ok(Answer::NotAsked(why)) => Err(format!(
                "{}: the changes above need approval (--require-approval {}), but {why}. Run in \
                 a terminal to answer, or pass --require-approval never to deploy without asking",
                request.stack, request.level
            )),
            Err(e) => Err(format!(
                "{}: cannot ask for approval: {e}. Pass --require-approval never to deploy \
                 without asking",
                request.stack
            )),
        }
    }
}

/// What an interrupted deployment leaves behind and how to resume it.
fn interrupt_message(account: &Account, stacks: &[StackArtifact]) -> String {
    let done: HashSet<&str> = account
        .done
        .iter()
        .map(|(_, r)| r.stack_name.as_str())
        .collect();
    let remaining: Vec<&StackArtifact> = stacks
        .iter()
        .filter(|s| !done.contains(s.stack_name()))
        .collect();
    let mut out = String::from(
        "Interrupted: stopped following the deployment. Nothing was cancelled in CloudFormation.\n",
    );
    for c in &account.current {
        let what = match c.phase {
            StackPhase::Preparing => {
                "was being prepared (checks, approvals, assets); CloudFormation was not asked to \
                 change it"
                    .to_string()
            }
            StackPhase::CreatingChangeSet => {
                "a change set was being created; the stack itself was not changed (the next \
                 deployment replaces the change set)"
                    .to_string()
            }
            StackPhase::WaitingForOtherOperation => {
                "is still in progress: the operation that was already running on it continues \
                 in CloudFormation"
                    .to_string()
            }
            StackPhase::Executing => {
                "is still in progress: CloudFormation goes on executing its change set".to_string()
            }
        };
        out.push_str(&format!("  {} {what}.\n", c.display_name));
    }
    let names = |list: Vec<&str>| list.join(", ");
    if !account.done.is_empty() {
        let finished: Vec<&str> = stacks
            .iter()
            .filter(|s| done.contains(s.stack_name()))
            .map(|s| s.display_name.as_str())
            .collect();
        out.push_str(&format!("  Deployed: {}.\n", names(finished)));
    }
    let not_started: Vec<&str> = remaining
        .iter()
        .filter(|s| {
            account
                .current
                .iter()
                .all(|c| c.stack_name != s.stack_name())
        })
        .map(|s| s.display_name.as_str())
        .collect();
    if !not_started.is_empty() {
        out.push_str(&format!("  Not started: {}.\n", names(not_started)));
    }
    for c in &account.current {
        out.push_str(&format!(
            "Check the stack in the CloudFormation console or with `aws cloudformation \
             describe-stacks --stack-name {}`.\n",
            c.stack_name
        ));
    }
    if !remaining.is_empty() {
        let ids: Vec<&str> = remaining.iter().map(|s| s.display_name.as_str()).collect();
        out.push_str(&format!(
            "To resume, run `sagecdk deploy {}` again: it waits for an operation still running \
             on a stack, then deploys what is not deployed yet.",
            ids.join(" ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(name: &str) -> StackArtifact {
        StackArtifact {
            id: name.into(),
            display_name: name.into(),
            environment: "aws://unknown-account/unknown-region".into(),
            properties: Default::default(),
            stack_dependencies: Vec::new(),
            other_dependencies: Vec::new(),
            template_path: Default::default(),
        }
    }

    fn tracked(phase: Option<StackPhase>) -> (Tracker, Vec<StackArtifact>) {
        let stacks = vec![stack("Network"), stack("Model"), stack("Endpoint")];
        let tracker = Tracker::new(Arc::new(crate::display::EventLines::default()));
        tracker.stack_started(&stacks[0]);
        tracker.stack_done(
            &stacks[0],
            &DeployResult {
                stack_name: "Network".into(),
                ..DeployResult::default()
            },
        );
        if let Some(phase) = phase {
            tracker.stack_started(&stacks[1]);
            tracker.phase("Other", StackPhase::Executing);
            tracker.phase("Model", phase);
        }
        (tracker, stacks)
    }

    #[test]
    fn the_tracker_follows_stacks_and_phases() {
        let (tracker, _) = tracked(Some(StackPhase::CreatingChangeSet));
        let account = tracker.account();
        assert_eq!(account.done.len(), 1);
        assert_eq!(account.done[0].0, "Network");
        assert_eq!(
            account.current,
            [Current {
                display_name: "Model".into(),
                stack_name: "Model".into(),
                phase: StackPhase::CreatingChangeSet,
            }]
        );
    }

    #[test]
    fn an_interruption_while_executing_names_the_stack_and_how_to_resume() {
        let (tracker, stacks) = tracked(Some(StackPhase::Executing));
        let text = interrupt_message(&tracker.account(), &stacks);
        assert_eq!(
            text,
            "Interrupted: stopped following the deployment. Nothing was cancelled in \
             CloudFormation.\n  \
             Model is still in progress: CloudFormation goes on executing its change set.\n  \
             Deployed: Network.\n  \
             Not started: Endpoint.\n\
             Check the stack in the CloudFormation console or with `aws cloudformation \
             describe-stacks --stack-name Model`.\n\
             To resume, run `sagecdk deploy Model Endpoint` again: it waits for an operation \
             still running on a stack, then deploys what is not deployed yet."
        );
    }

    #[test]
    fn each_phase_says_what_is_left_behind() {
        for (phase, says) in [
            (
                StackPhase::Preparing,
                "CloudFormation was not asked to change it",
            ),
            (
                StackPhase::CreatingChangeSet,
                "the stack itself was not changed",
            ),
            (
                StackPhase::WaitingForOtherOperation,
                "the operation that was already running on it continues",
            ),
        ] {
            let (tracker, stacks) = tracked(Some(phase));
            let text = interrupt_message(&tracker.account(), &stacks);
            assert!(
                text.contains(&format!("Model {says}")) || text.contains(says),
                "{text}"
            );
        }
        // Between stacks: nothing in progress, the rest is listed.
        let (tracker, stacks) = tracked(None);
        let text = interrupt_message(&tracker.account(), &stacks);
        assert!(!text.contains("describe-stacks"), "{text}");
        assert!(text.contains("Not started: Model, Endpoint."), "{text}");
        assert!(text.contains("`sagecdk deploy Model Endpoint`"), "{text}");
    }

    /// A display that records the messages it shows.
    #[derive(Default)]
    struct Recording(Mutex<Vec<String>>);

    impl Reporter for Recording {
        fn message(&self, text: &str) {
            self.0.lock().unwrap().push(text.to_string());
        }
        fn activity(&self, _: &StackActivity) {}
    }

    #[test]
    fn messages_wait_while_a_question_is_on_the_screen() {
        let display = Arc::new(Recording::default());
        let tracker = Tracker::new(display.clone());
        tracker.message("Model: deploying... [1/2]");
        tracker.while_asking(|| {
            // An asset finishes publishing in the background while the user reads the question.
            tracker.message("Model: asset: success: Published");
            assert_eq!(display.0.lock().unwrap().len(), 1, "held back");
        });
        assert_eq!(
            *display.0.lock().unwrap(),
            [
                "Model: deploying... [1/2]",
                "Model: asset: success: Published"
            ]
        );
        tracker.message("after");
        assert_eq!(display.0.lock().unwrap().len(), 3, "shown at once again");
    }

    #[test]
    fn stacks_under_way_together_are_all_named_when_interrupted() {
        let stacks = vec![stack("Network"), stack("Model"), stack("Endpoint")];
        let tracker = Tracker::new(Arc::new(Recording::default()));
        tracker.stack_started(&stacks[0]);
        tracker.stack_started(&stacks[1]);
        tracker.phase("Network", StackPhase::Executing);
        let text = interrupt_message(&tracker.account(), &stacks);
        assert!(
            text.contains("Network is still in progress")
                && text.contains("Model was being prepared")
                && text.contains("Not started: Endpoint.")
                && text.contains("--stack-name Network")
                && text.contains("--stack-name Model"),
            "{text}"
        );
    }

    #[test]
    fn outputs_files_are_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old").unwrap();
        let mut result = DeployResult {
            stack_name: "Model".into(),
            ..DeployResult::default()
        };
        result.outputs.insert("Name".into(), "m-1".into());
        report(&[("Model".into(), result)], Some(&path), false, None).unwrap();
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written, serde_json::json!({"Model": {"Name": "m-1"}}));
        // Nothing deployed: the old file stays.
        let other = dir.path().join("other.json");
        report(&[], Some(&other), false, None).unwrap();
        assert!(!other.exists());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.json"], "no temporary file is left");
    }
}

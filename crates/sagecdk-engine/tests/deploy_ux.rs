//! `sagecdk deploy` and `diff` end to end against the local services of `scripts/services.sh`
//! (moto server): approval of IAM changes (refused without a terminal, asked on a pseudo
//! terminal), the progress bar on a terminal, the IAM tables and the change set of `diff`,
//! Ctrl-C during a deployment, `--no-execute` change sets, `--force`, credentials of a
//! `--profile` from the shared config files, and `destroy` confirmed on a pseudo terminal.

use sagecdk_core::{App, AppProps, CfnResource, Stack, StackProps, cfn};
use sagecdk_deploy::{AwsEnvironment, EnvironmentOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

mod common;

use common::{command, text};

const HINT: &str = "start the test services with `scripts/services.sh start` and export their \
                    environment with `eval \"$(scripts/services.sh env)\"`";

/// The moto endpoint, checked to answer.
fn moto() {
    let endpoint = match std::env::var("AWS_ENDPOINT_URL") {
        Ok(v) if !v.is_empty() => v,
        _ => panic!("AWS_ENDPOINT_URL is not set: {HINT}"),
    };
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    if std::net::TcpStream::connect(addr).is_err() {
        panic!("moto server at {endpoint} does not answer: {HINT}");
    }
}

/// Bootstraps the environment once per test binary (through the command line).
fn bootstrapped() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        moto();
        let dir = tempfile::tempdir().expect("tmp");
        let out = command(dir.path())
            .arg("bootstrap")
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        assert!(out.status.success(), "bootstrap: {}", text(&out.stderr));
    });
}

/// Synthesizes an app with the stacks `build` adds into `dir/name`.
fn synth(dir: &Path, name: &str, build: impl FnOnce(&App)) -> PathBuf {
    let out = dir.join(name);
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    build(&app);
    app.synth().expect("synthesizes");
    out
}

/// A role SageMaker may assume; `extra` adds an inline policy and a managed policy.
fn role_stack(app: &App, name: &str, extra: bool) {
    let stack = Stack::new(app, name, StackProps::default());
    let role = CfnResource::new(&stack, "Role", "AWS::IAM::Role");
    let _role = if extra {
        role.with_properties(cfn!({
            "AssumeRolePolicyDocument": {
                "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                               "Principal": {"Service": "sagemaker.amazonaws.com"}}],
                "Version": "2012-10-17"
            },
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSageMakerReadOnly"],
            "Policies": [{
                "PolicyName": "logs",
                "PolicyDocument": {
                    "Statement": [{"Action": "logs:PutLogEvents", "Effect": "Allow",
                                   "Resource": "*"}],
                    "Version": "2012-10-17"
                }
            }]
        }))
    } else {
        role.with_properties(cfn!({
            "AssumeRolePolicyDocument": {
                "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                               "Principal": {"Service": "sagemaker.amazonaws.com"}}],
                "Version": "2012-10-17"
            }
        }))
    };
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    sagecdk_deploy::runtime().expect("runtime").block_on(f)
}

fn cloudformation() -> aws_sdk_cloudformation::Client {
    block_on(async {
        let env = AwsEnvironment::resolve(
            &EnvironmentOptions::default(),
            "aws://unknown-account/unknown-region",
        )
        .await
        .expect("environment");
        AwsEnvironment::cloudformation(env.base_config())
    })
}

/// The stack's status, `None` when it does not exist.
fn stack_status(cfn: &aws_sdk_cloudformation::Client, name: &str) -> Option<String> {
    block_on(async {
        sagecdk_deploy::stack::describe_stack(cfn, name)
            .await
            .expect("DescribeStacks")
            .and_then(|s| s.stack_status().map(|st| st.as_str().to_string()))
    })
}

fn delete_stacks(cfn: &aws_sdk_cloudformation::Client, names: &[&str]) {
    block_on(async {
        for name in names {
            let _ = cfn.delete_stack().stack_name(*name).send().await;
        }
    });
}

/// The environment bootstrapped: its CloudFormation client and a work directory.
fn bootstrapped_work() -> (aws_sdk_cloudformation::Client, tempfile::TempDir) {
    bootstrapped();
    (cloudformation(), tempfile::tempdir().expect("tmp"))
}

/// This run's name for a stack of test `what`.
fn ux_name(what: &str) -> String {
    format!("SageCdkUx{what}{}", std::process::id())
}

/// `sagecdk deploy <name> <options> --app <app>`.
fn deploy(work: &Path, name: &str, options: &[&str], app: &Path) -> Output {
    run(command(work)
        .args(["deploy", name])
        .args(options)
        .arg("--app")
        .arg(app))
}

fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().expect("runs")
}

#[test]
fn approval_of_iam_changes_and_the_tables_of_diff() {
    let (cfn, work) = bootstrapped_work();
    let name = ux_name("Iam");
    let v1 = synth(work.path(), "v1", |app| role_stack(app, &name, false));
    let v2 = synth(work.path(), "v2", |app| role_stack(app, &name, true));

    // A new role broadens permissions: without a terminal, nothing is deployed.
    let out = deploy(work.path(), &name, &[], &v1);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for expected in [
        "IAM Statement Changes",
        "│ + │ ${Role.Arn} │ Allow  │ sts:AssumeRole │ Service:sagemaker.amazonaws.com │",
        "needs approval (--require-approval broadening)",
        "standard input is not a terminal",
        "pass --require-approval never to deploy without asking",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(!err.contains("creating CloudFormation changeset"), "{err}");
    assert_eq!(stack_status(&cfn, &name), None, "nothing was deployed");

    let out = deploy(work.path(), &name, &["--require-approval", "never"], &v1);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Not a terminal: plain event lines.
    assert!(
        text(&out.stderr).contains(&format!("{name} | ")),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        stack_status(&cfn, &name).as_deref(),
        Some("CREATE_COMPLETE")
    );

    // diff: the added statement and managed policy, through a change set that is deleted again
    // (as is one left over by an interrupted diff).
    block_on(async {
        cfn.create_change_set()
            .stack_name(&name)
            .change_set_name("cdk-diff-change-set")
            .change_set_type(aws_sdk_cloudformation::types::ChangeSetType::Update)
            .template_body(
                std::fs::read_to_string(v2.join(format!("{name}.template.json")))
                    .expect("template"),
            )
            .send()
            .await
            .expect("CreateChangeSet");
    });
    let out = run(command(work.path()).args(["diff", &name, "--app"]).arg(&v2));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    for expected in [
        "IAM Statement Changes",
        "│ + │ *        │ Allow  │ logs:PutLogEvents │ AWS:${Role} │",
        "IAM Policy Changes",
        "│ + │ ${Role}  │ arn:aws:iam::aws:policy/AmazonSageMakerReadOnly │",
        "[~] AWS::IAM::Role Role",
        "✨  Number of stacks with differences: 1",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    assert!(
        stdout.find("IAM Statement Changes") < stdout.find("Resources"),
        "the tables come first:\n{stdout}"
    );
    assert!(
        !stderr.contains("could not create a change set"),
        "{stderr}"
    );
    let leftover = block_on(async {
        cfn.list_change_sets()
            .stack_name(&name)
            .send()
            .await
            .expect("ListChangeSets")
    });
    assert!(
        !leftover
            .summaries()
            .iter()
            .any(|s| s.stack_name() == Some(name.as_str())
                && s.change_set_name() == Some("cdk-diff-change-set")),
        "the diff change set is deleted: {leftover:?}"
    );
    let out = run(command(work.path())
        .args(["diff", &name, "--fail", "--no-change-set", "--app"])
        .arg(&v2));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // The same as JSON, for CI.
    let out = run(command(work.path())
        .args(["diff", &name, "--json", "--no-change-set", "--app"])
        .arg(&v2));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON diff");
    assert_eq!(report["stacksWithDifferences"], 1, "{report}");
    let stack = &report["stacks"][0];
    assert_eq!(stack["stackName"], name.as_str());
    assert_eq!(stack["deployed"], true);
    let role = &stack["diff"]["sections"][0];
    assert_eq!(role["title"], "Resources", "{report}");
    assert_eq!(role["entries"][0]["logicalId"], "Role");
    assert_eq!(role["entries"][0]["kind"], "modified");
    assert_eq!(role["entries"][0]["resourceType"], "AWS::IAM::Role");
    let paths: Vec<&str> = role["entries"][0]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["path"].as_str().expect("path"))
        .collect();
    assert!(paths.contains(&"ManagedPolicyArns"), "{paths:?}");
    let statement = &stack["security"]["statements"][0];
    assert_eq!(statement["kind"], "added");
    assert_eq!(statement["item"]["actions"][0], "logs:PutLogEvents");
    assert_eq!(
        stack["security"]["managedPolicies"][0]["item"]["policyArn"],
        "arn:aws:iam::aws:policy/AmazonSageMakerReadOnly"
    );

    // `any-change` asks for removals too; `broadening` does not.
    let out = deploy(work.path(), &name, &["--require-approval", "never"], &v2);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = deploy(
        work.path(),
        &name,
        &["--require-approval", "any-change"],
        &v1,
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("│ - │ *        │ Allow  │ logs:PutLogEvents │ AWS:${Role} │"),
        "{err}"
    );
    let out = deploy(work.path(), &name, &[], &v1);
    assert!(
        out.status.success(),
        "removals alone need no approval: {}",
        text(&out.stderr)
    );
    assert_eq!(
        stack_status(&cfn, &name).as_deref(),
        Some("UPDATE_COMPLETE")
    );
    delete_stacks(&cfn, &[&name]);
}

/// Runs `command` (shell words) under a pseudo terminal with `input` typed in; returns the exit
/// code and everything the terminal showed.
fn on_terminal(dir: &Path, command: &[&str], input: &str) -> (Option<i32>, String) {
    let quoted: Vec<String> = command
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
        .collect();
    let mut child = Command::new("script")
        .args(["-qfec", &quoted.join(" "), "/dev/null"])
        .current_dir(dir)
        .env_remove("CDK_CONTEXT_JSON")
        .env_remove("CDK_OUTDIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs the command under a pseudo terminal");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("type");
    let out = child.wait_with_output().expect("waits");
    (out.status.code(), text(&out.stdout) + &text(&out.stderr))
}

#[test]
fn on_a_terminal_approval_is_asked_and_events_show_as_a_bar() {
    let (cfn, work) = bootstrapped_work();
    let name = ux_name("Tty");
    let app = synth(work.path(), "v1", |app| role_stack(app, &name, false));
    let app = app.to_str().expect("utf8");
    let program = common::sagecdk_program();
    let bin = program.to_str().expect("utf8");

    let (code, screen) = on_terminal(work.path(), &[bin, "deploy", &name, "--app", app], "n\n");
    assert_eq!(code, Some(1), "{screen}");
    assert!(
        screen.contains("Do you wish to deploy these changes (y/n)?"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!(
            "{name}: deployment not approved; nothing was changed"
        )),
        "{screen}"
    );
    assert_eq!(stack_status(&cfn, &name), None);

    let (code, screen) = on_terminal(work.path(), &[bin, "deploy", &name, "--app", app], "y\n");
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains(&format!("{name} [")), "a bar: {screen}");
    assert!(
        !screen.contains(&format!("{name} | ")),
        "no event lines: {screen}"
    );
    assert!(screen.contains(&format!("✅  {name}")), "{screen}");
    assert_eq!(
        stack_status(&cfn, &name).as_deref(),
        Some("CREATE_COMPLETE")
    );
    delete_stacks(&cfn, &[&name]);
}

/// A stack whose creation does not finish: its custom resource's function never answers (on
/// the local service the function is not even run), so the stack stays in CREATE_IN_PROGRESS,
/// as it would on AWS until the custom resource times out.
const STUCK_TEMPLATE: &str = r#"{
  "Resources": {
    "Role": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "AssumeRolePolicyDocument": {
          "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                         "Principal": {"Service": "lambda.amazonaws.com"}}]
        }
      }
    },
    "Handler": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Code": {"ZipFile": "def handler(event, context):\n    pass\n"},
        "Handler": "index.handler",
        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
        "Runtime": "python3.12"
      }
    },
    "Waits": {
      "Type": "Custom::NeverAnswers",
      "Properties": {"ServiceToken": {"Fn::GetAtt": ["Handler", "Arn"]}}
    }
  }
}"#;

#[test]
fn ctrl_c_stops_following_and_says_how_to_resume() {
    let (cfn, work) = bootstrapped_work();
    let prefix = ux_name("Int");
    let (first, second) = (format!("{prefix}First"), format!("{prefix}Second"));
    let app = synth(work.path(), "app", |app| {
        let a = Stack::new(app, &first, StackProps::default());
        CfnResource::new(&a, "Queue", "AWS::SQS::Queue");
        let b = Stack::new(app, &second, StackProps::default());
        CfnResource::new(&b, "Queue", "AWS::SQS::Queue");
        b.add_dependency(&a, "test");
    });
    block_on(async {
        cfn.create_stack()
            .stack_name(&second)
            .template_body(STUCK_TEMPLATE)
            .send()
            .await
            .expect("CreateStack");
    });
    assert_eq!(
        stack_status(&cfn, &second).as_deref(),
        Some("CREATE_IN_PROGRESS"),
        "the stack stays in progress"
    );

    let outputs_dir = work.path().join("outputs");
    std::fs::create_dir(&outputs_dir).expect("mkdir");
    let outputs = outputs_dir.join("outputs.json");
    let mut child = command(work.path())
        .args(["deploy", &second, "--progress", "events", "--outputs-file"])
        .arg(&outputs)
        .arg("--app")
        .arg(&app)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // Lines of standard error arrive through a channel, so a deployment that never gets to the
    // waiting point fails the test after a while instead of hanging it.
    let stderr = child.stderr.take().expect("stderr");
    let (lines, received) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            if lines.send(line.expect("line")).is_err() {
                break;
            }
        }
    });
    let waiting = format!("{second}: waiting for the stack's current operation to finish");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = String::new();
    loop {
        let timeout = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(timeout) {
            Ok(line) => {
                if line.contains(&waiting) {
                    let kill = Command::new("kill")
                        .args(["-INT", &child.id().to_string()])
                        .status()
                        .expect("kill");
                    assert!(kill.success());
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!("the deployment did not end within 2 minutes:\n{seen}");
            }
        }
    }
    reader.join().expect("reader");
    let status = child.wait().expect("waits");
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut stdout)
        .expect("stdout");
    assert!(seen.contains(&waiting), "{seen}");
    assert_eq!(status.code(), Some(130), "{seen}");
    for expected in [
        "Interrupted: stopped following the deployment. Nothing was cancelled in CloudFormation."
            .to_string(),
        format!(
            "{second} is still in progress: the operation that was already running on it \
             continues in CloudFormation."
        ),
        format!("Deployed: {first}."),
        format!("aws cloudformation describe-stacks --stack-name {second}"),
        format!("To resume, run `sagecdk deploy {second}` again"),
    ] {
        assert!(seen.contains(&expected), "missing {expected:?} in:\n{seen}");
    }
    // Only the finished stack is in the outputs file, and only whole files were written.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&outputs).expect("outputs file"))
            .expect("JSON");
    let keys: Vec<&String> = written.as_object().expect("object").keys().collect();
    assert_eq!(keys, [&first], "{written}");
    let files: Vec<_> = std::fs::read_dir(&outputs_dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(files, ["outputs.json"], "no partial or temporary files");
    assert!(stdout.contains("Stack ARN:"), "{stdout}");
    // The operation was left alone.
    assert_eq!(
        stack_status(&cfn, &second).as_deref(),
        Some("CREATE_IN_PROGRESS")
    );
    delete_stacks(&cfn, &[&second, &first]);
}

/// A stack of `queues` queues (no IAM changes, so nothing needs approval).
fn queue_stack(app: &App, name: &str, queues: usize) {
    let stack = Stack::new(app, name, StackProps::default());
    for i in 0..queues {
        CfnResource::new(&stack, &format!("Queue{i}"), "AWS::SQS::Queue");
    }
}

/// The change set `deploy --no-execute` leaves on stack `name`, which must be ready to run.
/// The local CloudFormation keeps executed change sets of the same name listed (and their
/// creation times may tie to the second), so it is found as the one change set of that name
/// not executed.
fn assert_change_set_waits(cfn: &aws_sdk_cloudformation::Client, name: &str) {
    let summaries = block_on(async {
        cfn.list_change_sets()
            .stack_name(name)
            .send()
            .await
            .expect("change sets listed")
    });
    let waiting: Vec<&str> = summaries
        .summaries()
        .iter()
        // The local CloudFormation lists every stack's change sets.
        .filter(|s| s.stack_name() == Some(name))
        .filter(|s| s.change_set_name() == Some("cdk-deploy-change-set"))
        .filter(|s| s.execution_status().map(|e| e.as_str()) != Some("EXECUTE_COMPLETE"))
        .filter_map(|s| s.change_set_id())
        .collect();
    assert_eq!(
        waiting.len(),
        1,
        "one change set left unexecuted: {waiting:?}"
    );
    let newest = waiting[0].to_string();
    let change_set = block_on(async {
        cfn.describe_change_set()
            .stack_name(name)
            .change_set_name(newest)
            .send()
            .await
            .expect("the change set is described")
    });
    assert_eq!(
        change_set.status().map(|s| s.as_str()),
        Some("CREATE_COMPLETE")
    );
    assert_eq!(
        change_set.execution_status().map(|s| s.as_str()),
        Some("AVAILABLE")
    );
}

/// How many stacks named `name` exist (not deleted).
fn live_stacks_named(cfn: &aws_sdk_cloudformation::Client, name: &str) -> usize {
    block_on(async {
        let mut count = 0;
        let mut next = None;
        loop {
            let page = cfn
                .list_stacks()
                .set_next_token(next)
                .send()
                .await
                .expect("ListStacks");
            count += page
                .stack_summaries()
                .iter()
                .filter(|s| {
                    s.stack_name() == Some(name)
                        && s.stack_status().map(|s| s.as_str()) != Some("DELETE_COMPLETE")
                })
                .count();
            next = page.next_token().map(str::to_string);
            if next.is_none() {
                return count;
            }
        }
    })
}

fn resource_count(cfn: &aws_sdk_cloudformation::Client, name: &str) -> usize {
    block_on(async {
        cfn.list_stack_resources()
            .stack_name(name)
            .send()
            .await
            .expect("ListStackResources")
            .stack_resource_summaries()
            .len()
    })
}

#[test]
fn no_execute_leaves_the_change_set_and_force_republishes_the_assets() {
    let (cfn, work) = bootstrapped_work();
    let (new, existing) = (ux_name("NoExecNew"), ux_name("NoExec"));

    // A new stack: only the change set's placeholder stack exists, the change set waits.
    let app = synth(work.path(), "new", |app| queue_stack(app, &new, 1));
    let out = deploy(work.path(), &new, &["--no-execute"], &app);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("changeset cdk-deploy-change-set created and waiting in review"),
        "{err}"
    );
    assert!(!err.contains("executing changeset"), "{err}");
    assert_eq!(
        stack_status(&cfn, &new).as_deref(),
        Some("REVIEW_IN_PROGRESS")
    );
    assert_change_set_waits(&cfn, &new);
    // Again: the stack under review counts as not existing, its change set is made anew.
    let out = deploy(work.path(), &new, &["--no-execute"], &app);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("creating CloudFormation changeset (CREATE)"),
        "{err}"
    );
    assert_eq!(
        stack_status(&cfn, &new).as_deref(),
        Some("REVIEW_IN_PROGRESS")
    );
    assert_change_set_waits(&cfn, &new);
    assert_eq!(live_stacks_named(&cfn, &new), 1);
    // Deployed at last: created, one stack of that name.
    let out = deploy(work.path(), &new, &[], &app);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("creating CloudFormation changeset (CREATE)"),
        "{err}"
    );
    assert_eq!(stack_status(&cfn, &new).as_deref(), Some("CREATE_COMPLETE"));
    assert_eq!(resource_count(&cfn, &new), 1);
    assert_eq!(live_stacks_named(&cfn, &new), 1);
    delete_stacks(&cfn, &[&new]);

    // A deployed stack: the update waits as a change set, the stack is unchanged until a
    // deploy without --no-execute.
    let v1 = synth(work.path(), "v1", |app| queue_stack(app, &existing, 1));
    let v2 = synth(work.path(), "v2", |app| queue_stack(app, &existing, 2));
    let out = deploy(work.path(), &existing, &[], &v1);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = deploy(work.path(), &existing, &["--no-execute"], &v2);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("executing changeset"), "{err}");
    assert_change_set_waits(&cfn, &existing);
    assert_eq!(
        stack_status(&cfn, &existing).as_deref(),
        Some("CREATE_COMPLETE")
    );
    assert_eq!(resource_count(&cfn, &existing), 1);
    let out = deploy(work.path(), &existing, &[], &v2);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        stack_status(&cfn, &existing).as_deref(),
        Some("UPDATE_COMPLETE")
    );
    assert_eq!(resource_count(&cfn, &existing), 2);

    // Unchanged: the template asset is already published and the stack is skipped.
    let template_asset = format!("{existing}: {existing} Template");
    let out = deploy(work.path(), &existing, &[], &v2);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with(&template_asset) && l.ends_with("already published")),
        "{err}"
    );
    assert!(
        err.contains("skipping deployment (template and parameters unchanged)"),
        "{err}"
    );

    // --force: the asset is published again and the stack goes through a change set.
    let out = deploy(work.path(), &existing, &["--force"], &v2);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with(&template_asset) && l.ends_with("success: Published")),
        "{err}"
    );
    assert!(
        !err.contains("skipping deployment") && err.contains("creating CloudFormation changeset"),
        "{err}"
    );
    delete_stacks(&cfn, &[&existing]);
}

#[test]
fn profile_credentials_come_from_the_shared_config_files() {
    let (cfn, work) = bootstrapped_work();
    let name = ux_name("Profile");
    let app = synth(work.path(), "app", |app| queue_stack(app, &name, 1));
    let config = work.path().join("aws-config");
    let credentials = work.path().join("aws-credentials");
    std::fs::write(&config, "[profile sagecdk-test]\nregion = us-west-2\n").expect("config");
    std::fs::write(
        &credentials,
        "[sagecdk-test]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .expect("credentials");
    // Only the files know the credentials and the region.
    let with_files = |command: &mut Command| {
        command
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials);
    };

    let mut without = command(work.path());
    with_files(&mut without);
    let out = run(without.args(["deploy", &name, "--app"]).arg(&app));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(stack_status(&cfn, &name), None, "{err}");

    let mut with = command(work.path());
    with_files(&mut with);
    let out = run(with
        .args(["deploy", &name, "--profile", "sagecdk-test", "--app"])
        .arg(&app));
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        stack_status(&cfn, &name).as_deref(),
        Some("CREATE_COMPLETE")
    );

    // A profile that is not there fails clearly.
    let mut unknown = command(work.path());
    with_files(&mut unknown);
    let out = run(unknown
        .args(["deploy", &name, "--profile", "sagecdk-nope", "--app"])
        .arg(&app));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let files = format!(
        "{} (AWS_CONFIG_FILE) and {} (AWS_SHARED_CREDENTIALS_FILE)",
        config.display(),
        credentials.display()
    );
    assert!(
        err.contains("Error: AWS profile 'sagecdk-nope' (--profile) not found in")
            && err.contains(&files),
        "{err}"
    );
    assert!(!err.contains("region"), "{err}");

    // Named by AWS_PROFILE: the same, for every command.
    let mut unknown = command(work.path());
    with_files(&mut unknown);
    let out = run(unknown.env("AWS_PROFILE", "sagecdk-nope").arg("bootstrap"));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("AWS profile 'sagecdk-nope' (AWS_PROFILE) not found in")
            && err.contains(&files),
        "{err}"
    );

    // A profile of the credentials file only is a profile too (the region from the
    // environment), and AWS_PROFILE names it as well as --profile.
    std::fs::write(
        &credentials,
        "[sagecdk-test]\naws_access_key_id = testing\naws_secret_access_key = testing\n\
         [sagecdk-keys]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .expect("credentials");
    let mut keys_only = command(work.path());
    with_files(&mut keys_only);
    let out = run(keys_only
        .env("AWS_PROFILE", "sagecdk-keys")
        .env("AWS_REGION", "us-west-2")
        .args(["deploy", &name, "--app"])
        .arg(&app));
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("skipping deployment (template and parameters unchanged)"),
        "{err}"
    );
    delete_stacks(&cfn, &[&name]);
}

#[test]
fn destroy_on_a_terminal_asks_and_deletes_on_yes() {
    let (cfn, work) = bootstrapped_work();
    let name = ux_name("Destroy");
    let app = synth(work.path(), "app", |app| queue_stack(app, &name, 1));
    let out = deploy(work.path(), &name, &[], &app);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        stack_status(&cfn, &name).as_deref(),
        Some("CREATE_COMPLETE")
    );
    let app = app.to_str().expect("utf8");
    let program = common::sagecdk_program();
    let bin = program.to_str().expect("utf8");

    let (code, screen) = on_terminal(work.path(), &[bin, "destroy", &name, "--app", app], "n\n");
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains(&format!("Are you sure you want to delete: {name} (y/n)?")),
        "{screen}"
    );
    assert!(
        screen.contains("Destroy cancelled: nothing was deleted."),
        "{screen}"
    );
    assert_eq!(
        stack_status(&cfn, &name).as_deref(),
        Some("CREATE_COMPLETE")
    );

    let (code, screen) = on_terminal(work.path(), &[bin, "destroy", &name, "--app", app], "y\n");
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains(&format!("Are you sure you want to delete: {name} (y/n)?")),
        "{screen}"
    );
    assert!(
        matches!(
            stack_status(&cfn, &name).as_deref(),
            None | Some("DELETE_COMPLETE")
        ),
        "deleted"
    );
}

/// Two stacks: `<base>` with a parameter `Size` (and a topic), and `<base>Consumer`, which
/// depends on it.
fn parameter_stacks(app: &App, base: &str) {
    let first = Stack::new(app, base, StackProps::default());
    sagecdk_core::CfnParameter::new(
        &first,
        "Size",
        sagecdk_core::CfnParameterProps {
            default: Some(cfn!("1")),
            ..sagecdk_core::CfnParameterProps::default()
        },
    );
    CfnResource::new(&first, "Topic", "AWS::SNS::Topic");
    let second = Stack::new(app, &format!("{base}Consumer"), StackProps::default());
    CfnResource::new(&second, "Topic", "AWS::SNS::Topic");
    second.add_dependency(&first, "the consumer reads the first stack's topic");
}

/// Key-value pairs of a deployed stack.
type Pairs = Vec<(String, String)>;

/// The stack's parameters and tags as deployed.
fn parameters_and_tags(cfn: &aws_sdk_cloudformation::Client, name: &str) -> (Pairs, Pairs) {
    block_on(async {
        let stack = sagecdk_deploy::stack::describe_stack(cfn, name)
            .await
            .expect("DescribeStacks")
            .expect("deployed");
        (
            stack
                .parameters()
                .iter()
                .map(|p| {
                    (
                        p.parameter_key().unwrap_or_default().to_string(),
                        p.parameter_value().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            stack
                .tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
        )
    })
}

#[test]
fn exclusively_parameters_tags_and_no_rollback() {
    let (cfn, work) = bootstrapped_work();
    let base = ux_name("Params");
    let consumer = format!("{base}Consumer");
    let app = synth(work.path(), "params", |app| parameter_stacks(app, &base));

    // Bad values are all reported, and nothing is deployed.
    let out = deploy(
        work.path(),
        &consumer,
        &[
            "--parameters",
            "Nope=1",
            "--parameters",
            "Elsewhere:Size=2",
            "--parameters",
            "Size",
        ],
        &app,
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    for expected in [
        "--parameters Nope=1: no deployed stack declares parameter Nope",
        "--parameters Elsewhere:Size=2: stack Elsewhere is not deployed by this command",
        "--parameters 'Size' is not [STACK:]KEY=VALUE",
    ] {
        assert!(err.contains(expected), "{expected} missing from {err}");
    }
    let out = deploy(work.path(), &consumer, &["--tags", "oops"], &app);
    assert!(text(&out.stderr).contains("--tags 'oops' is not KEY=VALUE"));
    assert_eq!(stack_status(&cfn, &base), None);

    // --exclusively: the consumer alone, without the stack it depends on.
    let out = deploy(
        work.path(),
        &consumer,
        &["--exclusively", "--require-approval", "never"],
        &app,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        stack_status(&cfn, &consumer).as_deref(),
        Some("CREATE_COMPLETE")
    );
    assert_eq!(stack_status(&cfn, &base), None);

    // Parameters for one stack, tags for every stack, no rollback: the first stack is created
    // with its parameter and the tag.
    let out = deploy(
        work.path(),
        &consumer,
        &[
            "--parameters",
            &format!("{base}:Size=3"),
            "--tags",
            "team=ml",
            "--no-rollback",
            "--require-approval",
            "never",
        ],
        &app,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (parameters, tags) = parameters_and_tags(&cfn, &base);
    assert!(
        parameters.contains(&("Size".to_string(), "3".to_string())),
        "{parameters:?}"
    );
    assert!(
        tags.contains(&("team".to_string(), "ml".to_string())),
        "{tags:?}"
    );
    // (The stand-in answers a change set that changes only the consumer's tags with "no
    // changes", so its tags are not checked here.)

    // --all deploys every stack; with nothing changed, they are skipped.
    let out = run(command(work.path())
        .args([
            "deploy",
            "--all",
            "--parameters",
            &format!("{base}:Size=3"),
            "--tags",
            "team=ml",
        ])
        .arg("--app")
        .arg(&app));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("skipping deployment"),
        "{}",
        text(&out.stderr)
    );
    delete_stacks(&cfn, &[&consumer, &base]);
}

#[test]
fn require_approval_comes_from_cdk_json_unless_given() {
    let (cfn, work) = bootstrapped_work();
    let name = ux_name("Config");
    let app = synth(work.path(), "config", |app| role_stack(app, &name, false));
    // cdk.json says any change needs approval: without a terminal, nothing is deployed.
    std::fs::write(
        work.path().join("cdk.json"),
        r#"{"requireApproval": "any-change"}"#,
    )
    .expect("write");
    let out = deploy(work.path(), &name, &[], &app);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("needs approval (--require-approval any-change)"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(stack_status(&cfn, &name), None);
    // cdk.json says never: deployed without asking.
    std::fs::write(
        work.path().join("cdk.json"),
        r#"{"requireApproval": "never"}"#,
    )
    .expect("write");
    let out = deploy(work.path(), &name, &[], &app);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        stack_status(&cfn, &name).as_deref(),
        Some("CREATE_COMPLETE")
    );
    delete_stacks(&cfn, &[&name]);
}

/// Where `needle` first appears in `haystack` (panics naming it when missing).
fn position(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} missing from {haystack}"))
}

#[test]
fn concurrency_deploys_independent_stacks_together_and_json_reports_them() {
    let (cfn, work) = bootstrapped_work();
    let (a, b, c) = (ux_name("ConcA"), ux_name("ConcB"), ux_name("ConcC"));
    let app = synth(work.path(), "concurrent", |app| {
        let first = Stack::new(app, &a, StackProps::default());
        CfnResource::new(&first, "Queue", "AWS::SQS::Queue");
        queue_stack(app, &b, 1);
        let dependent = Stack::new(app, &c, StackProps::default());
        CfnResource::new(&dependent, "Topic", "AWS::SNS::Topic");
        dependent.add_dependency(&first, "C reads A's queue");
    });
    let out = run(command(work.path())
        .args(["deploy", "--all", "--concurrency", "2", "--json"])
        .args(["--require-approval", "never", "--progress", "bar"])
        .arg("--app")
        .arg(&app));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    // Bars are not drawn for several stacks at once, as in the AWS CDK CLI, and it says so.
    assert!(
        err.contains(
            "The --concurrency flag only supports --progress \"events\". Switching to \"events\"."
        ),
        "{err}"
    );
    // A and B start before either is done; C waits for A.
    let started_b = position(&err, &format!("{b}: deploying..."));
    let started_c = position(&err, &format!("{c}: deploying..."));
    let done_a = position(&err, &format!("✅  {a}"));
    assert!(position(&err, &format!("{a}: deploying...")) < done_a);
    assert!(started_b < done_a, "B started while A deployed:\n{err}");
    assert!(started_c > done_a, "C waited for A:\n{err}");
    for name in [&a, &b, &c] {
        assert_eq!(stack_status(&cfn, name).as_deref(), Some("CREATE_COMPLETE"));
    }
    // Standard output is one JSON document of the results, in the assembly's order.
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON results");
    let names: Vec<&str> = report["stacks"]
        .as_array()
        .expect("stacks")
        .iter()
        .map(|s| s["stackName"].as_str().expect("name"))
        .collect();
    assert_eq!(names.len(), 3);
    for name in [&a, &b, &c] {
        assert!(names.contains(&name.as_str()), "{report}");
    }
    assert!(report["stacks"][0]["stackArn"].is_string(), "{report}");
    assert_eq!(report["stacks"][0]["noChanges"], false);

    // Nothing changed the second time: said in the JSON too. --concurrency 0 is refused.
    let again = run(command(work.path())
        .args(["deploy", "--all", "--json", "--require-approval", "never"])
        .arg("--app")
        .arg(&app));
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON");
    assert!(
        report["stacks"]
            .as_array()
            .expect("stacks")
            .iter()
            .all(|s| s["noChanges"] == true),
        "{report}"
    );
    let zero = run(command(work.path())
        .args(["deploy", "--all", "--concurrency", "0"])
        .arg("--app")
        .arg(&app));
    assert_eq!(zero.status.code(), Some(2));
    delete_stacks(&cfn, &[&c, &a, &b]);
}

#[test]
fn diff_marks_replacements_from_create_only_properties() {
    let (cfn, work) = bootstrapped_work();
    let name = ux_name("Replace");
    let topic = |app: &App, topic_name: &str, display: &str| {
        let stack = Stack::new(app, &name, StackProps::default());
        CfnResource::new(&stack, "Topic", "AWS::SNS::Topic").with_properties(cfn!({
            "TopicName": topic_name,
            "DisplayName": display
        }));
    };
    let v1 = synth(work.path(), "v1", |app| {
        topic(app, &format!("{name}-a"), "A")
    });
    let renamed = synth(work.path(), "v2", |app| {
        topic(app, &format!("{name}-b"), "A")
    });
    let relabelled = synth(work.path(), "v3", |app| {
        topic(app, &format!("{name}-a"), "B")
    });
    let out = deploy(work.path(), &name, &["--require-approval", "never"], &v1);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The local CloudFormation's change sets say nothing of replacements: the marks come from
    // the type's create-only properties (TopicName), with or without a change set.
    for options in [&[][..], &["--no-change-set"][..]] {
        let out = run(command(work.path())
            .args(["diff", &name])
            .args(options)
            .arg("--app")
            .arg(&renamed));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("[~] AWS::SNS::Topic Topic (requires replacement)")
                && stdout.contains("[~] TopicName:")
                && stdout.contains("-b\" (requires replacement)"),
            "{stdout}"
        );
    }
    let out = run(command(work.path())
        .args(["diff", &name, "--app"])
        .arg(&relabelled));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("[~] AWS::SNS::Topic Topic\n") && !stdout.contains("replace"),
        "DisplayName is updated in place:\n{stdout}"
    );
    delete_stacks(&cfn, &[&name]);
}

#[test]
fn a_failed_concurrent_deployment_still_reports_the_stacks_that_deployed() {
    let (cfn, work) = bootstrapped_work();
    let (good, bad) = (ux_name("FineTopic"), ux_name("BadQueue"));
    let app = synth(work.path(), "partly", |app| {
        let stack = Stack::new(app, &good, StackProps::default());
        let topic = CfnResource::new(&stack, "Topic", "AWS::SNS::Topic");
        sagecdk_core::CfnOutput::new(&stack, "TopicArn", topic.reference());
        let stack = Stack::new(app, &bad, StackProps::default());
        // The local CloudFormation refuses a FIFO queue whose name lacks `.fifo`.
        CfnResource::new(&stack, "Queue", "AWS::SQS::Queue").with_properties(cfn!({
            "QueueName": "not-a-fifo-name",
            "FifoQueue": true
        }));
    });
    let outputs = work.path().join("outputs.json");
    let out = run(command(work.path())
        .args(["deploy", "--all", "--concurrency", "2", "--json"])
        .args(["--require-approval", "never", "--outputs-file"])
        .arg(&outputs)
        .arg("--app")
        .arg(&app));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON results");
    let error = report["error"].as_str().expect("error");
    assert!(
        error.contains(&bad) && error.contains("must end in .fifo"),
        "{report}"
    );
    assert_eq!(
        report["stacks"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    assert_eq!(report["stacks"][0]["stackName"], good.as_str());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&outputs).expect("outputs file"))
            .expect("JSON");
    // (The local CloudFormation lists no outputs for the topic; the stack is there.)
    assert!(written[&good].is_object(), "{written}");
    assert!(written.get(&bad).is_none(), "{written}");
    assert!(
        text(&out.stderr).contains("Error: CloudFormation ExecuteChangeSet of stack"),
        "{}",
        text(&out.stderr)
    );
    delete_stacks(&cfn, &[&good, &bad]);
}

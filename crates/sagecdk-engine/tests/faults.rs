//! The `sagecdk` binary failing clearly, changing nothing: no AWS credentials anywhere, rejected
//! credentials, a denied permission, an environment nobody bootstrapped, the endpoint stopping
//! mid-deploy.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program of its own: it prints its results

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../sagecdk-deploy/tests/common/private_moto.rs"]
mod private_moto;

use private_moto::PrivateMoto;

#[path = "../../sagecdk-deploy/tests/common/fault_proxy.rs"]
mod fault_proxy;

use fault_proxy::{FaultProxy, Verdict};

mod common;

use common::{command_without_aws, copy_tree, golden, snapshot};

#[test]
fn deploy_without_credentials_says_how_to_configure_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let assembly = dir.path().join("cdk.out");
    copy_tree(&golden(), &assembly);
    let before = snapshot(&assembly);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    let config = dir.path().join("aws-config");
    let credentials = dir.path().join("aws-credentials");
    std::fs::write(&config, "").expect("config");
    std::fs::write(&credentials, "").expect("credentials");

    let out = command_without_aws(dir.path())
        .args(["deploy", "SeedAgnostic", "--app"])
        .arg(&assembly)
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-west-2")
        // Should credentials turn up after all, no real service is called.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("no AWS credentials found"), "{stderr}");
    assert!(
        stderr.contains("AWS_PROFILE") && stderr.contains("AWS_ACCESS_KEY_ID"),
        "{stderr}"
    );
    assert_eq!(snapshot(&assembly), before, "the assembly is unchanged");
}

/// `sagecdk` with credentials for `endpoint` only (none of the caller's AWS settings).
fn sagecdk_against(endpoint: &str, dir: &Path) -> Command {
    let mut command = command_without_aws(dir);
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-west-2")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        );
    command
}

/// Four stacks of SSM parameters with the default synthesizer (bootstrap roles, template
/// assets), written to `out`.
fn synth_four_stacks(out: &Path) {
    use sagecdk_core::{App, AppProps, CfnResource, Stack, StackProps, cfn};
    let app = App::with_props(AppProps {
        outdir: Some(out.to_path_buf()),
        ignore_environment: true,
        ..AppProps::default()
    });
    for i in 1..=4 {
        let stack = Stack::new(&app, &format!("Interrupted{i}"), StackProps::default());
        for p in 1..=3 {
            CfnResource::new(&stack, &format!("Param{p}"), "AWS::SSM::Parameter").with_properties(
                cfn!({"Type": "String", "Value": (format!("stack {i} value {p}"))}),
            );
        }
    }
    app.synth().expect("synthesizes");
}

#[test]
fn endpoint_stopping_mid_deploy_fails_clearly_in_bounded_time_and_loses_nothing() {
    let work = tempfile::tempdir().expect("tmp");
    let assembly = work.path().join("cdk.out");
    synth_four_stacks(&assembly);
    let mut moto = PrivateMoto::start();
    let bootstrap = sagecdk_against(&moto.endpoint, work.path())
        .arg("bootstrap")
        .output()
        .expect("runs bootstrap");
    assert!(
        bootstrap.status.success(),
        "{}",
        String::from_utf8_lossy(&bootstrap.stderr)
    );

    // Outputs of an earlier deployment, which a failed one must leave alone.
    let (outputs, before) = earlier_state(work.path(), &assembly);

    let started = std::time::Instant::now();
    let mut deploy = sagecdk_against(&moto.endpoint, work.path())
        .args(["deploy", "--app"])
        .arg(&assembly)
        .arg("--outputs-file")
        .arg(&outputs)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("runs deploy");
    let stderr = deploy.stderr.take().expect("stderr");
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines() {
            if lines_tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    // The endpoint goes away while the second stack's change set is executing.
    let mut log = String::new();
    let mut killed = false;
    let limit = std::time::Duration::from_secs(90);
    loop {
        let Some(left) = limit.checked_sub(started.elapsed()) else {
            let _ = deploy.kill();
            panic!("deploy still running after {limit:?}:\n{log}");
        };
        match lines.recv_timeout(left) {
            Ok(line) => {
                if !killed && line.contains("Interrupted2: executing changeset") {
                    moto.stop();
                    killed = true;
                }
                log.push_str(&line);
                log.push('\n');
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let status = deploy.wait().expect("deploy ends");
    let elapsed = started.elapsed();
    eprintln!("deploy failed after {elapsed:?}:\n{log}");
    assert!(killed, "the deploy never reached the second stack:\n{log}");
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(!log.contains("panicked"), "{log}");
    assert!(
        elapsed < std::time::Duration::from_secs(50),
        "took {elapsed:?}"
    );
    // Names the connection failure and the endpoint setting, where it stopped, what was done
    // and how to resume.
    assert!(
        log.contains("no answer from the endpoint http://127.0.0.1:")
            && log.contains("AWS_ENDPOINT_URL"),
        "{log}"
    );
    assert!(
        log.contains("The deployment stopped at stack Interrupted")
            && log.contains("already deployed: Interrupted1"),
        "{log}"
    );
    assert!(log.contains("run 'sagecdk deploy' again"), "{log}");
    assert!(!log.contains("Interrupted4 (no changes)") && !log.contains("✅  Interrupted4"));
    // Nothing half-written: the assembly is as it was, and the outputs file, as with the AWS
    // CDK CLI, holds the outputs of the stack that did deploy, written whole.
    assert_eq!(snapshot(&assembly), before, "the assembly is unchanged");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&outputs).expect("outputs"))
            .expect("the outputs file is whole JSON");
    assert_eq!(written, serde_json::json!({"Interrupted1": {}}));
}

/// One stack (default synthesizer: bootstrap roles, template asset) with a file asset and an
/// SSM parameter pointing at it, written to `out`.
fn synth_stack_with_file_asset(out: &Path, name: &str) {
    use sagecdk_core::{
        App, AppProps, CfnResource, FileAssetPackaging, FileAssetSource, Stack, StackProps, cfn,
    };
    let app = App::with_props(AppProps {
        outdir: Some(out.to_path_buf()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack = Stack::new(&app, name, StackProps::default());
    let hash = format!("{:064x}", 0x5a9e_cdc0_u64);
    let file_name = format!("asset.{hash}.txt");
    let location = stack.add_file_asset(FileAssetSource {
        source_hash: hash,
        file_name: file_name.clone(),
        packaging: FileAssetPackaging::File,
        display_name: Some("Data".into()),
    });
    // Named: moto fails the first creation of an unnamed parameter with an internal error.
    CfnResource::new(&stack, "Pointer", "AWS::SSM::Parameter").with_properties(cfn!({
        "Name": (format!("/sagecdk-test/{name}/pointer")),
        "Type": "String",
        "Value": (location.s3_object_url)
    }));
    app.synth().expect("synthesizes");
    std::fs::write(out.join(file_name), "model data\n").expect("asset file");
}

/// A fresh private moto server with the default environment bootstrapped, an IAM user
/// `admin` allowed everything, and a user `limited` allowed `limited_actions` only; IAM
/// authentication enforced from then on. Returns the server and both users' keys.
fn authenticating_moto(
    work: &Path,
    limited_actions: &[&str],
) -> (PrivateMoto, (String, String), (String, String)) {
    let moto = PrivateMoto::start();
    let bootstrap = sagecdk_against(&moto.endpoint, work)
        .arg("bootstrap")
        .output()
        .expect("runs bootstrap");
    assert!(
        bootstrap.status.success(),
        "{}",
        String::from_utf8_lossy(&bootstrap.stderr)
    );
    let admin = moto.create_user(
        "admin",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    );
    let limited = moto.create_user(
        "limited",
        &serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": limited_actions, "Resource": "*"}]
        })
        .to_string(),
    );
    moto.enforce_auth();
    (moto, admin, limited)
}

/// Runs `sagecdk deploy` of `assembly` (outputs to `outputs`) with `env` on top of
/// [`sagecdk_against`]; returns its stderr after checking it failed with exit code 1.
fn failed_deploy(
    endpoint: &str,
    work: &Path,
    assembly: &Path,
    outputs: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> String {
    let mut command = sagecdk_against(endpoint, work);
    command
        .args(["deploy", "--require-approval", "never", "--app"])
        .arg(assembly)
        .arg("--outputs-file")
        .arg(outputs)
        .args(args);
    for (k, v) in env {
        if v.is_empty() {
            command.env_remove(k);
        } else {
            command.env(k, v);
        }
    }
    let started = std::time::Instant::now();
    let out = command.output().expect("runs deploy");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    eprintln!(
        "deploy {args:?} {env:?} failed after {:?}:\n{stderr}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

const EARLIER_OUTPUTS: &str = "{\n  \"Earlier\": {\n    \"Key\": \"value\"\n  }\n}\n";

/// An outputs file of [`EARLIER_OUTPUTS`] in `work`, and the files of `assembly`: what a failed
/// deployment must leave as they are.
fn earlier_state(work: &Path, assembly: &Path) -> (PathBuf, BTreeMap<PathBuf, Vec<u8>>) {
    let outputs = work.join("outputs.json");
    std::fs::write(&outputs, EARLIER_OUTPUTS).expect("outputs");
    (outputs, snapshot(assembly))
}

/// The assembly is as `before` and the outputs file holds `earlier` still.
fn assert_unchanged(
    assembly: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
    outputs: &Path,
    earlier: &str,
) {
    assert_eq!(&snapshot(assembly), before, "the assembly is unchanged");
    assert_eq!(
        std::fs::read_to_string(outputs).expect("outputs"),
        earlier,
        "the outputs file is unchanged"
    );
}

#[test]
fn rejected_credentials_say_what_is_wrong_with_them_and_where_they_came_from() {
    let work = tempfile::tempdir().expect("tmp");
    let assembly = work.path().join("cdk.out");
    synth_stack_with_file_asset(&assembly, "Rejected");
    let (moto, (admin_key, _), _) = authenticating_moto(work.path(), &["sts:GetCallerIdentity"]);
    let (outputs, before) = earlier_state(work.path(), &assembly);

    // An access key AWS does not know.
    let unknown = failed_deploy(
        &moto.endpoint,
        work.path(),
        &assembly,
        &outputs,
        &[],
        &[("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000000")],
    );
    assert!(
        unknown.contains(
            "AWS rejected the credentials from the environment variables AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY, access key ID AKIAUNKNOWNKEY000000: the access key ID is not \
             known to AWS"
        ),
        "{unknown}"
    );
    assert!(
        unknown.contains("STS GetCallerIdentity: InvalidClientTokenId")
            && unknown.contains("Check the access key ID"),
        "{unknown}"
    );
    assert!(!unknown.contains("no AWS credentials found"), "{unknown}");

    // A known access key with the wrong secret key.
    let wrong_secret = failed_deploy(
        &moto.endpoint,
        work.path(),
        &assembly,
        &outputs,
        &[],
        &[
            ("AWS_ACCESS_KEY_ID", &admin_key),
            ("AWS_SECRET_ACCESS_KEY", "not-the-secret"),
        ],
    );
    assert!(
        wrong_secret.contains(&format!(
            "access key ID {admin_key}: the secret access key does not match the access key ID"
        )) && wrong_secret.contains("SignatureDoesNotMatch")
            && wrong_secret.contains("Check the secret access key"),
        "{wrong_secret}"
    );

    // The same from a named profile: the message names the profile.
    let credentials = work.path().join("credentials");
    std::fs::write(
        &credentials,
        format!("[stale]\naws_access_key_id = {admin_key}\naws_secret_access_key = old\n"),
    )
    .expect("credentials");
    let profile = failed_deploy(
        &moto.endpoint,
        work.path(),
        &assembly,
        &outputs,
        &["--profile", "stale"],
        &[
            ("AWS_ACCESS_KEY_ID", ""),
            ("AWS_SECRET_ACCESS_KEY", ""),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                credentials.to_str().expect("utf-8"),
            ),
        ],
    );
    assert!(
        profile.contains("AWS rejected the credentials from profile 'stale' (--profile)")
            && profile.contains("SignatureDoesNotMatch"),
        "{profile}"
    );

    // Nothing was created or changed, locally or in the account.
    moto.relax_auth();
    assert_eq!(moto.stack_names(), ["CDKToolkit"]);
    assert_unchanged(&assembly, &before, &outputs, EARLIER_OUTPUTS);
}

#[test]
fn denied_permission_names_the_action_and_what_to_do() {
    let work = tempfile::tempdir().expect("tmp");
    let assembly = work.path().join("cdk.out");
    synth_stack_with_file_asset(&assembly, "Denied");
    // Everything a deployment needs except uploading the assets (and assuming the bootstrap
    // roles, so that the user's own permissions are the ones used). Not a CloudFormation action:
    // moto checks the signature of a form-encoded request over its own re-encoding of the form,
    // which differs from the SDK's for change sets (spaces, `*`), so it would reject the
    // signature before looking at the permission.
    let (moto, _, (key, secret)) = authenticating_moto(
        work.path(),
        &[
            "sts:GetCallerIdentity",
            "ssm:GetParameter",
            "s3:List*",
            "s3:Get*",
            "cloudformation:*",
        ],
    );
    let (outputs, before) = earlier_state(work.path(), &assembly);

    let stderr = failed_deploy(
        &moto.endpoint,
        work.path(),
        &assembly,
        &outputs,
        &[],
        &[
            ("AWS_ACCESS_KEY_ID", &key),
            ("AWS_SECRET_ACCESS_KEY", &secret),
        ],
    );
    assert!(
        stderr.contains("permission denied for S3 PutObject")
            && stderr.contains("Grant s3:PutObject to the credentials in use")
            && stderr.contains("'sagecdk bootstrap --trust'"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("creating CloudFormation changeset"),
        "{stderr}"
    );

    moto.relax_auth();
    assert_eq!(moto.stack_names(), ["CDKToolkit"], "no stack was created");
    assert_unchanged(&assembly, &before, &outputs, EARLIER_OUTPUTS);
}

#[test]
fn unbootstrapped_environment_names_the_bootstrap_command() {
    let work = tempfile::tempdir().expect("tmp");
    let assembly = work.path().join("cdk.out");
    synth_stack_with_file_asset(&assembly, "Unbootstrapped");
    let moto = PrivateMoto::start();
    let (outputs, before) = earlier_state(work.path(), &assembly);

    let stderr = failed_deploy(&moto.endpoint, work.path(), &assembly, &outputs, &[], &[]);
    assert!(
        stderr.contains("aws://123456789012/us-west-2 is not bootstrapped")
            && stderr.contains("Run 'sagecdk bootstrap aws://123456789012/us-west-2'"),
        "{stderr}"
    );
    assert!(moto.stack_names().is_empty(), "no stack was created");
    assert!(moto.bucket_names().is_empty(), "nothing was uploaded");
    assert_unchanged(&assembly, &before, &outputs, EARLIER_OUTPUTS);
}

/// A private moto server with the default environment bootstrapped.
fn bootstrapped_moto(work: &Path) -> PrivateMoto {
    let moto = PrivateMoto::start();
    let bootstrap = sagecdk_against(&moto.endpoint, work)
        .arg("bootstrap")
        .output()
        .expect("runs bootstrap");
    assert!(
        bootstrap.status.success(),
        "{}",
        String::from_utf8_lossy(&bootstrap.stderr)
    );
    moto
}

/// Runs `sagecdk deploy` of `assembly` against `endpoint`; returns whether it succeeded, with
/// its stderr and how long it took.
fn deploy_through(
    endpoint: &str,
    work: &Path,
    assembly: &Path,
) -> (bool, String, std::time::Duration) {
    let started = std::time::Instant::now();
    let out = sagecdk_against(endpoint, work)
        .args(["deploy", "--require-approval", "never", "--app"])
        .arg(assembly)
        .output()
        .expect("runs deploy");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    eprintln!("deploy took {elapsed:?}:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.success(), stderr, elapsed)
}

#[test]
fn throttling_and_transient_errors_are_retried_and_the_deploy_succeeds() {
    let work = tempfile::tempdir().expect("tmp");
    let assembly = work.path().join("cdk.out");
    synth_stack_with_file_asset(&assembly, "Retried");
    let moto = bootstrapped_moto(work.path());
    // The first call of every operation is throttled; the second CreateChangeSet loses its
    // connection and the second DescribeStacks gets an internal error. Once the change set is
    // executing, DescribeStackEvents and DescribeStacks are each throttled more often in a row
    // than the SDK retries one call, so one poll of the events and one of the stack status
    // fail as a whole and are retried by the engine.
    let mut calls = std::collections::HashMap::<String, usize>::new();
    let mut after_execute = std::collections::HashMap::<String, usize>::new();
    let proxy = FaultProxy::start(&moto.endpoint, move |request| {
        let operation = request.operation();
        let n = {
            let n = calls.entry(operation.clone()).or_default();
            *n += 1;
            *n
        };
        let executing = calls.contains_key("ExecuteChangeSet");
        let m = after_execute.entry(operation.clone()).or_default();
        if executing {
            *m += 1;
        }
        match (operation.as_str(), n, executing, *m) {
            (_, 1, _, _) => Verdict::Throttle,
            ("CreateChangeSet", 2, _, _) => Verdict::Drop,
            ("DescribeStacks", 2, _, _) => Verdict::Fail(500, "InternalFailure"),
            ("DescribeStackEvents" | "DescribeStacks", _, true, 1..=7) => Verdict::Throttle,
            _ => Verdict::Forward,
        }
    });

    let (ok, stderr, _) = deploy_through(&proxy.endpoint, work.path(), &assembly);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("✅  Retried"), "{stderr}");
    assert!(
        stderr.contains(
            "Retried: reading the stack events failed (CloudFormation DescribeStackEvents \
             failed: Rate exceeded (injected by the test proxy))"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "Retried: reading the stack status failed (CloudFormation DescribeStacks failed: \
             Rate exceeded (injected by the test proxy)); trying again (1 of 3)"
        ),
        "{stderr}"
    );

    // Every operation was refused at first and then went through.
    let seen = proxy.seen();
    let mut operations: Vec<&str> = seen.iter().map(|s| s.operation.as_str()).collect();
    operations.sort_unstable();
    operations.dedup();
    for operation in &operations {
        let outcomes: Vec<&str> = seen
            .iter()
            .filter(|s| s.operation == *operation)
            .map(|s| s.outcome.as_str())
            .collect();
        assert!(
            ["Throttling", "ThrottlingException", "SlowDown"].contains(&outcomes[0])
                && outcomes.contains(&"forwarded"),
            "{operation}: {outcomes:?}"
        );
    }
    for expected in [
        "GetCallerIdentity",
        "GetParameter",
        "CreateChangeSet",
        "DescribeChangeSet",
        "ExecuteChangeSet",
        "DescribeStacks",
        "DescribeStackEvents",
    ] {
        assert!(operations.contains(&expected), "{expected}: {operations:?}");
    }
    assert!(
        operations.iter().any(|o| o.starts_with("S3 PUT")),
        "the asset upload went through the proxy: {operations:?}"
    );
    let outcomes = |op: &str| -> Vec<String> {
        seen.iter()
            .filter(|s| s.operation == op)
            .map(|s| s.outcome.clone())
            .collect()
    };
    assert_eq!(
        outcomes("CreateChangeSet")[..3],
        ["Throttling", "dropped", "forwarded"]
    );
    assert_eq!(
        outcomes("DescribeStacks")[..2],
        ["Throttling", "InternalFailure"]
    );
    let throttled = |op: &str| outcomes(op).iter().filter(|o| *o == "Throttling").count();
    assert_eq!(throttled("DescribeStackEvents"), 7);
    assert_eq!(throttled("DescribeStacks"), 1 + 7);

    moto.relax_auth();
    assert!(moto.stack_names().contains(&"Retried".to_string()));
}

#[test]
fn stack_events_that_cannot_be_read_fail_the_deploy_clearly() {
    let work = tempfile::tempdir().expect("tmp");
    let assembly = work.path().join("cdk.out");
    synth_stack_with_file_asset(&assembly, "Unfollowed");
    let moto = bootstrapped_moto(work.path());
    let proxy = FaultProxy::start(&moto.endpoint, |request| {
        if request.operation() == "DescribeStackEvents" {
            Verdict::Throttle
        } else {
            Verdict::Forward
        }
    });
    let before = snapshot(&assembly);

    let (ok, stderr, elapsed) = deploy_through(&proxy.endpoint, work.path(), &assembly);
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("Unfollowed: reading the stack events failed 4 times in a row, giving up")
            && stderr.contains("CloudFormation DescribeStackEvents failed")
            && stderr.contains("run the command again to follow it"),
        "{stderr}"
    );
    for n in 1..=3 {
        assert!(
            stderr.contains(&format!("trying again ({n} of 3)")),
            "{stderr}"
        );
    }
    assert!(elapsed < std::time::Duration::from_secs(120), "{elapsed:?}");
    assert_eq!(snapshot(&assembly), before, "the assembly is unchanged");
    // Each failed poll was one call retried by the SDK (6 attempts).
    let events = proxy
        .seen()
        .iter()
        .filter(|s| s.operation == "DescribeStackEvents")
        .count();
    assert!(events >= 4 * 6, "{events} DescribeStackEvents calls");
}

/// What CloudFormation answers about a stack whose resource `Pointer` failed to create and
/// which was rolled back, made from moto's answers about the same stack created successfully.
/// moto cannot produce it itself: its ExecuteChangeSet applies a change set in the request and
/// marks the stack `<TYPE>_COMPLETE` (moto/cloudformation/models.py, `execute_change_set`,
/// "TODO: handle execution errors and implement rollback"); a resource that fails to create
/// fails the ExecuteChangeSet call itself and leaves the stack in REVIEW_IN_PROGRESS, without
/// a failed resource event.
mod rollback {
    pub(crate) const REASON: &str = "Resource handler returned message: \"Parameter value \
                                     exceeds the maximum length\" (HandlerErrorCode: \
                                     InvalidRequest)";
    const STACK_REASON: &str = "The following resource(s) failed to create: [Pointer]. \
                                Rollback requested by user.";

    /// DescribeStacks: the stack rolled back.
    pub(crate) fn stacks(body: String) -> String {
        body.replace(
            "<StackStatus>CREATE_COMPLETE</StackStatus>",
            &format!(
                "<StackStatus>ROLLBACK_COMPLETE</StackStatus>\
                 <StackStatusReason>{STACK_REASON}</StackStatusReason>"
            ),
        )
    }

    /// DescribeStackEvents: the stack's CREATE_COMPLETE replaced by the failure and rollback
    /// events (newest first, as CloudFormation lists them).
    pub(crate) fn events(body: String) -> String {
        let (Some(start), Some(end)) = (body.find("<StackEvents>"), body.find("</StackEvents>"))
        else {
            return body;
        };
        let start = start + "<StackEvents>".len();
        let members: Vec<&str> = body[start..end]
            .split_inclusive("</member>")
            .filter(|m| !m.contains("<ResourceStatus>CREATE_COMPLETE</ResourceStatus>"))
            .collect();
        let Some(newest) = members.first() else {
            return body;
        };
        let field = |tag: &str| crate::private_moto::xml_text(newest, tag).unwrap_or_default();
        let (stack_id, stack_name, time) =
            (field("StackId"), field("StackName"), field("Timestamp"));
        let event = |n: u32, logical: &str, kind: &str, status: &str, reason: &str| {
            let physical = if kind == "AWS::CloudFormation::Stack" {
                stack_id.clone()
            } else {
                String::new()
            };
            format!(
                "<member><StackId>{stack_id}</StackId><EventId>rollback-{n}</EventId>\
                 <StackName>{stack_name}</StackName><LogicalResourceId>{logical}\
                 </LogicalResourceId><PhysicalResourceId>{physical}</PhysicalResourceId>\
                 <ResourceType>{kind}</ResourceType><Timestamp>{time}</Timestamp>\
                 <ResourceStatus>{status}</ResourceStatus>\
                 <ResourceStatusReason>{reason}</ResourceStatusReason></member>"
            )
        };
        let escaped = REASON.replace('"', "&quot;");
        let fabricated = [
            event(
                4,
                &stack_name,
                "AWS::CloudFormation::Stack",
                "ROLLBACK_COMPLETE",
                "",
            ),
            event(3, "Pointer", "AWS::SSM::Parameter", "DELETE_COMPLETE", ""),
            event(
                2,
                &stack_name,
                "AWS::CloudFormation::Stack",
                "ROLLBACK_IN_PROGRESS",
                STACK_REASON,
            ),
            event(
                1,
                "Pointer",
                "AWS::SSM::Parameter",
                "CREATE_FAILED",
                &escaped,
            ),
            event(
                0,
                "Pointer",
                "AWS::SSM::Parameter",
                "CREATE_IN_PROGRESS",
                "",
            ),
        ]
        .concat();
        format!(
            "{}{fabricated}{}{}",
            &body[..start],
            members.concat(),
            &body[end..]
        )
    }
}

#[test]
fn a_failed_resource_is_reported_with_its_reason_and_the_rolled_back_stack_is_replaced() {
    let work = tempfile::tempdir().expect("tmp");
    let assembly = work.path().join("cdk.out");
    synth_stack_with_file_asset(&assembly, "RolledBack");
    let moto = bootstrapped_moto(work.path());
    // Between the first execution of the change set and the deletion of the stack, the proxy
    // answers for the stack as CloudFormation does after a failed creation.
    #[derive(PartialEq)]
    enum Phase {
        Before,
        RolledBack,
        Deleted,
    }
    let mut phase = Phase::Before;
    let proxy = FaultProxy::start(&moto.endpoint, move |request| {
        let ours = request
            .form("StackName")
            .is_some_and(|s| s.contains("RolledBack"));
        match (request.operation().as_str(), &phase) {
            ("ExecuteChangeSet", Phase::Before) if ours => {
                phase = Phase::RolledBack;
                Verdict::Forward
            }
            ("DeleteStack", Phase::RolledBack) if ours => {
                phase = Phase::Deleted;
                Verdict::Forward
            }
            ("DescribeStacks", Phase::RolledBack) if ours => {
                Verdict::Rewrite(Box::new(rollback::stacks))
            }
            ("DescribeStackEvents", Phase::RolledBack) if ours => {
                Verdict::Rewrite(Box::new(rollback::events))
            }
            _ => Verdict::Forward,
        }
    });
    let (outputs, before) = earlier_state(work.path(), &assembly);

    let failed = failed_deploy(&proxy.endpoint, work.path(), &assembly, &outputs, &[], &[]);
    assert!(
        failed.contains(
            "The stack named RolledBack failed creation and was rolled back: ROLLBACK_COMPLETE \
             (The following resource(s) failed to create: [Pointer]. Rollback requested by user.)"
        ) && failed.contains("deploy again: the rolled-back stack is deleted first"),
        "{failed}"
    );
    assert!(
        failed.contains(&format!(
            "Failed resources:\n  Pointer: {}",
            rollback::REASON
        )),
        "{failed}"
    );
    // The event lines show the failure as it happened.
    assert!(
        failed.lines().any(|l| l.contains("CREATE_FAILED")
            && l.contains("AWS::SSM::Parameter")
            && l.contains("Pointer")
            && l.contains("Parameter value exceeds the maximum length")),
        "{failed}"
    );
    assert_unchanged(&assembly, &before, &outputs, EARLIER_OUTPUTS);

    // Deploying again deletes the rolled-back stack and creates it anew.
    let (ok, stderr, _) = deploy_through(&proxy.endpoint, work.path(), &assembly);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("RolledBack: stack failed creation earlier; deleting it before deploying")
            && stderr.contains("RolledBack: creating CloudFormation changeset (CREATE)")
            && stderr.contains("✅  RolledBack"),
        "{stderr}"
    );
    let operations: Vec<String> = proxy
        .seen()
        .into_iter()
        .map(|s| s.operation)
        .filter(|o| ["ExecuteChangeSet", "DeleteStack", "CreateChangeSet"].contains(&o.as_str()))
        .collect();
    assert_eq!(
        operations,
        [
            "CreateChangeSet",
            "ExecuteChangeSet",
            "DeleteStack",
            "CreateChangeSet",
            "ExecuteChangeSet"
        ]
    );
    assert!(moto.stack_names().contains(&"RolledBack".to_string()));
}

/// A stand-in app writing a one-stack assembly whose SSM parameter holds `value`.
fn parameter_app(stack: &str, value: &str) -> String {
    format!(
        "mkdir -p \"$CDK_OUTDIR\" && \
         printf '%s' '{{\"version\":\"55.0.0\",\"artifacts\":{{\"{stack}\":{{\"type\":\"aws:cloudformation:stack\",\
\"environment\":\"aws://unknown-account/unknown-region\",\"properties\":{{\"templateFile\":\"{stack}.template.json\"}}}}}}}}' \
         > \"$CDK_OUTDIR/manifest.json\" && \
         printf '%s' '{{\"Resources\":{{\"P\":{{\"Type\":\"AWS::SSM::Parameter\",\"Properties\":{{\"Type\":\"String\",\"Value\":\"{value}\"}}}}}}}}' \
         > \"$CDK_OUTDIR/{stack}.template.json\""
    )
}

#[test]
fn a_synth_while_deploying_is_refused_and_the_deploy_deploys_what_it_synthesized() {
    let work = tempfile::tempdir().expect("tmp");
    let moto = bootstrapped_moto(work.path());
    // Executing the change set takes a while: once the change set exists, another command
    // surely starts while the deployment still runs.
    let proxy = FaultProxy::start(&moto.endpoint, |request| {
        if request.operation() == "ExecuteChangeSet" {
            Verdict::Delay(std::time::Duration::from_secs(4))
        } else {
            Verdict::Forward
        }
    });
    let stack = format!("Locked{}", std::process::id());
    let deploy = sagecdk_against(&proxy.endpoint, work.path())
        .args(["deploy", "--require-approval", "never", "--app"])
        .arg(parameter_app(&stack, "version-one"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs deploy");
    let deploy_pid = deploy.id();
    let started = std::time::Instant::now();
    while !proxy
        .seen()
        .iter()
        .any(|s| s.operation == "CreateChangeSet")
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the deploy never created its change set"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let synth = sagecdk_against(&moto.endpoint, work.path())
        .args(["synth", "--quiet", "--app"])
        .arg(parameter_app(&stack, "version-two"))
        .output()
        .expect("runs synth");
    let deployed = deploy.wait_with_output().expect("deploy ends");
    let deploy_log = String::from_utf8_lossy(&deployed.stderr);
    assert!(deployed.status.success(), "{deploy_log}");
    let synth_log = String::from_utf8_lossy(&synth.stderr);
    assert_eq!(synth.status.code(), Some(1), "{synth_log}");
    assert!(
        synth_log.contains(&format!(
            "another process (PID {deploy_pid}) is reading from this cloud assembly"
        )),
        "{synth_log}"
    );
    let body = moto.template_body(&stack);
    assert!(body.contains("version-one"), "{body}");
    assert!(!body.contains("version-two"), "{body}");
    // The assembly on disk is still the deployed one, and no lock is left behind.
    let template =
        std::fs::read_to_string(work.path().join(format!("cdk.out/{stack}.template.json")))
            .expect("template");
    assert!(template.contains("version-one"), "{template}");
    let locks: Vec<_> = std::fs::read_dir(work.path().join("cdk.out"))
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lock"))
        .collect();
    assert!(locks.is_empty(), "{locks:?}");
}

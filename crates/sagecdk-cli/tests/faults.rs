//! The `sagecdk` binary failing clearly: no AWS credentials anywhere.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn golden() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/cdk-golden/seed/cdk.out")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Every file of a directory tree with its contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                files.insert(path, bytes);
            }
        }
    }
    files
}

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

    let mut command = Command::new(env!("CARGO_BIN_EXE_sagecdk"));
    command
        .args(["deploy", "SeedAgnostic", "--app"])
        .arg(&assembly)
        .current_dir(dir.path())
        .env_remove("CDK_CONTEXT_JSON")
        .env_remove("CDK_OUTDIR");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    let out = command
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

/// A moto server of this test's own on a free port, killed when dropped (the shared one of
/// `scripts/services.sh` is never stopped).
struct PrivateMoto {
    child: std::process::Child,
    endpoint: String,
}

impl PrivateMoto {
    fn start() -> PrivateMoto {
        let moto = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
        assert!(
            moto.exists(),
            "{} is missing: install it with `scripts/services.sh start`",
            moto.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starts moto_server");
        let server = PrivateMoto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "moto_server did not answer on port {port}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        server
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `sagecdk` with credentials for `endpoint` only (none of the caller's AWS settings).
fn sagecdk_against(endpoint: &str, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sagecdk"));
    command
        .current_dir(dir)
        .env_remove("CDK_CONTEXT_JSON")
        .env_remove("CDK_OUTDIR");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            command.env_remove(key);
        }
    }
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
    let outputs = work.path().join("outputs.json");
    let earlier = "{\n  \"Earlier\": {\n    \"Key\": \"value\"\n  }\n}\n";
    std::fs::write(&outputs, earlier).expect("outputs");
    let before = snapshot(&assembly);

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
        log.contains("cannot reach the AWS endpoint") && log.contains("AWS_ENDPOINT_URL"),
        "{log}"
    );
    assert!(
        log.contains("The deployment stopped at stack Interrupted")
            && log.contains("already deployed: Interrupted1"),
        "{log}"
    );
    assert!(log.contains("run 'sagecdk deploy' again"), "{log}");
    assert!(!log.contains("Interrupted4 (no changes)") && !log.contains("✅  Interrupted4"));
    // Nothing half-written: the assembly and the earlier outputs are as they were.
    assert_eq!(snapshot(&assembly), before, "the assembly is unchanged");
    assert_eq!(
        std::fs::read_to_string(&outputs).expect("outputs"),
        earlier,
        "the outputs file is unchanged"
    );
}

//! The `sagecdk` binary end to end: running an app the way the CDK CLI does, printing
//! templates, listing stacks, and failing clearly.

mod common;

use common::{command, golden, private_golden, sagecdk, text};

#[test]
fn synth_prints_the_selected_template_as_yaml_or_json() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = golden();
    let app = app.to_str().expect("utf8");
    let out = sagecdk(dir.path(), &["synth", "SeedEnv", "--app", app]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    assert!(
        yaml.contains("PrimaryContainerModel389512BE:\n    Type: AWS::SageMaker::Model"),
        "{yaml}"
    );
    // What YAML 1.1 parsers read as a date stays a string, as the AWS CDK CLI writes it.
    assert!(yaml.contains("Version: \"2012-10-17\""), "{yaml}");
    let parsed: serde_json::Value = serde_norway::from_str(&yaml).expect("yaml");
    let json = sagecdk(dir.path(), &["synth", "SeedEnv", "--json", "--app", app]);
    let from_json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(golden().join("SeedEnv.template.json")).expect("read"),
    )
    .expect("json");
    assert_eq!(from_json, golden);
    assert_eq!(parsed, golden);
}

#[test]
fn synth_of_several_stacks_prints_where_they_went() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = sagecdk(
        dir.path(),
        &["synth", "--app", golden().to_str().expect("utf8")],
    );
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("Supply a stack id (SeedAgnostic, SeedEnv)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn ls_lists_stacks() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = sagecdk(
        dir.path(),
        &["ls", "--app", golden().to_str().expect("utf8")],
    );
    assert_eq!(text(&out.stdout), "SeedAgnostic\nSeedEnv\n");
    let long = sagecdk(
        dir.path(),
        &["ls", "--long", "--app", golden().to_str().expect("utf8")],
    );
    assert!(
        text(&long.stdout).contains("account: '123456789012'")
            || text(&long.stdout).contains("account: \"123456789012\""),
        "{}",
        text(&long.stdout)
    );
    let json = sagecdk(
        dir.path(),
        &["ls", "--json", "--app", golden().to_str().expect("utf8")],
    );
    let list: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(list[1]["id"], "SeedEnv");
    assert_eq!(list[1]["environment"]["account"], "123456789012");
}

#[test]
fn runs_the_app_from_cdk_json_with_the_cli_environment() {
    let dir = tempfile::tempdir().expect("tmp");
    // A stand-in app: records what it was given and writes an assembly where it was told to.
    let script = format!(
        "echo \"$CDK_CONTEXT_JSON\" > context.json; echo \"$CDK_CLI_ASM_VERSION\" > asm.txt; \
         mkdir -p \"$CDK_OUTDIR\"; cp {}/*.json \"$CDK_OUTDIR\"; echo app-says-hi",
        private_golden(dir.path()).display()
    );
    std::fs::write(
        dir.path().join("cdk.json"),
        serde_json::json!({"app": script, "output": "out", "context": {"fromFile": 1}}).to_string(),
    )
    .expect("write");
    let out = sagecdk(
        dir.path(),
        &["synth", "SeedAgnostic", "-c", "flag=true", "--quiet"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The app's own output goes to standard error, never into the template.
    assert!(text(&out.stderr).contains("app-says-hi"));
    assert!(out.stdout.is_empty());
    let ctx: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("context.json")).expect("ctx"),
    )
    .expect("json");
    assert_eq!(ctx["aws:cdk:enable-path-metadata"], true);
    assert_eq!(ctx["fromFile"], 1);
    assert_eq!(ctx["flag"], true);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("asm.txt"))
            .expect("asm")
            .trim(),
        "55.0.0"
    );
    assert!(dir.path().join("out/manifest.json").is_file());
}

#[test]
fn the_build_command_of_cdk_json_runs_before_the_app() {
    let dir = tempfile::tempdir().expect("tmp");
    let assembly = private_golden(dir.path());
    let app = format!(
        "touch app-ran; mkdir -p \"$CDK_OUTDIR\"; cp {}/*.json \"$CDK_OUTDIR\"",
        assembly.display()
    );
    let config = |build: &str| {
        std::fs::write(
            dir.path().join("cdk.json"),
            serde_json::json!({"app": app, "build": build}).to_string(),
        )
        .expect("write");
    };
    config("echo built > built.txt; echo compiling");
    let out = sagecdk(dir.path(), &["synth", "SeedAgnostic", "--quiet"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("built.txt")).expect("built"),
        "built\n"
    );
    // The build's output goes to standard error, with the app's.
    assert!(text(&out.stderr).contains("compiling") && out.stdout.is_empty());

    std::fs::remove_file(dir.path().join("app-ran")).expect("the app ran");
    config("exit 3");
    let out = sagecdk(dir.path(), &["synth", "--quiet"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(
            "the build command `exit 3` of cdk.json failed (exit code 3); the app was not run"
        ),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("app-ran").exists());
}

#[test]
fn the_build_and_the_app_do_not_inherit_the_hand_over_guard() {
    // As when the engine, handed a command by `sagecdk`, runs the app: a stack program that
    // itself runs `sagecdk` must not be refused as a hand-back.
    let dir = tempfile::tempdir().expect("tmp");
    let app = format!(
        "echo \"${{SAGECDK_HANDED_OVER-unset}}\" > app-saw; mkdir -p \"$CDK_OUTDIR\"; cp {}/*.json \"$CDK_OUTDIR\"",
        private_golden(dir.path()).display()
    );
    let build = "echo \"${SAGECDK_HANDED_OVER-unset}\" > build-saw";
    std::fs::write(
        dir.path().join("cdk.json"),
        serde_json::json!({"app": app, "build": build}).to_string(),
    )
    .expect("write");
    let out = command(dir.path())
        .args(["synth", "SeedAgnostic", "--quiet"])
        .env(sagecdk_toolkit::HANDED_OVER_ENV, "1")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in ["app-saw", "build-saw"] {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(file)).expect("written"),
            "unset\n",
            "{file}"
        );
    }
}

#[test]
fn failures_are_clear_and_exit_non_zero() {
    let dir = tempfile::tempdir().expect("tmp");
    let none = sagecdk(dir.path(), &["synth"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        text(&none.stderr).contains("no app to run: pass --app"),
        "{}",
        text(&none.stderr)
    );

    let failing = sagecdk(
        dir.path(),
        &["synth", "--app", "echo '[S/R] broken' >&2; exit 1"],
    );
    assert_eq!(failing.status.code(), Some(1));
    let err = text(&failing.stderr);
    assert!(
        err.contains("[S/R] broken") && err.contains("failed"),
        "{err}"
    );

    let missing = sagecdk(
        dir.path(),
        &["synth", "Nope", "--app", golden().to_str().expect("utf8")],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("no stack matches 'Nope'"),
        "{}",
        text(&missing.stderr)
    );
}

#[test]
fn completions_are_generated_for_the_shells_and_load_in_bash() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = sagecdk(dir.path(), &["completions", "bash"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    for word in [
        "deploy",
        "--exclusively",
        "--concurrency",
        "completions",
        "local",
    ] {
        assert!(script.contains(word), "{word} is completed");
    }
    let path = dir.path().join("sagecdk.bash");
    std::fs::write(&path, &script).expect("script");
    // Bash loads it and registers the completion of `sagecdk`.
    let loaded = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p sagecdk", path.display()))
        .output()
        .expect("bash");
    assert!(loaded.status.success(), "{}", text(&loaded.stderr));
    assert!(text(&loaded.stdout).contains("sagecdk"));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = sagecdk(dir.path(), &["completions", shell]);
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
    let wrong = sagecdk(dir.path(), &["completions", "tcsh"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong.stderr).contains("invalid value 'tcsh'"));
}

#[test]
fn commands_for_the_engine_say_how_to_get_it_when_it_is_missing() {
    // A copy of `sagecdk` alone in a directory, with no engine on PATH or named.
    let dir = tempfile::tempdir().expect("tmp");
    let alone = dir.path().join("bin");
    std::fs::create_dir_all(&alone).expect("dir");
    let program = alone.join("sagecdk");
    std::fs::copy(env!("CARGO_BIN_EXE_sagecdk"), &program).expect("copy");
    let app = golden();
    let run = |args: &[&str]| {
        let mut command = std::process::Command::new(&program);
        command
            .args(args)
            .current_dir(dir.path())
            .env("PATH", &alone)
            .env_remove("SAGECDK_ENGINE");
        run_copied(&mut command)
    };
    for command in ["deploy", "diff", "destroy"] {
        let out = run(&[command, "--app", app.to_str().expect("utf8")]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        let err = text(&out.stderr);
        assert!(
            err.contains("this command runs in sagecdk-engine")
                && err.contains("cargo install --path crates/sagecdk-engine"),
            "{err}"
        );
    }
    // Its own commands need no engine.
    let out = run(&["ls", "--app", app.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // An engine named but missing is named.
    let out = run_copied(
        std::process::Command::new(&program)
            .args(["deploy", "--app", app.to_str().expect("utf8")])
            .current_dir(dir.path())
            .env("SAGECDK_ENGINE", dir.path().join("nowhere")),
    );
    assert!(
        text(&out.stderr).contains("SAGECDK_ENGINE names") && text(&out.stderr).contains("nowhere"),
        "{}",
        text(&out.stderr)
    );
}

/// Runs `command`, a program this test just copied: another test's process started meanwhile
/// may briefly hold the copy's file open for writing (inherited across its fork), which makes
/// the start fail with "text file busy" until it has exec'd.
fn run_copied(command: &mut std::process::Command) -> std::process::Output {
    for _ in 0..100 {
        match command.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.expect("runs"),
        }
    }
    command.output().expect("runs")
}

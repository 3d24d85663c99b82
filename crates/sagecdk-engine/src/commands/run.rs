//! `sagecdk run`: start a job of a deployed stack through its state machine and, with
//! `--wait`, follow the execution and its SageMaker job to the end.

use anyhow::{Context, bail};
use sagecdk_cli::args::RunArgs;
use sagecdk_cli::commands::Session;
use sagecdk_deploy::EnvironmentOptions;
use sagecdk_deploy::run::{JobRunner, RunStatus, execution_input, find_target};

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

/// The exit code after Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: u8 = 130;

pub(crate) fn run(session: &Session<'_>, args: &RunArgs) -> anyhow::Result<ExitCode> {
    if !(args.poll_interval.is_finite() && args.poll_interval > 0.0) {
        bail!(
            "--poll-interval must be a positive number of seconds, got {}",
            args.poll_interval
        );
    }
    let poll = Duration::from_secs_f64(args.poll_interval);
    let options = EnvironmentOptions {
        profile: args.profile.clone(),
    };
    let runtime = sagecdk_deploy::runtime().context("cannot start the async runtime")?;
    let (runner, execution) = match (&args.execution, &args.target) {
        (Some(execution), _) => {
            let runner = runtime.block_on(JobRunner::for_arn(&options, execution))?;
            (runner, execution.clone())
        }
        (None, Some(target)) => {
            let assembly = session.synth()?;
            let stacks = assembly.stacks()?;
            let target = find_target(&stacks, target)?;
            let input = execution_input(&args.inputs, target.job.as_ref())?;
            let runner = runtime.block_on(JobRunner::for_stack(&options, &target.stack))?;
            let state_machine = runtime.block_on(runner.state_machine_arn(&target))?;
            let execution = runtime.block_on(runner.start(&state_machine, &input))?;
            eprintln!("Started {execution}");
            // The ARN alone on standard output, for scripts.
            println!("{execution}");
            if !args.wait {
                return Ok(ExitCode::SUCCESS);
            }
            (runner, execution)
        }
        (None, None) => bail!("name a job to run, or an execution to follow with --execution"),
    };
    follow(&runtime, &runner, &execution, poll)
}

/// Follows `execution` until it ends or Ctrl-C; shows each change (a spinner on a terminal,
/// lines otherwise).
fn follow(
    runtime: &tokio::runtime::Runtime,
    runner: &JobRunner,
    execution: &str,
    poll: Duration,
) -> anyhow::Result<ExitCode> {
    let terminal = std::io::stderr().is_terminal();
    let spinner = terminal.then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let mut show = |status: &RunStatus| match &spinner {
        Some(bar) => bar.set_message(status.line()),
        None => eprintln!("{}", status.line()),
    };
    eprintln!("Following {execution} (Ctrl-C stops following; the job keeps running)");
    let outcome = runtime.block_on(async {
        tokio::select! {
            status = runner.follow(execution, poll, &mut show) => Some(status),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    if let Some(bar) = &spinner {
        bar.finish_and_clear();
    }
    let Some(status) = outcome else {
        eprintln!(
            "Stopped following; the execution and its job keep running. Follow again with \
             `sagecdk run --execution {execution}`"
        );
        return Ok(ExitCode::from(INTERRUPTED));
    };
    let status = status?;
    if terminal {
        eprintln!("{}", status.line());
    }
    if let Some(reason) = status.failure() {
        bail!("{execution}: {reason}");
    }
    if let Some(output) = &status.output {
        println!("{output}");
    }
    Ok(ExitCode::SUCCESS)
}

//! `sagecdk diff`: synthesize, then compare each selected stack's deployed template with the
//! local one: IAM and security group tables first, then the template sections, with the
//! resources that will be replaced marked (from the create-only properties of their types and a
//! change set); with `--json`, the same as one JSON document.

use crate::display::EventLines;
use sagecdk_cli::args::DiffArgs;
use sagecdk_cli::commands::Session;
use sagecdk_deploy::{DiffOptions, EnvironmentOptions, StackDiff, diff_stacks};
use sagecdk_toolkit::select_stacks;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

pub(crate) fn run(session: &Session<'_>, args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let assembly = session.synth()?;
    let stacks = select_stacks(&assembly, &args.stacks)?;
    let options = DiffOptions {
        environment: EnvironmentOptions {
            profile: args.profile.clone(),
        },
        no_change_set: args.no_change_set,
        reporter: Arc::new(EventLines::default()),
    };
    let diffs = sagecdk_deploy::runtime()?.block_on(diff_stacks(&stacks, &options))?;
    let changed = diffs.iter().filter(|d| !d.diff.is_empty()).count();
    let mut out = std::io::stdout().lock();
    if args.json {
        let report = serde_json::json!({
            "stacks": diffs,
            "stacksWithDifferences": changed,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        print_tables(&mut out, &diffs)?;
    }
    Ok(if args.fail && changed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The diff as `cdk diff` prints it.
fn print_tables(out: &mut impl Write, diffs: &[StackDiff]) -> std::io::Result<()> {
    let mut changed = 0;
    for d in diffs {
        writeln!(out, "Stack {}", d.display_name)?;
        if !d.deployed {
            writeln!(
                out,
                "(stack {} is not deployed: comparing with an empty template)",
                d.stack_name
            )?;
        }
        if d.diff.is_empty() {
            writeln!(out, "There were no differences\n")?;
        } else {
            changed += 1;
            if !d.security.is_empty() {
                writeln!(out, "{}", d.security)?;
            }
            write!(out, "{}", d.diff)?;
        }
    }
    writeln!(out, "✨  Number of stacks with differences: {changed}")
}

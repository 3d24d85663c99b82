//! `sagecdk destroy`: synthesize, then delete the selected stacks and the stacks that depend on
//! them, dependents first, after confirmation.

use super::Answer;
use anyhow::bail;
use sagecdk_cli::args::DestroyArgs;
use sagecdk_cli::commands::Session;
use sagecdk_deploy::{DestroyOptions, EnvironmentOptions, destroy_order, destroy_stacks};
use sagecdk_toolkit::select_stacks;
use std::process::ExitCode;

pub(crate) fn run(session: &Session<'_>, args: &DestroyArgs) -> anyhow::Result<ExitCode> {
    let assembly = session.synth()?;
    let all = assembly.stacks()?;
    let selected = select_stacks(&assembly, &args.stacks)?;
    let stacks = destroy_order(&all, &selected);
    if stacks.is_empty() {
        eprintln!("No stacks to destroy.");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.force {
        let ids: Vec<&str> = stacks.iter().map(|s| s.display_name.as_str()).collect();
        if !confirm(&format!(
            "Are you sure you want to delete: {} (y/n)?",
            ids.join(", ")
        ))? {
            eprintln!("Destroy cancelled: nothing was deleted.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let options = DestroyOptions {
        environment: EnvironmentOptions {
            profile: args.profile.clone(),
        },
        reporter: super::display(None),
    };
    sagecdk_deploy::runtime()?.block_on(destroy_stacks(&stacks, &options))?;
    Ok(ExitCode::SUCCESS)
}

/// Asks `question`; without a terminal, or without an answer, nothing is confirmed and the
/// command fails.
fn confirm(question: &str) -> anyhow::Result<bool> {
    match super::ask(question)? {
        Answer::Yes => Ok(true),
        Answer::No => Ok(false),
        Answer::NotAsked(why) => bail!(
            "refusing to destroy without confirmation: {why}, so '{question}' cannot be \
             answered. Run in a terminal and answer 'y', or pass --force to destroy without \
             asking"
        ),
    }
}

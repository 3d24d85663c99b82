//! `sagecdk synth`: run the app, then print the selected stack's template.

use crate::args::SynthArgs;
use sagecdk_toolkit::select_stacks;
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn run(session: &super::Session<'_>, args: &SynthArgs) -> anyhow::Result<ExitCode> {
    let assembly = session.synth()?;
    let stacks = select_stacks(&assembly, &args.stacks)?;
    if stacks.len() == 1 && !args.quiet {
        let template = stacks[0].template()?;
        let text = if args.json {
            sagecdk_assembly::json::to_js_json(&template, 2) + "\n"
        } else {
            sagecdk_toolkit::to_yaml(&template)
        };
        std::io::stdout().lock().write_all(text.as_bytes())?;
    } else {
        eprintln!("Successfully synthesized to {}", assembly.dir().display());
        if stacks.len() > 1 && !args.quiet {
            let ids: Vec<&str> = stacks.iter().map(|s| s.display_name.as_str()).collect();
            eprintln!(
                "Supply a stack id ({}) to display its template.",
                ids.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

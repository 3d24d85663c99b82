//! `sagecdk context`: the context values cached in `cdk.context.json` (what lookups found), and
//! forgetting them so the next synthesis looks them up again.

use crate::args::ContextArgs;
use anyhow::bail;
use sagecdk_toolkit::{CONTEXT_FILE, ProjectConfig, read_context_file, update_context_file};
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn run(config: &ProjectConfig, args: &ContextArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if args.clear {
        update_context_file(&config.dir, |cached| {
            cached.clear();
            Ok(())
        })?;
        writeln!(out, "All context values cleared.")?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(reset) = &args.reset {
        let cached = read_context_file(&config.dir)?;
        // A key, or its number in the list.
        let key = match reset.parse::<usize>() {
            Ok(n) if !cached.contains_key(reset) => match cached.keys().nth(n.wrapping_sub(1)) {
                Some(k) => k.clone(),
                None => bail!(
                    "{CONTEXT_FILE} has no value number {n} (it has {})",
                    cached.len()
                ),
            },
            _ => reset.clone(),
        };
        if !cached.contains_key(&key) {
            bail!("{CONTEXT_FILE} has no value '{key}'; `sagecdk context` lists them");
        }
        update_context_file(&config.dir, |cached| {
            cached.remove(&key);
            Ok(())
        })?;
        writeln!(
            out,
            "Context value {key} reset. It will be looked up again on the next synthesis."
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let cached = read_context_file(&config.dir)?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&cached)?)?;
    } else if cached.is_empty() {
        writeln!(out, "{CONTEXT_FILE} holds no context values.")?;
    } else {
        for (n, (key, value)) in cached.iter().enumerate() {
            writeln!(out, "{:>3}  {key}  {value}", n + 1)?;
        }
        writeln!(
            out,
            "Forget one with `sagecdk context --reset KEY_OR_NUMBER`, all with `--clear`."
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

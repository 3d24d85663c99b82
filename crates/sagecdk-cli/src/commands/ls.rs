//! `sagecdk ls`: list the app's stacks in deployment order.

use crate::args::LsArgs;
use sagecdk_toolkit::select_stacks;
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn run(session: &super::Session<'_>, args: &LsArgs) -> anyhow::Result<ExitCode> {
    let assembly = session.synth()?;
    let stacks = select_stacks(&assembly, &[])?;
    let mut out = std::io::stdout().lock();
    if args.long || args.json {
        let list: Vec<serde_json::Value> = stacks
            .iter()
            .map(|s| {
                let env = s.environment.trim_start_matches("aws://");
                let (account, region) = env.split_once('/').unwrap_or((env, ""));
                serde_json::json!({
                    "id": s.id,
                    "name": s.stack_name(),
                    "environment": {"account": account, "region": region, "name": s.environment},
                })
            })
            .collect();
        let list = serde_json::Value::Array(list);
        let text = if args.json {
            serde_json::to_string_pretty(&list)? + "\n"
        } else {
            sagecdk_toolkit::to_yaml(&list)
        };
        out.write_all(text.as_bytes())?;
    } else {
        for s in stacks {
            writeln!(out, "{}", s.display_name)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

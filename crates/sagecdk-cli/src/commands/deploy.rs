//! `sagecdk deploy`: synthesize, then deploy the selected stacks and their dependencies.

use crate::args::DeployArgs;
use anyhow::Context as _;
use sagecdk_deploy::{DeployOptions, EnvironmentOptions, deploy_stacks};
use sagecdk_toolkit::{ProjectConfig, select_stacks, synthesize};
use std::collections::HashSet;
use std::process::ExitCode;
use std::time::Instant;

pub(crate) fn run(config: &ProjectConfig, args: &DeployArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let assembly = synthesize(config, super::log_app_line)?;
    let all = assembly.stacks()?;
    let selected = select_stacks(&assembly, &args.stacks)?;
    // Add the stacks the selection depends on, keeping the assembly's deployment order.
    let mut wanted: HashSet<String> = selected.iter().map(|s| s.id.clone()).collect();
    for s in all.iter().rev() {
        if wanted.contains(&s.id) {
            wanted.extend(s.stack_dependencies.iter().cloned());
        }
    }
    let stacks: Vec<_> = all.into_iter().filter(|s| wanted.contains(&s.id)).collect();
    eprintln!(
        "\n✨  Synthesis time: {:.2}s\n",
        start.elapsed().as_secs_f64()
    );
    let options = DeployOptions {
        environment: EnvironmentOptions {
            profile: args.profile.clone(),
        },
        no_execute: args.no_execute,
        force: args.force,
    };
    let results =
        sagecdk_deploy::runtime()?.block_on(deploy_stacks(&assembly, &stacks, &options))?;
    let mut file = serde_json::Map::new();
    for (stack, result) in stacks.iter().zip(&results) {
        if !result.outputs.is_empty() {
            println!("Outputs:");
            for (k, v) in &result.outputs {
                println!("{}.{k} = {v}", stack.id);
            }
        }
        if let Some(arn) = &result.stack_arn {
            println!("Stack ARN:\n{arn}");
        }
        let outputs: serde_json::Map<String, serde_json::Value> = result
            .outputs
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        file.insert(
            result.stack_name.clone(),
            serde_json::Value::Object(outputs),
        );
    }
    if let Some(path) = &args.outputs_file {
        let text = serde_json::to_string_pretty(&serde_json::Value::Object(file))? + "\n";
        std::fs::write(path, text)
            .with_context(|| format!("writing outputs file {}", path.display()))?;
    }
    eprintln!("\n✨  Total time: {:.2}s", start.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

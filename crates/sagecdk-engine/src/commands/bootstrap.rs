//! `sagecdk bootstrap`: deploy the bootstrap stack into environments.

use sagecdk_cli::args::BootstrapArgs;
use sagecdk_deploy::bootstrap::{BootstrapOptions, bootstrap};
use sagecdk_deploy::{AwsEnvironment, EnvironmentOptions};
use std::process::ExitCode;

pub(crate) fn run(args: &BootstrapArgs) -> anyhow::Result<ExitCode> {
    let env_options = EnvironmentOptions {
        profile: args.profile.clone(),
    };
    let options = BootstrapOptions {
        qualifier: args.qualifier.clone(),
        trusted_accounts: args.trust.clone(),
        execution_policies: args.execution_policies.clone(),
        stack_name: args.toolkit_stack_name.clone(),
        no_execute: args.no_execute,
        force: args.force,
        reporter: super::display(None),
    };
    let targets = if args.environments.is_empty() {
        vec!["aws://unknown-account/unknown-region".to_string()]
    } else {
        args.environments.clone()
    };
    sagecdk_deploy::runtime()?.block_on(async {
        for target in &targets {
            let env = AwsEnvironment::resolve(&env_options, target).await?;
            let outcome = bootstrap(&env, &options).await?;
            let result = &outcome.result;
            let what = if outcome.left_alone.is_some() {
                "left as it is"
            } else if result.change_set_pending {
                "change set created (not executed)"
            } else if result.no_op {
                "bootstrapped (no changes)"
            } else {
                "bootstrapped"
            };
            eprintln!(" ✅  Environment {} {what}.", env.name());
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

//! The engine behind the `sagecdk` CLI: reads the project configuration (`cdk.json`,
//! `cdk.context.json`), runs the stack program the way the AWS CDK CLI does (same environment
//! variables and default context), loads the resulting cloud assembly and selects stacks.
//!
//! No async runtime or AWS SDK here: deploying is the deploy engine's job.

mod config;
mod context;
mod error;
mod init;
mod select;
mod synth;
mod yaml;

pub use config::ProjectConfig;
pub use context::{
    CONTEXT_FILE, ContextLookup, Lookups, read_context_file, synthesize_with_lookups,
    update_context_file,
};
pub use error::ToolkitError;
pub use init::{InitOptions, SagecdkSource, init_project};
pub use select::{glob_match, select_stacks};
pub use synth::{
    CLI_ASM_VERSION, CONTEXT_ENV_BUDGET, CONTEXT_OVERFLOW_ENV, HANDED_OVER_ENV, LockedAssembly,
    synthesize,
};
pub use yaml::to_yaml;

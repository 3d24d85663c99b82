//! The sagecdk deploy engine: deploys cloud assemblies (written by sagecdk or by the AWS CDK)
//! to AWS.
//!
//! * [`environment`]: credentials and region (standard chain, `--profile`, `AWS_ENDPOINT_URL`),
//!   the account from STS, manifest placeholders, bootstrap roles, the bootstrap version check.
//! * [`bootstrap`]: the `CDKToolkit` bootstrap stack (sagecdk's own template, following the
//!   AWS CDK's bootstrap contract).
//! * [`assets`]: file assets to the staging bucket, Docker image assets to the repository.
//! * [`archive`]: directory assets zipped reproducibly for upload.
//! * [`stack`]: one stack through a change set, with events and outputs.
//! * [`deploy`]: the stacks of an assembly, in dependency order.
//! * [`diff`]: deployed templates against local ones (a pure template comparison plus the reads).
//! * [`destroy`]: deleting stacks and their dependents, dependents first.
//! * [`local`]: serving a model of the app in the local Docker engine before deploying it.
//! * [`run`]: starting and following the SageMaker jobs (training, batch transform) of deployed
//!   stacks through their state machines.
//! * [`security`]: IAM and security group changes between templates (approvals, diff tables).
//! * [`progress`]: what is shown while stacks change (event lines or a live progress bar), and
//!   the reporter hooks a command line uses for approvals and its own bookkeeping.
//!
//! * [`network`]: connect and read timeouts, and the endpoints called (for error messages).
//!
//! The SDK clients retry throttling, transient errors and timeouts with exponential backoff.

pub mod archive;
pub mod assets;
pub mod bootstrap;
pub mod create_only;
pub mod deploy;
pub mod destroy;
pub mod diff;
pub mod environment;
pub mod error;
pub mod local;
pub mod lookup;
pub mod network;
pub mod order;
pub mod progress;
pub mod run;
pub mod security;
pub mod stack;
pub mod target;
pub mod template_diff;
pub mod template_text;

pub use deploy::{DeployOptions, deploy_stacks};
pub use destroy::{DestroyOptions, destroy_stacks};
pub use diff::{DiffOptions, StackDiff, diff_stacks};
pub use environment::{AwsEnvironment, EnvironmentOptions};
pub use error::{DeployError, Result};
pub use order::{deploy_order, destroy_order};
pub use progress::{Reporter, Silent, StackPhase};
pub use security::{RequireApproval, SecurityDiff, security_diff};
pub use stack::DeployResult;
pub use template_diff::{TemplateDiff, diff_templates};

/// A multi-threaded runtime for the command-line tool.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

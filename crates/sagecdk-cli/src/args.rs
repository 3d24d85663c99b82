//! Command-line definitions (clap), shared by `sagecdk` and `sagecdk-engine`; the work is done
//! by the commands, the toolkit and the deploy engine.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Infrastructure as code for Amazon SageMaker: synthesize and deploy CDK cloud assemblies.
#[derive(Debug, Parser)]
#[command(name = "sagecdk", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// The app command (e.g. "cargo run --quiet --example my-app") or a cloud assembly
    /// directory; default: "app" in cdk.json.
    #[arg(short, long, global = true)]
    pub app: Option<String>,
    /// Where the app writes the cloud assembly (default: "output" in cdk.json, else cdk.out).
    #[arg(short, long, global = true)]
    pub output: Option<PathBuf>,
    /// Context values for the app, as KEY=VALUE (repeatable).
    #[arg(short, long = "context", value_name = "KEY=VALUE", global = true)]
    pub context: Vec<String>,
    /// Look up context values the app needs with the AWS SDK (cached in cdk.context.json);
    /// with false, a missing value is an error.
    #[arg(long, global = true, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub lookups: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a project: a Cargo crate with a stack program, cdk.json, a snapshot test,
    /// .gitignore and a CI workflow.
    Init(InitArgs),
    /// Synthesize the app and print the selected stack's template.
    Synth(SynthArgs),
    /// List the stacks of the app.
    Ls(LsArgs),
    /// Create the bootstrap stack (staging bucket, container repository, deployment roles) in
    /// AWS environments.
    Bootstrap(BootstrapArgs),
    /// Deploy stacks (and the stacks they depend on) with CloudFormation change sets.
    Deploy(DeployArgs),
    /// Compare the deployed templates of stacks with the local ones.
    Diff(DiffArgs),
    /// Delete stacks (and the stacks that depend on them) from CloudFormation.
    Destroy(DestroyArgs),
    /// The images of SageMaker's frameworks and algorithms: URIs, versions, outdated pins.
    Images(ImagesArgs),
    /// List the cached context values (cdk.context.json), or forget some.
    Context(ContextArgs),
    /// Start a job (a `TrainingJob` or `BatchTransform`) of a deployed stack; with --wait,
    /// follow it to the end.
    Run(RunArgs),
    /// Run a model of the app on this machine, in Docker, before deploying it.
    Local(LocalArgs),
    /// Looks up one context value the app is missing (a `MissingContext` as JSON on standard
    /// input, the value as JSON on standard output): how `sagecdk` asks the engine.
    #[command(name = "context-lookup", hide = true)]
    ContextLookup,
    /// Print the shell completion script for SHELL (e.g. `sagecdk completions bash >
    /// ~/.local/share/bash-completion/completions/sagecdk`).
    Completions(CompletionsArgs),
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, elvish, fish, powershell or zsh.
    pub shell: clap_complete::Shell,
}

/// Options of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project directory (default: the current one); new or empty.
    pub dir: Option<PathBuf>,
    /// The crate's name (default: the directory's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Take sagecdk from a checkout of its repository instead of crates.io.
    #[arg(long, value_name = "DIR")]
    pub sagecdk_path: Option<PathBuf>,
}

/// Options of `local`.
#[derive(Debug, Args)]
pub struct LocalArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: LocalCommand,
}

/// The `local` subcommands.
#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Serve a model (`STACK/MODEL`) on a loopback port until Ctrl-C: its image, its model
    /// data at /opt/ml/model, its environment; waits for /ping, then sends its sample input.
    Serve(LocalServeArgs),
    /// Send one payload to a model (started for the request, or a running one with --url)
    /// and print the answer.
    Invoke(LocalInvokeArgs),
    /// Batch-transform local files with a model, as a SageMaker transform job does (records
    /// split by line, batched, results in `<file>.out`).
    Transform(LocalTransformArgs),
}

/// What names the model and how its container runs.
#[derive(Debug, Args)]
pub struct LocalModelArgs {
    /// The model: `STACK/MODEL` (its construct path).
    pub model: String,
    /// An environment variable for the container, after the model's (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub environment: Vec<String>,
    /// Seconds to wait for /ping.
    #[arg(long, value_name = "SECONDS", default_value_t = 240)]
    pub startup_timeout: u64,
}

/// Options of `local serve`.
#[derive(Debug, Args)]
pub struct LocalServeArgs {
    /// The model and its container.
    #[command(flatten)]
    pub model: LocalModelArgs,
    /// The loopback port (default: a free one).
    #[arg(long)]
    pub port: Option<u16>,
}

/// Options of `local invoke`.
#[derive(Debug, Args)]
pub struct LocalInvokeArgs {
    /// The model and its container.
    #[command(flatten)]
    pub model: LocalModelArgs,
    /// The payload: a file, or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    pub data: String,
    /// The payload's content type.
    #[arg(long, default_value = "application/json")]
    pub content_type: String,
    /// The content type to ask for (default: the model's choice).
    #[arg(long, default_value = "")]
    pub accept: String,
    /// A model already served (`http://127.0.0.1:PORT` of `local serve`) instead of a new
    /// container.
    #[arg(long)]
    pub url: Option<String>,
}

/// Options of `local transform`.
#[derive(Debug, Args)]
pub struct LocalTransformArgs {
    /// The model and its container.
    #[command(flatten)]
    pub model: LocalModelArgs,
    /// The input: a file or a directory of files.
    #[arg(long)]
    pub input: std::path::PathBuf,
    /// Where the results go (`<relative path>.out` per input file).
    #[arg(long)]
    pub output: std::path::PathBuf,
    /// The input's content type.
    #[arg(long, default_value = "text/csv")]
    pub content_type: String,
    /// The content type to ask for.
    #[arg(long, default_value = "")]
    pub accept: String,
    /// How files are split into records: `line`, or `none` (a file is one request).
    #[arg(long, default_value = "line", value_parser = ["line", "none"])]
    pub split_type: String,
    /// How a file's results are joined: `line`, or `none` (concatenated).
    #[arg(long, default_value = "line", value_parser = ["line", "none"])]
    pub assemble_with: String,
    /// The largest request, in MB (records are batched up to it).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_payload_mb: u32,
    /// A model already served instead of a new container.
    #[arg(long)]
    pub url: Option<String>,
}

/// Options of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The job: its construct path (`Stack/Train`) or a stack output holding its state
    /// machine's ARN (`Stack/StateMachineArn`).
    #[arg(required_unless_present = "execution")]
    pub target: Option<String>,
    /// An input of the execution, replacing the job's default (repeatable): a batch
    /// transform's `input`/`output`, a training job's channels, `output`, `hyperparameters`
    /// (a JSON object).
    #[arg(long = "input", value_name = "KEY=VALUE")]
    pub inputs: Vec<String>,
    /// Follow the execution and its job until they end; exit non-zero with the reason when
    /// they fail. Ctrl-C stops following, not the job.
    #[arg(long)]
    pub wait: bool,
    /// Follow an execution started before (its ARN) instead of starting one.
    #[arg(long, value_name = "ARN", conflicts_with_all = ["target", "inputs"])]
    pub execution: Option<String>,
    /// Seconds between looks at the execution and its job.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub poll_interval: f64,
    /// Use this profile of the AWS shared config files.
    #[arg(long)]
    pub profile: Option<String>,
}

/// Options of `context`.
#[derive(Debug, Args)]
pub struct ContextArgs {
    /// Forget one value, by key or by its number in the list.
    #[arg(long, value_name = "KEY")]
    pub reset: Option<String>,
    /// Forget every cached value.
    #[arg(long, conflicts_with = "reset")]
    pub clear: bool,
    /// Print the values as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `images`.
#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// What to show.
    #[command(subcommand)]
    pub command: ImagesCommand,
}

/// The `images` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// Print a framework's image URI in a region (what the SageMaker Python SDK's
    /// `image_uris.retrieve` answers; without --version, the latest).
    Uri(ImageUriArgs),
    /// List the frameworks with their latest versions, or one framework's versions, scopes
    /// and regions.
    List(ImageListArgs),
    /// For the app's models, list the framework images pinned to a version older than the
    /// latest of their framework and scope, with the version to move to.
    Check(ImageCheckArgs),
}

/// Options of `images uri`.
#[derive(Debug, Args)]
pub struct ImageUriArgs {
    /// The framework or algorithm (see `images list`).
    pub framework: String,
    /// The AWS region.
    #[arg(long)]
    pub region: String,
    /// The version or an alias of one (default: the latest).
    #[arg(long)]
    pub version: Option<String>,
    /// What the image is for: training, inference, inference_graviton, eia, processing…
    #[arg(long)]
    pub scope: Option<String>,
    /// The instance type (picks the processor, Graviton, Inferentia and Trainium images).
    #[arg(long)]
    pub instance_type: Option<String>,
    /// The Python version (e.g. py311).
    #[arg(long)]
    pub py_version: Option<String>,
    /// Hugging Face: the base framework and its version (e.g. pytorch2.6.0).
    #[arg(long)]
    pub base_framework_version: Option<String>,
    /// For a serverless endpoint (a CPU image).
    #[arg(long)]
    pub serverless: bool,
}

/// Options of `images list`.
#[derive(Debug, Args)]
pub struct ImageListArgs {
    /// A framework to show in detail.
    pub framework: Option<String>,
    /// Only this scope.
    #[arg(long)]
    pub scope: Option<String>,
}

/// Options of `images check`.
#[derive(Debug, Args)]
pub struct ImageCheckArgs {
    /// Exit with status 1 when an image is outdated.
    #[arg(long)]
    pub exit_code: bool,
}

/// Options of `synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Stacks to select (ids, names or paths; `*` wildcards). Default: all.
    pub stacks: Vec<String>,
    /// Print JSON instead of YAML.
    #[arg(long)]
    pub json: bool,
    /// Do not print the template.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Options of `ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Also show each stack's id, name and environment.
    #[arg(short, long)]
    pub long: bool,
    /// Print the long listing as JSON (for scripts).
    #[arg(long)]
    pub json: bool,
}

/// Options of `bootstrap`.
#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// Environments as aws://ACCOUNT/REGION. Default: the account and region of the current
    /// credentials.
    pub environments: Vec<String>,
    /// Qualifier distinguishing several bootstrap stacks in one environment. Default: the
    /// deployed bootstrap stack's, for a new one `hnb659fds`.
    #[arg(long)]
    pub qualifier: Option<String>,
    /// Accounts allowed to deploy into the environment (repeatable).
    #[arg(long = "trust", value_name = "ACCOUNT")]
    pub trust: Vec<String>,
    /// Managed policy ARNs for the CloudFormation execution role (default AdministratorAccess).
    #[arg(long = "cloudformation-execution-policies", value_name = "ARN")]
    pub execution_policies: Vec<String>,
    /// Name of the bootstrap stack.
    #[arg(long, default_value = "CDKToolkit")]
    pub toolkit_stack_name: String,
    /// Create the change set but do not execute it.
    #[arg(long)]
    pub no_execute: bool,
    /// Deploy even over a newer bootstrap stack (a downgrade) or a customized one.
    #[arg(short, long)]
    pub force: bool,
    /// Use this profile of the AWS shared config files.
    #[arg(long)]
    pub profile: Option<String>,
}

/// Options of `deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Stacks to deploy (ids, names or paths; `*` wildcards). Default: all.
    pub stacks: Vec<String>,
    /// Deploy every stack of the app (the same as naming none).
    #[arg(long, conflicts_with = "stacks")]
    pub all: bool,
    /// Deploy only the named stacks, not the stacks they depend on.
    #[arg(short, long)]
    pub exclusively: bool,
    /// A value of a stack's CloudFormation parameter (repeatable): `STACK:KEY=VALUE` for one
    /// stack, `KEY=VALUE` for every stack that declares it.
    #[arg(long = "parameters", value_name = "[STACK:]KEY=VALUE")]
    pub parameters: Vec<String>,
    /// A tag for every deployed stack, over the stacks' own (repeatable).
    #[arg(long = "tags", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// When an update fails, keep what was changed instead of rolling back (to fix and
    /// deploy again).
    #[arg(long)]
    pub no_rollback: bool,
    /// Create the change sets but do not execute them.
    #[arg(long)]
    pub no_execute: bool,
    /// Deploy even when nothing changed, and republish assets.
    #[arg(short, long)]
    pub force: bool,
    /// Write the stack outputs to this JSON file ({stackName: {key: value}}).
    #[arg(short = 'O', long, value_name = "FILE")]
    pub outputs_file: Option<PathBuf>,
    /// How many stacks deploy at the same time; a stack starts once the stacks it depends on
    /// are deployed.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Print the results (stack names, ARNs, outputs, whether anything changed) as JSON on
    /// standard output instead of text; progress stays on standard error.
    #[arg(long)]
    pub json: bool,
    /// Which IAM and security group changes must be approved before deploying: never,
    /// any-change, or broadening (permissions or traffic rules added). Default: cdk.json's
    /// "requireApproval", else broadening.
    #[arg(long, value_enum)]
    pub require_approval: Option<ApprovalLevel>,
    /// How to show stack events: a live progress bar (the default on a terminal) or one line
    /// per event (the default otherwise).
    #[arg(long, value_enum)]
    pub progress: Option<ProgressMode>,
    /// Use this profile of the AWS shared config files.
    #[arg(long)]
    pub profile: Option<String>,
    /// Name of the bootstrap stack, whose bucket takes templates too large to pass inline.
    #[arg(long, default_value = "CDKToolkit")]
    pub toolkit_stack_name: String,
}

/// Values of `--require-approval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApprovalLevel {
    /// Never ask.
    Never,
    /// Ask for any IAM or security group change.
    AnyChange,
    /// Ask when IAM permissions or security group rules are added.
    Broadening,
}

/// Values of `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// A live progress bar (on a terminal; plain events otherwise).
    Bar,
    /// One line per stack event.
    Events,
}

/// Options of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Stacks to compare (ids, names or paths; `*` wildcards). Default: all.
    pub stacks: Vec<String>,
    /// Exit with code 1 when there are differences.
    #[arg(long)]
    pub fail: bool,
    /// Do not create a change set to learn which resources would be replaced.
    #[arg(long)]
    pub no_change_set: bool,
    /// Print the differences as JSON (stacks, sections, entries, changed paths, replacements,
    /// IAM and security group changes) instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Use this profile of the AWS shared config files.
    #[arg(long)]
    pub profile: Option<String>,
}

/// Options of `destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Stacks to destroy (ids, names or paths; `*` wildcards), together with the stacks that
    /// depend on them. Default: all.
    pub stacks: Vec<String>,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub force: bool,
    /// Use this profile of the AWS shared config files.
    #[arg(long)]
    pub profile: Option<String>,
}

//! Stacks: the unit of deployment, one CloudFormation template each.

use crate::synthesizer::{
    BoundSynthesizer, DEFAULT_QUALIFIER, DefaultStackSynthesizer, DockerImageAssetLocation,
    DockerImageAssetSource, FileAssetLocation, FileAssetPackaging, FileAssetSource, extname,
};
use crate::tags::{TagManager, TagType};
use crate::token::Aws;
use crate::tree::{Construct, NodeId, NodeKind, Scope};
use crate::value::{Str, Value};
use indexmap::IndexMap;
use std::rc::Rc;

/// The AWS account and region a stack deploys to; unset parts make the stack
/// environment-agnostic (resolved at deploy time).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    /// 12-digit account id (`unknown-account`: environment-agnostic, as unset).
    pub account: Option<String>,
    /// Region, e.g. `us-west-2` (`unknown-region`: environment-agnostic, as unset).
    pub region: Option<String>,
}

impl Environment {
    /// An environment with both account and region.
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        Environment {
            account: Some(account.into()),
            region: Some(region.into()),
        }
    }

    /// The account and region the CLI resolved from the caller's credentials
    /// (`CDK_DEFAULT_ACCOUNT` / `CDK_DEFAULT_REGION`), where set.
    pub fn from_cli_defaults() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Environment {
            account: var("CDK_DEFAULT_ACCOUNT"),
            region: var("CDK_DEFAULT_REGION"),
        }
    }
}

/// Options of a stack.
#[derive(Clone, Debug, Default)]
pub struct StackProps {
    /// Target environment (default: environment-agnostic).
    pub env: Option<Environment>,
    /// CloudFormation stack name (default: derived from the construct id).
    pub stack_name: Option<String>,
    /// Template description.
    pub description: Option<String>,
    /// Stack-level tags (applied by CloudFormation to the stack).
    pub tags: IndexMap<String, String>,
    /// Enable termination protection.
    pub termination_protection: bool,
    /// Synthesizer settings (default: the CDK's default synthesizer).
    pub synthesizer: Option<DefaultStackSynthesizer>,
}

impl StackProps {
    /// Sets the environment.
    pub fn with_env(mut self, env: Environment) -> Self {
        self.env = Some(env);
        self
    }

    /// Sets the CloudFormation stack name.
    pub fn with_stack_name(mut self, name: impl Into<String>) -> Self {
        self.stack_name = Some(name.into());
        self
    }

    /// Sets the template description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a stack tag.
    pub fn with_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}

/// A registered file asset.
#[derive(Clone, Debug)]
pub(crate) struct FileAssetEntry {
    pub(crate) source: FileAssetSource,
    pub(crate) object_key: String,
    /// Further keys the asset is published at, in the same bucket.
    pub(crate) copies: Vec<String>,
}

pub(crate) struct StackData {
    pub(crate) props: StackProps,
    pub(crate) account: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) tags: TagManager,
    pub(crate) renames: IndexMap<String, String>,
    pub(crate) dependencies: Vec<(NodeId, String)>,
    pub(crate) transforms: Vec<String>,
    pub(crate) template_format_version: Option<String>,
    pub(crate) template_metadata: IndexMap<String, Value>,
    pub(crate) file_assets: IndexMap<String, FileAssetEntry>,
    pub(crate) image_assets: IndexMap<String, DockerImageAssetSource>,
    pub(crate) synthesizer: BoundSynthesizer,
    /// Context values the stack's constructs asked for and did not find.
    pub(crate) missing_context: Vec<sagecdk_assembly::manifest::MissingContext>,
}

/// The directories an [`AssemblyWriter`] works with.
#[derive(Debug, Clone, Copy)]
pub struct AssemblyDirs<'a> {
    /// The new assembly being written (swapped in when everything succeeded).
    pub staging: &'a std::path::Path,
    /// The previous assembly at the output location, if any: files staged there before can be
    /// linked instead of copied again.
    pub previous: Option<&'a std::path::Path>,
}

/// A writer that puts files into the cloud assembly directory being written (asset staging);
/// an error message should name the file and what went wrong.
pub type AssemblyWriter = Rc<dyn Fn(&AssemblyDirs<'_>) -> Result<(), String>>;

/// A CloudFormation stack.
///
/// ```
/// use sagecdk_core::{App, Environment, Stack, StackProps};
/// let app = App::new();
/// let stack = Stack::new(&app, "SeedEnv", StackProps::default()
///     .with_env(Environment::new("123456789012", "us-west-2")));
/// assert_eq!(stack.stack_name(), "SeedEnv");
/// assert_eq!(stack.region().as_literal().as_deref(), Some("us-west-2"));
/// ```
#[derive(Clone, Debug)]
pub struct Stack {
    node: Construct,
}

impl Scope for Stack {
    fn node(&self) -> &Construct {
        &self.node
    }
}

/// The largest template description CloudFormation accepts, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 1024;

/// A literal account or region, `None` for an unset, empty or `unknown-*` (agnostic) one.
fn literal(s: &Option<String>, unknown: &str) -> Option<String> {
    s.clone().filter(|v| !v.is_empty() && v != unknown)
}

/// What CloudFormation or AWS would reject in a stack's props: an account that is not 12
/// digits, an empty region, a description over 1024 bytes, invalid stack tags.
fn props_problems(props: &StackProps) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(env) = &props.env {
        if let Some(account) = &env.account
            && account != "unknown-account"
            && !(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        {
            problems.push(format!(
                "account '{account}' in `env` must be 12 digits (leave it unset for an environment-agnostic stack)"
            ));
        }
        if env.region.as_deref() == Some("") {
            problems.push(
                "region in `env` must not be empty (leave it unset for an environment-agnostic stack)"
                    .to_string(),
            );
        }
    }
    if let Some(d) = &props.description
        && d.len() > MAX_DESCRIPTION_BYTES
    {
        problems.push(format!(
            "description is {} bytes, more than CloudFormation's limit of {MAX_DESCRIPTION_BYTES} bytes",
            d.len()
        ));
    }
    for (key, value) in &props.tags {
        problems.extend(crate::tags::tag_problems(key, value));
    }
    problems
}

impl Stack {
    /// Creates a stack.
    pub fn new(scope: &impl Scope, id: &str, props: StackProps) -> Stack {
        let env = props.env.clone().unwrap_or_default();
        let (account, region) = (
            literal(&env.account, "unknown-account"),
            literal(&env.region, "unknown-region"),
        );
        let problems = props_problems(&props);
        let settings = props.synthesizer.clone().unwrap_or_default();
        let qualifier = settings
            .qualifier
            .clone()
            .or_else(|| {
                scope
                    .node()
                    .try_get_context("@aws-cdk/core:bootstrapQualifier")
                    .and_then(|v| v.as_str().map(str::to_string))
            })
            .unwrap_or_else(|| DEFAULT_QUALIFIER.to_string());
        let mut tags = TagManager::new(TagType::KeyValue, "aws:cdk:stack", "tags");
        for (k, v) in &props.tags {
            tags.set_tag(k, v, 50, true);
        }
        let data = StackData {
            synthesizer: BoundSynthesizer {
                settings,
                qualifier,
                account: account.clone(),
                region: region.clone(),
            },
            props,
            account,
            region,
            tags,
            renames: IndexMap::new(),
            dependencies: Vec::new(),
            transforms: Vec::new(),
            template_format_version: None,
            template_metadata: IndexMap::new(),
            file_assets: IndexMap::new(),
            missing_context: Vec::new(),
            image_assets: IndexMap::new(),
        };
        let node = scope
            .node()
            .add_child(id, NodeKind::Stack(Box::new(data)), "sagecdk.Stack");
        for problem in problems {
            node.add_error(problem);
        }
        Stack { node }
    }

    /// The stack a construct belongs to (`None` for constructs outside any stack).
    pub fn of(scope: &impl Scope) -> Option<Stack> {
        let node = scope.node();
        node.tree
            .with(|arena| arena.nodes.get(node.id as usize).and_then(|n| n.stack))
            .map(|id| Stack {
                node: Construct {
                    tree: node.tree.clone(),
                    id,
                },
            })
    }

    fn read<R: Default>(&self, f: impl FnOnce(&StackData) -> R) -> R {
        self.node
            .tree
            .with(|arena| arena.stack_data(self.node.id).map(f))
            .unwrap_or_default()
    }

    fn update(&self, f: impl FnOnce(&mut StackData)) {
        let id = self.node.id;
        self.node.tree.with_mut(
            || self.node.path(),
            |arena| {
                if let Some(s) = arena.stack_data_mut(id) {
                    f(s);
                }
            },
        );
    }

    /// The CloudFormation stack name.
    pub fn stack_name(&self) -> String {
        self.node
            .tree
            .with(|arena| crate::synth::stack_name(arena, self.node.id))
    }

    /// The account as a template value: the literal account, or `AWS::AccountId`.
    pub fn account(&self) -> Str {
        match self.read(|s| s.account.clone()) {
            Some(a) => Str::literal(a),
            None => Aws::account_id(),
        }
    }

    /// The region as a template value: the literal region, or `AWS::Region`.
    pub fn region(&self) -> Str {
        match self.read(|s| s.region.clone()) {
            Some(r) => Str::literal(r),
            None => Aws::region(),
        }
    }

    /// The partition (`AWS::Partition`).
    pub fn partition(&self) -> Str {
        Aws::partition()
    }

    /// The domain suffix (`AWS::URLSuffix`).
    pub fn url_suffix(&self) -> Str {
        Aws::url_suffix()
    }

    /// Records a context value the stack needs and the app does not have (reported in the
    /// manifest's `missing`, once per key).
    pub(crate) fn report_missing_context(
        &self,
        missing: sagecdk_assembly::manifest::MissingContext,
    ) {
        self.update(|s| {
            if s.missing_context.iter().all(|m| m.key != missing.key) {
                s.missing_context.push(missing);
            }
        });
    }

    /// The ARN of the role lookups assume, as the synthesizer names it.
    pub(crate) fn lookup_role_arn(&self) -> String {
        self.read(|s| {
            s.synthesizer
                .specialize(&s.synthesizer.settings.lookup_role_arn)
        })
    }

    /// The literal account, if the stack has one.
    pub fn literal_account(&self) -> Option<String> {
        self.read(|s| s.account.clone())
    }

    /// The literal region, if the stack has one.
    pub fn literal_region(&self) -> Option<String> {
        self.read(|s| s.region.clone())
    }

    /// `aws://<account>/<region>` with `unknown-account` / `unknown-region` when agnostic.
    pub fn environment(&self) -> String {
        self.read(env_string)
    }

    /// Whether the account or region is only known at deploy time.
    pub fn is_environment_agnostic(&self) -> bool {
        self.read(|s| s.account.is_none() || s.region.is_none())
    }

    /// Deploys `other` before this stack.
    pub fn add_dependency(&self, other: &Stack, reason: impl Into<String>) {
        if self.node.is_same(&other.node) {
            self.node.add_error("A stack cannot depend on itself");
            return;
        }
        if !Rc::ptr_eq(&self.node.tree, &other.node.tree) {
            self.node
                .add_error("Cannot add a dependency on a stack of another app");
            return;
        }
        let (t, r) = (other.node.id, reason.into());
        self.update(|s| {
            if !s.dependencies.iter().any(|(d, _)| *d == t) {
                s.dependencies.push((t, r));
            }
        });
    }

    /// Renames an allocated logical ID (`old` as allocated, `new` alphanumeric).
    pub fn rename_logical_id(&self, old: impl Into<String>, new: impl Into<String>) {
        let (old, new) = (old.into(), new.into());
        if !crate::logical_id::is_valid_logical_id(&new) {
            self.node.add_error(format!(
                "Invalid logical ID rename '{old}' -> '{new}': logical IDs must match ^[A-Za-z0-9]{{1,255}}$"
            ));
            return;
        }
        self.update(|s| {
            s.renames.insert(old, new);
        });
    }

    /// Adds a template transform (e.g. `AWS::Serverless-2016-10-31`).
    pub fn add_transform(&self, transform: impl Into<String>) {
        let t = transform.into();
        self.update(|s| {
            if !s.transforms.contains(&t) {
                s.transforms.push(t);
            }
        });
    }

    /// Sets `AWSTemplateFormatVersion`.
    pub fn set_template_format_version(&self, version: impl Into<String>) {
        let v = version.into();
        self.update(|s| s.template_format_version = Some(v));
    }

    /// Adds an entry to the template's top-level `Metadata`.
    pub fn add_template_metadata(&self, key: impl Into<String>, value: impl Into<Value>) {
        let (k, v) = (key.into(), value.into());
        self.update(|s| {
            s.template_metadata.insert(k, v);
        });
    }

    /// The stack-level tags, sorted by key.
    pub fn tag_values(&self) -> IndexMap<String, String> {
        self.read(|s| s.tags.tag_values())
    }

    /// Formats an ARN in this stack's partition, region and account (each may be overridden).
    ///
    /// ```
    /// use sagecdk_core::{App, ArnComponents, Stack, StackProps};
    /// let app = App::new();
    /// let stack = Stack::new(&app, "S", StackProps::default());
    /// let arn = stack.format_arn(ArnComponents::new("sagemaker", "model").with_resource_name("m"));
    /// assert!(arn.is_unresolved());
    /// ```
    pub fn format_arn(&self, c: ArnComponents) -> Str {
        let partition = c.partition.unwrap_or_else(|| self.partition());
        let region = c.region.unwrap_or_else(|| self.region());
        let account = c.account.unwrap_or_else(|| self.account());
        let mut arn = Str::from("arn:")
            + partition
            + ":"
            + c.service.as_str()
            + ":"
            + region
            + ":"
            + account
            + ":"
            + c.resource.as_str();
        if let Some(name) = c.resource_name {
            arn = arn + c.separator.as_str() + name;
        }
        arn
    }

    /// Registers a file asset and returns where it will be published.
    ///
    /// The same source hash registered twice is published once.
    pub fn add_file_asset(&self, source: FileAssetSource) -> FileAssetLocation {
        let ext = match source.packaging {
            FileAssetPackaging::ZipDirectory => ".zip".to_string(),
            FileAssetPackaging::File => extname(&source.file_name).to_string(),
        };
        let synth = self.read(|s| Some(s.synthesizer.clone()));
        let Some(synth) = synth else {
            return BoundSynthesizer::unbound().file_location("");
        };
        let object_key = format!(
            "{}{}{ext}",
            synth.settings.bucket_prefix, source.source_hash
        );
        let location = synth.file_location(&object_key);
        self.update(|s| {
            s.file_assets
                .entry(source.source_hash.clone())
                .or_insert(FileAssetEntry {
                    source,
                    object_key,
                    copies: Vec::new(),
                });
        });
        location
    }

    /// Publishes the file asset `source_hash` (registered with
    /// [`add_file_asset`](Self::add_file_asset)) also at `key` under the synthesizer's bucket
    /// prefix, in the same bucket: another destination of the asset in its manifest (the
    /// deploy engine copies it there within the bucket instead of uploading it again). `None`
    /// when no file asset has that hash.
    pub fn add_file_asset_copy(&self, source_hash: &str, key: &str) -> Option<FileAssetLocation> {
        let synth = self.read(|s| Some(s.synthesizer.clone()))?;
        let object_key = format!("{}{key}", synth.settings.bucket_prefix);
        let mut known = false;
        self.update(|s| {
            if let Some(entry) = s.file_assets.get_mut(source_hash) {
                known = true;
                if !entry.copies.contains(&object_key) {
                    entry.copies.push(object_key.clone());
                }
            }
        });
        known.then(|| synth.file_location(&object_key))
    }

    /// Registers a Docker image asset and returns where it will be published.
    pub fn add_docker_image_asset(
        &self,
        source: DockerImageAssetSource,
    ) -> DockerImageAssetLocation {
        let synth = self.read(|s| Some(s.synthesizer.clone()));
        let Some(synth) = synth else {
            return BoundSynthesizer::unbound().image_location("");
        };
        let tag = format!("{}{}", synth.settings.docker_tag_prefix, source.source_hash);
        let location = synth.image_location(&tag);
        self.update(|s| {
            s.image_assets
                .entry(source.source_hash.clone())
                .or_insert(source);
        });
        location
    }

    /// The bootstrap qualifier in use.
    pub fn qualifier(&self) -> String {
        self.read(|s| s.synthesizer.qualifier.clone())
    }

    /// Registers a writer that puts files into the cloud assembly directory when it is written
    /// (used to stage assets); `owner` is the construct its errors are reported at. Writers run
    /// in registration order.
    pub fn add_assembly_writer(&self, owner: &impl Scope, writer: AssemblyWriter) {
        crate::app::add_assembly_writer(owner.node(), writer);
    }
}

impl BoundSynthesizer {
    fn unbound() -> Self {
        BoundSynthesizer {
            settings: DefaultStackSynthesizer::default(),
            qualifier: DEFAULT_QUALIFIER.into(),
            account: None,
            region: None,
        }
    }
}

pub(crate) fn env_string(s: &StackData) -> String {
    format!(
        "aws://{}/{}",
        s.account.as_deref().unwrap_or("unknown-account"),
        s.region.as_deref().unwrap_or("unknown-region")
    )
}

/// The parts of an ARN; unset partition, region and account come from the stack.
#[derive(Clone, Debug)]
pub struct ArnComponents {
    /// Service namespace, e.g. `sagemaker`.
    pub service: String,
    /// Resource type, e.g. `endpoint`.
    pub resource: String,
    /// Resource name.
    pub resource_name: Option<Str>,
    /// Separator between resource and name (default `/`).
    pub separator: String,
    /// Partition override.
    pub partition: Option<Str>,
    /// Region override (empty string for global services).
    pub region: Option<Str>,
    /// Account override.
    pub account: Option<Str>,
}

impl ArnComponents {
    /// Service and resource type.
    pub fn new(service: impl Into<String>, resource: impl Into<String>) -> Self {
        ArnComponents {
            service: service.into(),
            resource: resource.into(),
            resource_name: None,
            separator: "/".into(),
            partition: None,
            region: None,
            account: None,
        }
    }

    /// Sets the resource name.
    pub fn with_resource_name(mut self, name: impl Into<Str>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// Sets the separator (`/` or `:`).
    pub fn with_separator(mut self, sep: impl Into<String>) -> Self {
        self.separator = sep.into();
        self
    }

    /// Overrides the region.
    pub fn with_region(mut self, region: impl Into<Str>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Overrides the account.
    pub fn with_account(mut self, account: impl Into<Str>) -> Self {
        self.account = Some(account.into());
        self
    }
}

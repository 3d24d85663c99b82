//! The synthesis pipeline: aspects → dependencies and cross-stack references → validation →
//! templates → asset manifests, `manifest.json`, `tree.json` and metadata.
//!
//! Everything is computed in memory first; only a fully valid app produces an [`Assembly`],
//! and [`Assembly::write`] swaps the new directory in only once it is complete.

use crate::aspects::invoke_aspects;
use crate::collate::locale_compare;
use crate::element::{
    CfnOutput, CfnParameter, CfnParameterProps, CfnRule, ElementKind, RenderInputs, render_element,
};
use crate::error::{Diagnostic, Diagnostics, SynthError, abbreviate, too_long};
use crate::logical_id::{make_unique_id, make_unique_resource_name};
use crate::resolve::{CrossRef, Mode, Plan, ResolveContext};
use crate::stack::{StackData, env_string};
use crate::synthesizer::{
    FileAssetPackaging, LOOKUP_ROLE_BOOTSTRAP_VERSION, REQUIRED_BOOTSTRAP_VERSION,
};
use crate::tree::{
    Arena, Construct, ERROR_METADATA, INFO_METADATA, NodeId, NodeKind, WARNING_METADATA,
};
use crate::value::Value;
use indexmap::IndexMap;
use sagecdk_assembly::StagingDir;
use sagecdk_assembly::assets::{
    AssetManifest, DockerImageAsset, DockerImageSource, FileAsset, FileSource,
};
use sagecdk_assembly::json::to_js_json;
use sagecdk_assembly::manifest::{
    ASSET_MANIFEST_ARTIFACT, ArtifactManifest, AssemblyManifest, AssetManifestProperties,
    LookupRole, SCHEMA_VERSION, STACK_ARTIFACT, StackProperties, TREE_ARTIFACT,
};
use serde_json::{Map as JsonMap, Value as Json, json};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

/// Context key: add `aws:cdk:path` metadata to every resource.
pub const PATH_METADATA_CONTEXT: &str = "aws:cdk:enable-path-metadata";
/// Context key: the maximum number of resources in a stack (default 500).
pub const RESOURCE_LIMIT_CONTEXT: &str = "@aws-cdk/core:stackResourceLimit";
/// Default maximum number of resources per stack (CloudFormation's quota).
pub const DEFAULT_RESOURCE_LIMIT: usize = 500;
/// Largest template CloudFormation accepts from S3 (1 MB).
pub const MAX_TEMPLATE_BYTES: usize = 1_048_576;
/// Context key: the strength of references across stacks, `"strong"` (an export and
/// `Fn::ImportValue`), `"weak"` or `"both"` in the AWS CDK. sagecdk writes strong references
/// only: unset, the CDK's warning is given; `"strong"` silences it; the others are errors.
pub const CROSS_STACK_REFERENCES_CONTEXT: &str = "@aws-cdk/core:defaultCrossStackReferences";
/// The id the CDK acknowledges its warning about an unset [`CROSS_STACK_REFERENCES_CONTEXT`] by.
const DEFAULT_STRONG_WARNING_ID: &str = "@aws-cdk/core:crossStackReferencesDefaultStrong";
const MAX_OUTPUTS: usize = 200;
const MAX_PARAMETERS: usize = 200;
const MAX_MAPPINGS: usize = 200;

/// Severity of a [`Message`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Synthesis failed because of it.
    Error,
    /// Worth a look.
    Warning,
    /// For information.
    Info,
}

/// An annotation of a construct (error, warning or info).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Construct path.
    pub path: String,
    /// Severity.
    pub level: Level,
    /// Text.
    pub message: String,
}

/// One synthesized stack.
#[derive(Clone, Debug)]
pub struct SynthesizedStack {
    /// Artifact id in the manifest.
    pub artifact_id: String,
    /// CloudFormation stack name.
    pub stack_name: String,
    /// Construct path of the stack.
    pub path: String,
    /// The template file name (`<artifact>.template.json`).
    pub template_file: String,
    /// The template exactly as written to its file.
    pub template_text: String,
    /// Annotations of the stack's constructs.
    pub messages: Vec<Message>,
}

impl SynthesizedStack {
    /// The template, parsed from [`template_text`](Self::template_text).
    pub fn template(&self) -> Json {
        serde_json::from_str(&self.template_text).unwrap_or(Json::Null)
    }
}

/// A synthesized cloud assembly, in memory.
#[derive(Clone)]
pub struct Assembly {
    /// The stacks, in manifest order.
    pub stacks: Vec<SynthesizedStack>,
    /// The assembly's files other than the templates and `tree.json` (name, contents),
    /// `manifest.json` included; templates are in [`stacks`](Self::stacks), and `tree.json`
    /// (which may be large: it repeats every construct's path) is made when written or asked
    /// for through [`file`](Self::file).
    pub files: Vec<(String, String)>,
    tree: Rc<TreeSnapshot>,
    tree_text: std::cell::OnceCell<String>,
    writers: Vec<(String, crate::stack::AssemblyWriter)>,
}

impl std::fmt::Debug for Assembly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assembly")
            .field("stacks", &self.stacks)
            .field(
                "files",
                &self
                    .files
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .chain([TREE_FILE])
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Assembly {
    /// The stack with this artifact id or construct path.
    pub fn stack(&self, id: &str) -> Option<&SynthesizedStack> {
        self.stacks
            .iter()
            .find(|s| s.artifact_id == id || s.path == id)
    }

    /// The contents of an assembly file by name (templates and `tree.json` included).
    pub fn file(&self, name: &str) -> Option<&str> {
        if name == TREE_FILE {
            return Some(self.tree_text.get_or_init(|| self.tree.to_text()));
        }
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.as_str())
            .or_else(|| {
                self.stacks
                    .iter()
                    .find(|s| s.template_file == name)
                    .map(|s| s.template_text.as_str())
            })
    }

    /// All warnings of all stacks.
    pub fn warnings(&self) -> impl Iterator<Item = &Message> {
        self.stacks
            .iter()
            .flat_map(|s| s.messages.iter())
            .filter(|m| m.level == Level::Warning)
    }

    /// Writes the assembly to `outdir`, replacing what was there only once everything is written.
    pub fn write(&self, outdir: &Path) -> Result<(), SynthError> {
        let staging = StagingDir::create(outdir)?;
        for s in &self.stacks {
            staging.write(&s.template_file, s.template_text.as_bytes())?;
        }
        for (name, contents) in &self.files {
            staging.write(name, contents.as_bytes())?;
        }
        self.write_tree(&staging.path().join(TREE_FILE))?;
        let previous = outdir.join("manifest.json").is_file().then_some(outdir);
        let dirs = crate::stack::AssemblyDirs {
            staging: staging.path(),
            previous,
        };
        let mut problems = Vec::new();
        for (path, w) in &self.writers {
            if let Err(message) = w(&dirs) {
                problems.push(Diagnostic::new(path, message));
            }
        }
        if !problems.is_empty() {
            return Err(SynthError::Invalid(Diagnostics(problems)));
        }
        staging.commit()?;
        Ok(())
    }
}

impl Assembly {
    /// Streams `tree.json` to `path`.
    fn write_tree(&self, path: &Path) -> Result<(), SynthError> {
        use std::io::Write;
        let io = |source| sagecdk_assembly::AssemblyError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::create(path).map_err(io)?;
        let mut file = std::io::BufWriter::new(file);
        self.tree
            .write(1 << 20, &mut |piece: &str| file.write_all(piece.as_bytes()))
            .and_then(|()| file.flush())
            .map_err(io)?;
        Ok(())
    }
}

/// The file the construct tree is written to.
const TREE_FILE: &str = "tree.json";

/// The CloudFormation stack name of a stack node.
pub(crate) fn stack_name(arena: &Arena, stack: NodeId) -> String {
    if let Some(name) = arena
        .stack_data(stack)
        .and_then(|s| s.props.stack_name.clone())
    {
        return name;
    }
    generated_stack_id(arena, stack)
}

/// The stack id derived from construct ids: the id of a top-level stack, else a unique name
/// made from the path.
fn generated_stack_id(arena: &Arena, stack: NodeId) -> String {
    let ids: Vec<String> = arena.scopes(stack)[1..]
        .iter()
        .map(|n| arena.node(*n).id.clone())
        .collect();
    if ids.len() == 1 {
        return ids[0].clone();
    }
    make_unique_resource_name(&ids, 128).unwrap_or_default()
}

fn artifact_id(arena: &Arena, stack: NodeId) -> String {
    generated_stack_id(arena, stack)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn valid_stack_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.len() <= 128
}

struct StackInfo {
    node: NodeId,
    artifact_id: String,
    name: String,
}

/// Resource-level and stack-level dependencies derived from the tree.
#[derive(Default)]
struct Dependencies {
    resources: HashMap<NodeId, Vec<NodeId>>,
    stacks: IndexMap<NodeId, Vec<NodeId>>,
}

fn resources_under(arena: &Arena, node: NodeId) -> Vec<NodeId> {
    arena
        .preorder(node)
        .into_iter()
        .filter(|n| {
            arena
                .element(*n)
                .is_some_and(|e| matches!(e.kind, ElementKind::Resource(_)))
        })
        .collect()
}

fn derive_dependencies(arena: &Arena, stacks: &[StackInfo]) -> Dependencies {
    let mut deps = Dependencies::default();
    for s in stacks {
        let explicit = arena
            .stack_data(s.node)
            .map(|d| d.dependencies.iter().map(|(n, _)| *n).collect::<Vec<_>>())
            .unwrap_or_default();
        deps.stacks.insert(s.node, explicit);
    }
    let add = |deps: &mut Dependencies, source: NodeId, target: NodeId| {
        if source == target {
            return;
        }
        let (ss, ts) = (arena.node(source).stack, arena.node(target).stack);
        match (ss, ts) {
            (Some(a), Some(b)) if a == b => {
                let list = deps.resources.entry(source).or_default();
                if !list.contains(&target) {
                    list.push(target);
                }
            }
            (Some(a), Some(b)) => {
                let list = deps.stacks.entry(a).or_default();
                if !list.contains(&b) {
                    list.push(b);
                }
            }
            _ => {}
        }
    };
    for n in 0..arena.nodes.len() as NodeId {
        let node = arena.node(n);
        if !node.dependencies.is_empty() {
            let sources = resources_under(arena, n);
            for t in &node.dependencies {
                let targets = resources_under(arena, *t);
                for s in &sources {
                    for r in &targets {
                        add(&mut deps, *s, *r);
                    }
                }
            }
        }
        if let Some(ElementKind::Resource(r)) = arena.element(n).map(|e| &e.kind) {
            for t in &r.depends_on {
                add(&mut deps, n, *t);
            }
        }
    }
    deps
}

/// Finds a dependency cycle among stacks, returning the cycle's paths.
fn stack_cycle(arena: &Arena, deps: &IndexMap<NodeId, Vec<NodeId>>) -> Option<Vec<String>> {
    fn visit(
        n: NodeId,
        deps: &IndexMap<NodeId, Vec<NodeId>>,
        state: &mut HashMap<NodeId, u8>,
        path: &mut Vec<NodeId>,
    ) -> Option<Vec<NodeId>> {
        match state.get(&n) {
            Some(2) => return None,
            Some(1) => {
                let start = path.iter().position(|x| *x == n).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(n);
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n, 1);
        path.push(n);
        for d in deps.get(&n).into_iter().flatten() {
            if let Some(c) = visit(*d, deps, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n, 2);
        None
    }
    let mut state = HashMap::new();
    for n in deps.keys() {
        if let Some(c) = visit(*n, deps, &mut state, &mut Vec::new()) {
            return Some(c.into_iter().map(|n| arena.path(n)).collect());
        }
    }
    None
}

/// Allocates logical IDs and validates renames and overrides.
fn compute_plan(
    arena: &Arena,
    app_id: u64,
    stacks: &[StackInfo],
    diags: &mut Vec<Diagnostic>,
) -> Plan {
    let mut plan = Plan {
        app_id,
        ..Plan::default()
    };
    let mut used_renames: HashSet<(NodeId, String)> = HashSet::new();
    let mut rename_targets: HashMap<(NodeId, String), String> = HashMap::new();
    for n in 0..arena.nodes.len() as NodeId {
        let Some(element) = arena.element(n) else {
            continue;
        };
        let node = arena.node(n);
        let Some(stack) = node.stack else {
            diags.push(Diagnostic::new(
                arena.path(n),
                "CloudFormation elements must be defined within a Stack",
            ));
            continue;
        };
        let id = if let Some(o) = &element.logical_id_override {
            o.clone()
        } else {
            let rel = arena.path_from(stack, n);
            let components: Vec<&str> = rel.split('/').collect();
            let allocated = match make_unique_id(&components) {
                Ok(id) => id,
                Err(e) => {
                    diags.push(Diagnostic::new(arena.path(n), e.to_string()));
                    continue;
                }
            };
            match arena
                .stack_data(stack)
                .and_then(|s| s.renames.get(&allocated))
            {
                Some(new) => {
                    used_renames.insert((stack, allocated.clone()));
                    if let Some(prev) =
                        rename_targets.insert((stack, new.clone()), allocated.clone())
                        && prev != allocated
                    {
                        diags.push(Diagnostic::new(
                            arena.path(n),
                            format!("Two logical IDs renamed to the same new ID '{new}': '{prev}' and '{allocated}'"),
                        ));
                    }
                    new.clone()
                }
                None => allocated,
            }
        };
        plan.logical_ids.insert(n, id);
    }
    for s in stacks {
        if let Some(data) = arena.stack_data(s.node) {
            plan.stack_env.insert(s.node, env_string(data));
            for old in data.renames.keys() {
                if !used_renames.contains(&(s.node, old.clone())) {
                    diags.push(Diagnostic::new(
                        arena.path(s.node),
                        format!("Unable to find a logical ID '{old}' to rename (rename_logical_id was called with an ID no element has)"),
                    ));
                }
            }
        }
    }
    plan
}

fn stacks_of(arena: &Arena) -> Vec<StackInfo> {
    arena
        .preorder(0)
        .into_iter()
        .filter(|n| matches!(arena.node(*n).kind, NodeKind::Stack(_)))
        .map(|n| StackInfo {
            node: n,
            artifact_id: artifact_id(arena, n),
            name: stack_name(arena, n),
        })
        .collect()
}

/// Nodes of a stack in depth-first pre-order, not descending into other stacks.
fn stack_nodes(arena: &Arena, stack: NodeId) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut todo = vec![stack];
    while let Some(n) = todo.pop() {
        if n != stack && matches!(arena.node(n).kind, NodeKind::Stack(_)) {
            continue;
        }
        out.push(n);
        todo.extend(arena.node(n).children.iter().rev());
    }
    out
}

fn collect_cross_refs(
    arena: &Arena,
    plan: &Plan,
    stacks: &[StackInfo],
    errors: &RefCell<Vec<Diagnostic>>,
) -> Vec<CrossRef> {
    let refs = RefCell::new(Vec::new());
    let mode = Mode::Collect(&refs);
    for s in stacks {
        for n in stack_nodes(arena, s.node) {
            if let Some(element) = arena.element(n) {
                let ctx = ResolveContext::new(arena, plan, s.node, n, &mode, errors);
                element.for_each_value(&mut |v| ctx.collect_refs(v));
            }
        }
    }
    refs.into_inner()
}

/// The CDK's check of the reference strength at the first reference across stacks: without
/// [`CROSS_STACK_REFERENCES_CONTEXT`], its warning (with the CDK's acknowledgement id) on the
/// consuming stack, once however often the app is synthesized; a strength other than
/// `"strong"` is an error, as sagecdk writes strong references only.
fn check_reference_strength(root: &Construct, refs: &[CrossRef], diags: &mut Vec<Diagnostic>) {
    let Some(first) = refs.first() else {
        return;
    };
    let consumer = Construct {
        tree: root.tree.clone(),
        id: first.consumer,
    };
    match consumer.try_get_context(CROSS_STACK_REFERENCES_CONTEXT) {
        None | Some(Json::Null) => {
            let warning = format!(
                "No cross-stack-reference strength configured, defaulting to \"strong\". We \
                 recommend you set feature flag \"{CROSS_STACK_REFERENCES_CONTEXT}\" to \"both\", \
                 then deploy everywhere, then set it to \"weak\". Alternatively, set it to \
                 \"strong\" explicitly to lock in the current producer-protecting behavior. \
                 (See: https://github.com/aws/aws-cdk/blob/main/packages/aws-cdk-lib/README.md#reference-strength) \
                 [ack: {DEFAULT_STRONG_WARNING_ID}]"
            );
            let given = consumer
                .metadata()
                .iter()
                .any(|m| m.entry_type == WARNING_METADATA && m.data.as_str() == Some(&warning));
            if !given {
                consumer.add_warning(warning);
            }
        }
        Some(Json::String(strength)) if strength == "strong" => {}
        Some(Json::String(strength)) if strength == "weak" || strength == "both" => {
            diags.push(Diagnostic::new(
                consumer.path(),
                format!(
                    "reference strength '{strength}' in `{CROSS_STACK_REFERENCES_CONTEXT}` is not supported: sagecdk writes strong references (an export and `Fn::ImportValue`); set it to 'strong' or leave it unset"
                ),
            ));
        }
        Some(other) => {
            let shown = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_string);
            diags.push(Diagnostic::new(
                consumer.path(),
                format!(
                    "Invalid value for {CROSS_STACK_REFERENCES_CONTEXT}: \"{shown}\". Must be \"strong\", \"weak\", or \"both\"."
                ),
            ));
        }
    }
}

/// Truncates the local part of an export name from the left so the whole stays ≤ 255.
fn export_name(stack_name: &str, local: &str) -> String {
    let prefix = format!("{stack_name}:");
    let max_local = 255usize.saturating_sub(prefix.len());
    let local = if local.len() > max_local {
        &local[local.len() - max_local..]
    } else {
        local
    };
    format!("{prefix}{local}")
}

/// Export name per (producing stack, rendered reference).
type ExportNames = HashMap<(NodeId, String), String>;

/// Creates the `Exports` outputs of producing stacks; returns (export map, stack deps).
fn create_exports(root: &Construct, refs: &[CrossRef]) -> (ExportNames, Vec<(NodeId, NodeId)>) {
    let mut exports = HashMap::new();
    let mut stack_deps = Vec::new();
    for r in refs {
        stack_deps.push((r.consumer, r.producer));
        if exports.contains_key(&(r.producer, r.rendered.clone())) {
            continue;
        }
        let producer = Construct {
            tree: root.tree.clone(),
            id: r.producer,
        };
        let exports_scope = producer
            .try_find_child("Exports")
            .unwrap_or_else(|| Construct::new(&producer, "Exports"));
        let output_id = format!("Output{}", r.rendered);
        let local = make_unique_id(&["Exports", output_id.as_str()]).unwrap_or_default();
        let producer_name = root.tree.with(|arena| stack_name(arena, r.producer));
        let name = export_name(&producer_name, &local);
        if exports_scope.try_find_child(&output_id).is_none() {
            let _ = CfnOutput::new(&exports_scope, &output_id, Value::Token(r.token.clone()))
                .with_export_name(name.clone());
        }
        exports.insert((r.producer, r.rendered.clone()), name);
    }
    (exports, stack_deps)
}

fn add_bootstrap_checks(root: &Construct, stacks: &[StackInfo]) {
    for s in stacks {
        let stack = Construct {
            tree: root.tree.clone(),
            id: s.node,
        };
        let (generate, parameter) = root.tree.with(|arena| {
            arena
                .stack_data(s.node)
                .map(|d| {
                    (
                        d.synthesizer.settings.generate_bootstrap_version_rule,
                        d.synthesizer.ssm_parameter(),
                    )
                })
                .unwrap_or((false, String::new()))
        });
        if !generate {
            continue;
        }
        let param = match stack.try_find_child("BootstrapVersion") {
            Some(_) => None,
            None => Some(CfnParameter::new(
                &stack,
                "BootstrapVersion",
                CfnParameterProps {
                    parameter_type: Some("AWS::SSM::Parameter::Value<String>".into()),
                    default: Some(Value::String(parameter)),
                    description: Some("Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]".into()),
                    ..CfnParameterProps::default()
                },
            )),
        };
        if stack.try_find_child("CheckBootstrapVersion").is_none() {
            let Some(param) = param else { continue };
            let old_versions: Vec<Value> = (1..REQUIRED_BOOTSTRAP_VERSION)
                .map(|v| Value::String(v.to_string()))
                .collect();
            let rule = CfnRule::new(&stack, "CheckBootstrapVersion", None);
            rule.add_assertion(
                crate::fns::condition_not(crate::fns::condition_contains(
                    Value::Array(old_versions),
                    param.value_as_string(),
                )),
                format!("CDK bootstrap stack version {REQUIRED_BOOTSTRAP_VERSION} required. Please run 'cdk bootstrap' with a recent version of the CDK CLI."),
            );
        }
    }
}

fn run_validations(root: &Construct, diags: &mut Vec<Diagnostic>) {
    type Check = Rc<dyn Fn(&Construct) -> Vec<String>>;
    let checks: Vec<(NodeId, String, Check)> = root.tree.with(|arena| {
        arena
            .nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| {
                n.validations
                    .iter()
                    .map(move |v| (i as NodeId, arena.path(i as NodeId), v.clone()))
            })
            .collect()
    });
    // User validations run with no borrow of the tree held.
    for (id, path, check) in checks {
        let node = Construct {
            tree: root.tree.clone(),
            id,
        };
        for message in check(&node) {
            diags.push(Diagnostic::new(&path, message));
        }
    }
}

fn messages_of(arena: &Arena, nodes: &[NodeId]) -> Vec<Message> {
    let mut out = Vec::new();
    for n in nodes {
        let node = arena.node(*n);
        // Paths are made only for the constructs that have messages.
        let mut path = None;
        for m in &node.metadata {
            let level = match m.entry_type.as_str() {
                ERROR_METADATA => Level::Error,
                WARNING_METADATA => Level::Warning,
                INFO_METADATA => Level::Info,
                _ => continue,
            };
            out.push(Message {
                path: path.get_or_insert_with(|| arena.path(*n)).clone(),
                level,
                message: m
                    .data
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| m.data.to_string()),
            });
        }
    }
    out
}

/// Synthesizes the app rooted at `root` into memory.
pub(crate) fn assemble(root: &Construct) -> Result<Assembly, SynthError> {
    if root.tree.synthesizing.replace(true) {
        return Err(SynthError::Invalid(Diagnostics(vec![Diagnostic::new(
            "",
            "the app is already being synthesized (an aspect, validation or lazy value started another synthesis)",
        )])));
    }
    let result = assemble_tree(root);
    root.tree.synthesizing.set(false);
    result
}

fn assemble_tree(root: &Construct) -> Result<Assembly, SynthError> {
    let mut diags: Vec<Diagnostic> = Vec::new();

    // Aspects may change the tree; no borrow is held while they run.
    let mut invoked = root
        .tree
        .with_mut(String::new, |a| std::mem::take(&mut a.invoked_aspects))
        .unwrap_or_default();
    if let Err(e) = invoke_aspects(root, &mut invoked) {
        diags.push(Diagnostic::new("", e));
    }
    root.tree
        .with_mut(String::new, |a| a.invoked_aspects = invoked);

    // First pass: find cross-stack references.
    let errors = RefCell::new(Vec::new());
    let refs = {
        let arena = root.tree.arena.borrow();
        let stacks = stacks_of(&arena);
        let plan = compute_plan(&arena, root.tree.app_id, &stacks, &mut Vec::new());
        collect_cross_refs(&arena, &plan, &stacks, &errors)
    };
    diags.extend(errors.take());
    check_reference_strength(root, &refs, &mut diags);
    let (exports, ref_deps) = create_exports(root, &refs);
    let stacks = root.tree.with(stacks_of);
    add_bootstrap_checks(root, &stacks);
    run_validations(root, &mut diags);
    diags.extend(root.tree.deferred.take());

    let arena = root.tree.arena.borrow();
    let stacks = stacks_of(&arena);
    let mut plan = compute_plan(&arena, root.tree.app_id, &stacks, &mut diags);
    plan.exports = exports;
    let mut deps = derive_dependencies(&arena, &stacks);
    for (consumer, producer) in ref_deps {
        let list = deps.stacks.entry(consumer).or_default();
        if !list.contains(&producer) {
            list.push(producer);
        }
    }
    if let Some(cycle) = stack_cycle(&arena, &deps.stacks) {
        diags.push(Diagnostic::new(
            cycle.first().cloned().unwrap_or_default(),
            format!(
                "Stack dependency cycle: {} (references and dependencies must not form a loop)",
                cycle.join(" -> ")
            ),
        ));
    }
    validate_stacks(&arena, &stacks, &mut diags);
    validate_exports(&arena, &stacks, &mut diags);

    // Errors annotated on constructs fail synthesis too.
    for m in messages_of(&arena, &arena.preorder(0)) {
        if m.level == Level::Error {
            diags.push(Diagnostic::new(m.path, m.message));
        }
    }

    let errors = RefCell::new(Vec::new());
    let mut rendered = Vec::new();
    for s in &stacks {
        rendered.push(render_stack(&arena, &plan, &deps, s, &errors));
    }
    diags.extend(errors.take());
    for r in &rendered {
        diags.extend(r.problems.iter().cloned());
    }
    dedupe(&mut diags);
    if !diags.is_empty() {
        return Err(SynthError::Invalid(Diagnostics(diags)));
    }

    let mut files = Vec::new();
    let mut manifest = AssemblyManifest {
        version: SCHEMA_VERSION.to_string(),
        artifacts: IndexMap::new(),
        missing: None,
        minimum_cli_version: None,
    };
    let mut out_stacks = Vec::new();
    let mut all_props: HashMap<NodeId, String> = HashMap::new();
    let artifact_ids: HashMap<NodeId, String> = stacks
        .iter()
        .map(|s| (s.node, s.artifact_id.clone()))
        .collect();
    for (s, r) in stacks.iter().zip(rendered) {
        let data = arena.stack_data(s.node);
        let Some(data) = data else { continue };
        all_props.extend(r.props);
        let template_file = format!("{}.template.json", s.artifact_id);
        let assets_file = format!("{}.assets.json", s.artifact_id);
        let metadata_file = format!("{}.metadata.json", s.artifact_id);
        let template_hash = crate::logical_id::hex_lower(&Sha256::digest(r.text.as_bytes()));
        let asset_manifest = asset_manifest(data, s, &template_file, &template_hash);
        files.push((
            assets_file.clone(),
            to_js_json(
                &serde_json::to_value(&asset_manifest).unwrap_or_default(),
                2,
            ),
        ));
        files.push((
            metadata_file.clone(),
            metadata_json(&arena, s, &plan, &template_file),
        ));

        let synth = &data.synthesizer;
        let template_object_url = synth
            .file_location(&format!(
                "{}{template_hash}.json",
                synth.settings.bucket_prefix
            ))
            .s3_object_url_with_placeholders;
        let ssm = synth.ssm_parameter();
        let stack_tags = data.tags.tag_values();
        let props = StackProperties {
            template_file: template_file.clone(),
            parameters: None,
            termination_protection: Some(data.props.termination_protection),
            tags: (!stack_tags.is_empty()).then_some(stack_tags),
            validate_on_synth: Some(false),
            notification_arns: None,
            assume_role_external_id: synth.settings.deploy_role_external_id.clone(),
            assume_role_arn: Some(synth.specialize(&synth.settings.deploy_role_arn)),
            cloud_formation_execution_role_arn: Some(
                synth.specialize(&synth.settings.cloud_formation_execution_role),
            ),
            stack_template_asset_object_url: Some(template_object_url),
            requires_bootstrap_stack_version: Some(REQUIRED_BOOTSTRAP_VERSION),
            bootstrap_stack_version_ssm_parameter: Some(ssm.clone()),
            additional_dependencies: Some(vec![format!("{}.assets", s.artifact_id)]),
            lookup_role: Some(LookupRole {
                arn: synth.specialize(&synth.settings.lookup_role_arn),
                assume_role_external_id: None,
                requires_bootstrap_stack_version: Some(LOOKUP_ROLE_BOOTSTRAP_VERSION),
                bootstrap_stack_version_ssm_parameter: Some(ssm.clone()),
            }),
            stack_name: (s.name != s.artifact_id).then(|| s.name.clone()),
        };
        manifest.artifacts.insert(
            format!("{}.assets", s.artifact_id),
            ArtifactManifest {
                artifact_type: ASSET_MANIFEST_ARTIFACT.to_string(),
                environment: None,
                properties: serde_json::to_value(AssetManifestProperties {
                    file: assets_file,
                    requires_bootstrap_stack_version: Some(REQUIRED_BOOTSTRAP_VERSION),
                    bootstrap_stack_version_ssm_parameter: Some(ssm),
                })
                .ok(),
                dependencies: None,
                metadata: None,
                additional_metadata_file: None,
                display_name: None,
            },
        );
        let mut dependencies: Vec<String> = deps
            .stacks
            .get(&s.node)
            .into_iter()
            .flatten()
            .filter_map(|d| artifact_ids.get(d).cloned())
            .collect();
        dependencies.push(format!("{}.assets", s.artifact_id));
        manifest.artifacts.insert(
            s.artifact_id.clone(),
            ArtifactManifest {
                artifact_type: STACK_ARTIFACT.to_string(),
                environment: Some(env_string(data)),
                properties: serde_json::to_value(props).ok(),
                dependencies: Some(dependencies),
                metadata: None,
                additional_metadata_file: Some(metadata_file),
                display_name: Some(arena.path(s.node)),
            },
        );
        out_stacks.push(SynthesizedStack {
            artifact_id: s.artifact_id.clone(),
            stack_name: s.name.clone(),
            path: arena.path(s.node),
            template_file: template_file.clone(),
            template_text: r.text,
            messages: r.messages,
        });
    }
    manifest.artifacts.insert(
        "Tree".to_string(),
        ArtifactManifest {
            artifact_type: TREE_ARTIFACT.to_string(),
            environment: None,
            properties: Some(json!({ "file": TREE_FILE })),
            dependencies: None,
            metadata: None,
            additional_metadata_file: None,
            display_name: None,
        },
    );
    if root.context_flag(crate::compat::CDK_COMPATIBLE_DEFAULTS) {
        manifest.artifacts.insert(
            crate::compat::FEATURE_FLAG_REPORT_ID.to_string(),
            crate::compat::feature_flag_report(root),
        );
        manifest.minimum_cli_version = Some(crate::compat::MINIMUM_CLI_VERSION.to_string());
    }
    let tree = Rc::new(TreeSnapshot::new(&arena, &plan, all_props));
    files.push((
        "manifest.json".into(),
        to_js_json(&serde_json::to_value(&manifest).unwrap_or_default(), 2),
    ));
    files.push((
        "cdk.out".into(),
        to_js_json(&json!({"version": SCHEMA_VERSION}), 0),
    ));
    files.push((
        "validation-report.json".into(),
        to_js_json(
            &json!({"version": SCHEMA_VERSION, "title": "Validation Report", "pluginReports": []}),
            2,
        ),
    ));
    let writers = arena.assembly_writers.clone();
    Ok(Assembly {
        stacks: out_stacks,
        files,
        tree,
        tree_text: std::cell::OnceCell::new(),
        writers,
    })
}

fn dedupe(diags: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    diags.retain(|d| seen.insert((d.path.clone(), d.message.clone())));
}

fn validate_stacks(arena: &Arena, stacks: &[StackInfo], diags: &mut Vec<Diagnostic>) {
    let mut artifact_ids: HashMap<&str, &str> = HashMap::new();
    let mut names: HashMap<(String, String), String> = HashMap::new();
    let paths: Vec<String> = stacks.iter().map(|s| arena.path(s.node)).collect();
    for (s, path) in stacks.iter().zip(&paths) {
        if !valid_stack_name(&s.name) {
            diags.push(Diagnostic::new(
                path,
                format!("Stack name must match the regular expression /^[A-Za-z][A-Za-z0-9-]*$/ and be at most 128 characters, got '{}'", s.name),
            ));
        }
        if let Some(other) = artifact_ids.insert(&s.artifact_id, path.as_str()) {
            diags.push(Diagnostic::new(
                path,
                format!(
                    "Stack artifact id '{}' is also used by '{other}'",
                    s.artifact_id
                ),
            ));
        }
        let env = arena.stack_data(s.node).map(env_string).unwrap_or_default();
        if let Some(other) = names.insert((env.clone(), s.name.clone()), path.clone()) {
            diags.push(Diagnostic::new(
                path,
                format!("Stack name '{}' is also used by '{other}' in {env}", s.name),
            ));
        }
    }
}

/// The longest export name CloudFormation accepts.
const MAX_EXPORT_NAME: usize = 255;

/// Literal export names: not empty, at most 255 characters, and unique among the stacks of one
/// environment (CloudFormation export names are unique per account and region).
fn validate_exports(arena: &Arena, stacks: &[StackInfo], diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(String, String), NodeId> = HashMap::new();
    for s in stacks {
        let env = arena.stack_data(s.node).map(env_string).unwrap_or_default();
        for n in stack_nodes(arena, s.node) {
            let Some(ElementKind::Output(o)) = arena.element(n).map(|e| &e.kind) else {
                continue;
            };
            let Some(name) = o.export_name.as_ref().and_then(|n| n.as_literal()) else {
                continue;
            };
            let path = arena.path(n);
            if name.is_empty() {
                diags.push(Diagnostic::new(&path, "export name must not be empty"));
                continue;
            }
            if let Some(problem) = too_long(
                format_args!("export name '{}'", abbreviate(&name)),
                &name,
                MAX_EXPORT_NAME,
                "CloudFormation's",
            ) {
                diags.push(Diagnostic::new(&path, problem));
            }
            match seen.entry((env.clone(), name)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    diags.push(Diagnostic::new(
                        path,
                        format!(
                            "export name '{}' is also used by '{}' in {env}; export names must be unique per account and region",
                            first.key().1,
                            arena.path(*first.get())
                        ),
                    ));
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(n);
                }
            }
        }
    }
}

struct RenderedStack {
    text: String,
    messages: Vec<Message>,
    problems: Vec<Diagnostic>,
    /// Each resource's rendered properties as compact JSON, for `tree.json`.
    props: HashMap<NodeId, String>,
}

fn render_stack(
    arena: &Arena,
    plan: &Plan,
    deps: &Dependencies,
    s: &StackInfo,
    errors: &RefCell<Vec<Diagnostic>>,
) -> RenderedStack {
    let mode = Mode::Final;
    let path = arena.path(s.node);
    let mut problems = Vec::new();
    let mut template = JsonMap::new();
    let data = arena.stack_data(s.node);
    if let Some(data) = data {
        if let Some(d) = &data.props.description {
            template.insert("Description".into(), Json::String(d.clone()));
        }
        match data.transforms.len() {
            0 => {}
            1 => {
                template.insert("Transform".into(), Json::String(data.transforms[0].clone()));
            }
            _ => {
                template.insert("Transform".into(), json!(data.transforms));
            }
        }
        if let Some(v) = &data.template_format_version {
            template.insert("AWSTemplateFormatVersion".into(), Json::String(v.clone()));
        }
        if !data.template_metadata.is_empty() {
            let ctx = ResolveContext::new(arena, plan, s.node, s.node, &mode, errors);
            if let Some(m) = ctx.resolve(&Value::Object(data.template_metadata.clone())) {
                template.insert("Metadata".into(), m);
            }
        }
    }
    let nodes = stack_nodes(arena, s.node);
    let mut props_by_node = HashMap::new();
    for n in &nodes {
        let Some(element) = arena.element(*n) else {
            continue;
        };
        let Some(logical_id) = plan.logical_ids.get(n) else {
            continue;
        };
        let mut depends_on: Vec<(String, NodeId)> = deps
            .resources
            .get(n)
            .into_iter()
            .flatten()
            .map(|d| (arena.path(*d), *d))
            .collect();
        depends_on.sort_by(|a, b| locale_compare(&a.0, &b.0));
        let mut dep_ids: Vec<String> = Vec::new();
        for (_, d) in depends_on {
            if let Some(id) = plan.logical_ids.get(&d)
                && !dep_ids.contains(id)
            {
                dep_ids.push(id.clone());
            }
        }
        let path_metadata = arena
            .context_bool(*n, PATH_METADATA_CONTEXT)
            .then(|| arena.path(*n));
        let inputs = RenderInputs {
            depends_on: &dep_ids,
            path_metadata: path_metadata.as_deref(),
        };
        let ctx = ResolveContext::new(arena, plan, s.node, *n, &mode, errors);
        let Some(json) = render_element(element, &ctx, &inputs) else {
            continue;
        };
        if let Some(p) = json.get("Properties") {
            props_by_node.insert(*n, to_js_json(p, 0));
        }
        let section = template
            .entry(element.section())
            .or_insert_with(|| Json::Object(JsonMap::new()));
        if let Json::Object(section_map) = section {
            if section_map.contains_key(logical_id) {
                problems.push(Diagnostic::new(
                    arena.path(*n),
                    format!("section '{}' already contains '{logical_id}' (two elements have the same logical ID)", element.section()),
                ));
            } else {
                section_map.insert(logical_id.clone(), json);
            }
        }
    }
    let template = Json::Object(template);
    let count = |section: &str| {
        template
            .get(section)
            .and_then(Json::as_object)
            .map_or(0, JsonMap::len)
    };
    let limit = arena
        .context(s.node, RESOURCE_LIMIT_CONTEXT)
        .and_then(Json::as_u64)
        .map_or(DEFAULT_RESOURCE_LIMIT, |n| n as usize);
    let resources = count("Resources");
    if resources > limit {
        problems.push(Diagnostic::new(
            &path,
            format!("Number of resources in stack '{path}': {resources} is greater than allowed maximum of {limit}"),
        ));
    }
    for (section, max) in [
        ("Outputs", MAX_OUTPUTS),
        ("Parameters", MAX_PARAMETERS),
        ("Mappings", MAX_MAPPINGS),
    ] {
        let n = count(section);
        if n > max {
            problems.push(Diagnostic::new(&path, format!("Number of {section} in stack '{path}': {n} is greater than CloudFormation's maximum of {max}")));
        }
    }
    let text = to_js_json(&template, 1);
    let mut messages = messages_of(arena, &nodes);
    if text.len() > MAX_TEMPLATE_BYTES {
        problems.push(Diagnostic::new(
            &path,
            format!("Template is {} bytes, more than CloudFormation's limit of {MAX_TEMPLATE_BYTES} bytes; split the stack", text.len()),
        ));
    } else if text.len() * 10 > MAX_TEMPLATE_BYTES * 8 {
        messages.push(Message {
            path: path.clone(),
            level: Level::Warning,
            message: format!("Template is {} bytes, above 80% of CloudFormation's limit of {MAX_TEMPLATE_BYTES} bytes", text.len()),
        });
    }
    RenderedStack {
        text,
        messages,
        problems,
        props: props_by_node,
    }
}

fn asset_manifest(
    data: &StackData,
    s: &StackInfo,
    template_file: &str,
    template_hash: &str,
) -> AssetManifest {
    let synth = &data.synthesizer;
    let mut files = IndexMap::new();
    let file_entry = |source_hash: &str,
                      display: Option<String>,
                      path: &str,
                      packaging: &str,
                      object_key: &str| {
        let (dest_id, dest) = synth.file_destination(object_key);
        let _ = source_hash;
        FileAsset {
            display_name: display,
            source: FileSource {
                executable: None,
                path: Some(path.to_string()),
                packaging: Some(packaging.to_string()),
            },
            destinations: IndexMap::from([(dest_id, dest)]),
        }
    };
    for (hash, entry) in &data.file_assets {
        let packaging = match entry.source.packaging {
            FileAssetPackaging::File => "file",
            FileAssetPackaging::ZipDirectory => "zip",
        };
        files.insert(
            hash.clone(),
            file_entry(
                hash,
                entry.source.display_name.clone(),
                &entry.source.file_name,
                packaging,
                &entry.object_key,
            ),
        );
    }
    let template_key = format!("{}{template_hash}.json", synth.settings.bucket_prefix);
    files.insert(
        template_hash.to_string(),
        file_entry(
            template_hash,
            Some(format!("{} Template", s.name)),
            template_file,
            "file",
            &template_key,
        ),
    );
    let mut docker_images = IndexMap::new();
    for (hash, src) in &data.image_assets {
        let tag = format!("{}{hash}", synth.settings.docker_tag_prefix);
        let (dest_id, dest) = synth.image_destination(&tag);
        docker_images.insert(
            hash.clone(),
            DockerImageAsset {
                display_name: src.display_name.clone(),
                source: DockerImageSource {
                    executable: None,
                    directory: Some(src.directory_name.clone()),
                    docker_build_args: src.docker_build_args.clone(),
                    docker_build_contexts: None,
                    docker_build_secrets: src.docker_build_secrets.clone(),
                    docker_build_ssh: src.docker_build_ssh.clone(),
                    docker_build_target: src.docker_build_target.clone(),
                    docker_file: src.docker_file.clone(),
                    network_mode: src.network_mode.clone(),
                    platform: src.platform.clone(),
                    docker_outputs: src.docker_outputs.clone(),
                    ..DockerImageSource::default()
                },
                destinations: IndexMap::from([(dest_id, dest)]),
            },
        );
    }
    AssetManifest {
        version: SCHEMA_VERSION.to_string(),
        files,
        docker_images,
    }
}

/// `<stack>.metadata.json`: breadth-first over the stack's constructs, `"/" + path` → entries.
fn metadata_json(arena: &Arena, s: &StackInfo, plan: &Plan, template_file: &str) -> String {
    use sagecdk_assembly::json::{write_js_json, write_string};
    // Written directly (2-space indent, like the CDK's), without building a document first.
    let mut out = String::with_capacity(128 * arena.nodes.len() / 4);
    let mut first_key = true;
    let entry = |out: &mut String, first: &mut bool, entry_type: &str, data: &Json| {
        out.push_str(if *first {
            "\n    {\n      \"type\": "
        } else {
            ",\n    {\n      \"type\": "
        });
        *first = false;
        write_string(out, entry_type);
        out.push_str(",\n      \"data\": ");
        write_js_json(out, data, 2, 3);
        out.push_str("\n    }");
    };
    out.push('{');
    let mut queue = std::collections::VecDeque::from([s.node]);
    while let Some(n) = queue.pop_front() {
        let node = arena.node(n);
        if n != s.node && matches!(node.kind, NodeKind::Stack(_)) {
            continue;
        }
        queue.extend(node.children.iter().copied());
        let logical_id = plan.logical_ids.get(&n);
        let stack_tags = if n == s.node {
            arena
                .stack_data(n)
                .map(|d| d.tags.tag_values())
                .filter(|t| !t.is_empty())
        } else {
            None
        };
        if n != s.node && logical_id.is_none() && node.metadata.is_empty() {
            continue;
        }
        out.push_str(if first_key { "\n  " } else { ",\n  " });
        first_key = false;
        write_string(&mut out, &format!("/{}", arena.path(n)));
        out.push_str(": [");
        let mut first = true;
        if let Some(id) = logical_id {
            entry(
                &mut out,
                &mut first,
                "aws:cdk:logicalId",
                &Json::String(id.clone()),
            );
        }
        for m in &node.metadata {
            entry(&mut out, &mut first, &m.entry_type, &m.data);
        }
        // The CDK adds these two when it writes the stack, after what the constructs added.
        if n == s.node {
            entry(
                &mut out,
                &mut first,
                "aws:cdk:templateFile",
                &Json::String(template_file.to_string()),
            );
        }
        if let Some(tags) = stack_tags {
            // The cloud assembly schema's `Tag`: lower-case `key` and `value`.
            let list: Vec<Json> = tags
                .into_iter()
                .map(|(key, value)| json!({"key": key, "value": value}))
                .collect();
            entry(
                &mut out,
                &mut first,
                "aws:cdk:stack-tags",
                &Json::Array(list),
            );
        }
        out.push_str("\n  ]");
    }
    out.push_str(if first_key { "}" } else { "\n}" });
    out
}

/// One construct as `tree.json` shows it.
#[derive(Debug)]
struct TreeNode {
    id: String,
    fqn: std::borrow::Cow<'static, str>,
    children: Vec<NodeId>,
    /// CloudFormation type, logical ID and rendered properties (compact JSON) of a resource.
    resource: Option<(String, String, String)>,
}

/// What `tree.json` is written from: the construct tree with each node's type and, for
/// resources, the rendered CloudFormation type, logical ID and properties.
///
/// The file repeats every node's full path, so its size grows with the square of the tree's
/// depth (as the AWS CDK's does); the snapshot itself holds each id once, and the file is
/// streamed to disk without being held in memory.
#[derive(Debug)]
struct TreeSnapshot {
    /// By node index; the app is node 0.
    nodes: Vec<TreeNode>,
}

impl TreeSnapshot {
    fn new(arena: &Arena, plan: &Plan, mut props: HashMap<NodeId, String>) -> Self {
        let nodes = arena
            .nodes
            .iter()
            .enumerate()
            .map(|(n, node)| {
                let n = n as NodeId;
                let resource = match (arena.element(n).map(|e| &e.kind), plan.logical_ids.get(&n)) {
                    (Some(ElementKind::Resource(r)), Some(id)) => Some((
                        r.resource_type.clone(),
                        id.clone(),
                        props.remove(&n).unwrap_or_else(|| "{}".to_string()),
                    )),
                    _ => None,
                };
                TreeNode {
                    id: if n == 0 {
                        "App".to_string()
                    } else {
                        node.id.clone()
                    },
                    fqn: node.fqn.clone(),
                    children: node.children.clone(),
                    resource,
                }
            })
            .collect();
        TreeSnapshot { nodes }
    }

    /// Writes `tree.json` (compact JSON) in pieces of about `chunk` bytes to `sink`, walking the
    /// tree without recursion so any depth is fine.
    fn write<E>(&self, chunk: usize, sink: &mut dyn FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        use sagecdk_assembly::json::write_string;
        let version = env!("CARGO_PKG_VERSION");
        // `path` is given escaped (escaping a path is escaping each id), so each node's path is
        // a copy, not escaped again.
        let head = |out: &mut String, n: NodeId, path: &str| {
            let node = &self.nodes[n as usize];
            out.push_str("{\"id\":");
            write_string(out, &node.id);
            out.push_str(",\"path\":\"");
            out.push_str(path);
            out.push_str("\",\"constructInfo\":{\"fqn\":");
            write_string(out, &node.fqn);
            out.push_str(",\"version\":");
            write_string(out, version);
            out.push('}');
            if let Some((resource_type, logical_id, props)) = &node.resource {
                out.push_str(",\"attributes\":{\"aws:cdk:cloudformation:type\":");
                write_string(out, resource_type);
                out.push_str(",\"aws:cdk:cloudformation:logicalId\":");
                write_string(out, logical_id);
                out.push_str(",\"aws:cdk:cloudformation:props\":");
                out.push_str(props);
                out.push('}');
            }
            if node.children.is_empty() {
                out.push('}');
                false
            } else {
                out.push_str(",\"children\":{");
                true
            }
        };
        let mut out = String::with_capacity(chunk + 4096);
        out.push_str("{\"version\":\"tree-0.1\",\"tree\":");
        // The path of the node being written (escaped), and per open node: its index, the next
        // child to write and the path length to go back to when it is closed.
        let mut path = String::new();
        let mut quoted_id = String::new();
        let mut open: Vec<(NodeId, usize, usize)> = Vec::new();
        if self.nodes.is_empty() {
            out.push_str("null");
        } else if head(&mut out, 0, "") {
            open.push((0, 0, 0));
        }
        while let Some(top) = open.last_mut() {
            let (n, next, restore) = *top;
            let children = &self.nodes[n as usize].children;
            if let Some(&c) = children.get(next) {
                top.1 += 1;
                if next > 0 {
                    out.push(',');
                }
                quoted_id.clear();
                write_string(&mut quoted_id, &self.nodes[c as usize].id);
                out.push_str(&quoted_id);
                out.push(':');
                let before = path.len();
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(&quoted_id[1..quoted_id.len() - 1]);
                if head(&mut out, c, &path) {
                    open.push((c, 0, before));
                } else {
                    path.truncate(before);
                }
            } else {
                out.push_str("}}");
                path.truncate(restore);
                open.pop();
            }
            if out.len() >= chunk {
                sink(&out)?;
                out.clear();
            }
        }
        out.push('}');
        sink(&out)
    }

    /// The whole file as one string.
    fn to_text(&self) -> String {
        let mut text = String::new();
        let _ = self.write(1 << 16, &mut |piece: &str| {
            text.push_str(piece);
            Ok::<(), std::convert::Infallible>(())
        });
        text
    }
}

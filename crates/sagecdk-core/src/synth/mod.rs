//! The synthesis pipeline, stage by stage (one module each): `prepare` the tree (aspects,
//! references across stacks, validations) → `plan` the app (stacks, logical IDs,
//! dependencies) → `validate` it → render the `templates` → build the `manifests` and the
//! `tree_json` snapshot.
//!
//! Everything is computed in memory first; only a fully valid app produces an [`Assembly`],
//! and [`Assembly::write`] swaps the new directory in only once it is complete.

mod manifests;
mod plan;
mod prepare;
mod templates;
mod tree_json;
mod validate;

pub(crate) use plan::stack_name;

use manifests::assemble_files;
use plan::{
    AllocatedIds, Dependencies, Planned, StackInfo, compute_plan, plan_app, stack_nodes, stacks_of,
    valid_stack_name,
};
use prepare::{Prepared, prepare};
use templates::{RenderedStack, render_stacks};
use tree_json::{TREE_FILE, TreeSnapshot, write_tree};
use validate::{MAX_MAPPINGS, MAX_OUTPUTS, MAX_PARAMETERS, dedupe, messages_of, validate};

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
use sagecdk_assembly::json::{js_key_order, to_js_json, write_js_json, write_string};
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
        // `tree.json` (as large as all the templates together) is written on a second thread
        // while this one writes the other files.
        let tree: &TreeSnapshot = &self.tree;
        let tree_path = staging.path().join(TREE_FILE);
        std::thread::scope(|scope| -> Result<(), SynthError> {
            let tree_job = scope.spawn(|| write_tree(tree, &tree_path));
            let others = self
                .stacks
                .iter()
                .map(|s| (s.template_file.as_str(), s.template_text.as_str()))
                .chain(self.files.iter().map(|(n, c)| (n.as_str(), c.as_str())))
                .try_for_each(|(name, contents)| staging.write(name, contents.as_bytes()));
            let tree_written = tree_job
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            others?;
            tree_written
        })?;
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

/// Synthesizes the app rooted at `root` into memory.
pub(crate) fn assemble(root: &Construct) -> Result<Assembly, SynthError> {
    if root.tree.synthesizing.replace(true) {
        return Err(SynthError::Invalid(Diagnostics(vec![Diagnostic::new(
            "",
            "the app is already being synthesized (an aspect, validation or lazy value started another synthesis)",
        )])));
    }
    let result = assemble_tree(root);
    root.tree.with_mut(String::new, forget_renderings);
    root.tree.synthesizing.set(false);
    result
}

/// Renders every resource's property source once for the rest of the synthesis (after the
/// aspects, the last stage meant to change the tree).
fn keep_renderings(arena: &Arena) {
    for node in &arena.nodes {
        if let NodeKind::Element(e) = &node.kind
            && let ElementKind::Resource(r) = &e.kind
        {
            r.keep_rendering();
        }
    }
}

/// Drops the renderings kept while synthesizing: the props may change again afterwards.
fn forget_renderings(arena: &mut Arena) {
    for node in &mut arena.nodes {
        if let NodeKind::Element(e) = &mut node.kind
            && let ElementKind::Resource(r) = &mut e.kind
        {
            r.forget_rendering();
        }
    }
}

/// The stages, in order; each reports its problems to `diags`, and nothing is rendered into an
/// assembly unless there are none.
fn assemble_tree(root: &Construct) -> Result<Assembly, SynthError> {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let prepared = prepare(root, &mut diags);
    let arena = root.tree.arena.borrow();
    let planned = plan_app(root, &arena, prepared, &mut diags);
    validate(&arena, &planned.stacks, &mut diags);
    let rendered = render_stacks(&arena, &planned, &mut diags);
    // The templates are rendered: the kept renderings of the props are not needed for the
    // rest, and would add to its peak of memory.
    drop(arena);
    root.tree.with_mut(String::new, forget_renderings);
    dedupe(&mut diags);
    if !diags.is_empty() {
        return Err(SynthError::Invalid(Diagnostics(diags)));
    }
    let arena = root.tree.arena.borrow();
    Ok(assemble_files(root, &arena, planned, rendered))
}

//! The construct tree: an arena of nodes behind cheap, clonable handles.
//!
//! # Ownership model
//!
//! Every construct of an [`App`](crate::App) lives in one arena (`Vec<NodeData>`) owned by the
//! app through an `Rc`. User code holds handles ([`Construct`], [`Stack`](crate::Stack),
//! [`CfnResource`](crate::CfnResource), …): an `Rc` to the arena plus a node index. Handles are
//! `Clone`, so a stack program reads like the CDK — create a construct in a scope, keep its
//! handle, pass it to other constructs — with no lifetimes or `&mut` threading.
//!
//! The arena sits in a `RefCell`, but no borrow ever escapes a library call: each method borrows,
//! does its work and returns, and user code (aspects, validations) is never called while a
//! mutable borrow is held. The one place user closures run under a shared borrow is token
//! resolution ([`Lazy`](crate::Lazy) values); a lazy value that tries to *modify* the tree there
//! does not panic: the change is refused and reported as a synthesis error. Other invalid input
//! (duplicate ids, bad names, …) is likewise recorded with the construct path and reported, all
//! together, by synthesis — construction never panics and never needs `?`.
//!
//! Nodes are never removed, and a node's parent never changes, so a node's stack is computed
//! once at creation. Paths are not stored: they are made from the ids up to the root when asked
//! for (storing them would take memory quadratic in the depth of the tree).

use crate::aspects::AspectEntry;
use crate::element::ElementData;
use crate::error::Diagnostic;
use crate::stack::StackData;
use indexmap::IndexMap;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Index of a node in its app's arena.
pub(crate) type NodeId = u32;

/// A reference to an element of a specific app, used inside tokens.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ElementRef {
    pub(crate) app: u64,
    pub(crate) node: NodeId,
}

impl fmt::Debug for ElementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.node)
    }
}

/// Construct-info `fqn` of plain constructs.
pub const CONSTRUCT_FQN: &str = "sagecdk.Construct";

pub(crate) enum NodeKind {
    App,
    Stack(Box<StackData>),
    Element(Box<ElementData>),
    Construct,
}

/// A metadata entry attached to a construct (written to `<stack>.metadata.json`).
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataEntry {
    /// Entry type, e.g. `aws:cdk:warning`.
    pub entry_type: String,
    /// Payload.
    pub data: serde_json::Value,
}

/// Entry types of annotations.
pub(crate) const ERROR_METADATA: &str = "aws:cdk:error";
pub(crate) const WARNING_METADATA: &str = "aws:cdk:warning";
pub(crate) const INFO_METADATA: &str = "aws:cdk:info";

type Validation = Rc<dyn Fn(&Construct) -> Vec<String>>;

/// The number of children from which a node indexes them by id.
const CHILD_INDEX_MIN: usize = 16;

pub(crate) struct NodeData {
    pub(crate) id: String,
    pub(crate) parent: Option<NodeId>,
    pub(crate) children: Vec<NodeId>,
    /// Children by id, built once a node has many (see [`CHILD_INDEX_MIN`]); a few children
    /// are looked up by scanning, which saves most nodes a table of their own.
    #[expect(
        clippy::box_collection,
        reason = "one pointer in every node instead of a whole empty table"
    )]
    child_index: Option<Box<HashMap<String, NodeId>>>,
    pub(crate) kind: NodeKind,
    pub(crate) fqn: Cow<'static, str>,
    pub(crate) metadata: Vec<MetadataEntry>,
    /// Context, dependencies and aspects, which few nodes have (`None` when it has none).
    extra: Option<Box<NodeExtra>>,
    pub(crate) validations: Vec<Validation>,
    /// The nearest enclosing stack (the node itself for a stack).
    pub(crate) stack: Option<NodeId>,
}

/// The parts of a node that few nodes have, kept out of line: an app has tens of thousands of
/// nodes, and these fields took a third of each one's size.
#[derive(Default)]
struct NodeExtra {
    context: IndexMap<String, serde_json::Value>,
    dependencies: Vec<NodeId>,
    aspects: Vec<AspectEntry>,
}

impl NodeData {
    /// A node with only its place in the tree and its kind.
    fn new(id: String, parent: Option<NodeId>, kind: NodeKind, fqn: Cow<'static, str>) -> Self {
        NodeData {
            id,
            parent,
            children: Vec::new(),
            child_index: None,
            kind,
            fqn,
            metadata: Vec::new(),
            extra: None,
            validations: Vec::new(),
            stack: None,
        }
    }

    fn extra_mut(&mut self) -> &mut NodeExtra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// The context value set on this node itself.
    pub(crate) fn own_context(&self, key: &str) -> Option<&serde_json::Value> {
        self.extra.as_ref().and_then(|e| e.context.get(key))
    }

    /// The constructs this node explicitly depends on.
    pub(crate) fn dependencies(&self) -> &[NodeId] {
        self.extra.as_ref().map_or(&[], |e| &e.dependencies)
    }

    /// The aspects added to this node.
    pub(crate) fn aspects(&self) -> &[AspectEntry] {
        self.extra.as_ref().map_or(&[], |e| &e.aspects)
    }
}

#[derive(Default)]
pub(crate) struct Arena {
    pub(crate) nodes: Vec<NodeData>,
    /// (construct, aspect) pairs already invoked, so a repeated synthesis does not re-apply.
    pub(crate) invoked_aspects: std::collections::HashSet<(NodeId, u64)>,
    /// Aspects added so far (with the node count, what tells that no new (construct, aspect)
    /// pair can have appeared: constructs and aspects are only ever added).
    pub(crate) aspects_added: u64,
    /// Writers that stage files into the assembly directory (with the registering construct's
    /// path), in registration order.
    pub(crate) assembly_writers: Vec<(String, crate::stack::AssemblyWriter)>,
}

impl Arena {
    pub(crate) fn node(&self, id: NodeId) -> &NodeData {
        &self.nodes[id as usize]
    }

    pub(crate) fn node_mut(&mut self, id: NodeId) -> &mut NodeData {
        &mut self.nodes[id as usize]
    }

    /// Nodes of the subtree rooted at `id` in depth-first pre-order (children in insertion order).
    pub(crate) fn preorder(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.node(n).children.iter().rev());
        }
        out
    }

    /// The node's path: the ids below the app joined with `/` (empty for the app).
    pub(crate) fn path(&self, id: NodeId) -> String {
        self.path_from(0, id)
    }

    /// The ids from below `ancestor` down to `id`, joined with `/` (`id`'s path relative to
    /// `ancestor`; empty if they are the same node).
    pub(crate) fn path_from(&self, ancestor: NodeId, id: NodeId) -> String {
        self.ids_from(ancestor, id).join("/")
    }

    /// The ids from below `ancestor` down to `id` (the components of
    /// [`path_from`](Self::path_from), without joining them into a string).
    pub(crate) fn ids_from(&self, ancestor: NodeId, id: NodeId) -> Vec<&str> {
        let mut ids = Vec::new();
        let mut cur = id;
        while cur != ancestor {
            let node = self.node(cur);
            ids.push(node.id.as_str());
            match node.parent {
                Some(p) => cur = p,
                None => break,
            }
        }
        ids.reverse();
        ids
    }

    /// Ancestors of `id` from the root down to `id` itself.
    pub(crate) fn scopes(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = vec![id];
        let mut cur = self.node(id).parent;
        while let Some(p) = cur {
            out.push(p);
            cur = self.node(p).parent;
        }
        out.reverse();
        out
    }

    pub(crate) fn stack_data(&self, id: NodeId) -> Option<&StackData> {
        match &self.node(id).kind {
            NodeKind::Stack(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn stack_data_mut(&mut self, id: NodeId) -> Option<&mut StackData> {
        match &mut self.node_mut(id).kind {
            NodeKind::Stack(s) => Some(s),
            _ => None,
        }
    }

    /// The child of `parent` with this id (the first one, when an id was used twice).
    pub(crate) fn child_id(&self, parent: NodeId, id: &str) -> Option<NodeId> {
        let node = self.node(parent);
        match &node.child_index {
            Some(index) => index.get(id).copied(),
            None => node
                .children
                .iter()
                .copied()
                .find(|c| self.node(*c).id == id),
        }
    }

    /// Appends `child` (already in the arena) to `parent`'s children; `indexed` is false for a
    /// child whose id is already taken (it is kept for its error, but not found by id).
    fn add_to_parent(&mut self, parent: NodeId, child: NodeId, indexed: bool) {
        let count = self.node(parent).children.len() + 1;
        let index = match self.node(parent).child_index.is_some() {
            true => indexed.then(|| vec![(self.node(child).id.clone(), child)]),
            // The scan stops being cheap: index the children so far (the first of an id wins,
            // as the scan finds it), then this one.
            false if count >= CHILD_INDEX_MIN => {
                let mut all: Vec<(String, NodeId)> = Vec::with_capacity(count);
                for c in self.node(parent).children.iter().copied().chain([child]) {
                    if c != child || indexed {
                        all.push((self.node(c).id.clone(), c));
                    }
                }
                self.node_mut(parent).child_index = Some(Box::default());
                Some(all)
            }
            false => None,
        };
        let parent_node = self.node_mut(parent);
        parent_node.children.push(child);
        if let (Some(map), Some(entries)) = (parent_node.child_index.as_deref_mut(), index) {
            for (id, c) in entries {
                map.entry(id).or_insert(c);
            }
        }
    }

    pub(crate) fn element(&self, id: NodeId) -> Option<&ElementData> {
        match &self.node(id).kind {
            NodeKind::Element(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn element_mut(&mut self, id: NodeId) -> Option<&mut ElementData> {
        match &mut self.node_mut(id).kind {
            NodeKind::Element(e) => Some(e),
            _ => None,
        }
    }

    /// Looks a context key up from `id` towards the root.
    pub(crate) fn context(&self, id: NodeId, key: &str) -> Option<&serde_json::Value> {
        let mut cur = Some(id);
        while let Some(n) = cur {
            let node = self.node(n);
            if let Some(v) = node.own_context(key) {
                return Some(v);
            }
            cur = node.parent;
        }
        None
    }

    pub(crate) fn context_bool(&self, id: NodeId, key: &str) -> bool {
        matches!(self.context(id, key), Some(serde_json::Value::Bool(true)))
            || matches!(self.context(id, key), Some(serde_json::Value::String(s)) if s == "true")
    }
}

pub(crate) struct TreeInner {
    pub(crate) app_id: u64,
    pub(crate) arena: RefCell<Arena>,
    /// Problems found while the arena could not be borrowed, reported by synthesis.
    pub(crate) deferred: RefCell<Vec<Diagnostic>>,
    /// Set while the app is being synthesized, so a nested synthesis is refused.
    pub(crate) synthesizing: std::cell::Cell<bool>,
}

static NEXT_APP_ID: AtomicU64 = AtomicU64::new(1);

impl TreeInner {
    pub(crate) fn new_root(context: IndexMap<String, serde_json::Value>) -> Rc<TreeInner> {
        let mut root = NodeData::new(
            String::new(),
            None,
            NodeKind::App,
            Cow::Borrowed("sagecdk.App"),
        );
        if !context.is_empty() {
            root.extra_mut().context = context;
        }
        Rc::new(TreeInner {
            app_id: NEXT_APP_ID.fetch_add(1, Ordering::Relaxed),
            arena: RefCell::new(Arena {
                nodes: vec![root],
                ..Arena::default()
            }),
            deferred: RefCell::new(Vec::new()),
            synthesizing: std::cell::Cell::new(false),
        })
    }

    pub(crate) fn defer_error(&self, path: &str, message: impl Into<String>) {
        if let Ok(mut d) = self.deferred.try_borrow_mut() {
            d.push(Diagnostic::new(path, message));
        }
    }

    /// Runs `f` with the arena borrowed mutably; if synthesis holds the arena, the change is
    /// refused and reported instead of panicking.
    pub(crate) fn with_mut<R>(
        &self,
        path_hint: impl FnOnce() -> String,
        f: impl FnOnce(&mut Arena) -> R,
    ) -> Option<R> {
        match self.arena.try_borrow_mut() {
            Ok(mut arena) => Some(f(&mut arena)),
            Err(_) => {
                self.defer_error(
                    &path_hint(),
                    "the construct tree cannot be modified while it is being synthesized \
                     (a lazy value must only read)",
                );
                None
            }
        }
    }

    /// Runs `f` with the arena borrowed for reading.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Arena) -> R) -> R {
        match self.arena.try_borrow() {
            Ok(arena) => f(&arena),
            // Only reachable if a read is attempted inside a mutation, which the library never
            // does while calling user code; fall back to an empty view rather than panicking.
            Err(_) => f(&Arena::default()),
        }
    }
}

/// A handle to any node of the construct tree.
///
/// Every construct type exposes one through [`Scope::node`]; use it for tree-level operations:
/// path, children, dependencies, metadata, context, annotations and validations.
#[derive(Clone)]
pub struct Construct {
    pub(crate) tree: Rc<TreeInner>,
    pub(crate) id: NodeId,
}

impl fmt::Debug for Construct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Construct({})", self.path())
    }
}

/// Anything that is a node of the construct tree and can be a scope for new constructs.
pub trait Scope {
    /// The tree handle of this construct.
    fn node(&self) -> &Construct;
}

impl Scope for Construct {
    fn node(&self) -> &Construct {
        self
    }
}

impl<T: Scope + ?Sized> Scope for &T {
    fn node(&self) -> &Construct {
        (**self).node()
    }
}

/// Replaces characters that construct ids may not contain, like the CDK (`/` becomes `--`).
fn sanitize_id(id: &str) -> String {
    id.replace(['/', '\n'], "--")
}

impl Construct {
    /// Creates a plain construct (a grouping node with no CloudFormation output of its own).
    ///
    /// ```
    /// use sagecdk_core::{App, Construct, Stack, StackProps, Scope};
    /// let app = App::new();
    /// let stack = Stack::new(&app, "S", StackProps::default());
    /// let group = Construct::new(&stack, "Group");
    /// assert_eq!(group.path(), "S/Group");
    /// ```
    pub fn new(scope: &impl Scope, id: &str) -> Construct {
        Self::with_fqn(scope, id, CONSTRUCT_FQN)
    }

    /// Creates a plain construct that reports `fqn` as its type in `tree.json` (for library
    /// authors writing higher-level constructs).
    pub fn with_fqn(scope: &impl Scope, id: &str, fqn: &'static str) -> Construct {
        scope.node().add_child(id, NodeKind::Construct, fqn)
    }

    pub(crate) fn add_child(&self, id: &str, kind: NodeKind, fqn: &'static str) -> Construct {
        let tree = self.tree.clone();
        let parent = self.id;
        let new_id = tree.with_mut(
            || self.path(),
            |arena| {
                let mut id = sanitize_id(id);
                let parent_node = arena.node(parent);
                let mut error = None;
                if id.is_empty() {
                    error = Some("Only root constructs may have an empty ID".to_string());
                    id = format!("<empty-{}>", arena.nodes.len());
                } else if arena.child_id(parent, &id).is_some() {
                    let parent_path = arena.path(parent);
                    error = Some(format!(
                        "There is already a Construct with name '{id}' in {} [{}]",
                        describe_kind(parent_node),
                        if parent_path.is_empty() {
                            "App"
                        } else {
                            &parent_path
                        },
                    ));
                }
                let new_id = arena.nodes.len() as NodeId;
                let stack = match kind {
                    NodeKind::Stack(_) => Some(new_id),
                    _ => parent_node.stack,
                };
                let mut node = NodeData::new(id, Some(parent), kind, Cow::Borrowed(fqn));
                node.stack = stack;
                arena.nodes.push(node);
                arena.add_to_parent(parent, new_id, error.is_none());
                if let Some(message) = error {
                    arena.node_mut(new_id).metadata.push(MetadataEntry {
                        entry_type: ERROR_METADATA.to_string(),
                        data: serde_json::Value::String(message),
                    });
                }
                new_id
            },
        );
        match new_id {
            Some(id) => Construct { tree, id },
            // The tree is being synthesized; hand back a detached node of a throwaway tree so the
            // caller keeps working, while the refusal is reported by synthesis.
            None => {
                let orphan = TreeInner::new_root(IndexMap::new());
                Construct {
                    tree: orphan,
                    id: 0,
                }
            }
        }
    }

    fn read<R>(&self, f: impl FnOnce(&NodeData, &Arena) -> R) -> R {
        self.tree
            .with(|arena| match arena.nodes.get(self.id as usize) {
                Some(n) => f(n, arena),
                None => f(&placeholder_node(), arena),
            })
    }

    fn write(&self, f: impl FnOnce(&mut Arena, NodeId)) {
        let id = self.id;
        self.tree.with_mut(|| self.path(), |arena| f(arena, id));
    }

    /// The construct's id, unique among its siblings.
    pub fn id(&self) -> String {
        self.read(|n, _| n.id.clone())
    }

    /// The path from the app: ids joined with `/` (the app itself has the empty path).
    pub fn path(&self) -> String {
        self.tree.with(|arena| {
            if (self.id as usize) < arena.nodes.len() {
                arena.path(self.id)
            } else {
                String::new()
            }
        })
    }

    /// The parent construct, `None` for the app.
    pub fn scope(&self) -> Option<Construct> {
        self.read(|n, _| n.parent).map(|id| Construct {
            tree: self.tree.clone(),
            id,
        })
    }

    /// The direct children, in creation order.
    pub fn children(&self) -> Vec<Construct> {
        self.read(|n, _| n.children.clone())
            .into_iter()
            .map(|id| Construct {
                tree: self.tree.clone(),
                id,
            })
            .collect()
    }

    /// The child with this id, if any.
    pub fn try_find_child(&self, id: &str) -> Option<Construct> {
        self.read(|_, arena| arena.child_id(self.id, id))
            .map(|id| Construct {
                tree: self.tree.clone(),
                id,
            })
    }

    /// The child called `Resource` or `Default`, the CDK's convention for a construct's main
    /// CloudFormation element.
    pub fn default_child(&self) -> Option<Construct> {
        self.try_find_child("Resource")
            .or_else(|| self.try_find_child("Default"))
    }

    /// This construct and all its descendants in depth-first pre-order.
    pub fn find_all(&self) -> Vec<Construct> {
        self.tree
            .with(|arena| {
                if (self.id as usize) < arena.nodes.len() {
                    arena.preorder(self.id)
                } else {
                    Vec::new()
                }
            })
            .into_iter()
            .map(|id| Construct {
                tree: self.tree.clone(),
                id,
            })
            .collect()
    }

    /// Whether both handles denote the same node.
    pub fn is_same(&self, other: &impl Scope) -> bool {
        let other = other.node();
        Rc::ptr_eq(&self.tree, &other.tree) && self.id == other.id
    }

    /// The construct-info type name reported in `tree.json`.
    pub fn fqn(&self) -> String {
        self.read(|n, _| n.fqn.to_string())
    }

    /// Declares that this construct's resources must be created after `target`'s.
    ///
    /// At synthesis every CloudFormation resource under this construct gets a `DependsOn` on
    /// every resource under `target` in the same stack; across stacks it becomes a stack
    /// dependency.
    pub fn add_dependency(&self, target: &impl Scope) {
        let target = target.node();
        if !Rc::ptr_eq(&self.tree, &target.tree) {
            self.add_error("Cannot add a dependency on a construct of another app");
            return;
        }
        let t = target.id;
        self.write(|arena, id| {
            let deps = &mut arena.node_mut(id).extra_mut().dependencies;
            if !deps.contains(&t) {
                deps.push(t);
            }
        });
    }

    /// The constructs this one explicitly depends on.
    pub fn dependencies(&self) -> Vec<Construct> {
        self.read(|n, _| n.dependencies().to_vec())
            .into_iter()
            .map(|id| Construct {
                tree: self.tree.clone(),
                id,
            })
            .collect()
    }

    /// Attaches a metadata entry (written to the stack's `metadata.json`).
    pub fn add_metadata(&self, entry_type: impl Into<String>, data: serde_json::Value) {
        let entry = MetadataEntry {
            entry_type: entry_type.into(),
            data,
        };
        self.write(|arena, id| arena.node_mut(id).metadata.push(entry));
    }

    /// This construct's own metadata entries.
    pub fn metadata(&self) -> Vec<MetadataEntry> {
        self.read(|n, _| n.metadata.clone())
    }

    /// Records an error: synthesis fails and reports it with this construct's path.
    pub fn add_error(&self, message: impl Into<String>) {
        self.add_metadata(ERROR_METADATA, serde_json::Value::String(message.into()));
    }

    /// Records a warning, shown by the CLI and visible to assertions.
    pub fn add_warning(&self, message: impl Into<String>) {
        self.add_metadata(WARNING_METADATA, serde_json::Value::String(message.into()));
    }

    /// Records an informational message.
    pub fn add_info(&self, message: impl Into<String>) {
        self.add_metadata(INFO_METADATA, serde_json::Value::String(message.into()));
    }

    /// Sets a context value on this construct (visible to it and its descendants).
    pub fn set_context(&self, key: impl Into<String>, value: serde_json::Value) {
        let key = key.into();
        self.write(|arena, id| {
            arena.node_mut(id).extra_mut().context.insert(key, value);
        });
    }

    /// Looks a context value up from this construct towards the app.
    pub fn try_get_context(&self, key: &str) -> Option<serde_json::Value> {
        self.read(|_, arena| arena.context(self.id, key).cloned())
    }

    /// Whether the feature flag `key` is on for this construct: its context value, looked up as
    /// [`try_get_context`](Self::try_get_context) does, is `true` (or the string `"true"`).
    pub fn context_flag(&self, key: &str) -> bool {
        self.read(|_, arena| arena.context_bool(self.id, key))
    }

    /// Adds a check run at synthesis, given this construct; each returned string is reported as
    /// an error at this construct's path. (Passing the construct in means the check need not
    /// hold a handle to the tree it is stored in.)
    pub fn add_validation(&self, validate: impl Fn(&Construct) -> Vec<String> + 'static) {
        let v: Validation = Rc::new(validate);
        self.write(|arena, id| arena.node_mut(id).validations.push(v));
    }

    /// A name unique in the app, derived from the path (the CDK's `Names.uniqueId`): the
    /// path components after the app, `Default` removed, with an 8-character hash.
    pub fn unique_id(&self) -> String {
        let components: Vec<String> = self
            .path()
            .split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        crate::logical_id::make_unique_id(&components).unwrap_or_default()
    }

    pub(crate) fn element_ref(&self) -> ElementRef {
        ElementRef {
            app: self.tree.app_id,
            node: self.id,
        }
    }

    pub(crate) fn update_element(&self, f: impl FnOnce(&mut ElementData)) {
        self.write(|arena, id| {
            if let Some(e) = arena.element_mut(id) {
                f(e);
            }
        });
    }

    pub(crate) fn read_element<R>(&self, f: impl FnOnce(&ElementData) -> R) -> Option<R> {
        self.tree.with(|arena| {
            arena
                .nodes
                .get(self.id as usize)
                .and_then(|_| arena.element(self.id).map(f))
        })
    }

    pub(crate) fn add_aspect(&self, entry: AspectEntry) {
        self.write(|arena, id| {
            arena.aspects_added += 1;
            arena.node_mut(id).extra_mut().aspects.push(entry);
        });
    }
}

fn describe_kind(node: &NodeData) -> &'static str {
    match node.kind {
        NodeKind::App => "App",
        NodeKind::Stack(_) => "Stack",
        NodeKind::Element(_) => "Element",
        NodeKind::Construct => "Construct",
    }
}

fn placeholder_node() -> NodeData {
    NodeData::new(
        String::new(),
        None,
        NodeKind::Construct,
        Cow::Borrowed(CONSTRUCT_FQN),
    )
}

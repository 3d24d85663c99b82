//! `tree.json`: a snapshot of the construct tree taken at synthesis, written streamed.

use super::*;

/// The file the construct tree is written to.
pub(super) const TREE_FILE: &str = "tree.json";

/// Streams `tree.json` to `path`.
pub(super) fn write_tree(tree: &TreeSnapshot, path: &Path) -> Result<(), SynthError> {
    use std::io::Write;
    let io = |source| sagecdk_assembly::AssemblyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut file = std::io::BufWriter::new(file);
    tree.write(1 << 20, &mut |piece: &str| file.write_all(piece.as_bytes()))
        .and_then(|()| file.flush())
        .map_err(io)?;
    Ok(())
}

/// One construct as `tree.json` shows it.
#[derive(Debug)]
pub(super) struct TreeNode {
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
pub(super) struct TreeSnapshot {
    /// By node index; the app is node 0.
    nodes: Vec<TreeNode>,
}

impl TreeSnapshot {
    /// The snapshot of `arena`, taking the logical IDs and the rendered properties (by node).
    pub(super) fn new(
        arena: &Arena,
        mut logical_ids: HashMap<NodeId, String>,
        mut props: Vec<Option<String>>,
    ) -> Self {
        let nodes = arena
            .nodes
            .iter()
            .enumerate()
            .map(|(n, node)| {
                let n = n as NodeId;
                let resource = match arena.element(n).map(|e| &e.kind) {
                    Some(ElementKind::Resource(r)) => logical_ids.remove(&n).map(|id| {
                        (
                            r.resource_type.clone(),
                            id,
                            props[n as usize].take().unwrap_or_else(|| "{}".to_string()),
                        )
                    }),
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
    pub(super) fn to_text(&self) -> String {
        let mut text = String::new();
        let _ = self.write(1 << 16, &mut |piece: &str| {
            text.push_str(piece);
            Ok::<(), std::convert::Infallible>(())
        });
        text
    }
}

//! Rendering each stack's template, with its messages and problems.

use super::*;

pub(super) struct RenderedStack {
    pub(super) text: String,
    /// The SHA-256 of `text`, lowercase hex (the template's asset hash).
    pub(super) hash: String,
    pub(super) messages: Vec<Message>,
    pub(super) problems: Vec<Diagnostic>,
    /// Each resource's rendered properties as compact JSON, for `tree.json`.
    pub(super) props: Vec<(NodeId, String)>,
}

/// A stack's template in parts: each element is written out as text as soon as it is rendered
/// (while its value is fresh, and so that no stack's whole template is held as a value).
struct TemplateParts {
    path: String,
    /// The template's own entries (description, transform, format version, metadata).
    header: JsonMap<String, Json>,
    /// The sections in the order of their first element: logical ID → the element's text, as
    /// it appears inside its section.
    sections: IndexMap<&'static str, IndexMap<String, String>>,
    /// Each resource's rendered properties as compact JSON, for `tree.json`.
    props: Vec<(NodeId, String)>,
    messages: Vec<Message>,
    problems: Vec<Diagnostic>,
}

/// Depth of an element's value in the template text (template → section → element).
const ELEMENT_DEPTH: usize = 2;

/// Renders every stack's template; their problems go to `diags`.
pub(super) fn render_stacks(
    arena: &Arena,
    planned: &Planned,
    diags: &mut Vec<Diagnostic>,
) -> Vec<RenderedStack> {
    let Planned { stacks, plan, deps } = planned;
    let errors = RefCell::new(Vec::new());
    let rendered: Vec<RenderedStack> = stacks
        .iter()
        .map(|s| to_text(render_stack(arena, plan, deps, s, &errors)))
        .collect();
    diags.extend(errors.take());
    for r in &rendered {
        diags.extend(r.problems.iter().cloned());
    }
    rendered
}

fn render_stack(
    arena: &Arena,
    plan: &Plan,
    deps: &Dependencies,
    s: &StackInfo,
    errors: &RefCell<Vec<Diagnostic>>,
) -> TemplateParts {
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
    let mut sections: IndexMap<&'static str, IndexMap<String, String>> = IndexMap::new();
    let mut props = Vec::new();
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
            // Kept until the assembly is dropped (for `tree.json`), so without spare capacity.
            let mut text = to_js_json(p, 0);
            text.shrink_to_fit();
            props.push((*n, text));
        }
        let section = sections.entry(element.section()).or_default();
        if section.contains_key(logical_id) {
            problems.push(Diagnostic::new(
                arena.path(*n),
                format!("section '{}' already contains '{logical_id}' (two elements have the same logical ID)", element.section()),
            ));
        } else {
            let mut text = String::new();
            write_js_json(&mut text, &json, 1, ELEMENT_DEPTH);
            section.insert(logical_id.clone(), text);
        }
    }
    let count = |section: &str| sections.get(section).map_or(0, IndexMap::len);
    let limit = arena
        .context(s.node, RESOURCE_LIMIT_CONTEXT)
        .and_then(Json::as_u64)
        .map_or(DEFAULT_RESOURCE_LIMIT, |n| n as usize);
    let resource_count = count("Resources");
    if resource_count > limit {
        problems.push(Diagnostic::new(
            &path,
            format!("Number of resources in stack '{path}': {resource_count} is greater than allowed maximum of {limit}"),
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
    TemplateParts {
        path,
        header: template,
        sections,
        props,
        messages: messages_of(arena, &nodes),
        problems,
    }
}

/// Writes a rendered template out as text (what `to_js_json` with an indent of 1 writes for
/// the whole template), with its hash and the checks of its size.
fn to_text(parts: TemplateParts) -> RenderedStack {
    let TemplateParts {
        path,
        header,
        sections,
        props,
        mut messages,
        mut problems,
    } = parts;
    let size: usize = sections
        .values()
        .flat_map(IndexMap::iter)
        .map(|(id, element)| id.len() + element.len() + 8)
        .sum();
    let mut text = String::with_capacity(size + 1024);
    let mut entries = 0;
    let mut key = |text: &mut String, key: &str| {
        text.push_str(if entries == 0 { "{\n " } else { ",\n " });
        entries += 1;
        write_string(text, key);
        text.push_str(": ");
    };
    for (name, value) in &header {
        key(&mut text, name);
        write_js_json(&mut text, value, 1, 1);
    }
    for (section, elements) in &sections {
        key(&mut text, section);
        for (i, (logical_id, element)) in js_key_order(elements).into_iter().enumerate() {
            text.push_str(if i == 0 { "{\n  " } else { ",\n  " });
            write_string(&mut text, logical_id);
            text.push_str(": ");
            text.push_str(element);
        }
        text.push_str("\n }");
    }
    text.push_str(if entries == 0 { "{}" } else { "\n}" });
    // Kept in the assembly: no spare capacity.
    text.shrink_to_fit();
    let hash = crate::logical_id::hex_lower(&Sha256::digest(text.as_bytes()));
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
        hash,
        messages,
        problems,
        props,
    }
}

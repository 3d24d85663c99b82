//! `CfnMapping`: a two-level lookup table.

use super::*;

/// A template mapping: a two-level lookup table.
#[derive(Clone, Debug)]
pub struct CfnMapping {
    node: Construct,
}
element_common!(CfnMapping);

impl CfnMapping {
    /// Creates a mapping.
    pub fn new(
        scope: &impl Scope,
        id: &str,
        mapping: IndexMap<String, IndexMap<String, Value>>,
    ) -> Self {
        CfnMapping {
            node: add_element(
                scope,
                id,
                ElementKind::Mapping(Box::new(mapping)),
                "sagecdk.CfnMapping",
            ),
        }
    }

    /// Sets one value.
    pub fn set_value(
        &self,
        key1: impl Into<String>,
        key2: impl Into<String>,
        value: impl Into<Value>,
    ) {
        let (k1, k2, v) = (key1.into(), key2.into(), value.into());
        self.node.update_element(|e| {
            if let ElementKind::Mapping(m) = &mut e.kind {
                m.entry(k1).or_default().insert(k2, v);
            }
        });
    }

    /// `Fn::FindInMap` on this mapping.
    pub fn find_in_map(&self, key1: impl Into<Str>, key2: impl Into<Str>) -> Str {
        crate::fns::find_in_map(self.logical_id(), key1, key2)
    }
}

/// The mapping's entry in the `Mappings` section.
pub(super) fn render_mapping(
    mapping: &IndexMap<String, IndexMap<String, Value>>,
    ctx: &ResolveContext<'_>,
) -> Option<Json> {
    let v = Value::Object(
        mapping
            .iter()
            .map(|(k, inner)| (k.clone(), Value::Object(inner.clone())))
            .collect(),
    );
    ctx.resolve(&v)
}

//! Redaction of asset hashes, so snapshots survive changes to asset contents.

use indexmap::IndexMap;
use serde_json::{Map, Value};

/// Length of an asset hash (hex-encoded SHA-256).
const HASH_LEN: usize = 64;

/// Replaces every asset hash in `value` with a stable placeholder.
///
/// An asset hash is a run of exactly 64 lowercase hexadecimal characters
/// (a hex SHA-256), found anywhere inside string values *and* object keys:
/// S3 keys such as `<hash>.zip`, container image tags such as
/// `...container-assets-...:<hash>`, `asset.<hash>` paths, or legacy
/// `AssetParameters<hash>S3Bucket…` parameter names. Runs of hex characters
/// that are longer or shorter than 64 are left alone.
///
/// Distinct hashes become `[ASSET_HASH_1]`, `[ASSET_HASH_2]`, … numbered in
/// order of first appearance (depth first, keys before values), so a template
/// with several assets keeps telling them apart while staying stable when the
/// asset contents change.
///
/// ```
/// use sagecdk_assertions::redact_asset_hashes;
/// use serde_json::json;
///
/// let hash = "66ac51d5".repeat(8);
/// let redacted = redact_asset_hashes(&json!({ "S3Key": format!("{hash}.zip") }));
/// assert_eq!(redacted, json!({ "S3Key": "[ASSET_HASH_1].zip" }));
/// ```
pub fn redact_asset_hashes(value: &Value) -> Value {
    let mut redactor = Redactor::default();
    redactor.value(value)
}

#[derive(Default)]
pub(crate) struct Redactor {
    seen: IndexMap<String, usize>,
}

impl Redactor {
    fn value(&mut self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.string(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let key = self.string(k);
                    let val = self.value(v);
                    out.insert(key, val);
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }

    /// Redacts the hashes inside one string.
    pub(crate) fn string(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut run_start: Option<usize> = None;
        for (i, c) in s.char_indices() {
            let is_hex = c.is_ascii_digit() || ('a'..='f').contains(&c);
            match (is_hex, run_start) {
                (true, None) => run_start = Some(i),
                (false, Some(start)) => {
                    self.flush_run(&s[start..i], &mut out);
                    run_start = None;
                    out.push(c);
                }
                (false, None) => out.push(c),
                (true, Some(_)) => {}
            }
        }
        if let Some(start) = run_start {
            self.flush_run(&s[start..], &mut out);
        }
        out
    }

    fn flush_run(&mut self, run: &str, out: &mut String) {
        if run.len() == HASH_LEN {
            let next = self.seen.len() + 1;
            let n = *self.seen.entry(run.to_owned()).or_insert(next);
            out.push_str(&format!("[ASSET_HASH_{n}]"));
        } else {
            out.push_str(run);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const H1: &str = "66ac51d5a3e8d1d4a09e5f3e2ba5b2d0a8f1c3e4b5a6978877665544332211ff";
    const H2: &str = "ce3de9e7b1d6c5b4a3928170f0e1d2c3b4a5968778695a4b3c2d1e0f11223344";

    #[test]
    fn redacts_hashes_in_strings_and_keys() {
        let v = json!({
            format!("AssetParameters{H1}S3Bucket"): { "Type": "String" },
            "Code": { "S3Key": format!("{H1}.zip") },
            "Image": { "Fn::Sub": format!("${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.${{AWS::URLSuffix}}/cdk-hnb659fds-container-assets-${{AWS::AccountId}}-${{AWS::Region}}:{H2}") },
            "Path": format!("asset.{H2}.gz"),
            "Short": "abc123",
            "Long": format!("{H1}0"),
        });
        let r = redact_asset_hashes(&v);
        assert_eq!(
            r,
            json!({
                "AssetParameters[ASSET_HASH_1]S3Bucket": { "Type": "String" },
                "Code": { "S3Key": "[ASSET_HASH_1].zip" },
                "Image": { "Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}:[ASSET_HASH_2]" },
                "Path": "asset.[ASSET_HASH_2].gz",
                "Short": "abc123",
                "Long": format!("{H1}0"),
            })
        );
    }

    #[test]
    fn uppercase_hex_is_not_a_hash() {
        let upper = H1.to_uppercase();
        assert_eq!(redact_asset_hashes(&json!(upper.clone())), json!(upper));
    }
}

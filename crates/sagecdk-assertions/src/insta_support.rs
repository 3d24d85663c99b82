//! [`insta`] integration (cargo feature `insta`).
//!
//! Templates (and any `serde_json::Value`) can be snapshotted with insta's
//! JSON or YAML macros; the `insta` crate is re-exported as
//! `sagecdk_assertions::insta`, so no separate dependency is needed. Review
//! and accept snapshots with `cargo insta review` (or `INSTA_UPDATE=always`).
//!
//! Asset hashes can be redacted in two ways:
//!
//! 1. redact the value before snapshotting, with
//!    [`redact_asset_hashes`](crate::redact_asset_hashes) (numbered
//!    placeholders, also in object keys):
//!
//! ```
//! use sagecdk_assertions::{insta, redact_asset_hashes, Template};
//! use serde_json::json;
//!
//! let hash = "ab".repeat(32);
//! let template = Template::from_json(json!({ "S3Key": format!("{hash}.zip") }));
//! insta::assert_json_snapshot!(redact_asset_hashes(template.as_json()), @r#"
//! {
//!   "S3Key": "[ASSET_HASH_1].zip"
//! }
//! "#);
//! ```
//!
//! 2. or register [`asset_hash_redaction`] as an insta redaction, which also
//!    works for the YAML format and combines with other insta redactions
//!    (`"."` selects the whole value; a narrower selector only redacts below it):
//!
//! ```
//! use sagecdk_assertions::insta;
//! use sagecdk_assertions::insta_support::asset_hash_redaction;
//! use serde_json::json;
//!
//! let hash = "ab".repeat(32);
//! let value = json!({ "Image": format!("repo:{hash}"), "Id": "x" });
//! let mut settings = insta::Settings::clone_current();
//! settings.add_redaction(".", asset_hash_redaction());
//! settings.bind(|| {
//!     insta::assert_yaml_snapshot!(value, @r#"
//!     Image: "repo:[ASSET_HASH_1]"
//!     Id: x
//!     "#);
//! });
//! ```

use insta::internals::{Content, Redaction};

use crate::redact::Redactor;

/// An insta [`Redaction`] replacing asset hashes (64-character lowercase hex
/// runs) in every string and map key below the selected value with numbered
/// placeholders, like [`redact_asset_hashes`](crate::redact_asset_hashes).
pub fn asset_hash_redaction() -> Redaction {
    insta::dynamic_redaction(|content, _path| {
        let mut redactor = Redactor::default();
        redact_content(&mut redactor, content)
    })
}

fn redact_content(redactor: &mut Redactor, content: Content) -> Content {
    match content {
        Content::String(s) => Content::String(redactor.string(&s)),
        Content::Seq(items) => Content::Seq(
            items
                .into_iter()
                .map(|c| redact_content(redactor, c))
                .collect(),
        ),
        Content::Tuple(items) => Content::Tuple(
            items
                .into_iter()
                .map(|c| redact_content(redactor, c))
                .collect(),
        ),
        Content::Map(entries) => Content::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let k = redact_content(redactor, k);
                    let v = redact_content(redactor, v);
                    (k, v)
                })
                .collect(),
        ),
        Content::Some(inner) => Content::Some(Box::new(redact_content(redactor, *inner))),
        Content::NewtypeStruct(name, inner) => {
            Content::NewtypeStruct(name, Box::new(redact_content(redactor, *inner)))
        }
        other => other,
    }
}

//! Asset hashes as `AssetStaging` computes them (source, custom, extra hash and salt).

use crate::cache::FingerprintCache;
use crate::error::{AssetError, Result};
use crate::fingerprint::{fingerprint, fingerprint_with_cache};
use crate::options::FingerprintOptions;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The exclude pattern `AssetStaging` always puts first.
pub const CUSTOM_RESOURCE_MARKER: &str = ".is_custom_resource";

/// sha256 hex of a string (the CDK's hash of a custom `assetHash`).
pub fn sha256_hex(s: &str) -> String {
    crate::content::hex(&Sha256::digest(s.as_bytes()))
}

/// The asset hash for a custom `assetHash` (`AssetHashType.CUSTOM`): sha256 of the string, not
/// the string itself.
pub fn custom_asset_hash(asset_hash: &str) -> String {
    sha256_hex(asset_hash)
}

/// The extra hash `AssetStaging` passes to the fingerprint: `extraHash` followed by the
/// `@aws-cdk/core:assetHashSalt` context value, or `None` when both are unset/empty.
pub fn combine_extra_hash(extra_hash: Option<&str>, salt: Option<&str>) -> Option<String> {
    let e = extra_hash.filter(|s| !s.is_empty());
    let s = salt.filter(|s| !s.is_empty());
    if e.is_none() && s.is_none() {
        return None;
    }
    Some(format!(
        "{}{}",
        extra_hash.unwrap_or(""),
        salt.unwrap_or("")
    ))
}

/// Inputs of an asset's hash (the hash-related props of the CDK's `AssetStaging`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetHashOptions {
    /// Excludes, follow mode, ignore mode and extra hash, as given by the user.
    pub fingerprint: FingerprintOptions,
    /// A custom hash (`assetHash`); when set (and non-empty) the source is not fingerprinted.
    pub asset_hash: Option<String>,
    /// The `@aws-cdk/core:assetHashSalt` context value.
    pub salt: Option<String>,
}

impl AssetHashOptions {
    /// The fingerprint options `AssetStaging` really uses: `.is_custom_resource` prepended to the
    /// excludes and the extra hash combined with the salt. Also used to copy the asset.
    pub fn staging_options(&self) -> FingerprintOptions {
        let mut exclude = Vec::with_capacity(self.fingerprint.exclude.len() + 1);
        exclude.push(CUSTOM_RESOURCE_MARKER.to_string());
        exclude.extend(self.fingerprint.exclude.iter().cloned());
        FingerprintOptions {
            exclude,
            follow: self.fingerprint.follow,
            ignore_mode: self.fingerprint.ignore_mode,
            extra_hash: combine_extra_hash(
                self.fingerprint.extra_hash.as_deref(),
                self.salt.as_deref(),
            ),
        }
    }
}

/// The asset hash of `source` as `AssetStaging` computes it without bundling: the custom hash
/// when given, else the fingerprint with [`AssetHashOptions::staging_options`].
pub fn asset_hash(
    source: impl AsRef<Path>,
    options: &AssetHashOptions,
    cache: Option<&FingerprintCache>,
) -> Result<String> {
    let source = source.as_ref();
    if std::fs::symlink_metadata(source).is_err() && std::fs::metadata(source).is_err() {
        return Err(AssetError::NotFound {
            path: source.to_path_buf(),
        });
    }
    if let Some(custom) = options.asset_hash.as_deref().filter(|s| !s.is_empty()) {
        return Ok(custom_asset_hash(custom));
    }
    let opts = options.staging_options();
    match cache {
        Some(c) => fingerprint_with_cache(source, &opts, c),
        None => fingerprint(source, &opts),
    }
}

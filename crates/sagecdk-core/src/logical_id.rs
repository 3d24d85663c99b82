//! Logical IDs and unique names exactly as the AWS CDK allocates them.
//!
//! A logical ID is made from the ids of the constructs between the stack and the element:
//! `Default` components are dropped everywhere; a single remaining component is used as is
//! (alphanumerics only); otherwise the human part (consecutive duplicates and `Resource`
//! removed, alphanumerics only, at most 240 characters) is followed by the first 8 hex digits
//! (upper case) of the MD5 of the components joined by `/`.

use md5::{Digest, Md5};

const HIDDEN_ID: &str = "Default";
const HIDDEN_FROM_HUMAN_ID: &str = "Resource";
const HASH_LEN: usize = 8;
const MAX_HUMAN_LEN: usize = 240;
const MAX_ID_LEN: usize = 255;

/// Why an id could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogicalIdError {
    /// Nothing was left after removing `Default` components.
    #[error("Unable to calculate a unique id for an empty set of components")]
    Empty,
}

/// Allocates a unique id from path components (the CDK's `makeUniqueId`).
///
/// ```
/// use sagecdk_core::logical_id::make_unique_id;
/// let id = make_unique_id(&["PrimaryContainerModel", "Role", "Resource"]).unwrap();
/// assert_eq!(id, "PrimaryContainerModelRole8762F8B9");
/// assert_eq!(make_unique_id(&["Endpoint", "Endpoint"]).unwrap(), "Endpoint8024A810");
/// assert_eq!(make_unique_id(&["My-Bucket"]).unwrap(), "MyBucket");
/// ```
pub fn make_unique_id<S: AsRef<str>>(components: &[S]) -> Result<String, LogicalIdError> {
    make_unique(components, MAX_ID_LEN, |human| {
        human.chars().take(MAX_HUMAN_LEN).collect()
    })
}

/// The shared algorithm: `Default` removed, a single component used bare when it fits in
/// `max_single`, else the (shortened) human part followed by the path hash.
fn make_unique<S: AsRef<str>>(
    components: &[S],
    max_single: usize,
    shorten: impl FnOnce(String) -> String,
) -> Result<String, LogicalIdError> {
    let components: Vec<&str> = components
        .iter()
        .map(AsRef::as_ref)
        .filter(|c| *c != HIDDEN_ID)
        .collect();
    if components.is_empty() {
        return Err(LogicalIdError::Empty);
    }
    if components.len() == 1 {
        let candidate = remove_non_alphanumeric(components[0]);
        if candidate.len() <= max_single {
            return Ok(candidate);
        }
    }
    let hash = path_hash(&components);
    let human: String = remove_dupes(&components)
        .into_iter()
        .filter(|c| *c != HIDDEN_FROM_HUMAN_ID)
        .map(remove_non_alphanumeric)
        .collect();
    Ok(shorten(human) + &hash)
}

/// First 8 upper-case hex digits of the MD5 of the components joined by `/`.
fn path_hash(components: &[&str]) -> String {
    // Hashed piece by piece: a logical ID is made for every element of a large app, and no
    // joined copy of the path is needed for it.
    let mut md5 = Md5::new();
    for (i, c) in components.iter().enumerate() {
        if i > 0 {
            md5.update(b"/");
        }
        md5.update(c.as_bytes());
    }
    let mut hash = hex(&md5.finalize()[..HASH_LEN / 2], HEX_UPPER);
    hash.truncate(HASH_LEN);
    hash
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// Hex of bytes with the given digits (without formatting each byte).
fn hex(bytes: &[u8], digits: &[u8; 16]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(digits[usize::from(b >> 4)]));
        out.push(char::from(digits[usize::from(b & 0xf)]));
    }
    out
}

/// Upper-case hex of bytes.
#[cfg(test)]
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    hex(bytes, HEX_UPPER)
}

/// Lower-case hex of bytes.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    hex(bytes, HEX_LOWER)
}

/// Drops a component when the previously kept component ends with it.
fn remove_dupes<'a>(components: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::with_capacity(components.len());
    for c in components {
        match out.last() {
            Some(prev) if prev.ends_with(c) => {}
            _ => out.push(c),
        }
    }
    out
}

fn remove_non_alphanumeric(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Whether `id` is a valid CloudFormation logical ID (`^[A-Za-z0-9]{1,255}$`).
pub fn is_valid_logical_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A physical name made unique from path components (the CDK's `makeUniqueResourceName`):
/// the human part keeps its first and last halves when longer than `max_length - 8`.
pub fn make_unique_resource_name<S: AsRef<str>>(
    components: &[S],
    max_length: usize,
) -> Result<String, LogicalIdError> {
    make_unique(components, max_length, |human| {
        let max_human = max_length.saturating_sub(HASH_LEN);
        if human.len() > max_human {
            let first = max_human / 2;
            let last = max_human - first;
            format!("{}{}", &human[..first], &human[human.len() - last..])
        } else {
            human
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digits() {
        assert_eq!(hex_upper(&[0x00, 0x9f, 0xa0, 0xff]), "009FA0FF");
        assert_eq!(hex_lower(&[0x00, 0x9f, 0xa0, 0xff]), "009fa0ff");
    }

    #[test]
    fn golden_logical_ids() {
        let cases: &[(&[&str], &str)] = &[
            (&["MyBucket", "Resource"], "MyBucketF68F3FF0"),
            (
                &["PrimaryContainerModel", "Role", "DefaultPolicy", "Resource"],
                "PrimaryContainerModelRoleDefaultPolicy56D1C738",
            ),
            (
                &["PrimaryContainerModel", "Model"],
                "PrimaryContainerModel389512BE",
            ),
            (
                &["EndpointConfig", "EndpointConfig"],
                "EndpointConfigFD7B6F91",
            ),
            (
                &["Endpoint", "InstanceCount", "Target", "Resource"],
                "EndpointInstanceCountTargetDA8C8EDB",
            ),
            (
                &[
                    "Endpoint",
                    "InstanceCount",
                    "Target",
                    "LimitRPS",
                    "Resource",
                ],
                "EndpointInstanceCountTargetLimitRPSE1D92DB6",
            ),
            (
                &["ModelLatencyAlarm", "Resource"],
                "ModelLatencyAlarm96AC7D24",
            ),
            (&["BootstrapVersion"], "BootstrapVersion"),
            (&["CDKMetadata", "Default"], "CDKMetadata"),
        ];
        for (components, want) in cases {
            assert_eq!(make_unique_id(components).unwrap(), *want, "{components:?}");
        }
    }

    #[test]
    fn unique_id_includes_stack() {
        assert_eq!(
            make_unique_id(&["SeedEnv", "Endpoint", "InstanceCount", "Target", "LimitRPS"])
                .unwrap(),
            "SeedEnvEndpointInstanceCountTargetLimitRPS7B6B4B98"
        );
    }

    #[test]
    fn default_is_removed_from_hash_and_human_part() {
        let a = make_unique_id(&["A", "Default", "B"]).unwrap();
        let b = make_unique_id(&["A", "B"]).unwrap();
        assert_eq!(a, b);
        assert_eq!(make_unique_id(&["Default"]), Err(LogicalIdError::Empty));
    }

    #[test]
    fn dupes_use_ends_with_against_last_kept() {
        assert!(
            make_unique_id(&["FooBar", "Bar", "Baz"])
                .unwrap()
                .starts_with("FooBarBaz")
        );
        assert!(
            make_unique_id(&["Foo", "Foo", "Foo"])
                .unwrap()
                .starts_with("Foo")
        );
        assert_eq!(make_unique_id(&["Foo", "Foo"]).unwrap().len(), 3 + 8);
    }

    #[test]
    fn long_ids_are_truncated() {
        let long = "x".repeat(300);
        let id = make_unique_id(&[long.as_str()]).unwrap();
        assert_eq!(id.len(), 240 + 8);
        let id = make_unique_id(&[long.as_str(), "y"]).unwrap();
        assert_eq!(id.len(), 248);
        let ok = "z".repeat(255);
        assert_eq!(make_unique_id(&[ok.as_str()]).unwrap(), ok);
    }

    #[test]
    fn non_alphanumerics_are_stripped_but_hashed_raw() {
        let a = make_unique_id(&["a-b", "c"]).unwrap();
        let b = make_unique_id(&["ab", "c"]).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("abc"));
    }

    #[test]
    fn logical_id_validation() {
        assert!(is_valid_logical_id("Abc123"));
        assert!(!is_valid_logical_id(""));
        assert!(!is_valid_logical_id("a-b"));
        assert!(!is_valid_logical_id(&"a".repeat(256)));
    }

    #[test]
    fn resource_names_split_in_the_middle() {
        let name = make_unique_resource_name(&["Stage", &"a".repeat(100), "Stack"], 40).unwrap();
        assert_eq!(name.len(), 40);
    }
}

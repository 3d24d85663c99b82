//! String ordering of JavaScript's `String.prototype.localeCompare` (ICU root collation), which
//! the CDK uses to sort `DependsOn` entries and tags.
//!
//! Implemented for ASCII exactly: characters compare first by their primary weight (case
//! folded; whitespace < punctuation < symbols < digits < letters, in the UCA order), then, if
//! the primary sequences are equal, lower case sorts before upper case, left to right.
//! Characters beyond ASCII sort after ASCII letters by code point, which differs from ICU for
//! accented letters (construct ids are ASCII in practice).

use std::cmp::Ordering;

/// ASCII printable characters in ICU root order (case pairs adjacent, lower first).
const ROOT_ORDER: &str = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789";

fn primary(c: char) -> u32 {
    if c.is_ascii_alphabetic() {
        return 1000 + (c.to_ascii_lowercase() as u32 - 'a' as u32);
    }
    match c {
        '\t' => 1,
        '\n' => 2,
        '\u{0b}' => 3,
        '\u{0c}' => 4,
        '\r' => 5,
        _ => match ROOT_ORDER.find(c) {
            Some(i) => 10 + i as u32,
            None if c.is_ascii() => c as u32, // remaining control characters
            None => 2000 + c as u32,
        },
    }
}

/// Compares like `a.localeCompare(b)` in Node.js.
///
/// ```
/// use sagecdk_core::collate::locale_compare;
/// let mut v = vec!["B", "a", "_x", "x10", "x2", "A"];
/// v.sort_by(|a, b| locale_compare(a, b));
/// assert_eq!(v, ["_x", "a", "A", "B", "x10", "x2"]);
/// ```
pub fn locale_compare(a: &str, b: &str) -> Ordering {
    let pa = a.chars().map(primary);
    let pb = b.chars().map(primary);
    match pa.cmp(pb) {
        Ordering::Equal => {}
        other => return other,
    }
    // Tertiary: lower case before upper case at the first difference.
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            return match (x.is_ascii_uppercase(), y.is_ascii_uppercase()) {
                (false, true) => Ordering::Less,
                (true, false) => Ordering::Greater,
                _ => x.cmp(&y),
            };
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(items: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        v.sort_by(|a, b| locale_compare(a, b));
        v
    }

    #[test]
    fn matches_node_order() {
        let want = [
            "_x", "-x", "a", "A", "a b", "aws:cdk", "b", "B", "x1", "x10", "x2", "Z-a", "Z/a",
            "Z/B",
        ];
        let mut shuffled = want.to_vec();
        shuffled.reverse();
        assert_eq!(sorted(&shuffled), want);
    }

    #[test]
    fn ascii_printables_in_root_order() {
        let chars: Vec<String> = (32u8..127).map(|b| (b as char).to_string()).collect();
        let refs: Vec<&str> = chars.iter().map(String::as_str).collect();
        let got: String = sorted(&refs).concat();
        assert_eq!(
            got,
            " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ"
        );
    }

    #[test]
    fn case_is_tertiary() {
        assert_eq!(
            sorted(&["AB", "Ab", "aB", "ab", "a_b", "a-b", "a1", "a"]),
            ["a", "a_b", "a-b", "a1", "ab", "aB", "Ab", "AB"]
        );
    }

    #[test]
    fn golden_depends_on_order() {
        assert_eq!(
            locale_compare(
                "SeedEnv/PrimaryContainerModel/Role/DefaultPolicy/Resource",
                "SeedEnv/PrimaryContainerModel/Role/Resource"
            ),
            Ordering::Less
        );
    }
}

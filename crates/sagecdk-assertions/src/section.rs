//! Matching a pattern against every entry of a template section (or a list of
//! annotations) and formatting the failures.

use serde_json::{Map, Value};

use crate::json;
use crate::pattern::Pattern;
use crate::result::MatchResult;

/// How many candidates a failure message shows.
const CLOSEST: usize = 3;

/// Result of matching one pattern against all entries of a section.
pub(crate) struct SectionOutcome {
    /// Matching entries, in section order.
    pub(crate) matches: Map<String, Value>,
    /// Ids of all analyzed entries, in section order.
    pub(crate) analyzed: Vec<String>,
    /// Non-matching entries, closest (lowest cost, then id) first.
    pub(crate) failures: Vec<(String, MatchResult)>,
}

impl SectionOutcome {
    pub(crate) fn is_match(&self) -> bool {
        !self.matches.is_empty()
    }
}

pub(crate) fn match_section<'a, I>(entries: I, pattern: &Pattern) -> SectionOutcome
where
    I: IntoIterator<Item = (&'a str, &'a Value)>,
{
    let mut outcome = SectionOutcome {
        matches: Map::new(),
        analyzed: Vec::new(),
        failures: Vec::new(),
    };
    for (id, entry) in entries {
        outcome.analyzed.push(id.to_owned());
        let result = pattern.test_entry(entry).finish();
        if result.is_success() {
            outcome.matches.insert(id.to_owned(), entry.clone());
        } else {
            outcome.failures.push((id.to_owned(), result));
        }
    }
    outcome.failures.sort_by(|(a_id, a), (b_id, b)| {
        a.fail_cost()
            .cmp(&b.fail_cost())
            .then_with(|| a_id.cmp(b_id))
    });
    outcome
}

/// `<what> has <n> <qualifier>, but none match as expected.` plus the closest candidates.
pub(crate) fn format_section_failure(
    what: &str,
    qualifier: &str,
    outcome: &SectionOutcome,
) -> String {
    let n = outcome.analyzed.len();
    format!(
        "{what} has {n} {qualifier}{}.\n{}",
        if n > 0 {
            ", but none match as expected"
        } else {
            ""
        },
        format_closest(&outcome.failures)
    )
}

/// The rendering of (up to 3 of) the closest non-matching candidates.
pub(crate) fn format_closest(failures: &[(String, MatchResult)]) -> String {
    if failures.is_empty() {
        return "No matches found".to_owned();
    }
    let shown = &failures[..failures.len().min(CLOSEST)];
    let mut lines = vec![format!("The {} closest matches:", shown.len())];
    for (id, result) in shown {
        lines.push(format!("{id} :: {}", result.render_mismatch()));
    }
    lines.join("\n")
}

/// Pretty JSON of `value`, indented by two spaces.
pub(crate) fn format_all(value: &Value) -> String {
    json::left_pad(&json::pretty(Some(value)), 2)
}

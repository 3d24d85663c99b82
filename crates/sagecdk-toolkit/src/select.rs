//! Choosing stacks of an assembly by the patterns given on the command line.

use crate::ToolkitError;
use sagecdk_assembly::{CloudAssembly, StackArtifact};

/// Selects stacks by id, name or display path; `*` matches any run of characters. No patterns
/// selects every stack.
pub fn select_stacks(
    assembly: &CloudAssembly,
    patterns: &[String],
) -> Result<Vec<StackArtifact>, ToolkitError> {
    let stacks = assembly.stacks()?;
    if patterns.is_empty() {
        return Ok(stacks);
    }
    // Which stacks some pattern matches, by position (a search per stack would be quadratic).
    let mut selected = vec![false; stacks.len()];
    for p in patterns {
        let mut matched = false;
        for (s, selected) in stacks.iter().zip(selected.iter_mut()) {
            if glob_match(p, &s.id)
                || glob_match(p, &s.display_name)
                || glob_match(p, s.stack_name())
            {
                *selected = true;
                matched = true;
            }
        }
        if !matched {
            return Err(ToolkitError::NoSuchStack {
                pattern: p.clone(),
                available: stacks
                    .iter()
                    .map(|s| s.display_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    // Keep dependency order.
    Ok(stacks
        .into_iter()
        .zip(selected)
        .filter_map(|(s, selected)| selected.then_some(s))
        .collect())
}

/// Matches `text` against a pattern where `*` stands for any characters.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(glob_match("Seed*", "SeedEnv"));
        assert!(glob_match("*Env", "SeedEnv"));
        assert!(glob_match("S*d*v", "SeedEnv"));
        assert!(!glob_match("Seed", "SeedEnv"));
        assert!(glob_match("*", "x"));
    }
}

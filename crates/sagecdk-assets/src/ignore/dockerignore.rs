//! `.dockerignore` matching with the exact behaviour of `@balena/dockerignore` (v1), which the
//! CDK uses for `IgnoreMode.DOCKER`: Moby's rules (`filepath.Clean`ed patterns, `**`, a match on
//! any leading run of parent directories) with case-insensitive matching.

use super::gitignore::split_lines;
use crate::jspath;
use fancy_regex::Regex;

#[derive(Debug, Clone)]
struct Rule {
    negative: bool,
    dirs: Vec<String>,
    regex: Regex,
}

/// A compiled list of dockerignore rules.
#[derive(Debug, Clone, Default)]
pub(crate) struct DockerIgnore {
    rules: Vec<Rule>,
}

/// Go's `filepath.Clean` as the package emulates it: `path.normalize` minus a trailing slash.
fn clean_path(p: &str) -> String {
    let mut n = jspath::normalize(p);
    if n.len() > 1 && n.ends_with('/') {
        n.pop();
    }
    n
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

fn compile(pattern: &str) -> Result<Regex, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("(?i)^");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' => {
                if chars.get(i + 1) == Some(&'*') {
                    i += 1;
                    if chars.get(i + 1) == Some(&'/') {
                        i += 1;
                    }
                    if i + 1 >= chars.len() {
                        re.push_str(".*");
                    } else {
                        re.push_str("(.*/)?");
                    }
                } else {
                    re.push_str("[^/]*");
                }
            }
            '?' => re.push_str("[^/]"),
            '.' | '$' => {
                re.push('\\');
                re.push(c);
            }
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    if n.is_ascii_alphanumeric() && !"dDwWsSbB".contains(n) {
                        re.push_str(&regex::escape(&n.to_string()));
                    } else {
                        re.push('\\');
                        re.push(n);
                    }
                    i += 1;
                } else {
                    re.push_str("\\\\");
                }
            }
            _ => re.push(c),
        }
        i += 1;
    }
    re.push('$');
    Regex::new(&super::gitignore::unescape_slashes(&re)).map_err(|e| e.to_string())
}

impl DockerIgnore {
    /// `ig.add(pattern)`: split on line breaks, each line trimmed and compiled.
    pub(crate) fn add(&mut self, pattern: &str) -> Result<(), String> {
        for line in split_lines(pattern) {
            if line.is_empty() || line.starts_with('#') || js_trim(line).is_empty() {
                continue;
            }
            if let Some(rule) = Self::create_rule(js_trim(line))? {
                self.rules.push(rule);
            }
        }
        Ok(())
    }

    fn create_rule(pattern: &str) -> Result<Option<Rule>, String> {
        let mut p = pattern.to_string();
        let mut negative = false;
        if let Some(rest) = p.strip_prefix('!') {
            negative = true;
            p = js_trim(rest).to_string();
        }
        if !p.is_empty() {
            p = clean_path(&p);
            if p.len() > 1 && p.starts_with('/') {
                p = p[1..].to_string();
            }
        }
        if negative {
            p = format!("!{p}");
        }
        let p = js_trim(&p);
        if p.is_empty() {
            return Ok(None);
        }
        let mut p = clean_path(p);
        if let Some(rest) = p.strip_prefix('!') {
            if rest.is_empty() {
                return Ok(None);
            }
            negative = true;
            p = rest.to_string();
        } else {
            negative = false;
        }
        let regex = compile(&p)?;
        let dirs = p.split('/').map(str::to_string).collect();
        Ok(Some(Rule {
            negative,
            dirs,
            regex,
        }))
    }

    fn test(re: &Regex, s: &str) -> bool {
        re.is_match(s).unwrap_or(false)
    }

    /// `ig.ignores(path)`.
    pub(crate) fn ignores(&self, file: &str) -> bool {
        if file.is_empty() {
            return true;
        }
        let parent = clean_path(&jspath::dirname(file));
        let parent_dirs: Vec<&str> = parent.split('/').collect();
        let mut matched = false;
        for rule in &self.rules {
            let mut m = Self::test(&rule.regex, file);
            if !m && parent != "." {
                if rule.dirs.iter().any(|d| d == "**") {
                    let from = rule.dirs.iter().filter(|d| *d != "**").count();
                    for i in from..=parent_dirs.len() {
                        m = m || Self::test(&rule.regex, &parent_dirs[..i].join("/"));
                    }
                } else if rule.dirs.len() <= parent_dirs.len() {
                    m = Self::test(&rule.regex, &parent_dirs[..rule.dirs.len()].join("/"));
                }
            }
            if m {
                matched = !rule.negative;
            }
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_semantics() {
        let mut d = DockerIgnore::default();
        for p in [
            "*.md",
            "!README.md",
            "temp?",
            "**/*.pyc",
            "node_modules",
            "/abs/x",
        ] {
            d.add(p).expect("pattern");
        }
        assert!(d.ignores("a.md"));
        assert!(d.ignores("A.MD"));
        assert!(!d.ignores("README.md"));
        assert!(!d.ignores("sub/a.md"));
        assert!(d.ignores("temp1"));
        assert!(d.ignores("x/y/z.pyc"));
        assert!(d.ignores("node_modules/a/b.js"));
        assert!(d.ignores("abs/x"));
    }
}

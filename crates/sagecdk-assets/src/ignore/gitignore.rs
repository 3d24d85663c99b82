//! `.gitignore` matching with the exact behaviour of the `ignore` npm package (v5), which the CDK
//! uses for `IgnoreMode.GIT`: each pattern is rewritten into a regular expression by the package's
//! sequence of textual rewrites, then tested case-insensitively; the last matching rule wins and a
//! path is ignored as soon as one of its parent directories is.

use fancy_regex::{Captures, Regex};

#[derive(Debug, Clone)]
struct Rule {
    negative: bool,
    regex: Regex,
}

/// A compiled list of gitignore rules.
#[derive(Debug, Clone, Default)]
pub(crate) struct GitIgnore {
    rules: Vec<Rule>,
}

fn re(src: &str) -> Result<Regex, String> {
    Regex::new(src).map_err(|e| e.to_string())
}

/// JavaScript's `\s` (white space and line terminators, including U+FEFF).
const JS_WS: &str = "[\t\n\u{b}\u{c}\r \u{a0}\u{1680}\u{2000}-\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}\u{feff}]";

fn is_js_ws(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// The `ignore` package's pattern → regex source translation.
fn make_regex_source(pattern: &str) -> Result<String, String> {
    let cap = |c: &Captures<'_, str>, i: usize| {
        c.get(i).map(|m| m.as_str().to_string()).unwrap_or_default()
    };
    let mut s = pattern
        .strip_prefix('\u{feff}')
        .unwrap_or(pattern)
        .to_string();

    // Trailing spaces are removed unless escaped.
    let r = re(&format!(r"((?:\\\\)*?)(\\?{JS_WS}+)$"))?;
    s = r
        .replace(&s, |c: &Captures<'_, str>| {
            let m2 = cap(c, 2);
            format!(
                "{}{}",
                cap(c, 1),
                if m2.starts_with('\\') { " " } else { "" }
            )
        })
        .into_owned();
    // Escaped spaces.
    let r = re(&format!(r"(\\+?){JS_WS}"))?;
    s = r
        .replace_all(&s, |c: &Captures<'_, str>| {
            let m1 = cap(c, 1);
            let keep = m1.len() - m1.len() % 2;
            format!("{} ", &m1[..keep])
        })
        .into_owned();
    // Escape regex metacharacters.
    let r = re(r"[\\$.|*+(){^]")?;
    s = r
        .replace_all(&s, |c: &Captures<'_, str>| format!("\\{}", cap(c, 0)))
        .into_owned();
    // `?` → one non-slash character.
    s = s.replace('?', "[^/]");
    // Leading slash anchors to the beginning.
    if let Some(rest) = s.strip_prefix('/') {
        s = format!("^{rest}");
    }
    s = s.replace('/', "\\/");
    // Leading `**/`.
    let r = re(r"^\^*\\\*\\\*\\\/")?;
    s = r.replace(&s, r"^(?:.*\/)?").into_owned();
    // Starting: anchor at a path-segment boundary unless the pattern has an inner slash.
    if !s.is_empty() && !s.starts_with('^') {
        let has_inner_slash = {
            let t = pattern;
            t.char_indices().any(|(i, c)| c == '/' && i + 1 < t.len())
        };
        let prefix = if has_inner_slash { "^" } else { r"(?:^|\/)" };
        s = format!("{prefix}{s}");
    }
    // `/**` in the middle or at the end.
    let r = re(r"\\\/\\\*\\\*(?=\\\/|$)")?;
    {
        let mut out = String::new();
        let mut last = 0;
        for m in r.find_iter(&s) {
            let m = m.map_err(|e| e.to_string())?;
            out.push_str(&s[last..m.start()]);
            out.push_str(if m.start() + 6 < s.len() {
                r"(?:\/[^\/]+)*"
            } else {
                r"\/.+"
            });
            last = m.end();
        }
        out.push_str(&s[last..]);
        s = out;
    }
    // Intermediate wildcards.
    let r = re(r"(^|[^\\]+)(\\\*)+(?=.+)")?;
    s = r
        .replace_all(&s, |c: &Captures<'_, str>| {
            format!("{}{}", cap(c, 1), r"[^\/]*")
        })
        .into_owned();
    // Unescape escaped metacharacters.
    let r = re(r"\\\\\\(?=[$.|*+(){^])")?;
    s = r.replace_all(&s, r"\").into_owned();
    s = s.replace(r"\\", r"\");
    // Bracket ranges.
    let r = re(r"(\\)?\[([^\]/]*?)(\\*)($|\])")?;
    s = r
        .replace_all(&s, |c: &Captures<'_, str>| {
            let lead = c.get(1).map(|m| m.as_str());
            let range = cap(c, 2);
            let end_escape = cap(c, 3);
            let close = cap(c, 4);
            if lead == Some("\\") {
                let keep = end_escape.len() - end_escape.len() % 2;
                format!(r"\[{range}{}{close}", &end_escape[..keep])
            } else if close == "]" && end_escape.len() % 2 == 0 {
                let inner = format!("{}{end_escape}", sanitize_range(&range));
                if inner.is_empty() {
                    EMPTY_CLASS.to_string()
                } else {
                    format!("[{inner}]")
                }
            } else {
                EMPTY_CLASS.to_string()
            }
        })
        .into_owned();
    // Ending.
    let r = re(r"(?:[^*])$")?;
    s = r
        .replace(&s, |c: &Captures<'_, str>| {
            let m = cap(c, 0);
            if m.ends_with('/') {
                format!("{m}$")
            } else {
                format!(r"{m}(?=$|\/$)")
            }
        })
        .into_owned();
    let r = re(r"(\^|\\\/)?\\\*$")?;
    s = r
        .replace(&s, |c: &Captures<'_, str>| {
            let prefix = match c.get(1) {
                Some(p) => format!("{}[^/]+", p.as_str()),
                None => "[^/]*".to_string(),
            };
            format!(r"{prefix}(?=$|\/$)")
        })
        .into_owned();
    Ok(s)
}

/// JavaScript's `[]` (a class that never matches) has no direct Rust spelling.
const EMPTY_CLASS: &str = "(?!)";

fn sanitize_range(range: &str) -> String {
    // `([0-z])-([0-z])`: drop reversed ranges.
    let chars: Vec<char> = range.chars().collect();
    let mut out = String::new();
    let in_set = |c: char| ('0'..='z').contains(&c);
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && in_set(chars[i]) && chars[i + 1] == '-' && in_set(chars[i + 2]) {
            if chars[i] <= chars[i + 2] {
                out.extend(&chars[i..i + 3]);
            }
            i += 3;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn check_pattern(p: &str) -> bool {
    if p.is_empty() || p.starts_with('#') {
        return false;
    }
    if p.chars().all(is_js_ws) {
        return false;
    }
    // `/(?:[^\\]|^)\\$/`: a single (unescaped) trailing backslash is invalid.
    if let Some(before) = p.strip_suffix('\\')
        && !before.ends_with('\\')
    {
        return false;
    }
    true
}

impl GitIgnore {
    /// Adds one pattern string (split on line breaks, like the package does).
    pub(crate) fn add(&mut self, pattern: &str) -> Result<(), String> {
        for line in split_lines(pattern) {
            if !check_pattern(line) {
                continue;
            }
            let (negative, body) = match line.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let body = if let Some(rest) = body.strip_prefix("\\!") {
                format!("!{rest}")
            } else if let Some(rest) = body.strip_prefix("\\#") {
                format!("#{rest}")
            } else {
                body.to_string()
            };
            let src = make_regex_source(&body)?;
            let regex = Regex::new(&format!("(?i){}", unescape_slashes(&src)))
                .map_err(|e| e.to_string())?;
            self.rules.push(Rule { negative, regex });
        }
        Ok(())
    }

    fn test_one(&self, path: &str) -> bool {
        let mut ignored = false;
        for rule in &self.rules {
            if rule.negative != ignored {
                // A negation only matters while ignored, a pattern only while not ignored.
                continue;
            }
            if rule.regex.is_match(path).unwrap_or(false) {
                ignored = !rule.negative;
            }
        }
        ignored
    }

    /// `ig.ignores(path)`: parents first (`a/`, `a/b/`), then the path itself.
    pub(crate) fn ignores(&self, path: &str) -> bool {
        if path.is_empty() {
            return false;
        }
        let segs: Vec<&str> = path.split('/').collect();
        let mut prefix = String::new();
        for seg in &segs[..segs.len() - 1] {
            prefix.push_str(seg);
            prefix.push('/');
            if self.test_one(&prefix) {
                return true;
            }
        }
        if prefix == path {
            return false;
        }
        self.test_one(path)
    }
}

/// Rewrites the JavaScript escape `\/` (not accepted inside classes by the Rust engine) to `/`.
pub(crate) fn unescape_slashes(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('/') => out.push('/'),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `s.split(/\r?\n/)`.
pub(crate) fn split_lines(s: &str) -> Vec<&str> {
    s.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ig(patterns: &[&str]) -> GitIgnore {
        let mut g = GitIgnore::default();
        for p in patterns {
            g.add(p).expect("pattern");
        }
        g
    }

    #[test]
    fn gitignore_semantics() {
        let g = ig(&["*.log", "!keep.log", "build/", "/root.txt", "docs/**/*.md"]);
        assert!(g.ignores("a.log"));
        assert!(g.ignores("x/a.LOG"));
        assert!(!g.ignores("keep.log"));
        assert!(g.ignores("build/x.txt"));
        assert!(!g.ignores("build"));
        assert!(g.ignores("build/"));
        assert!(g.ignores("root.txt"));
        assert!(!g.ignores("x/root.txt"));
        assert!(g.ignores("docs/a/b/c.md"));
        assert!(g.ignores("docs/c.md"));
        let g = ig(&["dir", "!dir/keep.txt"]);
        assert!(g.ignores("dir/keep.txt"));
        let g = ig(&["a?c", "[0-9]x", "[z-a]y"]);
        assert!(g.ignores("abc"));
        assert!(g.ignores("5x"));
        assert!(!g.ignores("zy"));
    }
}

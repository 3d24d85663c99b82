//! A minimatch (v10) compatible matcher, restricted to the options the CDK uses:
//! `{ matchBase: true, flipNegate: true }` (so `dot`, `nocase`, `noext` are all off).
//!
//! Supported: brace expansion (`{a,b}`, `{1..3}`, `{a..e..2}`, nesting), `*`, `?`, character
//! classes (ranges, `[!..]`/`[^..]`, POSIX `[:alpha:]` classes), `\` escapes, `**` globstar,
//! minimatch's dot rules (wildcards never match a leading `.`; `**` never crosses dot segments),
//! its fast paths for `*`, `*.ext`, `??`, `*.*`, `.*`, and `matchBase` for single-segment
//! patterns. Extglobs (`+(a|b)`, `!(x)`, ...) are not interpreted: their characters match literally.

use regex::Regex;

/// One compiled glob (negation already stripped; see [`Minimatch::negated`]).
#[derive(Debug, Clone)]
pub(crate) struct Minimatch {
    kind: Kind,
    negated: bool,
}

#[derive(Debug, Clone)]
enum Kind {
    /// `#...`: matches nothing.
    Comment,
    /// The empty pattern: matches only the empty path.
    Empty,
    /// Alternatives (one per brace expansion), each a list of segment matchers.
    Set(Vec<Vec<Seg>>),
}

#[derive(Debug, Clone)]
enum Seg {
    Globstar,
    Literal(String),
    Magic(Part),
}

#[derive(Debug, Clone)]
struct Part {
    test: PartTest,
    no_dot: bool,
    no_traversal: bool,
}

#[derive(Debug, Clone)]
enum PartTest {
    Regex(Regex),
    /// `*`: non-empty, no leading dot.
    Star,
    /// `*<ext>`: no leading dot, ends with ext (compared literally, as minimatch's fast path does).
    StarExt(String),
    /// `??<ext>`: exact length, no leading dot, ends with ext.
    Qmarks(usize, String),
    /// `*.*`
    StarDotStar,
    /// `.*`
    DotStar,
}

impl Part {
    fn test(&self, f: &str) -> bool {
        match &self.test {
            PartTest::Star => !f.is_empty() && !f.starts_with('.'),
            PartTest::StarExt(ext) => !f.starts_with('.') && f.ends_with(ext.as_str()),
            PartTest::Qmarks(len, ext) => {
                f.encode_utf16().count() == *len && !f.starts_with('.') && f.ends_with(ext.as_str())
            }
            PartTest::StarDotStar => !f.starts_with('.') && f.contains('.'),
            PartTest::DotStar => f != "." && f != ".." && f.starts_with('.'),
            PartTest::Regex(re) => {
                if self.no_traversal && (f == "." || f == "..") {
                    return false;
                }
                if self.no_dot && f.starts_with('.') {
                    return false;
                }
                re.is_match(f)
            }
        }
    }
}

impl Minimatch {
    /// Compiles `pattern` as `minimatch(path, pattern, { matchBase: true, flipNegate: true })` does.
    pub(crate) fn new(pattern: &str) -> Result<Self, String> {
        if pattern.starts_with('#') {
            return Ok(Minimatch {
                kind: Kind::Comment,
                negated: false,
            });
        }
        if pattern.is_empty() {
            return Ok(Minimatch {
                kind: Kind::Empty,
                negated: false,
            });
        }
        let bangs = pattern.chars().take_while(|c| *c == '!').count();
        let negated = bangs % 2 == 1;
        let body = &pattern[bangs..];
        let mut globs: Vec<String> = Vec::new();
        for g in brace_expand(body) {
            if !globs.contains(&g) {
                globs.push(g);
            }
        }
        let mut set = Vec::new();
        for g in globs {
            let parts = level_one_optimize(slash_split(&g));
            let mut segs = Vec::with_capacity(parts.len());
            for p in parts {
                segs.push(parse_segment(&p)?);
            }
            set.push(segs);
        }
        Ok(Minimatch {
            kind: Kind::Set(set),
            negated,
        })
    }

    /// Whether the pattern had an odd number of leading `!`.
    #[allow(dead_code)]
    pub(crate) fn negated(&self) -> bool {
        self.negated
    }

    /// With `flipNegate`, whether the (non-negated) pattern matches `path`.
    pub(crate) fn matches(&self, path: &str) -> bool {
        let set = match &self.kind {
            Kind::Comment => return false,
            Kind::Empty => return path.is_empty(),
            Kind::Set(s) => s,
        };
        let ff = slash_split(path);
        let mut filename = ff.last().map(String::as_str).unwrap_or("");
        if filename.is_empty() {
            for s in ff.iter().rev() {
                if !s.is_empty() {
                    filename = s;
                    break;
                }
            }
        }
        let ff_refs: Vec<&str> = ff.iter().map(String::as_str).collect();
        for pat in set {
            let hit = if pat.len() == 1 {
                match_segs(&[filename], pat)
            } else {
                match_segs(&ff_refs, pat)
            };
            if hit {
                return true;
            }
        }
        false
    }
}

fn is_dot_seg(s: &str) -> bool {
    s.starts_with('.')
}

fn match_segs(file: &[&str], pat: &[Seg]) -> bool {
    let Some(first) = pat.first() else {
        // Pattern exhausted: exact hit, or only a trailing empty segment left.
        return file.is_empty() || (file.len() == 1 && file[0].is_empty());
    };
    match first {
        Seg::Globstar => {
            let last = pat.len() == 1;
            for k in 0..=file.len() {
                if k > 0 && is_dot_seg(file[k - 1]) {
                    return false;
                }
                if (k > 0 || !last) && match_segs(&file[k..], &pat[1..]) {
                    return true;
                }
            }
            false
        }
        Seg::Literal(l) => !file.is_empty() && file[0] == l && match_segs(&file[1..], &pat[1..]),
        Seg::Magic(p) => !file.is_empty() && p.test(file[0]) && match_segs(&file[1..], &pat[1..]),
    }
}

/// `p.split(/\/+/)`.
fn slash_split(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_slash = false;
    for c in p.chars() {
        if c == '/' {
            if !prev_slash {
                out.push(std::mem::take(&mut cur));
            }
            prev_slash = true;
        } else {
            cur.push(c);
            prev_slash = false;
        }
    }
    out.push(cur);
    out
}

fn level_one_optimize(parts: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in parts {
        let prev = out.last().map(String::as_str);
        if part == "**" && prev == Some("**") {
            continue;
        }
        if part == ".."
            && let Some(p) = prev
            && p != ".."
            && p != "."
            && p != "**"
        {
            out.pop();
            continue;
        }
        out.push(part);
    }
    if out.is_empty() {
        vec![String::new()]
    } else {
        out
    }
}

const SPECIAL_EXT: &[char] = &['+', '@', '!', '?', '*', '[', '('];

fn fast_test(p: &str) -> Option<PartTest> {
    let stars = p.chars().take_while(|c| *c == '*').count();
    if stars > 0 {
        let rest = &p[stars..];
        if rest.is_empty() {
            return Some(PartTest::Star);
        }
        if !rest.contains(SPECIAL_EXT) {
            return Some(PartTest::StarExt(rest.to_string()));
        }
    }
    let q = p.chars().take_while(|c| *c == '?').count();
    if q > 0 && !p[q..].contains(SPECIAL_EXT) {
        return Some(PartTest::Qmarks(
            p.encode_utf16().count(),
            p[q..].to_string(),
        ));
    }
    if stars > 0 {
        let rest = &p[stars..];
        if let Some(after) = rest.strip_prefix('.')
            && !after.is_empty()
            && after.chars().all(|c| c == '*')
        {
            return Some(PartTest::StarDotStar);
        }
    }
    if let Some(after) = p.strip_prefix('.')
        && !after.is_empty()
        && after.chars().all(|c| c == '*')
    {
        return Some(PartTest::DotStar);
    }
    None
}

fn parse_segment(p: &str) -> Result<Seg, String> {
    if p == "**" {
        return Ok(Seg::Globstar);
    }
    if p.is_empty() {
        return Ok(Seg::Literal(String::new()));
    }
    let chars: Vec<char> = p.chars().collect();
    let only_stars = chars.iter().all(|c| *c == '*');
    let mut re = String::new();
    let mut literal = String::new();
    let mut magic = false;
    let mut in_star = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '*' {
            if !in_star {
                in_star = true;
                re.push_str(if only_stars { "[^/]+?" } else { "[^/]*?" });
                magic = true;
            }
            i += 1;
            continue;
        }
        in_star = false;
        if c == '\\' {
            if i + 1 == chars.len() {
                re.push_str("\\\\");
                literal.push('\\');
                i += 1;
            } else {
                re.push_str(&regex::escape(&chars[i + 1].to_string()));
                literal.push(chars[i + 1]);
                i += 2;
            }
            continue;
        }
        if c == '['
            && let Some((src, consumed, is_magic, lit)) = parse_class(&chars, i)
        {
            re.push_str(&src);
            if let Some(l) = lit {
                literal.push(l);
            }
            magic |= is_magic;
            i += consumed;
            continue;
        }
        if c == '?' {
            re.push_str("[^/]");
            magic = true;
            i += 1;
            continue;
        }
        re.push_str(&regex::escape(&c.to_string()));
        literal.push(c);
        i += 1;
    }
    if !magic {
        return Ok(Seg::Literal(literal));
    }
    let dot_trav_allowed = p == "." || p == "..";
    let aps = |c: Option<char>| matches!(c, Some('[') | Some('.'));
    let (mut no_dot, mut no_traversal) = (false, false);
    if !dot_trav_allowed {
        let nth = |n: usize| re.chars().nth(n);
        no_traversal =
            (re.starts_with("\\.") && aps(nth(2))) || (re.starts_with("\\.\\.") && aps(nth(4)));
        no_dot = !no_traversal && aps(nth(0));
    }
    if let Some(test) = fast_test(p) {
        return Ok(Seg::Magic(Part {
            test,
            no_dot,
            no_traversal,
        }));
    }
    let compiled = Regex::new(&format!("^(?:{re})$")).map_err(|e| e.to_string())?;
    Ok(Seg::Magic(Part {
        test: PartTest::Regex(compiled),
        no_dot,
        no_traversal,
    }))
}

const POSIX_CLASSES: &[(&str, &str, bool)] = &[
    ("[:alnum:]", "\\p{L}\\p{Nl}\\p{Nd}", false),
    ("[:alpha:]", "\\p{L}\\p{Nl}", false),
    ("[:ascii:]", "\\x00-\\x7f", false),
    ("[:blank:]", "\\p{Zs}\\t", false),
    ("[:cntrl:]", "\\p{Cc}", false),
    ("[:digit:]", "\\p{Nd}", false),
    ("[:graph:]", "\\p{Z}\\p{C}", true),
    ("[:lower:]", "\\p{Ll}", false),
    ("[:print:]", "\\p{C}", false),
    ("[:punct:]", "\\p{P}", false),
    ("[:space:]", "\\p{Z}\\t\\r\\n\\x0B\\f", false),
    ("[:upper:]", "\\p{Lu}", false),
    ("[:word:]", "\\p{L}\\p{Nl}\\p{Nd}\\p{Pc}", false),
    ("[:xdigit:]", "A-Fa-f0-9", false),
];

fn class_escape(c: char) -> String {
    if matches!(c, '[' | ']' | '\\' | '-' | '^' | '&' | '~') {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

/// Parses a bracket expression at `pos`. Returns (regex source, chars consumed, magic,
/// literal char when the class is a single literal character). `None` = not a class.
fn parse_class(chars: &[char], pos: usize) -> Option<(String, usize, bool, Option<char>)> {
    let mut ranges: Vec<String> = Vec::new();
    let mut single: Vec<char> = Vec::new();
    let mut negs: Vec<String> = Vec::new();
    let mut i = pos + 1;
    let mut saw_start = false;
    let mut escaping = false;
    let mut negate = false;
    let mut end_pos = pos;
    let mut range_start: Option<char> = None;
    let rest_len = chars.len() - pos;
    'outer: while i < chars.len() {
        let c = chars[i];
        if (c == '!' || c == '^') && i == pos + 1 {
            negate = true;
            i += 1;
            continue;
        }
        if c == ']' && saw_start && !escaping {
            end_pos = i + 1;
            break;
        }
        saw_start = true;
        if c == '\\' && !escaping {
            escaping = true;
            i += 1;
            continue;
        }
        if c == '[' && !escaping {
            for (name, unip, neg) in POSIX_CLASSES {
                let n: Vec<char> = name.chars().collect();
                if chars[i..].starts_with(&n) {
                    if range_start.is_some() {
                        return Some(("$.".to_string(), rest_len, true, None));
                    }
                    i += n.len();
                    if *neg {
                        negs.push(unip.to_string());
                    } else {
                        ranges.push(unip.to_string());
                        single.push('\0');
                    }
                    continue 'outer;
                }
            }
        }
        escaping = false;
        if let Some(rs) = range_start.take() {
            if c > rs {
                ranges.push(format!("{}-{}", class_escape(rs), class_escape(c)));
                single.push('\0');
            } else if c == rs {
                ranges.push(class_escape(c));
                single.push(c);
            }
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2) == Some(&']') {
            ranges.push(format!("{}{}", class_escape(c), class_escape('-')));
            single.push('\0');
            i += 2;
            continue;
        }
        if chars.get(i + 1) == Some(&'-') {
            range_start = Some(c);
            i += 2;
            continue;
        }
        ranges.push(class_escape(c));
        single.push(c);
        i += 1;
    }
    if end_pos < i {
        return None;
    }
    if ranges.is_empty() && negs.is_empty() {
        return Some(("$.".to_string(), rest_len, true, None));
    }
    if negs.is_empty() && ranges.len() == 1 && single[0] != '\0' && !negate {
        let c = single[0];
        return Some((regex::escape(&c.to_string()), end_pos - pos, false, Some(c)));
    }
    let caret = if negate { "^" } else { "" };
    let sranges = format!("[{caret}{}]", ranges.concat());
    let snegs = format!("[{}{}]", if negate { "" } else { "^" }, negs.concat());
    let src = if !ranges.is_empty() && !negs.is_empty() {
        format!("(?:{sranges}|{snegs})")
    } else if !ranges.is_empty() {
        sranges
    } else {
        snegs
    };
    // A class never matches the path separator in minimatch's segment matching.
    Some((src, end_pos - pos, true, None))
}

/// Bash-style brace expansion as the `brace-expansion` package performs it (common cases).
pub(crate) fn brace_expand(pattern: &str) -> Vec<String> {
    if !has_brace_pair(pattern) {
        return vec![pattern.to_string()];
    }
    let mut out = expand(pattern, true);
    if out.is_empty() {
        out.push(pattern.to_string());
    }
    out
}

/// minimatch's pre-check `/\{(?:(?!\{).)*\}/`.
fn has_brace_pair(p: &str) -> bool {
    let mut open = false;
    for c in p.chars() {
        match c {
            '{' => open = true,
            '}' if open => return true,
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => open = false,
            _ => {}
        }
    }
    false
}

/// Finds the first balanced `{...}` (ignoring backslash-escaped braces): (start, end) byte indexes.
fn balanced(s: &str) -> Option<(usize, usize)> {
    let b: Vec<(usize, char)> = s.char_indices().collect();
    let mut i = 0;
    while i < b.len() {
        let (start, c) = b[i];
        if c == '\\' {
            i += 2;
            continue;
        }
        if c == '{' {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                let (idx, cj) = b[j];
                if cj == '\\' {
                    j += 2;
                    continue;
                }
                if cj == '{' {
                    depth += 1;
                } else if cj == '}' {
                    depth -= 1;
                    if depth == 0 {
                        return Some((start, idx));
                    }
                }
                j += 1;
            }
            // Unbalanced opening brace: try a later one.
        }
        i += 1;
    }
    None
}

fn split_top_commas(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '{' => {
                depth += 1;
                cur.push(c);
            }
            '}' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn sequence(body: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = body.split("..").collect();
    if parts.len() != 2 && parts.len() != 3 {
        return None;
    }
    let is_int = |s: &str| {
        let d = s.strip_prefix('-').unwrap_or(s);
        !d.is_empty() && d.chars().all(|c| c.is_ascii_digit())
    };
    let step: i64 = if parts.len() == 3 {
        if !is_int(parts[2]) {
            return None;
        }
        parts[2].parse::<i64>().ok()?.checked_abs()?.max(1)
    } else {
        1
    };
    if is_int(parts[0]) && is_int(parts[1]) {
        let x: i64 = parts[0].parse().ok()?;
        let y: i64 = parts[1].parse().ok()?;
        let pad = |s: &str| {
            let d = s.strip_prefix('-').unwrap_or(s);
            d.len() > 1 && d.starts_with('0')
        };
        let width = if pad(parts[0]) || pad(parts[1]) {
            parts[0].len().max(parts[1].len())
        } else {
            0
        };
        let mut out = Vec::new();
        let mut v = x;
        let limit = 100_000usize;
        while (x <= y && v <= y) || (x > y && v >= y) {
            let mut s = v.abs().to_string();
            let neg = v < 0;
            let w = if neg { width.saturating_sub(1) } else { width };
            while s.len() < w {
                s.insert(0, '0');
            }
            out.push(if neg { format!("-{s}") } else { s });
            if out.len() > limit {
                break;
            }
            v = if x <= y { v + step } else { v - step };
        }
        return Some(out);
    }
    let one_alpha = |s: &str| s.len() == 1 && s.chars().all(|c| c.is_ascii_alphabetic());
    if one_alpha(parts[0]) && one_alpha(parts[1]) {
        let x = parts[0].chars().next()? as u32;
        let y = parts[1].chars().next()? as u32;
        let mut out = Vec::new();
        let mut v = x as i64;
        let (xi, yi) = (x as i64, y as i64);
        while (xi <= yi && v <= yi) || (xi > yi && v >= yi) {
            let c = char::from_u32(v as u32)?;
            out.push(if c == '\\' {
                String::new()
            } else {
                c.to_string()
            });
            v = if xi <= yi { v + step } else { v - step };
        }
        return Some(out);
    }
    None
}

fn expand(s: &str, top: bool) -> Vec<String> {
    let Some((a, b)) = balanced(s) else {
        return vec![s.to_string()];
    };
    let pre = &s[..a];
    let body = &s[a + 1..b];
    let post_raw = &s[b + 1..];
    let post = if post_raw.is_empty() {
        vec![String::new()]
    } else {
        expand(post_raw, false)
    };
    if pre.ends_with('$') {
        return post.iter().map(|p| format!("{pre}{{{body}}}{p}")).collect();
    }
    let alternatives: Vec<String> = if let Some(seq) = sequence(body) {
        seq
    } else if split_top_commas(body).len() > 1 {
        split_top_commas(body)
            .iter()
            .flat_map(|el| expand(el, false))
            .collect()
    } else {
        // Not expandable: keep the braces literally and expand what follows.
        return post.iter().map(|p| format!("{pre}{{{body}}}{p}")).collect();
    };
    let mut out = Vec::new();
    for n in &alternatives {
        for p in &post {
            let e = format!("{pre}{n}{p}");
            if !top || !e.is_empty() {
                out.push(e);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pat: &str, path: &str) -> bool {
        Minimatch::new(pat)
            .map(|mm| mm.matches(path))
            .unwrap_or(false)
    }

    #[test]
    fn basics() {
        assert!(m("*.txt", "a.txt"));
        assert!(m("*.txt", "sub/a.txt"));
        assert!(!m("*.txt", ".a.txt"));
        assert!(m(".is_custom_resource", "x/.is_custom_resource"));
        assert!(m("sub/*.txt", "sub/a.txt"));
        assert!(!m("sub/*.txt", "x/sub/a.txt"));
        assert!(m("**/*.txt", "x/sub/a.txt"));
        assert!(m("**/*.txt", "a.txt"));
        assert!(!m("**/*.txt", ".x/a.txt"));
        assert!(m("sub/**", "sub/a/b"));
        assert!(!m("sub/**", "sub"));
        assert!(m("a/**/b", "a/b"));
        assert!(m("{a,b}.txt", "b.txt"));
        assert!(m("f[0-9].bin", "f7.bin"));
        assert!(!m("f[!0-9].bin", "f7.bin"));
        assert!(m("*", "anything"));
        assert!(!m("*", ".hidden"));
        assert!(m(".*", ".hidden"));
        assert!(m("??.md", "ab.md"));
        assert!(!m("??.md", "abc.md"));
        assert!(!m("#comment", "#comment"));
        assert!(m("!foo", "foo"));
        assert!(m("a\\*b", "a*b"));
        assert!(m("[.]x", ".x"));
    }

    #[test]
    fn braces() {
        assert_eq!(brace_expand("a{b,c}d"), vec!["abd", "acd"]);
        assert_eq!(brace_expand("a{1..3}"), vec!["a1", "a2", "a3"]);
        assert_eq!(brace_expand("a{b}c"), vec!["a{b}c"]);
        assert_eq!(brace_expand("{a,b{c,d}}"), vec!["a", "bc", "bd"]);
        assert_eq!(brace_expand("x{01..03}"), vec!["x01", "x02", "x03"]);
    }
}

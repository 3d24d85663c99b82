//! The subset of Node's `path.posix` the CDK relies on, on `&str`, with Node's exact results.

/// `path.posix.normalize`.
pub(crate) fn normalize(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let absolute = p.starts_with('/');
    let trailing = p.ends_with('/');
    let mut out = normalize_segments(p, !absolute);
    if out.is_empty() {
        if absolute {
            return "/".to_string();
        }
        return if trailing {
            "./".to_string()
        } else {
            ".".to_string()
        };
    }
    if trailing {
        out.push('/');
    }
    if absolute { format!("/{out}") } else { out }
}

fn normalize_segments(p: &str, allow_above_root: bool) -> String {
    let mut res: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if res.last().is_some_and(|l| *l != "..") {
                    res.pop();
                } else if allow_above_root {
                    res.push("..");
                }
            }
            s => res.push(s),
        }
    }
    res.join("/")
}

/// `path.posix.resolve(a)` for an absolute `a` (no trailing slash except for `/`).
pub(crate) fn resolve_abs(p: &str) -> String {
    let n = normalize_segments(p, false);
    format!("/{n}")
}

/// `path.posix.join(a, b)`.
pub(crate) fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => ".".to_string(),
        (true, false) => normalize(b),
        (false, true) => normalize(a),
        (false, false) => normalize(&format!("{a}/{b}")),
    }
}

/// `path.posix.dirname`.
pub(crate) fn dirname(p: &str) -> String {
    let b = p.as_bytes();
    if b.is_empty() {
        return ".".to_string();
    }
    let has_root = b[0] == b'/';
    let mut end: Option<usize> = None;
    let mut matched_slash = true;
    for i in (1..b.len()).rev() {
        if b[i] == b'/' {
            if !matched_slash {
                end = Some(i);
                break;
            }
        } else {
            matched_slash = false;
        }
    }
    match end {
        None => (if has_root { "/" } else { "." }).to_string(),
        Some(1) if has_root => "//".to_string(),
        Some(e) => p[..e].to_string(),
    }
}

/// `path.posix.basename` (without the extension argument).
pub(crate) fn basename(p: &str) -> &str {
    let trimmed = p.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// `path.posix.extname`.
pub(crate) fn extname(p: &str) -> &str {
    let base = basename(p);
    if base == ".." {
        return "";
    }
    match base.rfind('.') {
        None | Some(0) => "",
        Some(i) => &base[i..],
    }
}

/// `path.posix.relative(from, to)` for two absolute paths.
pub(crate) fn relative(from: &str, to: &str) -> String {
    let from = resolve_abs(from);
    let to = resolve_abs(to);
    if from == to {
        return String::new();
    }
    let fs: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let ts: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let common = fs.iter().zip(ts.iter()).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; fs.len() - common];
    parts.extend_from_slice(&ts[common..]);
    parts.join("/")
}

/// Compares two strings the way JavaScript's `<` does: by UTF-16 code units.
pub(crate) fn js_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_path_semantics() {
        assert_eq!(normalize("a//b/../c/"), "a/c/");
        assert_eq!(normalize("../a/./b"), "../a/b");
        assert_eq!(normalize(""), ".");
        assert_eq!(normalize("/.."), "/");
        assert_eq!(dirname("a/b/c"), "a/b");
        assert_eq!(dirname("a"), ".");
        assert_eq!(dirname("/a"), "/");
        assert_eq!(dirname("a/b/"), "a");
        assert_eq!(basename("/x/y.tar.gz"), "y.tar.gz");
        assert_eq!(extname("asset.x.tar.gz"), ".gz");
        assert_eq!(extname(".bashrc"), "");
        assert_eq!(extname("a."), ".");
        assert_eq!(extname(".."), "");
        assert_eq!(extname("..a"), ".a");
        assert_eq!(relative("/a/b", "/a/c/d"), "../c/d");
        assert_eq!(relative("/a/b", "/a/b"), "");
        assert_eq!(join("/a/b", "../c"), "/a/c");
        assert_eq!(resolve_abs("/a/./b/"), "/a/b");
        assert_eq!(js_cmp("\u{ff61}", "\u{1f600}"), std::cmp::Ordering::Greater);
        assert_eq!(js_cmp("B", "a"), std::cmp::Ordering::Less);
    }
}

//! Version order: PEP 440 versions (as Python's `packaging.version.Version` orders them) first,
//! other strings after them in lexical order — the order of the SDK's `list_versions`.

use std::cmp::Ordering;

/// A parsed PEP 440 version: epoch, release, pre-release, post-release, dev release and local
/// label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pep440 {
    epoch: u64,
    release: Vec<u64>,
    /// `(a|b|rc rank, number)`.
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    local: Vec<LocalPart>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum LocalPart {
    Number(u64),
    Text(String),
}

impl Ord for LocalPart {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (LocalPart::Number(a), LocalPart::Number(b)) => a.cmp(b),
            // Numbers sort after strings in a local label.
            (LocalPart::Number(_), LocalPart::Text(_)) => Ordering::Greater,
            (LocalPart::Text(_), LocalPart::Number(_)) => Ordering::Less,
            (LocalPart::Text(a), LocalPart::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for LocalPart {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A cursor over the lowercased text of a version.
struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn number(&mut self) -> Option<u64> {
        let end = self
            .rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let n = self.rest[..end].parse().ok()?;
        self.rest = &self.rest[end..];
        Some(n)
    }

    fn eat(&mut self, prefix: &str) -> bool {
        match self.rest.strip_prefix(prefix) {
            Some(r) => {
                self.rest = r;
                true
            }
            None => false,
        }
    }

    fn separator(&mut self) -> bool {
        self.eat(".") || self.eat("-") || self.eat("_")
    }

    /// One of `words` (the longest first), after an optional separator.
    fn word(&mut self, words: &[&str]) -> Option<String> {
        let saved = self.rest;
        self.separator();
        for w in words {
            if self.eat(w) {
                return Some((*w).to_string());
            }
        }
        self.rest = saved;
        None
    }

    /// An optional number after an optional separator (implicitly 0).
    fn implicit_number(&mut self) -> u64 {
        let saved = self.rest;
        self.separator();
        match self.number() {
            Some(n) => n,
            None => {
                self.rest = saved;
                0
            }
        }
    }
}

impl Pep440 {
    /// Parses `text`, or `None` when it is not a PEP 440 version.
    pub fn parse(text: &str) -> Option<Pep440> {
        let lower = text.trim().to_ascii_lowercase();
        let mut c = Cursor {
            rest: lower.strip_prefix('v').unwrap_or(&lower),
        };
        let mut epoch = 0;
        let mut release = vec![c.number()?];
        if c.eat("!") {
            epoch = release[0];
            release = vec![c.number()?];
        }
        loop {
            let saved = c.rest;
            if c.eat(".")
                && let Some(n) = c.number()
            {
                release.push(n);
                continue;
            }
            c.rest = saved;
            break;
        }
        let pre = c
            .word(&["alpha", "beta", "preview", "pre", "rc", "a", "b", "c"])
            .map(|w| {
                let rank = match w.as_str() {
                    "a" | "alpha" => 0,
                    "b" | "beta" => 1,
                    _ => 2,
                };
                (rank, c.implicit_number())
            });
        let post = match c.word(&["post", "rev", "r"]) {
            Some(_) => Some(c.implicit_number()),
            None => {
                // `1.0-1` is the post-release 1.0.post1.
                let saved = c.rest;
                if c.eat("-")
                    && let Some(n) = c.number()
                {
                    Some(n)
                } else {
                    c.rest = saved;
                    None
                }
            }
        };
        let dev = c.word(&["dev"]).map(|_| c.implicit_number());
        let mut local = Vec::new();
        if c.eat("+") {
            for part in c.rest.split(['.', '-', '_']) {
                if part.is_empty() || !part.chars().all(|ch| ch.is_ascii_alphanumeric()) {
                    return None;
                }
                local.push(match part.parse() {
                    Ok(n) => LocalPart::Number(n),
                    Err(_) => LocalPart::Text(part.to_string()),
                });
            }
            c.rest = "";
        }
        if !c.rest.is_empty() {
            return None;
        }
        while release.len() > 1 && release.last() == Some(&0) {
            release.pop();
        }
        Some(Pep440 {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    /// The comparison key of `packaging`: a dev release without pre- or post-release sorts
    /// before the pre-releases; no pre-release sorts after them; no post-release before any.
    fn key(&self) -> SortKey<'_> {
        let pre = match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => (-1, 0, 0),
            (None, _, _) => (1, 0, 0),
            (Some((rank, n)), _, _) => (0, rank, n),
        };
        let post = match self.post {
            None => (-1, 0),
            Some(n) => (0, n),
        };
        let dev = match self.dev {
            None => (1, 0),
            Some(n) => (0, n),
        };
        SortKey {
            epoch: self.epoch,
            release: &self.release,
            pre,
            post,
            dev,
            local: &self.local,
        }
    }
}

/// What versions are compared by, field after field.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct SortKey<'a> {
    epoch: u64,
    release: &'a [u64],
    pre: (i8, u8, u64),
    post: (i8, u64),
    dev: (i8, u64),
    local: &'a [LocalPart],
}

impl Ord for Pep440 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Pep440 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Orders version strings as the SDK's `list_versions` does: PEP 440 versions by version,
/// then the others lexically.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (Pep440::parse(a), Pep440::parse(b)) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// The latest of `versions` by real version order: the greatest PEP 440 version; else the
/// greatest `N.x` line; else the last given.
pub fn latest<'a>(versions: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let versions: Vec<&str> = versions.into_iter().collect();
    let parsed = versions
        .iter()
        .filter_map(|v| Pep440::parse(v).map(|p| (p, *v)))
        .max_by(|a, b| a.0.cmp(&b.0));
    if let Some((_, v)) = parsed {
        return Some(v);
    }
    let lines = versions
        .iter()
        .filter_map(|v| v.strip_suffix(".x")?.parse::<u64>().ok().map(|n| (n, *v)))
        .max_by_key(|(n, _)| *n);
    lines.map(|(_, v)| v).or(versions.last().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_as_pep_440() {
        let mut v = vec![
            "2.10.0",
            "2.9",
            "1.7-1",
            "1.7",
            "1.7.post2",
            "3.2-0",
            "1",
            "0.90-1",
            "2.0.0rc1",
            "2.0.0",
            "2.0.0.dev1",
            "2.0.0a2",
            "latest",
            "1.x",
        ];
        v.sort_by(|a, b| compare_versions(a, b));
        assert_eq!(
            v,
            [
                "0.90-1",
                "1",
                "1.7",
                "1.7-1",
                "1.7.post2",
                "2.0.0.dev1",
                "2.0.0a2",
                "2.0.0rc1",
                "2.0.0",
                "2.9",
                "2.10.0",
                "3.2-0",
                "1.x",
                "latest"
            ]
        );
        assert_eq!(Pep440::parse("2.5"), Pep440::parse("2.5.0"));
        assert!(Pep440::parse("1.4-2-py312").is_none());
        assert!(Pep440::parse("0.38.0-lmi").is_none());
    }

    #[test]
    fn latest_is_the_greatest_version() {
        assert_eq!(latest(["1", "0.90-1", "3.2-0", "1.7-1"]), Some("3.2-0"));
        assert_eq!(latest(["1.x", "3.x", "2.x"]), Some("3.x"));
        assert_eq!(latest(["latest"]), Some("latest"));
        assert_eq!(latest(Vec::<&str>::new()), None);
    }
}

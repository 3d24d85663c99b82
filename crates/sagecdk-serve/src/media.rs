//! Media types of requests and responses: the essence of a `Content-Type`, and the choice of a
//! response type from an `Accept` header (quality values, `type/*`, `*/*`).

/// The essence of a content type, lower-cased: `Text/CSV; charset=utf-8` → `text/csv`.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The first of `offered` (in the server's order of preference) that `accept` allows with the
/// highest quality; `None` when it allows none. An empty `accept` allows anything.
pub fn negotiate<'a>(accept: &str, offered: &[&'a str]) -> Option<&'a str> {
    if accept.trim().is_empty() {
        return offered.first().copied();
    }
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let range = pieces.next()?.trim().to_ascii_lowercase();
            if range.is_empty() {
                return None;
            }
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((range, q))
        })
        .collect();
    let quality = |offer: &str| -> f32 {
        // The most specific range that matches decides.
        let mut best: Option<(u8, f32)> = None;
        for (range, q) in &ranges {
            let specificity = if range == offer {
                3
            } else if range
                .strip_suffix("/*")
                .is_some_and(|t| offer.split('/').next() == Some(t))
            {
                2
            } else if range == "*/*" || range == "*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(s, _)| specificity > s) {
                best = Some((specificity, *q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    };
    let mut chosen: Option<(&str, f32)> = None;
    for offer in offered {
        let q = quality(offer);
        if q > 0.0 && chosen.is_none_or(|(_, best)| q > best) {
            chosen = Some((offer, q));
        }
    }
    chosen.map(|(o, _)| o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_compared_by_essence() {
        assert_eq!(essence("Text/CSV; charset=utf-8"), "text/csv");
        assert_eq!(essence(""), "");
    }

    #[test]
    fn accept_headers_choose_by_quality_then_preference() {
        let offered = ["application/json", "text/csv", "application/x-npy"];
        assert_eq!(negotiate("", &offered), Some("application/json"));
        assert_eq!(negotiate("*/*", &offered), Some("application/json"));
        assert_eq!(negotiate("text/csv", &offered), Some("text/csv"));
        assert_eq!(
            negotiate("application/json;q=0.5, application/x-npy", &offered),
            Some("application/x-npy")
        );
        assert_eq!(negotiate("text/*", &offered), Some("text/csv"));
        assert_eq!(negotiate("image/png", &offered), None);
        assert_eq!(negotiate("*/*;q=0.1, text/csv;q=0", &["text/csv"]), None);
    }
}

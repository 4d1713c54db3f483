//! SOQL built safely: every literal quoted and escaped as Salesforce's grammar requires, every id
//! checked to be an id before it is written into a query, and id lists split so that no query
//! outgrows a URL.

/// Ids per `IN (…)` list: 300 ids of 21 quoted characters keep a query near 7 KB, well within
/// the URL length Salesforce and proxies accept (the 2,000-row batch limit is paged, not split).
pub const IDS_PER_QUERY: usize = 300;

/// A SOQL string literal: `s` in single quotes with Salesforce's escapes, so no input can end
/// the literal or change the query around it.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Whether `id` can be a Salesforce id (15 or 18 ASCII letters and digits). Anything else
/// names no record, and Salesforce refuses a whole query over one malformed id, so such ids are
/// dropped before a query is built rather than quoted into it.
pub fn is_id(id: &str) -> bool {
    (id.len() == 15 || id.len() == 18) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The valid ids among `ids`, deduplicated, in `IN (…)` lists of at most [`IDS_PER_QUERY`].
pub fn id_lists<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut ids: Vec<&str> = ids.into_iter().filter(|id| is_id(id)).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.chunks(IDS_PER_QUERY)
        .map(|chunk| {
            let quoted: Vec<String> = chunk.iter().map(|id| quote(id)).collect();
            format!("({})", quoted.join(", "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_everything_that_could_end_a_literal() {
        assert_eq!(quote("O'Brien"), r"'O\'Brien'");
        assert_eq!(quote(r"a\' OR Name != '"), r"'a\\\' OR Name != \''");
        assert_eq!(quote("line\nbreak"), r"'line\nbreak'");
    }

    #[test]
    fn id_lists_keep_only_ids_and_split_long_lists() {
        let hostile = [
            "001Dp000000abcdAAA",
            "x') OR Id != ('",
            "001Dp000000abcd",
            "",
        ];
        assert_eq!(
            id_lists(hostile),
            ["('001Dp000000abcd', '001Dp000000abcdAAA')"]
        );
        let many: Vec<String> = (0..700).map(|i| format!("001Dp{i:010}")).collect();
        assert_eq!(id_lists(many.iter().map(String::as_str)).len(), 3);
        assert!(id_lists(std::iter::empty()).is_empty());
    }
}

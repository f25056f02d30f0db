//! The placeholder vocabulary: filler text that must not survive into an approved plan.
//!
//! Case-insensitive, whole words: TBD, TBC, TODO, FIXME, XXX; `<...>` or `[...]` holding "insert",
//! "add" or "placeholder"; "lorem ipsum"; "sample text"; template headings such as "Heading 2";
//! a word repeated back to back as filler ("stuff stuff").

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

static VOCABULARY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:TBD|TBC|TODO|FIXME|XXX)\b
        | <[^<>\n]*\b(?:insert|add|placeholder)\b[^<>\n]*>
        | \[[^\[\]\n]*\b(?:insert|add|placeholder)\b[^\[\]\n]*\]
        | \blorem\s+ipsum\b
        | \bsample\s+text\b
        | \bheading\s+[1-6]\b",
    )
    .expect("the placeholder vocabulary is a valid regex")
});

static WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[\p{L}]{3,}\b").expect("the word pattern is a valid regex"));

/// Byte ranges of every placeholder in `text`, in order.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let mut found: Vec<Range<usize>> = VOCABULARY.find_iter(text).map(|m| m.range()).collect();
    let mut previous: Option<regex::Match> = None;
    for word in WORD.find_iter(text) {
        if let Some(prev) = previous {
            let between = &text[prev.end()..word.start()];
            if between.chars().all(|c| c == ' ' || c == '\t')
                && prev.as_str().eq_ignore_ascii_case(word.as_str())
            {
                found.push(prev.start()..word.end());
            }
        }
        previous = Some(word);
    }
    found.sort_by_key(|r| r.start);
    found
}

/// True when `text` holds any placeholder.
pub fn contains(text: &str) -> bool {
    !find(text).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_matches_whole_words_only() {
        for filler in [
            "TBD",
            "owner: tbc",
            "see TODO list",
            "<Insert contact name>",
            "[add phone here]",
            "Lorem Ipsum dolor",
            "sample text",
            "Heading 2",
            "stuff stuff",
            "FIXME",
        ] {
            assert!(contains(filler), "{filler}");
        }
        for prose in [
            "Outbound traffic",
            "mailbox",
            "Address book",
            "TBDX",
            "<b>bold</b>",
            "Heading north",
            "a a",
        ] {
            assert!(!contains(prose), "{prose}");
        }
        assert_eq!(find("ok TODO ok"), vec![3..7]);
    }
}

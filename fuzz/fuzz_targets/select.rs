//! Fuzzes the `select` path parser and matcher, and the logical path round trip.
#![no_main]

use std::sync::OnceLock;

use bcpcheck::document::{yaml, LogicalPath, Node};
use bcpcheck::policy::select::Selector;

fn plan() -> &'static Node {
    static PLAN: OnceLock<Node> = OnceLock::new();
    PLAN.get_or_init(|| {
        let text = "processes:\n  - {id: A, depends_on: [X, Y], \"odd key\": {a: 1}}\n  - {id: B}\nm: {a: 1, b: [2, 3]}\n";
        yaml::parse_stream(text, 0).unwrap().remove(0)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(selector) = Selector::parse(text) {
        for (path, node) in selector.matches(plan()) {
            assert_eq!(plan().get(&path), Some(node));
            let shown = LogicalPath(path.clone()).to_string();
            assert_eq!(
                LogicalPath::parse(&shown).map(|p| p.0),
                if path.is_empty() { Some(Vec::new()) } else { Some(path) },
                "a logical path reads back as itself: {shown}"
            );
        }
    }
    if let Some(path) = LogicalPath::parse(text) {
        let shown = path.to_string();
        assert_eq!(LogicalPath::parse(&shown), Some(path), "round trip of {text:?} via {shown:?}");
    }
});

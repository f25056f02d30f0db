//! `select` selectors: a parsed path pattern matched against a document tree.

use crate::document::path::{parse_segments, PatternError, Step};
use crate::document::{Node, Segment, Value};

/// A compiled `select` pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    steps: Vec<Step>,
}

impl Selector {
    /// The steps of the pattern.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Parses a pattern.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        if text.trim().is_empty() {
            return Err(PatternError {
                offset: 0,
                message: "empty pattern".into(),
            });
        }
        Ok(Selector {
            steps: parse_segments(text.trim())?,
        })
    }

    /// True when the part of the pattern before its first wildcard exists in `root`: a pattern
    /// over an empty list (`body.placeholders[*]` of a plan with no filler) then applies to
    /// the document and finds nothing, rather than not applying.
    pub fn container_exists(&self, root: &Node) -> bool {
        let fixed: Vec<Segment> = self
            .steps
            .iter()
            .map_while(|step| match step {
                Step::Segment(s) => Some(s.clone()),
                Step::AnyItem | Step::AnyKey => None,
            })
            .collect();
        fixed.len() < self.steps.len() && root.get(&fixed).is_some()
    }

    /// Every node the pattern reaches, with its concrete path, in document order.
    pub fn matches<'a>(&self, root: &'a Node) -> Vec<(Vec<Segment>, &'a Node)> {
        let mut current: Vec<(Vec<Segment>, &'a Node)> = vec![(Vec::new(), root)];
        for step in &self.steps {
            let mut next = Vec::new();
            for (path, node) in current {
                let mut push = |segment: Segment, child: &'a Node| {
                    let mut p = path.clone();
                    p.push(segment);
                    next.push((p, child));
                };
                match (step, &node.value) {
                    (Step::Segment(segment), _) => {
                        if let Some(child) = node.child(segment) {
                            push(segment.clone(), child);
                        }
                    }
                    (Step::AnyItem, Value::Seq(items)) => {
                        for (i, item) in items.iter().enumerate() {
                            push(Segment::Index(i), item);
                        }
                    }
                    (Step::AnyKey, Value::Map(map)) => {
                        for (k, v) in &map.entries {
                            push(Segment::Key(k.clone()), v);
                        }
                    }
                    _ => {}
                }
            }
            current = next;
        }
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::yaml::parse_stream;

    #[test]
    fn patterns_match_every_item_with_its_path() {
        let root = parse_stream(
            "processes:\n  - {id: A, depends_on: [X, Y]}\n  - {id: B}\nm: {a: 1, b: 2}\n",
            0,
        )
        .unwrap()
        .remove(0);
        let paths = |p: &str| -> Vec<String> {
            Selector::parse(p)
                .unwrap()
                .matches(&root)
                .into_iter()
                .map(|(path, _)| crate::document::LogicalPath(path).to_string())
                .collect()
        };
        assert_eq!(paths("processes[*]"), ["processes[0]", "processes[1]"]);
        assert_eq!(
            paths("processes[*].depends_on[*]"),
            ["processes[0].depends_on[0]", "processes[0].depends_on[1]"]
        );
        assert_eq!(paths("m.*"), ["m.a", "m.b"]);
        assert_eq!(paths("processes[1].id"), ["processes[1].id"]);
        assert!(paths("nothing[*]").is_empty());
    }

    #[test]
    fn quoted_keys_read_back_as_printed() {
        for key in ["a]b", "a\"b", "a\\", "x'y", "", "ü ]["] {
            let path = crate::document::LogicalPath(vec![
                Segment::Key(key.into()),
                Segment::Index(1),
                Segment::Key("k".into()),
            ]);
            let shown = path.to_string();
            assert_eq!(
                crate::document::LogicalPath::parse(&shown),
                Some(path),
                "{shown}"
            );
        }
        assert_eq!(
            parse_segments("['a]b'].c").unwrap()[0],
            Step::Segment(Segment::Key("a]b".into()))
        );
    }

    #[test]
    fn bad_patterns_say_where() {
        for (bad, at) in [("a..b", 2), ("a[", 1), ("a[x]", 2), ("a b", 1), (".a", 0)] {
            let err = Selector::parse(bad).unwrap_err();
            assert_eq!(err.offset, at, "{bad}: {}", err.message);
        }
    }
}

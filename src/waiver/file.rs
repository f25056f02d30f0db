//! The exceptions file: strict, span-aware parsing of `exceptions:` entries.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::document::object::{FieldError, ObjectReader};
use crate::document::{self, yaml, LogicalPath, SourceFile, Span};

/// Largest exceptions file accepted, in bytes.
const MAX_SIZE: u64 = 4 * 1024 * 1024;

/// One entry of the exceptions file.
#[derive(Debug, Clone)]
pub struct Exception {
    /// The policy it waives.
    pub policy: String,
    /// Glob patterns of plan files, relative to the exceptions file's directory.
    pub files: Vec<String>,
    /// The compiled `files` patterns.
    pub globs: GlobSet,
    /// Only findings at this logical path or below it, when given.
    pub path: Option<LogicalPath>,
    /// Why the gap is accepted.
    pub justification: String,
    /// Who owns the risk.
    pub owner: String,
    /// Tracking ticket.
    pub ticket: Option<String>,
    /// Who approved it.
    pub approved_by: String,
    /// Last day it is valid.
    pub expires: NaiveDate,
    /// 1-based line of the entry.
    pub line: usize,
    /// The entry's first line, to point at.
    pub span: Span,
    /// The `expires` value.
    pub expires_span: Span,
}

/// A loaded exceptions file.
#[derive(Debug, Clone)]
pub struct ExceptionsFile {
    /// File as shown.
    pub name: String,
    /// Directory the `files` globs are relative to.
    pub dir: PathBuf,
    /// Its text, for diagnostics.
    pub source: Arc<SourceFile>,
    /// Valid entries, in file order.
    pub entries: Vec<Exception>,
}

/// An exceptions file that cannot be read, or an entry in it that is invalid (exit code 2).
#[derive(Debug, Error, Diagnostic)]
pub enum ExceptionsError {
    /// Unreadable.
    #[error("{file}: cannot read exceptions file: {reason}")]
    #[diagnostic(code(bcpcheck::exceptions::read))]
    Read {
        /// File as shown.
        file: String,
        /// Why.
        reason: String,
    },
    /// Invalid content; the entry is ignored, the others still apply.
    #[error("{file}: {message}")]
    #[diagnostic(code(bcpcheck::exceptions::invalid))]
    Invalid {
        /// File as shown.
        file: String,
        /// What is wrong.
        message: String,
        /// The exceptions file.
        #[source_code]
        src: crate::document::Named,
        /// Where.
        #[label("here")]
        at: SourceSpan,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
}

/// Reads and validates the exceptions file at `path`, shown as `name`.
pub fn load(path: &Path, name: &str) -> (Option<ExceptionsFile>, Vec<ExceptionsError>) {
    let text = match document::read_text(path, name, MAX_SIZE) {
        Ok(text) => text,
        Err(e) => {
            return (
                None,
                vec![ExceptionsError::Read {
                    file: name.to_string(),
                    reason: e.to_string(),
                }],
            )
        }
    };
    let source = Arc::new(SourceFile::new(name.to_string(), path.to_path_buf(), text));
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let (entries, errors) = parse(&source);
    let file = ExceptionsFile {
        name: name.to_string(),
        dir,
        source,
        entries,
    };
    (Some(file), errors)
}

fn parse(source: &Arc<SourceFile>) -> (Vec<Exception>, Vec<ExceptionsError>) {
    let invalid = |err: FieldError| ExceptionsError::Invalid {
        file: source.name.clone(),
        message: err.message,
        src: document::named(source),
        at: document::to_source_span(err.span),
        help: err.help,
    };
    let root = match yaml::parse_stream(&source.text, 0) {
        Ok(mut roots) if !roots.is_empty() => roots.remove(0),
        Ok(_) => return (Vec::new(), Vec::new()),
        Err(e) => {
            let err = FieldError {
                span: e.span,
                message: e.kind.to_string(),
                help: None,
            };
            return (Vec::new(), vec![invalid(err)]);
        }
    };
    let mut errors = Vec::new();
    let mut top = ObjectReader::new(&root, "the exceptions file");
    let list = top.node("exceptions");
    errors.extend(top.finish().into_iter().map(invalid));
    let mut entries = Vec::new();
    match list.map(|n| (n, n.as_seq())) {
        None => {}
        Some((_, Some(items))) => {
            for item in items {
                match entry(source, item) {
                    Ok(e) => entries.push(e),
                    Err(problems) => errors.extend(problems.into_iter().map(invalid)),
                }
            }
        }
        Some((node, None)) => errors.push(invalid(FieldError {
            span: node.span,
            message: format!("`exceptions` must be a list, not a {}", node.type_name()),
            help: Some("write `exceptions:` followed by `- policy: ...` entries".into()),
        })),
    }
    (entries, errors)
}

fn entry(source: &SourceFile, node: &document::Node) -> Result<Exception, Vec<FieldError>> {
    let mut r = ObjectReader::new(node, "an exception");
    let mut errors = Vec::new();
    let policy = r.required_string("policy").map(|(s, _)| s.to_string());
    let before = r.errors.len();
    let files = r.strings("files");
    if files.is_empty() && r.errors.len() == before {
        errors.push(FieldError {
            span: source.first_line(node.span),
            message: "`files` must name at least one glob pattern".into(),
            help: Some("add `files: [\"plans/*.yaml\"]` (globs relative to this file)".into()),
        });
    }
    let mut globs = GlobSetBuilder::new();
    for (pattern, span) in &files {
        match GlobBuilder::new(pattern.trim_start_matches("./"))
            .literal_separator(true)
            .build()
        {
            Ok(glob) => {
                globs.add(glob);
            }
            Err(e) => errors.push(FieldError {
                span: *span,
                message: format!("invalid glob pattern: {}", e.kind()),
                help: None,
            }),
        }
    }
    let path = r
        .string("path")
        .and_then(|(text, n)| match LogicalPath::parse(text) {
            Some(p) => Some(p),
            None => {
                errors.push(FieldError {
                    span: n.span,
                    message: format!("invalid logical path `{text}`"),
                    help: Some("write a path such as `processes[1]` or `metadata.owner`".into()),
                });
                None
            }
        });
    let justification = r
        .required_string("justification")
        .map(|(s, _)| s.trim().to_string());
    let owner = r.required_string("owner").map(|(s, _)| s.to_string());
    let ticket = r.string("ticket").map(|(s, _)| s.to_string());
    let approved_by = r.required_string("approvedBy").map(|(s, _)| s.to_string());
    let expires =
        r.required_string("expires").and_then(|(text, n)| {
            match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) => Some((date, n.span)),
                Err(_) => {
                    errors.push(FieldError {
                        span: n.span,
                        message: format!("`expires` must be a date, not `{text}`"),
                        help: Some(
                            "write YYYY-MM-DD; the exception is valid through that day".into(),
                        ),
                    });
                    None
                }
            }
        });
    if let Some(text) = &policy {
        if text.is_empty()
            || !text
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        {
            errors.push(FieldError {
                span: node.span,
                message: format!("invalid policy id `{text}`"),
                help: Some("policy ids use capital letters, digits and `-`".into()),
            });
        }
    }
    let mut all = r.finish();
    all.extend(errors);
    match (policy, justification, owner, approved_by, expires) {
        (
            Some(policy),
            Some(justification),
            Some(owner),
            Some(approved_by),
            Some((expires, expires_span)),
        ) if all.is_empty() => {
            let globs = globs.build().map_err(|e| {
                vec![FieldError {
                    span: node.span,
                    message: format!("invalid glob pattern: {e}"),
                    help: None,
                }]
            })?;
            Ok(Exception {
                policy,
                files: files.into_iter().map(|(f, _)| f).collect(),
                globs,
                path,
                justification,
                owner,
                ticket,
                approved_by,
                expires,
                line: source.line_col(node.span.start).line,
                span: source.first_line(node.span),
                expires_span,
            })
        }
        _ => Err(all),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (Vec<Exception>, Vec<String>) {
        let source = Arc::new(SourceFile::new("ex.yaml".into(), "ex.yaml".into(), text));
        let (entries, errors) = parse(&source);
        (entries, errors.iter().map(|e| e.to_string()).collect())
    }

    #[test]
    fn entries_are_read_strictly() {
        let (entries, errors) = parsed(
            "exceptions:\n  - policy: BCP-RTO-001\n    files: [plans/*.yaml]\n    path: processes[1]\n    justification: Legacy system\n    owner: Lena\n    ticket: RISK-1\n    approvedBy: COO\n    expires: 2026-12-31\n",
        );
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(entries.len(), 1);
        assert_eq!(
            entries[0].path.as_ref().unwrap().to_string(),
            "processes[1]"
        );
        assert!(entries[0].globs.is_match("plans/a.yaml"));
        assert!(!entries[0].globs.is_match("plans/sub/a.yaml"));
        assert_eq!(entries[0].line, 2);

        let (entries, errors) = parsed(
            "exceptions:\n  - policy: BCP-RTO-001\n    files: [a.yaml]\n    justification: x\n    owner: y\n    approvedBy: z\n    expires: soon\n    owner_name: q\n",
        );
        assert!(entries.is_empty());
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors
            .iter()
            .any(|e| e.contains("unknown field `owner_name`")));
        assert!(errors
            .iter()
            .any(|e| e.contains("`expires` must be a date")));
    }
}

//! Exceptions, applied after evaluation: waive the findings that the exceptions file or inline
//! comments name, and report expired, unused and malformed exceptions. Waived findings are kept and
//! marked, never dropped.

pub mod file;
pub mod inline;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::document::{self, discover, SourceFile, Span};
use crate::finding::{Finding, Suppression, Waiver, WaiverKind};
use crate::policy::Policy;
use file::{Exception, ExceptionsError, ExceptionsFile};
use inline::Directive;

/// What became of one exception in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Valid, and it waived at least one finding.
    InForce,
    /// Past its `expires` date: it waives nothing and is itself a warning.
    Expired,
    /// Valid, in scope, and it matched no finding: a warning.
    Unused,
    /// Its policy did not run, or none of its files was checked.
    NotInScope,
    /// An inline comment without a reason: it waives nothing and is a warning.
    NoReason,
}

impl Status {
    /// A short lowercase label.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InForce => "in force",
            Status::Expired => "expired",
            Status::Unused => "unused",
            Status::NotInScope => "not in scope",
            Status::NoReason => "no reason given",
        }
    }
}

/// An entry of the exceptions file, and what became of it.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// The entry.
    pub exception: Exception,
    /// What became of it.
    pub status: Status,
    /// Findings it matched.
    pub matched: usize,
}

/// An inline comment, and what became of it.
#[derive(Debug, Clone)]
pub struct InlineEntry {
    /// The plan file as shown.
    pub file: String,
    /// The comment.
    pub directive: Directive,
    /// What became of it.
    pub status: Status,
    /// Findings it matched.
    pub matched: usize,
}

/// Every exception of the run and its effect.
#[derive(Debug, Default)]
pub struct Exceptions {
    /// `--no-exceptions` was given: nothing was waived.
    pub disabled: bool,
    /// The exceptions file as shown, if one was used.
    pub file: Option<String>,
    /// The exceptions file on disk.
    pub path: Option<PathBuf>,
    /// Its entries.
    pub entries: Vec<FileEntry>,
    /// Inline comments found in the plans.
    pub inline: Vec<InlineEntry>,
    /// An unreadable exceptions file or invalid entries (exit code 2).
    pub errors: Vec<ExceptionsError>,
    /// Expired, unused and malformed exceptions (warnings).
    pub notices: Vec<ExceptionNotice>,
}

impl Exceptions {
    /// The exceptions file on disk, if one was read.
    pub fn source_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Exceptions switched off by `--no-exceptions`.
    pub fn disabled() -> Self {
        Exceptions {
            disabled: true,
            ..Exceptions::default()
        }
    }
}

/// A warning about an exception: it expired, matched nothing, or is malformed.
#[derive(Debug, Error, Diagnostic)]
pub enum ExceptionNotice {
    /// Past its `expires` date.
    #[error(
        "{file}:{line}: exception for {policy} expired on {expires}; it no longer waives anything"
    )]
    #[diagnostic(
        code(bcpcheck::exceptions::expired),
        severity(Warning),
        help("fix the plan, or renew the exception with a new `expires` date and approval")
    )]
    Expired {
        /// Exceptions file as shown.
        file: String,
        /// Line of the entry.
        line: usize,
        /// The policy it waived.
        policy: String,
        /// Its last valid day.
        expires: NaiveDate,
        /// The exceptions file.
        #[source_code]
        src: crate::document::Named,
        /// The `expires` value.
        #[label("expired")]
        at: SourceSpan,
    },
    /// In scope but matched no finding.
    #[error("{file}:{line}: exception for {policy} matched no finding")]
    #[diagnostic(
        code(bcpcheck::exceptions::unused),
        severity(Warning),
        help("remove it if the gap is fixed; otherwise check its policy id, `files` and `path`")
    )]
    Unused {
        /// File as shown (exceptions file or plan).
        file: String,
        /// Line of the entry or comment.
        line: usize,
        /// The policy it names.
        policy: String,
        /// The file.
        #[source_code]
        src: crate::document::Named,
        /// The entry or comment.
        #[label("unused")]
        at: SourceSpan,
    },
    /// Names a policy id that no policy of the run has: a typo, or a pack this run does not choose.
    #[error("{file}:{line}: no policy of this run has the id `{policy}`{hint}")]
    #[diagnostic(
        code(bcpcheck::exceptions::unknown_policy),
        severity(Warning),
        help("check the id (`bcpcheck policies list` lists the policies); an exception for a pack this run does not choose waives nothing")
    )]
    UnknownPolicy {
        /// File as shown (exceptions file or plan).
        file: String,
        /// Line of the entry or comment.
        line: usize,
        /// The id as written.
        policy: String,
        /// `; did you mean ...?`, when the id of a policy of the run is close.
        hint: String,
        /// The file.
        #[source_code]
        src: crate::document::Named,
        /// The entry or comment.
        #[label("unknown policy id")]
        at: SourceSpan,
    },
    /// An inline comment in scope that matched no finding on the line (or list item) it covers.
    #[error("{file}:{line}: inline exception for {policy} matched no finding")]
    #[diagnostic(
        code(bcpcheck::exceptions::unused),
        severity(Warning),
        help("remove it if the gap is fixed; otherwise check its policy id and that it sits on, or just above, the line or list item reported")
    )]
    UnusedInline {
        /// The plan as shown.
        file: String,
        /// Line of the comment.
        line: usize,
        /// The policies it names.
        policy: String,
        /// The plan.
        #[source_code]
        src: crate::document::Named,
        /// The comment.
        #[label("unused")]
        at: SourceSpan,
    },
    /// An inline comment that cannot waive anything.
    #[error("{file}:{line}: {message}")]
    #[diagnostic(
        code(bcpcheck::exceptions::inline),
        severity(Warning),
        help("write `# bcpcheck: ignore[POLICY-ID] reason` on the finding's line or the line above it")
    )]
    Inline {
        /// Plan file as shown.
        file: String,
        /// Line of the comment.
        line: usize,
        /// What is wrong.
        message: String,
        /// The plan.
        #[source_code]
        src: crate::document::Named,
        /// The comment.
        #[label("here")]
        at: SourceSpan,
    },
}

fn at(span: Span) -> SourceSpan {
    document::to_source_span(span)
}

fn file_waiver(file: &ExceptionsFile, e: &Exception) -> Waiver {
    Waiver {
        kind: WaiverKind::File,
        origin: format!("{}:{}", file.name, e.line),
        justification: e.justification.clone(),
        owner: Some(e.owner.clone()),
        ticket: e.ticket.clone(),
        approved_by: Some(e.approved_by.clone()),
        expires: Some(e.expires),
    }
}

fn inline_waiver(plan: &str, d: &Directive) -> Waiver {
    Waiver {
        kind: WaiverKind::Inline,
        origin: format!("{plan}:{}", d.line),
        justification: d.reason.clone(),
        owner: None,
        ticket: None,
        approved_by: None,
        expires: None,
    }
}

/// One checked file as exceptions see it: where it is, its findings and its inline comments.
pub struct PlanFindings<'a> {
    /// File as shown.
    pub name: &'a str,
    /// Where it is on disk.
    pub path: &'a Path,
    /// Plan documents checked in it.
    pub documents: usize,
    /// Its text, when kept.
    pub source: Option<&'a Arc<SourceFile>>,
    /// Its findings, to mark as waived.
    pub findings: &'a mut [Finding],
    /// Its inline `# bcpcheck: ignore[...]` comments.
    pub directives: &'a inline::Directives,
}

/// Waives findings in `files`, for the policies of the run, as of `as_of`.
///
/// `loaded` is the exceptions file (if any) and the problems met reading it.
pub fn apply<'a>(
    files: impl Iterator<Item = PlanFindings<'a>>,
    policies: &[Policy],
    loaded: (Option<ExceptionsFile>, Vec<ExceptionsError>),
    as_of: NaiveDate,
) -> Exceptions {
    let (exceptions_file, errors) = loaded;
    let ran: HashSet<&str> = policies.iter().map(|p| p.id.as_str()).collect();
    let entries: &[Exception] = exceptions_file
        .as_ref()
        .map_or(&[], |f| f.entries.as_slice());
    let mut matched = vec![0usize; entries.len()];
    let mut in_scope = vec![false; entries.len()];
    let mut inline_entries = Vec::new();
    let mut notices = Vec::new();

    for file in files {
        if file.documents == 0 {
            continue;
        }
        let relative = exceptions_file
            .as_ref()
            .map(|f| discover::display(file.path, &f.dir));
        let applies: Vec<bool> = entries
            .iter()
            .map(|e| relative.as_deref().is_some_and(|r| e.globs.is_match(r)))
            .collect();
        for (i, e) in entries.iter().enumerate() {
            in_scope[i] |= applies[i] && ran.contains(e.policy.as_str());
        }
        let directives = &file.directives.directives;
        let mut inline_matched = vec![0usize; directives.len()];
        for finding in file.findings.iter_mut() {
            let mut waiver = None;
            for (i, d) in directives.iter().enumerate() {
                if (d.target_line..=d.target_end).contains(&finding.start.line)
                    && d.policies.iter().any(|p| **p == *finding.policy.id)
                    && !d.reason.is_empty()
                {
                    inline_matched[i] += 1;
                    waiver.get_or_insert_with(|| inline_waiver(file.name, d));
                }
            }
            for (i, e) in entries.iter().enumerate() {
                if applies[i] && matches(e, finding) {
                    matched[i] += 1;
                    if e.expires >= as_of {
                        if let Some(f) = &exceptions_file {
                            waiver.get_or_insert_with(|| file_waiver(f, e));
                        }
                    }
                }
            }
            if finding.suppression.is_none() {
                finding.suppression = waiver.map(|w| Suppression::Waived(Arc::new(w)));
            }
        }
        inline_notices(
            &file,
            &inline_matched,
            &ran,
            &mut inline_entries,
            &mut notices,
        );
    }

    let mut file_entries = Vec::new();
    if let Some(f) = &exceptions_file {
        for (i, e) in entries.iter().enumerate() {
            notices.extend(unknown_policy(&f.source, e.line, &e.policy, e.span, &ran));
            let status = if !in_scope[i] {
                Status::NotInScope
            } else if e.expires < as_of {
                notices.push(ExceptionNotice::Expired {
                    file: f.name.clone(),
                    line: e.line,
                    policy: e.policy.clone(),
                    expires: e.expires,
                    src: document::named(&f.source),
                    at: at(e.expires_span),
                });
                Status::Expired
            } else if matched[i] == 0 {
                notices.push(unused(&f.source, e.line, &e.policy, e.span));
                Status::Unused
            } else {
                Status::InForce
            };
            file_entries.push(FileEntry {
                exception: e.clone(),
                status,
                matched: matched[i],
            });
        }
    }
    Exceptions {
        disabled: false,
        file: exceptions_file.as_ref().map(|f| f.name.clone()),
        path: exceptions_file.as_ref().map(|f| f.source.path.clone()),
        entries: file_entries,
        inline: inline_entries,
        errors,
        notices,
    }
}

/// True when exception `e` names the finding's policy and path (its files were checked by the caller).
fn matches(e: &Exception, finding: &Finding) -> bool {
    *e.policy == *finding.policy.id
        && e.path
            .as_ref()
            .is_none_or(|p| finding.target.0.starts_with(&p.0))
}

/// The notice for `policy`, named at `line` of `source`, when no policy of the run has that id.
fn unknown_policy(
    source: &Arc<SourceFile>,
    line: usize,
    policy: &str,
    span: Span,
    ran: &HashSet<&str>,
) -> Option<ExceptionNotice> {
    if ran.contains(policy) {
        return None;
    }
    let hint = document::suggest(policy, ran.iter().copied())
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    Some(ExceptionNotice::UnknownPolicy {
        file: source.name.clone(),
        line,
        policy: policy.to_string(),
        hint,
        src: document::named(source),
        at: at(span),
    })
}

fn unused(source: &Arc<SourceFile>, line: usize, policy: &str, span: Span) -> ExceptionNotice {
    ExceptionNotice::Unused {
        file: source.name.clone(),
        line,
        policy: policy.to_string(),
        src: document::named(source),
        at: at(span),
    }
}

/// Records what became of the inline comments of one file, with a notice for each that waives nothing.
fn inline_notices(
    file: &PlanFindings<'_>,
    matched: &[usize],
    ran: &HashSet<&str>,
    entries: &mut Vec<InlineEntry>,
    notices: &mut Vec<ExceptionNotice>,
) {
    let Some(source) = file.source else {
        return;
    };
    for bad in &file.directives.malformed {
        notices.push(ExceptionNotice::Inline {
            file: file.name.to_string(),
            line: bad.line,
            message: bad.message.clone(),
            src: document::named(source),
            at: at(bad.span),
        });
    }
    for (d, &count) in file.directives.directives.iter().zip(matched) {
        for policy in &d.policies {
            notices.extend(unknown_policy(source, d.line, policy, d.span, ran));
        }
        let status = if !d.policies.iter().any(|p| ran.contains(p.as_str())) {
            Status::NotInScope
        } else if d.reason.is_empty() {
            notices.push(ExceptionNotice::Inline {
                file: file.name.to_string(),
                line: d.line,
                message: "an inline exception needs a reason; this one waives nothing".into(),
                src: document::named(source),
                at: at(d.span),
            });
            Status::NoReason
        } else if count == 0 {
            notices.push(ExceptionNotice::UnusedInline {
                file: source.name.clone(),
                line: d.line,
                policy: d.policies.join(", "),
                src: document::named(source),
                at: at(d.span),
            });
            Status::Unused
        } else {
            Status::InForce
        };
        entries.push(InlineEntry {
            file: file.name.to_string(),
            directive: d.clone(),
            status,
            matched: count,
        });
    }
}

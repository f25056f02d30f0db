//! `bcpcheck.yaml`: discovery upward from the working directory, strict parsing, and its settings.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::document::object::ObjectReader;
use crate::document::{self, yaml, Node, SourceFile};

/// Config file names looked for, in order, in each directory upward.
pub const FILE_NAMES: &[&str] = &["bcpcheck.yaml", ".bcpcheck.yaml"];

/// When findings make the run fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Fail on errors.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Info,
    /// Never fail on findings (problems with inputs still exit 2).
    Never,
}

impl FailOn {
    /// Parses the config spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "error" => Some(FailOn::Error),
            "warning" => Some(FailOn::Warning),
            "info" => Some(FailOn::Info),
            "never" => Some(FailOn::Never),
            _ => None,
        }
    }

    /// The config and command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Info => "info",
            FailOn::Never => "never",
        }
    }
}

/// Settings from a config file; every path is already resolved against the file's directory.
#[derive(Debug, Default)]
pub struct Config {
    /// The file, if one was found.
    pub file: Option<PathBuf>,
    /// Glob patterns (relative to the config's directory) of plan files; also marks Markdown plans.
    pub plans: Vec<String>,
    /// Glob patterns (relative to the config's directory) of every document of the portfolio:
    /// loaded as context on every run (default: `plans`).
    pub workspace: Vec<String>,
    /// Extra policy files or directories.
    pub policies: Vec<PathBuf>,
    /// Built-in packs to run (default: all).
    pub packs: Option<Vec<String>>,
    /// Where each of `packs` is written, for errors at the name.
    pub pack_spans: Vec<document::Span>,
    /// Parameter overrides.
    pub params: Option<Node>,
    /// Exceptions file.
    pub exceptions: Option<PathBuf>,
    /// Failure threshold.
    pub fail_on: Option<FailOn>,
    /// Largest plan file accepted, in bytes.
    pub max_file_size: Option<u64>,
    /// Time budget of one evaluation, in milliseconds.
    pub max_eval_ms: Option<u64>,
    /// Memory budget of a run, in bytes (0: none).
    pub max_memory: Option<u64>,
    /// The file's text, for errors found after loading (unknown packs and parameters).
    pub source: Option<Arc<SourceFile>>,
}

impl Config {
    /// The directory the config's relative paths are resolved against.
    pub fn dir(&self) -> Option<&Path> {
        self.file.as_deref().and_then(Path::parent)
    }

    /// An error at `span` of the config file (found after loading: an unknown pack or parameter);
    /// without a config file, an error without a location.
    pub fn error_at(
        &self,
        span: document::Span,
        message: String,
        help: Option<String>,
    ) -> ConfigError {
        match &self.source {
            Some(source) => invalid_at(source, span, message, help),
            None => ConfigError::Read {
                file: "the config".into(),
                reason: message,
            },
        }
    }
}

/// An error at `span` of the config file `source`.
pub fn invalid_at(
    source: &Arc<SourceFile>,
    span: document::Span,
    message: String,
    help: Option<String>,
) -> ConfigError {
    ConfigError::Invalid {
        file: source.name.clone(),
        message,
        src: document::named(source),
        at: document::to_source_span(span),
        help,
    }
}

/// A config file that cannot be read or is invalid: the run stops with exit code 2.
#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    /// Unreadable.
    #[error("{file}: cannot read config: {reason}")]
    #[diagnostic(code(bcpcheck::config::read))]
    Read {
        /// File.
        file: String,
        /// Why.
        reason: String,
    },
    /// Invalid content.
    #[error("{file}: {message}")]
    #[diagnostic(code(bcpcheck::config::invalid))]
    Invalid {
        /// File.
        file: String,
        /// What is wrong.
        message: String,
        /// The config file.
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

/// Finds the config file: `explicit`, else the first of [`FILE_NAMES`] upward from `cwd`.
pub fn find(explicit: Option<&Path>, cwd: &Path) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(cwd.join(path));
    }
    cwd.ancestors()
        .flat_map(|dir| FILE_NAMES.iter().map(move |name| dir.join(name)))
        .find(|p| p.is_file())
}

/// Reads and validates a config file.
pub fn load(path: &Path, shown: &str) -> Result<Config, Vec<ConfigError>> {
    let text = document::read_text(path, shown, 1024 * 1024).map_err(|e| {
        vec![ConfigError::Read {
            file: shown.to_string(),
            reason: e.to_string(),
        }]
    })?;
    let source = Arc::new(SourceFile::new(shown.to_string(), path.to_path_buf(), text));
    let invalid =
        |span: document::Span, message: String, help: Option<String>| ConfigError::Invalid {
            file: shown.to_string(),
            message,
            src: document::named(&source),
            at: document::to_source_span(span),
            help,
        };
    let root = match yaml::parse_stream(&source.text, 0) {
        Ok(mut roots) if !roots.is_empty() => roots.remove(0),
        Ok(_) => {
            return Ok(Config {
                file: Some(path.to_path_buf()),
                ..Config::default()
            })
        }
        Err(e) => return Err(vec![invalid(e.span, e.kind.to_string(), None)]),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut r = ObjectReader::new(&root, "the config");
    let mut errors = Vec::new();
    let plans = r.strings("plans").into_iter().map(|(p, _)| p).collect();
    let workspace = r.strings("workspace").into_iter().map(|(p, _)| p).collect();
    let policies = r
        .strings("policies")
        .into_iter()
        .map(|(p, _)| dir.join(p))
        .collect();
    // Whether `packs:` is written at all (`packs: []` runs no pack) is read from the mapping, so
    // that the reader lists `packs` once among the known fields.
    let has_packs = root.as_map().is_some_and(|m| m.get("packs").is_some());
    let (packs, pack_spans): (Vec<String>, Vec<document::Span>) =
        r.strings("packs").into_iter().unzip();
    let packs = has_packs.then_some(packs);
    let params = r.mapping("params").cloned();
    let exceptions = r.string("exceptions").map(|(p, _)| dir.join(p));
    let fail_on = r.string("failOn").and_then(|(text, node)| {
        let parsed = FailOn::parse(text);
        if parsed.is_none() {
            errors.push(invalid(
                node.span,
                format!("invalid failOn `{text}`"),
                Some("use error, warning, info or never".into()),
            ));
        }
        parsed
    });
    let mut limit = |key: &'static str, what: &str, zero_ok: bool| {
        r.integer(key).and_then(|(n, node)| match u64::try_from(n) {
            Ok(n) if n > 0 || zero_ok => Some(n),
            _ => {
                errors.push(invalid(node.span, format!("{key} must be {what}"), None));
                None
            }
        })
    };
    let max_file_size = limit("maxFileSize", "a positive number of bytes", false);
    let max_eval_ms = limit("maxEvalMs", "a positive number of milliseconds", false);
    let max_memory = limit("maxMemory", "a number of bytes (0 for no limit)", true);
    errors.extend(
        r.finish()
            .into_iter()
            .map(|e| invalid(e.span, e.message, e.help)),
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Config {
        file: Some(path.to_path_buf()),
        plans,
        workspace,
        policies,
        packs,
        params,
        exceptions,
        fail_on,
        max_file_size,
        max_eval_ms,
        max_memory,
        pack_spans,
        source: Some(source.clone()),
    })
}

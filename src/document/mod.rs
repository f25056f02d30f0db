//! Plan documents: reading files, span-aware trees for YAML and Markdown, and where nodes are.

pub mod authoring;
pub mod discover;
mod location;
pub mod markdown;
pub mod object;
pub mod path;
pub mod placeholder;
pub mod read;
pub mod sanitize;
pub mod schema;
pub mod source;
pub mod suggest;
pub mod tree;
pub mod workspace;
pub mod yaml;

use std::path::Path;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

pub use location::Location;
pub use path::{LogicalPath, Segment};
pub use read::{confine, read_text};
pub use source::{LineCol, Snippet, SourceFile};
pub use suggest::suggest;
pub use tree::{Mapping, Node, Span, Value};

/// The API version every bcpcheck document declares.
pub const API_VERSION: &str = "bcp/v1";
/// Document kinds bcpcheck knows; others are skipped with a note.
pub const KNOWN_KINDS: &[&str] = &[
    "ContinuityPlan",
    "Register",
    "BusinessImpactAnalysis",
    "ExerciseReport",
];
/// Default largest input file, in bytes (`--max-file-size` changes it).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A YAML stream.
    Yaml,
    /// Markdown with YAML front matter.
    Markdown,
}

impl Format {
    /// The format of a path, by its extension.
    pub fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }
}

/// One plan document, parsed once.
#[derive(Debug)]
pub struct Document {
    /// The file it came from.
    pub source: Arc<SourceFile>,
    /// YAML or Markdown.
    pub format: Format,
    /// Position in a multi-document stream, from 0.
    pub index: usize,
    /// `kind:` (or `ContinuityPlan` for a Markdown plan that the config marks as such).
    pub kind: String,
    /// The data, with `body` added for Markdown.
    pub root: Node,
    /// What the plan schema says is wrong in the data: checked once, on load.
    pub problems: Vec<schema::SchemaProblem>,
}

/// What loading a file gave.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The bcpcheck documents found in it.
    pub documents: Vec<Document>,
    /// Why other documents in it were skipped (not plans).
    pub skipped: Vec<String>,
}

/// How to load files.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Refuse files larger than this many bytes.
    pub max_file_size: u64,
    /// Treat a Markdown file without `kind` as a `ContinuityPlan` (the config's plan globs say so).
    pub markdown_is_plan: bool,
    /// The repository root: a plan inside it is not read through a symbolic link leading out.
    pub root: Option<Arc<Path>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            markdown_is_plan: false,
            root: None,
        }
    }
}

/// A file that could not be read or parsed. The run goes on with the other files.
#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{file}: cannot read: {reason}")]
    #[diagnostic(
        code(bcpcheck::document::read),
        help("check that the path exists and is readable")
    )]
    Read {
        /// File as shown.
        file: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Not a regular file (a directory, FIFO, device...).
    #[error("{file}: not a regular file ({what})")]
    #[diagnostic(
        code(bcpcheck::document::not_a_file),
        help("pass plan files or directories that hold them")
    )]
    NotAFile {
        /// File as shown.
        file: String,
        /// What it is instead.
        what: &'static str,
    },
    /// Larger than the configured limit.
    #[error("{file}: file too large ({size} bytes; the limit is {limit})")]
    #[diagnostic(
        code(bcpcheck::document::too_large),
        help("split the plan, or raise the limit with --max-file-size or `maxFileSize:` in bcpcheck.yaml")
    )]
    TooLarge {
        /// File as shown.
        file: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not UTF-8 text.
    #[error("{file}: not UTF-8 text")]
    #[diagnostic(code(bcpcheck::document::encoding), help("save the file as UTF-8"))]
    NotUtf8 {
        /// File as shown.
        file: String,
        /// The text, lossily decoded.
        #[source_code]
        src: NamedSource<String>,
        /// The first invalid byte.
        #[label("invalid byte here")]
        at: SourceSpan,
    },
    /// Text in an encoding bcpcheck does not read, or broken UTF-16.
    #[error("{file}: {problem}")]
    #[diagnostic(
        code(bcpcheck::document::encoding),
        help("save the file as UTF-8 (UTF-16 is read when it starts with a byte-order mark)")
    )]
    Encoding {
        /// File as shown.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// A NUL byte: a binary file, or UTF-16 without a byte-order mark.
    #[error("{file}: a binary file, not text (NUL byte at offset {offset})")]
    #[diagnostic(
        code(bcpcheck::document::binary),
        help("plans are UTF-8 text; UTF-16 is read only with a byte-order mark")
    )]
    Binary {
        /// File as shown.
        file: String,
        /// The first NUL byte.
        offset: usize,
    },
    /// A symbolic link loop, a broken link, or a link leading outside the repository.
    #[error("{file}: {problem}")]
    #[diagnostic(
        code(bcpcheck::document::link),
        help("bcpcheck reads plans only inside the repository: replace the link with the file, or point it at a file inside the repository")
    )]
    Link {
        /// File as shown.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// Nothing but whitespace and comments.
    #[error("{file}: empty file: no YAML document")]
    #[diagnostic(
        code(bcpcheck::document::empty),
        help("write a plan (`bcpcheck init` makes a skeleton) or delete the file")
    )]
    Empty {
        /// File as shown.
        file: String,
    },
    /// Invalid YAML, or YAML bcpcheck refuses (duplicate keys, alias bombs, deep nesting), at a spot.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Spanned(Box<SpannedError>),
}

/// A load error at a spot of the file.
#[derive(Debug, Error, Diagnostic)]
#[error("{file}: {message}")]
#[diagnostic(code(bcpcheck::document::yaml))]
pub struct SpannedError {
    /// File as shown.
    pub file: String,
    /// What is wrong.
    pub message: String,
    /// The file.
    #[source_code]
    pub src: Named,
    /// Where.
    #[label("{label}")]
    pub at: SourceSpan,
    /// Label text.
    pub label: String,
    /// A second place, such as the first definition of a duplicate key.
    #[label("first defined here")]
    pub first: Option<SourceSpan>,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
}

impl LoadError {
    /// Turns a YAML error into a diagnostic on `source`.
    pub fn from_yaml(source: &Arc<SourceFile>, err: yaml::YamlError) -> Self {
        let (label, first, help) = match &err.kind {
            yaml::YamlErrorKind::DuplicateKey { first, .. } => (
                "defined again here".to_string(),
                Some(to_source_span(*first)),
                Some("remove or rename one of the two keys".to_string()),
            ),
            yaml::YamlErrorKind::Syntax(_) => (
                "here".to_string(),
                None,
                Some("fix the YAML syntax at this spot".into()),
            ),
            yaml::YamlErrorKind::AliasBudget => (
                "this alias".into(),
                None,
                Some("write the values out instead of nesting aliases".into()),
            ),
            yaml::YamlErrorKind::TooDeep => (
                "too deep".into(),
                None,
                Some("flatten the structure".into()),
            ),
            yaml::YamlErrorKind::TooManyNodes => (
                "the limit is reached here".into(),
                None,
                Some("split the plan into several files".into()),
            ),
            yaml::YamlErrorKind::ComplexKey => {
                ("this key".into(), None, Some("use a plain text key".into()))
            }
        };
        LoadError::Spanned(Box::new(SpannedError {
            file: source.name.clone(),
            message: err.kind.to_string(),
            src: named(source),
            at: to_source_span(err.span),
            label,
            first,
            help,
        }))
    }

    /// A diagnostic at `span` of `source` that is not a YAML parse error (front matter, structure).
    pub fn at(
        source: &Arc<SourceFile>,
        span: Span,
        message: String,
        label: &str,
        help: &str,
    ) -> Self {
        LoadError::Spanned(Box::new(SpannedError {
            file: source.name.clone(),
            message,
            src: named(source),
            at: to_source_span(span),
            label: label.to_string(),
            first: None,
            help: Some(help.to_string()),
        }))
    }

    /// True for a file that does not parse and has neither an `apiVersion: bcp/v1` line nor a
    /// `kind:` line naming a known kind: most likely not a plan at all (a Helm template, a CI
    /// file), so discovery may skip it.
    pub fn is_foreign(&self) -> bool {
        match self {
            LoadError::Spanned(e) => !looks_like_plan(&e.src.inner().0.text),
            _ => false,
        }
    }

    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            LoadError::Read { file, .. }
            | LoadError::NotAFile { file, .. }
            | LoadError::TooLarge { file, .. }
            | LoadError::NotUtf8 { file, .. }
            | LoadError::Encoding { file, .. }
            | LoadError::Binary { file, .. }
            | LoadError::Link { file, .. }
            | LoadError::Empty { file } => file,
            LoadError::Spanned(e) => &e.file,
        }
    }
}

/// A miette source for a file: safe to print (control characters masked), cheap to read.
pub type Named = NamedSource<Snippet>;

/// The miette source of `source`, for diagnostics that show where in it.
pub fn named(source: &Arc<SourceFile>) -> Named {
    NamedSource::new(source.name.clone(), Snippet(source.clone())).with_language("yaml")
}

/// Our span as miette's.
pub fn to_source_span(span: Span) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.len())
}

/// Reads and parses one plan file.
pub fn load(path: &Path, name: &str, options: &LoadOptions) -> Result<Loaded, LoadError> {
    let text = read_file(path, name, options)?;
    load_text(path, name, text, options)
}

/// Reads a file as [`load`] does (inside the repository, within the size limit), without parsing.
pub fn read_file(path: &Path, name: &str, options: &LoadOptions) -> Result<String, LoadError> {
    let real = match &options.root {
        Some(root) => confine(path, name, root)?,
        None => path.to_path_buf(),
    };
    read_text(&real, name, options.max_file_size)
}

/// Parses the `text` of the file at `path`, read already with [`read_file`].
pub fn load_text(
    path: &Path,
    name: &str,
    text: String,
    options: &LoadOptions,
) -> Result<Loaded, LoadError> {
    let source = Arc::new(SourceFile::new(name.to_string(), path.to_path_buf(), text));
    let format = Format::of(path).unwrap_or(Format::Yaml);
    load_source(source, format, options.markdown_is_plan)
}

/// Parses a plan already read: the documents of a YAML stream, or a Markdown plan.
pub fn load_source(
    source: Arc<SourceFile>,
    format: Format,
    markdown_is_plan: bool,
) -> Result<Loaded, LoadError> {
    match format {
        Format::Yaml => load_yaml(source, true),
        Format::Markdown => load_markdown(source, markdown_is_plan),
    }
}

/// Parses a file read with [`read_file`] that the run does not check but reads as context (a
/// workspace document): a YAML file's filler and schema problems, which nobody would see, are
/// not looked for.
pub fn load_context(
    path: &Path,
    name: &str,
    text: String,
    options: &LoadOptions,
) -> Result<Loaded, LoadError> {
    let format = Format::of(path).unwrap_or(Format::Yaml);
    if format == Format::Markdown {
        return load_text(path, name, text, options);
    }
    let source = Arc::new(SourceFile::new(name.to_string(), path.to_path_buf(), text));
    load_yaml(source, false)
}

/// The documents of a YAML stream; with `checks`, each with its filler and schema problems.
fn load_yaml(source: Arc<SourceFile>, checks: bool) -> Result<Loaded, LoadError> {
    let roots =
        yaml::parse_stream(&source.text, 0).map_err(|e| LoadError::from_yaml(&source, e))?;
    if roots.is_empty() {
        return Err(LoadError::Empty {
            file: source.name.clone(),
        });
    }
    let mut loaded = Loaded::default();
    for (index, mut root) in roots.into_iter().enumerate() {
        match document_kind(&root) {
            Ok(kind) => {
                let problems = if checks {
                    add_data_placeholders(&mut root, &source)?;
                    schema_problems(&kind, &mut root)
                } else {
                    Vec::new()
                };
                loaded.documents.push(Document {
                    source: source.clone(),
                    format: Format::Yaml,
                    index,
                    problems,
                    kind,
                    root,
                })
            }
            Err(reason) => loaded.skipped.push(reason),
        }
    }
    Ok(loaded)
}

fn load_markdown(source: Arc<SourceFile>, is_plan: bool) -> Result<Loaded, LoadError> {
    let parts = markdown::parse(&source);
    if let Some(span) = parts.too_many {
        return Err(LoadError::at(
            &source,
            span,
            format!("more than {} keys and values in one file", yaml::MAX_NODES),
            "the limit is reached here",
            "split the plan into several files",
        ));
    }
    if parts.unclosed_front_matter {
        return Err(LoadError::at(
            &source,
            Span::new(0, 3),
            "front matter is never closed".into(),
            "opened here",
            "close the front matter with a line holding only `---`",
        ));
    }
    let mut data = match &parts.front_matter {
        None => Mapping::default(),
        Some(range) => {
            let yaml_text = &source.text[range.clone()];
            let mut roots = yaml::parse_stream(yaml_text, range.start)
                .map_err(|e| LoadError::from_yaml(&source, e))?;
            match roots.pop().map(|n| n.value) {
                None | Some(Value::Null) => Mapping::default(),
                Some(Value::Map(map)) => map,
                Some(_) => {
                    return Err(LoadError::at(
                        &source,
                        Span::new(range.start, range.end),
                        "front matter is not a mapping".into(),
                        "expected `key: value` lines",
                        "write the plan data as `key: value` pairs",
                    ))
                }
            }
        }
    };
    data.entries.retain(|(k, _)| k != "body");
    let mut root = Node::new(Value::Map(data), Span::new(0, source.text.len()));
    // Filler in the front matter counts as much as filler in the prose; it comes first in the file.
    let in_front_matter = placeholder::in_data(&root, &source)
        .map_err(|span| too_many_placeholders(&source, span))?;
    let mut body = parts.body;
    if let Some(Value::Seq(items)) = body
        .as_map_mut()
        .and_then(|b| b.get_mut("placeholders"))
        .map(|p| &mut p.value)
    {
        items.splice(0..0, in_front_matter);
    }
    if let Some(map) = root.as_map_mut() {
        map.replace("body", body);
    }
    let mut loaded = Loaded::default();
    match document_kind(&root) {
        Ok(kind) => loaded.documents.push(Document {
            source,
            format: Format::Markdown,
            index: 0,
            problems: schema_problems(&kind, &mut root),
            kind,
            root,
        }),
        Err(_) if is_plan => loaded.documents.push(Document {
            source,
            format: Format::Markdown,
            index: 0,
            kind: schema::PLAN_KIND.to_string(),
            problems: schema_problems(schema::PLAN_KIND, &mut root),
            root,
        }),
        Err(reason) => loaded.skipped.push(reason),
    }
    Ok(loaded)
}

/// The schema's problems in a document. Filler in a value that must be a date, an id or a
/// duration (`next_review: <insert date>`) makes the value unusable: the schema reports it, as an
/// error, and it leaves the placeholder list, so that every value gets one finding.
fn schema_problems(kind: &str, root: &mut Node) -> Vec<schema::SchemaProblem> {
    let problems = schema::check(kind, root);
    let invalid: Vec<String> = problems
        .iter()
        .filter(|p| p.kind == schema::ProblemKind::Invalid)
        .map(|p| LogicalPath(p.path.clone()).to_string())
        .collect();
    if invalid.is_empty() {
        return problems;
    }
    let records = root
        .as_map_mut()
        .and_then(|m| m.get_mut("body"))
        .and_then(Node::as_map_mut)
        .and_then(|b| b.get_mut("placeholders"));
    if let Some(Value::Seq(items)) = records.map(|r| &mut r.value) {
        items.retain(|record| {
            let path = record
                .as_map()
                .and_then(|m| m.get("path"))
                .and_then(Node::as_str);
            !path.is_some_and(|p| invalid.iter().any(|i| i == p))
        });
    }
    problems
}

/// Adds `body: {placeholders: [{text, line, path}]}` to a YAML plan: the filler held by its text
/// values (a `body` written in the file is replaced, as in Markdown plans).
fn add_data_placeholders(root: &mut Node, source: &Arc<SourceFile>) -> Result<(), LoadError> {
    let span = root.span;
    if let Some(map) = root.as_map_mut() {
        map.entries.retain(|(k, _)| k != "body");
    }
    let found =
        placeholder::in_data(root, source).map_err(|at| too_many_placeholders(source, at))?;
    let mut body = Mapping::default();
    body.entries
        .push(("placeholders".into(), Node::new(Value::Seq(found), span)));
    if let Some(map) = root.as_map_mut() {
        map.replace("body", Node::new(Value::Map(body), span));
    }
    Ok(())
}

/// The diagnostic for a document with more placeholders than are recorded.
fn too_many_placeholders(source: &Arc<SourceFile>, span: Span) -> LoadError {
    LoadError::at(
        source,
        source.first_line(span),
        format!(
            "more than {} placeholders in one document",
            placeholder::MAX_RECORDS
        ),
        "the limit is reached in this value",
        "replace the filler with the plan's content",
    )
}

/// The value of a `key: value` line, quoted or not.
fn value_of(line: &str, key: &str) -> Option<String> {
    let line = line.trim_start_matches([' ', '\t', '-']);
    let rest = line.strip_prefix(key)?.trim_start().strip_prefix(':')?;
    Some(rest.trim().trim_matches(['"', '\'']).to_string())
}

/// True when `text` holds an `apiVersion: bcp/v1` line or a `kind:` line naming a known kind,
/// quoted or not: the mark of a bcpcheck document even when it does not parse.
pub fn looks_like_plan(text: &str) -> bool {
    text.lines().any(|line| {
        value_of(line, "apiVersion").is_some_and(|v| v.starts_with(API_VERSION))
            || value_of(line, "kind").is_some_and(|v| KNOWN_KINDS.contains(&v.as_str()))
    })
}

/// True when `text` holds a `key:` line (at any depth): a look at a file without parsing it.
pub fn declares_key(text: &str, key: &str) -> bool {
    text.lines().any(|line| value_of(line, key).is_some())
}

/// True when `text` holds a `kind:` line naming one of `kinds`: a look at a file without parsing
/// it (the workspace parses a plan it does not check only when a policy needs it).
pub fn declares_kind(text: &str, kinds: &[&str]) -> bool {
    text.lines()
        .any(|line| value_of(line, "kind").is_some_and(|v| kinds.contains(&v.as_str())))
}

/// The kind of a bcpcheck document, or why the document is not one.
fn document_kind(root: &Node) -> Result<String, String> {
    let Some(map) = root.as_map() else {
        return Err("not a mapping, so not a bcpcheck document".into());
    };
    let api = map.get("apiVersion").and_then(Node::as_str);
    let kind = map.get("kind").and_then(Node::as_str);
    match (api, kind) {
        (_, Some(kind)) if KNOWN_KINDS.contains(&kind) => Ok(kind.to_string()),
        (Some(API_VERSION), Some(kind)) => Err(format!(
            "unknown kind `{kind}` (known: {})",
            KNOWN_KINDS.join(", ")
        )),
        (Some(API_VERSION), None) => Err("no `kind:`".into()),
        _ => Err(format!(
            "no `apiVersion: {API_VERSION}` and `kind:`, so not a bcpcheck document"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(name: &str, text: &str, markdown_is_plan: bool) -> Vec<(String, usize)> {
        let source = Arc::new(SourceFile::new(name.into(), name.into(), text));
        let format = Format::of(Path::new(name)).unwrap();
        load_source(source, format, markdown_is_plan)
            .unwrap()
            .documents
            .into_iter()
            .map(|d| (d.kind, d.problems.len()))
            .collect()
    }

    #[test]
    fn a_markdown_bia_and_a_register_load_as_their_kinds() {
        let bia = "---\napiVersion: bcp/v1\nkind: BusinessImpactAnalysis\nprocesses:\n  - id: P-A\n    tier: high\n---\n# BIA\n";
        // The front matter's kind wins over the config's "Markdown files are plans".
        for markdown_is_plan in [false, true] {
            assert_eq!(
                kinds("bia.md", bia, markdown_is_plan),
                [("BusinessImpactAnalysis".to_string(), 1)]
            );
        }
        assert_eq!(
            kinds(
                "register.yaml",
                "apiVersion: bcp/v1\nkind: Register\npeople: []\n",
                false
            ),
            [("Register".to_string(), 0)]
        );
        assert!(looks_like_plan("kind: Register\n"));
    }
}

//! Compiling expressions: the shared CEL environment, the cache of programs, and the limits on an
//! expression's length and depth that keep the recursive parser and evaluator off the end of the stack.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use cel::common::ast::Expr;
use cel::{Env, IdedExpr};

use super::analysis::{analyse, Access, Analysis};
use super::ext;
use super::functions::add_functions;
use super::quoted;
use super::syntax_cache::{Parsed, SyntaxCache};
use super::tree::children;

/// The longest expression compiled, in characters. With it, no chain of operators, field reads or
/// calls is long enough to exhaust the stack of the recursive CEL parser.
pub const MAX_EXPRESSION_CHARS: usize = 4096;

/// How deep the syntax tree of an expression may nest (each operator, call, field read, list and
/// macro is a level; `a && b && c` chains are balanced). Evaluation recurses on the tree: this
/// bounds its stack. The CEL parser also refuses brackets nested deeper than 96 levels.
pub const MAX_EXPRESSION_DEPTH: usize = 100;

/// The shared CEL environment: standard library and extensions, built once per run.
#[derive(Clone)]
pub struct Runtime {
    pub(super) env: Arc<Env>,
    /// Programs by source text: policies repeat expressions (the cross-reference id lists, the
    /// criticality preconditions), and parsing dominates start-up.
    compiled: Arc<std::sync::Mutex<HashMap<String, Arc<Compiled>>>>,
    /// Syntax trees parsed by earlier runs (none: every expression is parsed).
    syntax: Arc<SyntaxCache>,
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime {
    /// Builds the environment.
    pub fn new() -> Self {
        let mut env = Env::stdlib();
        ext::register(&mut env);
        add_functions(&mut env);
        Runtime {
            env: Arc::new(env),
            compiled: Arc::default(),
            syntax: Arc::default(),
        }
    }

    /// Builds the environment, reading the syntax trees that earlier runs kept in `file` and
    /// keeping those of this run there ([`Runtime::save_syntax_cache`]).
    pub fn with_syntax_cache(file: Option<PathBuf>) -> Self {
        Runtime {
            syntax: Arc::new(SyntaxCache::open(file)),
            ..Self::new()
        }
    }

    /// Writes the syntax trees parsed by this run to the cache file, if any. Best effort: a cache
    /// that cannot be written only costs the next run its parse time.
    pub fn save_syntax_cache(&self) {
        let _ = self.syntax.save();
    }

    /// Compiles one expression (once per distinct text), and analyses which names and fields it
    /// reads. Expressions longer than [`MAX_EXPRESSION_CHARS`] or nesting deeper than
    /// [`MAX_EXPRESSION_DEPTH`] are refused.
    pub fn compile(&self, text: &str) -> Result<Arc<Compiled>, CompileError> {
        let cached = self
            .compiled
            .lock()
            .ok()
            .and_then(|cache| cache.get(text).cloned());
        if let Some(compiled) = cached {
            return Ok(compiled);
        }
        let compiled = Arc::new(self.compile_uncached(text)?);
        if let Ok(mut cache) = self.compiled.lock() {
            cache.insert(text.to_string(), compiled.clone());
        }
        Ok(compiled)
    }

    fn compile_uncached(&self, text: &str) -> Result<Compiled, CompileError> {
        if let Some((offset, _)) = text.char_indices().nth(MAX_EXPRESSION_CHARS) {
            let (line, column) = line_column(text, text[..offset].chars().count());
            return Err(CompileError {
                line,
                column,
                message: format!("the expression is longer than {MAX_EXPRESSION_CHARS} characters"),
            });
        }
        let (parsed, cached) = match self.syntax.get(text) {
            Some(parsed) => (parsed, true),
            None => (self.parse(text)?, false),
        };
        let char_at = |id: u64| parsed.offsets.get(&id).map_or(0, |start| *start as usize);
        match shape(&parsed.expression) {
            // Only a tree of bounded depth is kept: writing it recurses.
            Shape::Fine if !cached => self.syntax.add(text, &parsed),
            Shape::Fine => {}
            Shape::TooDeep(id) => {
                let (line, column) = line_column(text, char_at(id));
                return Err(CompileError {
                    line,
                    column,
                    message: format!(
                        "the expression nests deeper than {MAX_EXPRESSION_DEPTH} levels"
                    ),
                });
            }
            Shape::Unspecified(id) => {
                let (line, column) = line_column(text, char_at(id));
                return Err(CompileError {
                    line,
                    column,
                    message: "the CEL parser left this part of the expression empty".into(),
                });
            }
        }
        let mut analysis = Analysis::default();
        analyse(
            &parsed.expression,
            &mut Vec::new(),
            &HashMap::new(),
            &mut analysis,
        );
        let free = analysis
            .free
            .iter()
            .map(|(name, id)| (name.clone(), char_at(*id)))
            .collect();
        let variables = analysis
            .variables
            .iter()
            .map(|(name, id)| (name.clone(), char_at(*id)))
            .collect();
        let calls = analysis
            .calls
            .iter()
            .map(|(name, id)| (name.clone(), char_at(*id)))
            .collect();
        let uses_file_exists = parsed.expression.references().has_function("fileExists");
        Ok(Compiled {
            uses_file_exists,
            expression: parsed.expression,
            text: text.to_string(),
            free,
            variables,
            reads: analysis.reads,
            calls,
        })
    }
}

impl Runtime {
    /// The expressions compiled so far whose tree does not come back the same from the parse
    /// cache's bytes, and how many were compared.
    #[cfg(test)]
    pub fn syntax_round_trip_failures(&self) -> (usize, Vec<String>) {
        use super::syntax_cache::{decode, encode};
        let texts: Vec<String> = self.compiled.lock().unwrap().keys().cloned().collect();
        let failures = texts
            .iter()
            .filter(|text| {
                let parsed = self.parse(text).unwrap();
                let back = decode(&encode(&parsed)).unwrap();
                back.expression != parsed.expression || back.offsets != parsed.offsets
            })
            .cloned()
            .collect();
        (texts.len(), failures)
    }

    /// Parses `text`: its tree, and the start of each node in it.
    pub(super) fn parse(&self, text: &str) -> Result<Parsed, CompileError> {
        let (parsed, quoted) = quoted::replace(text);
        let (mut expression, info) =
            self.env
                .parser()
                .parse_with_source_info(&parsed)
                .map_err(|errors| {
                    let first = errors.errors.first();
                    let message =
                        first.map_or_else(|| "invalid expression".to_string(), |e| e.msg.clone());
                    CompileError {
                        line: first.map_or(1, |e| e.pos.0.max(1) as usize),
                        column: first.map_or(1, |e| e.pos.1.max(0) as usize + 1),
                        message: if message.contains("Recursion limit of") {
                            "brackets, calls or conditionals nest deeper than 96 levels".to_string()
                        } else {
                            message
                        },
                    }
                })?;
        quoted::restore(&mut expression, &quoted);
        let mut offsets = BTreeMap::new();
        let mut pending = vec![&expression];
        while let Some(node) = pending.pop() {
            if let Some((start, _)) = info.offset_for(node.id) {
                offsets.insert(node.id, start);
            }
            pending.extend(children(node));
        }
        Ok(Parsed {
            expression,
            offsets,
        })
    }
}

/// A CEL syntax error; line and column (from 1, in characters) are within the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileError {
    /// Line in the expression, from 1.
    pub line: usize,
    /// Column in the expression, from 1, in characters.
    pub column: usize,
    /// What the parser said.
    pub message: String,
}

/// A compiled expression with what it reads, shared by every thread of a run.
pub struct Compiled {
    /// The syntax tree, macros expanded.
    pub(super) expression: IdedExpr,
    /// The source text.
    pub text: String,
    /// Names read but not bound inside the expression, with their character offset.
    pub free: Vec<(String, usize)>,
    /// Fields read from `variables`, with their character offset.
    pub variables: Vec<(String, usize)>,
    /// Field chains read, in source order: used to say which field a plan lacks.
    pub reads: Vec<Access>,
    /// True when the expression calls `fileExists`, which needs the plan's directory.
    pub uses_file_exists: bool,
    /// Global functions called, with their character offset.
    pub calls: Vec<(String, usize)>,
}

impl Compiled {
    /// This expression with `now` on the left of the comparisons that read it, for an evaluation
    /// with a traced `now` (see `timeline`): same text, same analysis.
    pub fn with_now_on_the_left(&self) -> Compiled {
        let mut expression = self.expression.clone();
        super::timeline::now_on_the_left(&mut expression);
        Compiled {
            expression,
            text: self.text.clone(),
            free: self.free.clone(),
            variables: self.variables.clone(),
            reads: self.reads.clone(),
            uses_file_exists: self.uses_file_exists,
            calls: self.calls.clone(),
        }
    }

    /// True when every name the expression reads is one of `names` (and it does not call
    /// `fileExists`, which reads the plan's directory).
    pub fn reads_only(&self, names: &[&str]) -> bool {
        !self.uses_file_exists && self.free.iter().all(|(n, _)| names.contains(&n.as_str()))
    }
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("text", &self.text)
            .finish()
    }
}

/// What [`shape`] found.
enum Shape {
    /// Within the limits.
    Fine,
    /// Deeper than [`MAX_EXPRESSION_DEPTH`]; the id of the first node too deep.
    TooDeep(u64),
    /// A node the evaluator cannot run (it would panic); its id.
    Unspecified(u64),
}

/// Checks the depth of the tree without recursing, so that a deep tree cannot overflow the stack
/// here either; the recursive analysis runs only on trees found fine.
fn shape(root: &IdedExpr) -> Shape {
    let mut stack = vec![(root, 1usize)];
    while let Some((expr, depth)) = stack.pop() {
        if depth > MAX_EXPRESSION_DEPTH {
            return Shape::TooDeep(expr.id);
        }
        if matches!(expr.expr, Expr::Unspecified) {
            return Shape::Unspecified(expr.id);
        }
        stack.extend(
            super::tree::children(expr)
                .into_iter()
                .map(|c| (c, depth + 1)),
        );
    }
    Shape::Fine
}

/// Line and column (from 1) of character number `offset` of `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for c in text.chars().take(offset) {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = Runtime::new().compile("self.a &&\n  )").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.column >= 1);
    }

    #[test]
    fn hostile_expressions_are_refused_before_they_can_overflow_the_stack() {
        let rt = Runtime::new();
        let message = |text: &str| rt.compile(text).unwrap_err().message;
        let long = format!("'{}' == ''", "x".repeat(MAX_EXPRESSION_CHARS));
        assert!(message(&long).contains("longer than 4096 characters"));
        // Left-associative chains nest one level per operator.
        for chain in [
            format!("1{}", " + 1".repeat(1000)),
            format!("self{}", "[0]".repeat(1000)),
            format!("self{}", ".a".repeat(1500)),
            format!("'a'{}", ".trim()".repeat(500)),
        ] {
            assert!(
                message(&chain).contains("nests deeper than 100"),
                "{chain:.20}"
            );
        }
        let parens = format!("{}1{}", "(".repeat(2000), ")".repeat(2000));
        assert_eq!(
            message(&parens),
            "brackets, calls or conditionals nest deeper than 96 levels"
        );
        // Long `&&` chains are balanced by the parser: a long rule is not a deep one.
        let rule = vec!["has(self.a)"; 250].join(" && ");
        assert!(rt.compile(&rule).is_ok());
    }
}

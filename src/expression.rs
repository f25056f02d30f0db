//! The CEL adapter: compiling, analysing and evaluating expressions. The only module that touches
//! the `cel` crate, so the engine could move to another CEL implementation by changing this file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cel::common::ast::{EntryExpr, Expr};
use cel::{Context, Env, ExecutionError, IdedExpr, Program};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

use crate::document::{placeholder, Node, Segment, Value as NodeValue};

/// Names every expression may use.
pub const ROOT_VARIABLES: &[&str] = &["self", "doc", "file", "now", "params", "variables"];

/// The shared CEL environment: standard library and extensions, built once per run.
#[derive(Clone)]
pub struct Runtime {
    env: Arc<Env>,
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
        // The extension libraries only add names; a conflict would be a bug in the cel crate.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        Runtime { env: Arc::new(env) }
    }

    /// Compiles one expression, and analyses which names and fields it reads.
    pub fn compile(&self, text: &str) -> Result<Compiled, CompileError> {
        let program = self.env.compile(text).map_err(|errors| {
            let first = errors.errors.first();
            CompileError {
                line: first.map_or(1, |e| e.pos.0.max(1) as usize),
                column: first.map_or(1, |e| e.pos.1.max(0) as usize + 1),
                message: first.map_or_else(|| errors.to_string(), |e| e.msg.clone()),
            }
        })?;
        let mut analysis = Analysis::default();
        analyse(
            program.expression(),
            &mut Vec::new(),
            &HashMap::new(),
            &mut analysis,
        );
        let info = program.source_info();
        let char_at = |id: u64| info.offset_for(id).map_or(0, |(start, _)| start as usize);
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
        Ok(Compiled {
            program,
            text: text.to_string(),
            free,
            variables,
            reads: analysis.reads,
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

/// Where a field access starts: a root variable, or each item of a list reached by another access.
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    /// `self`, `doc`...
    Variable(String),
    /// The iteration variable of a comprehension (`all`, `exists`, `map`...) over this access.
    ItemOf(Box<Access>),
}

/// A chain of field reads such as `self.exit_strategy.reviewed_on`, found in an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    /// Where it starts.
    pub root: Root,
    /// The fields read, in order.
    pub fields: Vec<String>,
    /// True for a presence test, `has(...)`, rather than a read.
    pub is_presence_test: bool,
}

/// A compiled expression with what it reads, shared by every thread of a run.
pub struct Compiled {
    program: Program,
    /// The source text.
    pub text: String,
    /// Names read but not bound inside the expression, with their character offset.
    pub free: Vec<(String, usize)>,
    /// Fields read from `variables`, with their character offset.
    pub variables: Vec<(String, usize)>,
    /// Field chains read, in source order: used to say which field a plan lacks.
    pub reads: Vec<Access>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("text", &self.text)
            .finish()
    }
}

#[derive(Default)]
struct Analysis {
    free: Vec<(String, u64)>,
    variables: Vec<(String, u64)>,
    reads: Vec<Access>,
}

/// The access an expression spells, if it is a chain of selects from a name.
fn access_of(expr: &IdedExpr, items: &HashMap<String, Access>) -> Option<Access> {
    match &expr.expr {
        Expr::Ident(name) => Some(match items.get(name) {
            Some(range) => Access {
                root: Root::ItemOf(Box::new(range.clone())),
                fields: Vec::new(),
                is_presence_test: false,
            },
            None => Access {
                root: Root::Variable(name.clone()),
                fields: Vec::new(),
                is_presence_test: false,
            },
        }),
        Expr::Select(select) => {
            let mut access = access_of(&select.operand, items)?;
            access.fields.push(select.field.clone());
            access.is_presence_test = select.test;
            Some(access)
        }
        _ => None,
    }
}

fn analyse(
    expr: &IdedExpr,
    bound: &mut Vec<String>,
    items: &HashMap<String, Access>,
    out: &mut Analysis,
) {
    match &expr.expr {
        Expr::Ident(name) => {
            if !bound.contains(name) {
                out.free.push((name.clone(), expr.id));
            }
        }
        Expr::Select(select) => {
            if let Expr::Ident(name) = &select.operand.expr {
                if name == "variables" && !bound.contains(name) {
                    out.variables.push((select.field.clone(), expr.id));
                }
            }
            if let Some(access) = access_of(expr, items) {
                if access.root != Root::Variable("variables".into()) {
                    out.reads.push(access);
                }
            }
            analyse(&select.operand, bound, items, out);
        }
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                analyse(target, bound, items, out);
            }
            for arg in &call.args {
                analyse(arg, bound, items, out);
            }
        }
        Expr::Comprehension(c) => {
            analyse(&c.iter_range, bound, items, out);
            analyse(&c.accu_init, bound, items, out);
            let depth = bound.len();
            bound.push(c.iter_var.clone());
            bound.extend(c.iter_var2.clone());
            bound.push(c.accu_var.clone());
            let mut inner = items.clone();
            match access_of(&c.iter_range, items) {
                Some(range) => inner.insert(c.iter_var.clone(), range),
                None => inner.remove(&c.iter_var),
            };
            for part in [&c.loop_cond, &c.loop_step, &c.result] {
                analyse(part, bound, &inner, out);
            }
            bound.truncate(depth);
        }
        Expr::List(list) => {
            for e in &list.elements {
                analyse(e, bound, items, out);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(e) = &entry.expr {
                    analyse(&e.key, bound, items, out);
                    analyse(&e.value, bound, items, out);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    analyse(&f.value, bound, items, out);
                }
            }
        }
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// Plan data converted to CEL once, shared by every policy evaluated on the plan.
#[derive(Clone, Debug)]
pub struct Data(cel::Value);

impl Data {
    /// Converts a document tree.
    pub fn from_node(node: &Node) -> Self {
        Data(to_value(node))
    }

    /// The value at `path` below this one.
    pub fn at(&self, path: &[Segment]) -> Option<Data> {
        let mut value = &self.0;
        for segment in path {
            value = match (segment, value) {
                (Segment::Key(k), cel::Value::Map(map)) => {
                    map.map.get(&cel::objects::Key::from(k.as_str()))?
                }
                (Segment::Index(i), cel::Value::List(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(Data(value.clone()))
    }
}

fn to_value(node: &Node) -> cel::Value {
    match &node.value {
        NodeValue::Null => cel::Value::Null,
        NodeValue::Bool(b) => cel::Value::Bool(*b),
        NodeValue::Int(i) => cel::Value::Int(*i),
        NodeValue::Float(f) => cel::Value::Float(*f),
        NodeValue::Str(s) => cel::Value::String(Arc::new(s.clone())),
        NodeValue::Seq(items) => cel::Value::List(Arc::new(items.iter().map(to_value).collect())),
        NodeValue::Map(map) => {
            let entries: HashMap<cel::objects::Key, cel::Value> = map
                .entries
                .iter()
                .map(|(k, v)| (cel::objects::Key::from(k.as_str()), to_value(v)))
                .collect();
            cel::Value::Map(cel::objects::Map {
                map: Arc::new(entries),
            })
        }
    }
}

/// What the file being checked looks like to policies, as `file`.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// Path as shown.
    pub path: String,
    /// File name.
    pub name: String,
    /// Extension without the dot.
    pub ext: String,
    /// Document kind.
    pub kind: String,
}

/// Everything bound once per document.
pub struct DocumentBindings<'a> {
    /// `doc`.
    pub doc: &'a Data,
    /// `file`.
    pub file: FileFacts,
    /// `now`.
    pub now: DateTime<FixedOffset>,
    /// `params`.
    pub params: &'a Data,
    /// The plan's directory, against which `fileExists` resolves.
    pub plan_dir: PathBuf,
    /// The repository root that `fileExists` may not leave.
    pub root_dir: PathBuf,
}

/// The evaluation context for one document.
pub struct DocumentScope<'r> {
    context: Context<'r, 'r>,
}

/// The evaluation context for one `select` match of one policy.
pub struct MatchScope<'s> {
    context: Context<'s, 's>,
    variables: HashMap<cel::objects::Key, cel::Value>,
    /// Variables whose evaluation failed: the error surfaces only if an expression reads them.
    failed: HashMap<String, EvalError>,
}

impl Runtime {
    /// Prepares the context shared by every policy evaluated on one document.
    pub fn document_scope(&self, bindings: DocumentBindings<'_>) -> DocumentScope<'static> {
        let mut context = Context::with_env(self.env.clone());
        context.add_variable_from_value("doc", bindings.doc.0.clone());
        context.add_variable_from_value("params", bindings.params.0.clone());
        context.add_variable_from_value("now", cel::Value::Timestamp(bindings.now));
        let file: HashMap<&str, String> = HashMap::from([
            ("path", bindings.file.path),
            ("name", bindings.file.name),
            ("ext", bindings.file.ext),
            ("kind", bindings.file.kind),
        ]);
        context.add_variable_from_value("file", file);
        // Names are not declared in the environment, so these cannot conflict.
        let _ = context.add_function("date", date);
        let _ = context.add_function("period", period);
        let _ = context.add_function("isPlaceholder", |text: Arc<String>| {
            placeholder::contains(&text)
        });
        let (plan_dir, root_dir) = (bindings.plan_dir, bindings.root_dir);
        let _ = context.add_function("fileExists", move |path: Arc<String>| {
            file_exists(&plan_dir, &root_dir, &path)
        });
        DocumentScope { context }
    }
}

impl<'r> DocumentScope<'r> {
    /// A scope for one match, with `self` bound.
    pub fn enter(&self, this: &Data) -> MatchScope<'_> {
        let mut context = self.context.new_inner_scope();
        context.add_variable_from_value("self", this.0.clone());
        MatchScope {
            context,
            variables: HashMap::new(),
            failed: HashMap::new(),
        }
    }
}

impl MatchScope<'_> {
    /// Evaluates `expr` and binds its value as `variables.NAME` for what follows. As with
    /// Kubernetes' lazy variables, a failure is kept and reported only by an expression that reads it.
    pub fn bind_variable(&mut self, name: &str, expr: &Compiled) {
        match self.run(expr) {
            Ok(value) => {
                self.variables.insert(cel::objects::Key::from(name), value);
            }
            Err(err) => {
                self.failed.insert(name.to_string(), err);
            }
        }
        let map = cel::objects::Map {
            map: Arc::new(self.variables.clone()),
        };
        self.context
            .add_variable_from_value("variables", cel::Value::Map(map));
    }

    fn run(&self, expr: &Compiled) -> Result<cel::Value, EvalError> {
        expr.program
            .execute(&self.context)
            .map_err(|err| match EvalError::from(err) {
                // Reading a variable whose evaluation failed reports that failure.
                EvalError::Missing { field } if expr.variables.iter().any(|(v, _)| *v == field) => {
                    self.failed
                        .get(&field)
                        .cloned()
                        .unwrap_or(EvalError::Missing { field })
                }
                other => other,
            })
    }

    /// Evaluates an expression that must give a bool (`when`, `rule`).
    pub fn eval_bool(&self, expr: &Compiled) -> Result<bool, EvalError> {
        match self.run(expr)? {
            cel::Value::Bool(b) => Ok(b),
            other => Err(EvalError::Failed(format!(
                "the expression gave a {} where true or false was expected",
                other.type_of()
            ))),
        }
    }

    /// Evaluates an expression that must give text (`messageExpression`).
    pub fn eval_string(&self, expr: &Compiled) -> Result<String, EvalError> {
        match self.run(expr)? {
            cel::Value::String(s) => Ok(s.to_string()),
            other => Err(EvalError::Failed(format!(
                "the expression gave a {} where text was expected",
                other.type_of()
            ))),
        }
    }
}

/// Why an evaluation did not give a result.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// A field read that the plan lacks.
    Missing {
        /// The missing field.
        field: String,
    },
    /// A plan value that `date()` or `period()` cannot read.
    BadValue {
        /// The function.
        function: String,
        /// The value as written.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// Anything else: a type error, an unknown function... a policy bug.
    Failed(String),
}

impl From<ExecutionError> for EvalError {
    fn from(err: ExecutionError) -> Self {
        match err {
            ExecutionError::NoSuchKey(key) => EvalError::Missing {
                field: key.to_string(),
            },
            ExecutionError::FunctionError { function, message }
                if function == "date" || function == "period" =>
            {
                let value = message.split('`').nth(1).unwrap_or_default().to_string();
                EvalError::BadValue {
                    function,
                    value,
                    message,
                }
            }
            other => EvalError::Failed(other.to_string()),
        }
    }
}

/// `date('2026-03-01')`: a YAML date (or RFC 3339 timestamp) as a timestamp at 00:00 UTC.
fn date(value: cel::Value) -> Result<cel::Value, ExecutionError> {
    match value {
        cel::Value::Timestamp(t) => Ok(cel::Value::Timestamp(t)),
        cel::Value::String(s) => parse_date(&s).map(cel::Value::Timestamp).ok_or_else(|| {
            ExecutionError::function_error("date", format!("`{s}` is not a date; write YYYY-MM-DD"))
        }),
        other => Err(ExecutionError::function_error(
            "date",
            format!(
                "`{other:?}` is a {}, not a date; write YYYY-MM-DD",
                other.type_of()
            ),
        )),
    }
}

/// Parses `YYYY-MM-DD` (at 00:00 UTC) or an RFC 3339 timestamp.
pub fn parse_date(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let utc = FixedOffset::east_opt(0)?;
        return utc.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).single();
    }
    DateTime::parse_from_rfc3339(text).ok()
}

/// `period('1d12h')`: a plan duration (units w d h m s, combinable) as a CEL duration.
fn period(value: cel::Value) -> Result<cel::Value, ExecutionError> {
    match value {
        cel::Value::Duration(d) => Ok(cel::Value::Duration(d)),
        cel::Value::String(s) => parse_period(&s).map(cel::Value::Duration).ok_or_else(|| {
            ExecutionError::function_error(
                "period",
                format!("`{s}` is not a duration; write numbers with units w, d, h, m, s such as `4h` or `1d12h`"),
            )
        }),
        other => Err(ExecutionError::function_error(
            "period",
            format!("`{other:?}` is a {}, not a duration such as `4h`", other.type_of()),
        )),
    }
}

/// Parses `<number><unit>` pairs, units `w d h m s`: `15m`, `1h50m`, `365d`.
pub fn parse_period(text: &str) -> Option<chrono::Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = chrono::Duration::zero();
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().ok()?;
        number.clear();
        let part = match c {
            'w' => chrono::Duration::try_weeks(n),
            'd' => chrono::Duration::try_days(n),
            'h' => chrono::Duration::try_hours(n),
            'm' => chrono::Duration::try_minutes(n),
            's' => chrono::Duration::try_seconds(n),
            _ => None,
        }?;
        total = total.checked_add(&part)?;
    }
    number.is_empty().then_some(total)
}

/// `fileExists(path)`: a path relative to the plan exists inside the repository root.
fn file_exists(plan_dir: &Path, root_dir: &Path, path: &str) -> bool {
    let path = path.split(['#', '?']).next().unwrap_or("");
    if path.is_empty() || Path::new(path).is_absolute() || path.contains('\0') {
        return false;
    }
    // Canonical paths resolve `..` and symbolic links, so nothing outside the root is reachable.
    match (plan_dir.join(path).canonicalize(), root_dir.canonicalize()) {
        (Ok(target), Ok(root)) => target.starts_with(root),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_combine_units() {
        assert_eq!(parse_period("1d12h"), Some(chrono::Duration::hours(36)));
        assert_eq!(parse_period("2w"), Some(chrono::Duration::days(14)));
        assert_eq!(parse_period("15m"), Some(chrono::Duration::minutes(15)));
        for bad in ["", "4", "h", "4x", "1.5h", "99999999999999999999d"] {
            assert_eq!(parse_period(bad), None, "{bad}");
        }
    }

    #[test]
    fn analysis_finds_free_names_and_field_reads() {
        let rt = Runtime::new();
        let c = rt
            .compile("has(self.rto) && doc.roles.all(r, r.primary in doc.people.map(p, p.id)) && variables.limit > 0")
            .unwrap();
        let names: Vec<&str> = c.free.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["self", "doc", "doc", "variables"]);
        assert_eq!(c.variables[0].0, "limit");
        assert!(c
            .reads
            .iter()
            .any(|a| a.is_presence_test && a.fields == ["rto"]));
        let primary = c.reads.iter().find(|a| a.fields == ["primary"]).unwrap();
        assert!(matches!(&primary.root, Root::ItemOf(range) if range.fields == ["roles"]));
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = Runtime::new().compile("self.a &&\n  )").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.column >= 1);
    }

    #[test]
    fn file_exists_stays_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("plans")).unwrap();
        std::fs::write(root.join("plans/e.pdf"), "x").unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        let plans = root.join("plans");
        assert!(file_exists(&plans, &root, "e.pdf"));
        assert!(file_exists(&plans, &root, "e.pdf#page=2"));
        assert!(!file_exists(&plans, &root, "../../secret"));
        assert!(!file_exists(&plans, &root, "/etc/passwd"));
        assert!(!file_exists(&plans, &root, "missing.pdf"));
    }
}

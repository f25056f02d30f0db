//! The CEL adapter: compiling, analysing and evaluating expressions. The only module that touches
//! the `cel` crate, so the engine could move to another CEL implementation by changing this file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cel::common::ast::{EntryExpr, Expr};
use cel::common::types::{
    self as celtypes, CelBool, CelDuration, CelList, CelMap, CelMapKey, CelString, CelTimestamp,
};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, Env, ExecutionError, IdedExpr, Program};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

use crate::document::{placeholder, Node, Segment};
use shared::Owned;

mod shared;

/// Names every expression may use.
pub const ROOT_VARIABLES: &[&str] = &["self", "doc", "file", "now", "params", "variables"];

/// Namespaces of the extension functions (`lists.range`): not variables.
const FUNCTION_NAMESPACES: &[&str] = &["lists"];

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
    env: Arc<Env>,
    /// Programs by source text: policies repeat expressions (the cross-reference id lists, the
    /// criticality preconditions), and parsing dominates start-up.
    compiled: Arc<std::sync::Mutex<HashMap<String, Arc<Compiled>>>>,
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
        add_functions(&mut env);
        Runtime {
            env: Arc::new(env),
            compiled: Arc::default(),
        }
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
        let program = self.env.compile(text).map_err(|errors| {
            let first = errors.errors.first();
            let message = first.map_or_else(|| "invalid expression".to_string(), |e| e.msg.clone());
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
        let info = program.source_info();
        let char_at = |id: u64| info.offset_for(id).map_or(0, |(start, _)| start as usize);
        match shape(program.expression()) {
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
            program.expression(),
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
        let uses_file_exists = program.references().has_function("fileExists");
        Ok(Compiled {
            uses_file_exists,
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
    /// True when the expression calls `fileExists`, which needs the plan's directory.
    pub uses_file_exists: bool,
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

/// The direct sub-expressions of `expr`.
fn children(expr: &IdedExpr) -> Vec<&IdedExpr> {
    match &expr.expr {
        Expr::Call(call) => call.target.iter().map(|t| &**t).chain(&call.args).collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::List(list) => list.elements.iter().collect(),
        Expr::Map(cel::common::ast::MapExpr { entries })
        | Expr::Struct(cel::common::ast::StructExpr { entries, .. }) => entries
            .iter()
            .flat_map(|entry| match &entry.expr {
                EntryExpr::MapEntry(e) => vec![&e.key, &e.value],
                EntryExpr::StructField(f) => vec![&f.value],
            })
            .collect(),
        Expr::Select(select) => vec![&*select.operand],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
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
        stack.extend(children(expr).into_iter().map(|c| (c, depth + 1)));
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
            match &call.target {
                // `lists.range(3)` names a function, not a variable `lists`.
                Some(target)
                    if matches!(&target.expr, Expr::Ident(name)
                        if FUNCTION_NAMESPACES.contains(&name.as_str()) && !bound.contains(name)) =>
                    {}
                Some(target) => analyse(target, bound, items, out),
                None => {}
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

/// A node of a document's data, borrowed: what `self` is bound to.
#[derive(Clone, Copy)]
pub struct DataNode<'d>(&'d (dyn Val + 'static));

/// Plan data converted to CEL once per document; `self` borrows from it, so matches copy nothing.
#[derive(Debug)]
pub struct Data(Owned);

impl Data {
    /// Converts a document tree.
    pub fn from_node(node: &Node) -> Self {
        Data(shared::from_node(node))
    }

    /// The value at `path` below this one, borrowed.
    pub fn at(&self, path: &[Segment]) -> Option<&(dyn Val + 'static)> {
        let mut value: &(dyn Val + 'static) = &*self.0;
        for segment in path {
            value = match segment {
                Segment::Key(k) => value
                    .downcast_ref::<CelMap>()?
                    .inner()
                    .get(&CelMapKey::from(k.clone()))?
                    .as_ref(),
                Segment::Index(i) => value.downcast_ref::<CelList>()?.get(*i)?.as_ref(),
            };
        }
        Some(value)
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

/// The evaluation context for one document: built once, shared by every policy and match.
pub struct DocumentScope<'d> {
    env: Arc<Env>,
    doc: &'d Data,
    params: &'d Data,
    file: Owned,
    now: Owned,
    dirs: Arc<(PathBuf, PathBuf)>,
    /// Values of expressions that read neither `self` nor `variables`, by source text: the same
    /// for every policy and match of this document (the cross-reference policies share id lists).
    cache: std::cell::RefCell<HashMap<String, Result<Owned, EvalError>>>,
}

/// The names an expression can read, resolved by reference: nothing is copied per evaluation.
struct Names<'a> {
    doc: &'a (dyn Val + 'static),
    this: &'a (dyn Val + 'static),
    params: &'a (dyn Val + 'static),
    file: &'a (dyn Val + 'static),
    now: &'a (dyn Val + 'static),
    variables: &'a (dyn Val + 'static),
}

impl VariableResolver for Names<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        let value: &'b (dyn Val + 'static) = match variable {
            "self" => self.this,
            "doc" => self.doc,
            "params" => self.params,
            "file" => self.file,
            "now" => self.now,
            "variables" => self.variables,
            _ => return None,
        };
        Some(CowVal::Borrowed(value))
    }
}

/// Variables of one match: values, and the failures an expression reports only if it reads them.
#[derive(Debug, Default, Clone)]
pub struct Variables {
    values: CelMap<'static>,
    failed: HashMap<String, EvalError>,
}

/// The evaluation context for one `select` match of one policy.
pub struct MatchScope<'s> {
    document: &'s DocumentScope<'s>,
    this: &'s (dyn Val + 'static),
    /// Borrowed from the variables shared by every match until the match binds its own.
    variables: Cow<'s, CelMap<'static>>,
    failed: Cow<'s, HashMap<String, EvalError>>,
}

impl Runtime {
    /// Prepares the context shared by every policy evaluated on one document.
    pub fn document_scope<'d>(&self, bindings: DocumentBindings<'d>) -> DocumentScope<'d> {
        let facts = bindings.file;
        let file: HashMap<CelMapKey<'static>, Owned> = [
            ("path", facts.path),
            ("name", facts.name),
            ("ext", facts.ext),
            ("kind", facts.kind),
        ]
        .into_iter()
        .map(|(k, v)| {
            (
                CelMapKey::from(k.to_string()),
                Box::new(CelString::from(v)) as Owned,
            )
        })
        .collect();
        DocumentScope {
            env: self.env.clone(),
            doc: bindings.doc,
            params: bindings.params,
            file: Box::new(CelMap::from(file)),
            now: Box::new(CelTimestamp::from(bindings.now)),
            dirs: Arc::new((bindings.plan_dir, bindings.root_dir)),
            cache: Default::default(),
        }
    }
}

impl<'d> DocumentScope<'d> {
    /// A scope for one match: `self` is `this`, a node of the document's data; `variables` start
    /// from `shared` (those that do not depend on the match).
    pub fn enter<'s>(&'s self, this: DataNode<'s>, shared: &'s Variables) -> MatchScope<'s> {
        MatchScope {
            document: self,
            this: this.0,
            variables: Cow::Borrowed(&shared.values),
            failed: Cow::Borrowed(&shared.failed),
        }
    }

    /// Evaluates variables that do not read `self`, once for all of a policy's matches.
    pub fn shared_variables<'v>(
        &self,
        variables: impl IntoIterator<Item = (&'v str, &'v Compiled)>,
    ) -> Variables {
        let none = Variables::default();
        let mut scope = self.enter(DataNode(self.root()), &none);
        for (name, expr) in variables {
            if !expr.variables.is_empty() {
                scope.bind_variable(name, expr);
                continue;
            }
            let cached = self.cache.borrow().get(&expr.text).cloned();
            let result = cached.unwrap_or_else(|| {
                let result = scope.evaluate_owned(expr);
                self.cache
                    .borrow_mut()
                    .insert(expr.text.clone(), result.clone());
                result
            });
            scope.bind_result(name, result);
        }
        scope.variables()
    }

    /// The root of the document's data, as `self` for policies without `select`.
    fn root(&self) -> &(dyn Val + 'static) {
        &*self.doc.0
    }

    /// The node at `path` of the document's data.
    pub fn at(&self, path: &[Segment]) -> Option<DataNode<'_>> {
        self.doc.at(path).map(DataNode)
    }
}

impl MatchScope<'_> {
    /// Evaluates `expr` and binds its value as `variables.NAME` for what follows. As with
    /// Kubernetes' lazy variables, a failure is kept and reported only by an expression that reads it.
    pub fn bind_variable(&mut self, name: &str, expr: &Compiled) {
        let result = self.evaluate_owned(expr);
        self.bind_result(name, result);
    }

    /// Evaluates `expr` into a value that outlives this evaluation's borrows.
    fn evaluate_owned(&self, expr: &Compiled) -> Result<Owned, EvalError> {
        self.run(expr, |value| {
            shared::to_owned(value).map_err(EvalError::from)
        })?
    }

    fn bind_result(&mut self, name: &str, result: Result<Owned, EvalError>) {
        match result {
            Ok(value) => {
                let mut values = std::mem::take(&mut self.variables)
                    .into_owned()
                    .into_inner();
                values.insert(CelMapKey::from(name.to_string()), value);
                self.variables = Cow::Owned(CelMap::from(values));
            }
            Err(err) => {
                self.failed.to_mut().insert(name.to_string(), err);
            }
        }
    }

    /// The variables bound so far, to share with later matches.
    pub fn variables(&self) -> Variables {
        Variables {
            values: self.variables.clone().into_owned(),
            failed: self.failed.clone().into_owned(),
        }
    }

    fn run<T>(&self, expr: &Compiled, read: impl FnOnce(&dyn Val) -> T) -> Result<T, EvalError> {
        let names = Names {
            doc: self.document.root(),
            this: self.this,
            params: &*self.document.params.0,
            file: &*self.document.file,
            now: &*self.document.now,
            variables: &*self.variables,
        };
        let mut context = Context::with_env(self.document.env.clone());
        if expr.uses_file_exists {
            let dirs = self.document.dirs.clone();
            // `fileExists` is not declared in the environment, so this cannot conflict.
            let _ = context.add_function("fileExists", move |path: Arc<String>| {
                file_exists(&dirs.0, &dirs.1, &path)
            });
        }
        context.set_variable_resolver(&names);
        let result = cel::Value::resolve_val(expr.program.expression(), &context);
        match result {
            Ok(value) => Ok(read(&*value)),
            Err(err) => Err(match EvalError::from(err) {
                // Reading a variable whose evaluation failed reports that failure.
                EvalError::Missing { field } if expr.variables.iter().any(|(v, _)| *v == field) => {
                    self.failed
                        .get(&field)
                        .cloned()
                        .unwrap_or(EvalError::Missing { field })
                }
                other => other,
            }),
        }
    }

    /// Evaluates an expression that must give a bool (`when`, `rule`).
    pub fn eval_bool(&self, expr: &Compiled) -> Result<bool, EvalError> {
        self.run(expr, |value| match value.downcast_ref::<CelBool>() {
            Some(b) => Ok(*b.inner()),
            None => Err(EvalError::Failed(format!(
                "the expression gave a {} where true or false was expected",
                value.get_type().name()
            ))),
        })?
    }

    /// Evaluates an expression that must give text (`messageExpression`).
    pub fn eval_string(&self, expr: &Compiled) -> Result<String, EvalError> {
        self.run(expr, |value| match value.downcast_ref::<CelString>() {
            Some(_) => Ok(text_of(value).unwrap_or_default().to_string()),
            None => Err(EvalError::Failed(format!(
                "the expression gave a {} where text was expected",
                value.get_type().name()
            ))),
        })?
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

/// Declares `date()`, `period()` and `isPlaceholder()` once in the environment (they capture nothing).
fn add_functions(env: &mut Env) {
    // Fresh names with one overload each: a conflict would be a bug here, caught by every test.
    let _ = env.add_overload("date", "bcpcheck_date", vec![celtypes::DYN_TYPE], date);
    let _ = env.add_overload(
        "period",
        "bcpcheck_period",
        vec![celtypes::DYN_TYPE],
        period,
    );
    let _ = env.add_overload(
        "isPlaceholder",
        "bcpcheck_is_placeholder",
        vec![celtypes::STRING_TYPE],
        is_placeholder,
    );
    let _ = env.add_member_overload(
        "groupBy",
        "bcpcheck_list_group_by",
        celtypes::LIST_TYPE,
        vec![celtypes::STRING_TYPE],
        group_by,
    );
}

/// `list.groupBy('id')`: the maps of `list` that hold the field, grouped by its value (a string,
/// int, uint or bool) into a map of lists, each in list order; other elements are left out. A
/// field holding a list puts the item in the group of each value in it (`groupBy('depends_on')`:
/// the processes by each dependency they list). Built once per plan, it turns "the items whose
/// `id` is X" from a scan of the list into a lookup.
fn group_by<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (Some(list), Some(field)) = (args.first(), args.get(1)) else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let Some(items) = list.as_iterable() else {
        return Err(ExecutionError::function_error(
            "groupBy",
            "the receiver is not a list",
        ));
    };
    let mut groups: HashMap<CelMapKey<'static>, Vec<Box<dyn Val + 'v>>> = HashMap::new();
    let mut items = items.iter();
    while let Some(item) = items.next() {
        let Some(value) = item.as_indexer().and_then(|map| map.get(&**field).ok()) else {
            continue;
        };
        let mut keys: Vec<CelMapKey<'static>> = Vec::new();
        match value.as_iterable() {
            Some(values) if value.get_type().kind() == celtypes::Kind::List => {
                let mut values = values.iter();
                while let Some(v) = values.next() {
                    keys.extend(
                        CelMapKey::try_from(v.clone_as_boxed())
                            .ok()
                            .map(CelMapKey::into_static),
                    );
                }
            }
            _ => keys.extend(CelMapKey::try_from(value).ok().map(CelMapKey::into_static)),
        }
        keys.sort();
        keys.dedup();
        for key in keys {
            groups.entry(key).or_default().push(item.clone_as_boxed());
        }
    }
    let groups: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = groups
        .into_iter()
        .map(|(key, members)| (key, Box::new(CelList::from(members)) as Box<dyn Val + 'v>))
        .collect();
    Ok(CowVal::owned(CelMap::from(groups)))
}

fn text_of(value: &dyn Val) -> Option<&str> {
    value.downcast_ref::<CelString>().map(|s| s.as_ref())
}

/// `date('2026-03-01')`: a YAML date (or RFC 3339 timestamp) as a timestamp at 00:00 UTC.
fn date<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value: &dyn Val = &*args[0];
    if let Some(t) = value.downcast_ref::<CelTimestamp>() {
        return Ok(CowVal::owned(t.clone()));
    }
    match text_of(value) {
        Some(s) => parse_date(s)
            .map(|t| CowVal::owned(CelTimestamp::from(t)))
            .ok_or_else(|| {
                ExecutionError::function_error(
                    "date",
                    format!("`{s}` is not a date; write YYYY-MM-DD"),
                )
            }),
        None => Err(ExecutionError::function_error(
            "date",
            format!(
                "`{value:?}` is a {}, not a date; write YYYY-MM-DD",
                value.get_type().name()
            ),
        )),
    }
}

/// `period('1d12h')`: a plan duration (units w d h m s, combinable) as a CEL duration.
fn period<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value: &dyn Val = &*args[0];
    if let Some(d) = value.downcast_ref::<CelDuration>() {
        return Ok(CowVal::owned(*d));
    }
    match text_of(value) {
        Some(s) => parse_period(s).map(|d| CowVal::owned(CelDuration::from(d))).ok_or_else(|| {
            ExecutionError::function_error(
                "period",
                format!("`{s}` is not a duration; write numbers with units w, d, h, m, s such as `4h` or `1d12h`"),
            )
        }),
        None => Err(ExecutionError::function_error(
            "period",
            format!("`{value:?}` is a {}, not a duration such as `4h`", value.get_type().name()),
        )),
    }
}

/// `isPlaceholder(text)`: the text holds filler (see `document::placeholder`).
fn is_placeholder<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = text_of(&*args[0]).unwrap_or_default();
    Ok(CowVal::owned(CelBool::from(placeholder::contains(text))))
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

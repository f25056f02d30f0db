//! Evaluation scopes: plan data converted to CEL, what is bound once per run (`workspace`,
//! `params`), once per document (`doc`, `file`, `now`), per match (`self`, `variables`), and
//! evaluation errors.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use cel::common::types::{CelBool, CelMap, CelMapKey, CelString, CelTimestamp};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, Env, ExecutionError};
use chrono::{DateTime, FixedOffset};

use super::compile::{Compiled, Runtime};
use super::functions::{file_exists, text_of};
use super::interchange;
use super::shared::{self, Data, Owned};
use super::timeline::{self, Horizon};
use super::workspace::WorkspaceValue;
use crate::document::Segment;

/// A node of a document's data, borrowed: what `self` is bound to.
#[derive(Clone, Copy)]
pub struct DataNode<'d>(&'d (dyn Val + 'static));

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
    /// Binds `now` traced (see `timeline`): for `due`'s search, with expressions compiled by
    /// [`Compiled::with_now_on_the_left`].
    pub trace_now: bool,
    /// `params`.
    pub params: &'a Data,
    /// `workspace`, and the values of expressions that read nothing else but `params`.
    pub run: &'a RunScope,
    /// The plan's directory, against which `fileExists` resolves.
    pub plan_dir: PathBuf,
    /// The repository root that `fileExists` may not leave.
    pub root_dir: PathBuf,
}

/// A value kept for a document, with what its evaluation added to a trace of `now`.
type Cached = (Result<Owned, EvalError>, Option<Horizon>);

/// The value of an expression in a run, once evaluated.
type RunValue = OnceLock<Result<Owned, EvalError>>;

/// The names bound once per run: an expression that reads only these has one value per run.
const RUN_NAMES: &[&str] = &["workspace", "params"];

/// True when `expr` has one value per run: it reads only `workspace` and `params`.
pub fn is_run_level(expr: &Compiled) -> bool {
    expr.reads_only(RUN_NAMES)
}

/// What is the same for every document of a run: `workspace`, and the values of the expressions
/// that read only `workspace` and `params` (a portfolio-wide list is built once, not per plan).
#[derive(Debug)]
pub struct RunScope {
    workspace: Data,
    /// By source text; one cell per expression, so that a second thread waits for the first
    /// instead of evaluating it again.
    values: Mutex<HashMap<String, Arc<RunValue>>>,
}

impl RunScope {
    /// A run over `workspace` (see [`Data::workspace`]).
    pub fn new(workspace: Data) -> Self {
        RunScope {
            workspace,
            values: Mutex::default(),
        }
    }

    /// A run with an empty workspace.
    pub fn empty() -> Self {
        RunScope::new(Data::workspace(WorkspaceValue::default()))
    }

    /// True when the workspace has a value at `path` (`index.plans.CITY-EOP.data.communications`).
    pub fn workspace_has(&self, path: &[Segment]) -> bool {
        self.workspace.at(path).is_some()
    }

    /// The value of `expr` in this run, evaluated by `evaluate` the first time.
    fn value_of(
        &self,
        expr: &Compiled,
        evaluate: impl FnOnce() -> Result<Owned, EvalError>,
    ) -> Result<Owned, EvalError> {
        let cell = {
            let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
            values.entry(expr.text.clone()).or_default().clone()
        };
        cell.get_or_init(evaluate).clone()
    }
}

/// The evaluation context for one document: built once, shared by every policy and match.
pub struct DocumentScope<'d> {
    env: Arc<Env>,
    doc: &'d Data,
    params: &'d Data,
    run: &'d RunScope,
    file: Owned,
    now: Owned,
    dirs: Arc<(PathBuf, PathBuf)>,
    /// Values of expressions that read neither `self` nor `variables`, by source text: the same
    /// for every policy and match of this document (the cross-reference policies share id lists);
    /// with a traced `now`, with what each added to the trace, replayed on reuse.
    cache: std::cell::RefCell<HashMap<String, Cached>>,
}

/// The names an expression can read, resolved by reference: nothing is copied per evaluation.
struct Names<'a> {
    doc: &'a (dyn Val + 'static),
    this: &'a (dyn Val + 'static),
    params: &'a (dyn Val + 'static),
    file: &'a (dyn Val + 'static),
    now: &'a (dyn Val + 'static),
    variables: &'a (dyn Val + 'static),
    workspace: &'a (dyn Val + 'static),
    extra: &'a [(String, Owned)],
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
            "workspace" => self.workspace,
            other => {
                return self
                    .extra
                    .iter()
                    .find(|(name, _)| name == other)
                    .map(|(_, value)| CowVal::Borrowed(&**value))
            }
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
    /// Names bound besides the policy ones (see [`Bindings`]).
    extra: &'s [(String, Owned)],
}

/// Names bound besides `self`, `doc`, `file`, `now`, `params` and `variables`: the bindings of a
/// CEL conformance test. Policies never bind them.
#[derive(Debug, Default)]
pub struct Bindings(Vec<(String, Owned)>);

impl Bindings {
    /// Binds `name` to a value written in the JSON form of `cel.expr.Value` (`{"int64Value": "1"}`).
    pub fn insert_json(&mut self, name: &str, value: &serde_json::Value) -> Result<(), String> {
        self.0
            .push((name.to_string(), interchange::from_json(value)?));
        Ok(())
    }
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
            run: bindings.run,
            file: Box::new(CelMap::from(file)),
            now: if bindings.trace_now {
                super::timeline::traced_now(bindings.now)
            } else {
                Box::new(CelTimestamp::from(bindings.now))
            },
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
            extra: &[],
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
            if is_run_level(expr) {
                let result = self.run.value_of(expr, || scope.evaluate_owned(expr));
                scope.bind_result(name, result);
                continue;
            }
            let cached = self.cache.borrow().get(&expr.text).cloned();
            let result = match cached {
                Some((result, horizon)) => {
                    // Its value depends on the day as it did where it was computed.
                    timeline::replay(horizon);
                    result
                }
                None => {
                    let (result, horizon) = timeline::traced_part(|| scope.evaluate_owned(expr));
                    self.cache
                        .borrow_mut()
                        .insert(expr.text.clone(), (result.clone(), horizon));
                    result
                }
            };
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

impl<'s> MatchScope<'s> {
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
            workspace: &*self.document.run.workspace.0,
            extra: self.extra,
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
        let result = cel::Value::resolve_val(&expr.expression, &context);
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

    /// This scope with `bindings` readable as well.
    pub fn with_bindings(self, bindings: &'s Bindings) -> Self {
        MatchScope {
            extra: &bindings.0,
            ..self
        }
    }

    /// Evaluates an expression to the JSON form of `cel.expr.Value`, as the CEL conformance
    /// tests write results.
    pub fn eval_json(&self, expr: &Compiled) -> Result<serde_json::Value, EvalError> {
        self.run(expr, |value| {
            interchange::to_json(value).map_err(EvalError::Failed)
        })?
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

/// Evaluates an expression that reads no plan data to a bool: for the unit tests of the libraries.
#[cfg(test)]
pub(crate) fn eval_constant(runtime: &Runtime, expr: &Compiled) -> Result<bool, EvalError> {
    eval_as_of(
        runtime,
        expr,
        chrono::DateTime::UNIX_EPOCH.fixed_offset(),
        false,
    )
}

/// [`eval_constant`] as of `now`, traced or not.
#[cfg(test)]
pub(crate) fn eval_as_of(
    runtime: &Runtime,
    expr: &Compiled,
    now: DateTime<FixedOffset>,
    trace_now: bool,
) -> Result<bool, EvalError> {
    let data = Data::from_node(&crate::document::Node::record(
        crate::document::Span::new(0, 0),
        Vec::new(),
    ));
    let run = RunScope::empty();
    let scope = runtime.document_scope(DocumentBindings {
        doc: &data,
        file: FileFacts {
            path: String::new(),
            name: String::new(),
            ext: String::new(),
            kind: String::new(),
        },
        now,
        trace_now,
        params: &data,
        run: &run,
        plan_dir: PathBuf::new(),
        root_dir: PathBuf::new(),
    });
    let none = Variables::default();
    let result = scope.enter(DataNode(scope.root()), &none).eval_bool(expr);
    result
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn an_expression_of_workspace_and_params_is_evaluated_once_per_run() {
        let runtime = Runtime::new();
        let expr = runtime
            .compile("size(workspace.plans) + size(params)")
            .unwrap();
        assert!(expr.reads_only(RUN_NAMES));
        let run = RunScope::empty();
        let evaluations = Cell::new(0);
        for _ in 0..3 {
            let value = run.value_of(&expr, || {
                evaluations.set(evaluations.get() + 1);
                Ok(shared::string("x"))
            });
            assert!(value.is_ok());
        }
        assert_eq!(evaluations.get(), 1);
    }

    #[test]
    fn reads_of_the_document_are_not_shared_across_the_run() {
        let runtime = Runtime::new();
        for text in [
            "size(doc.processes)",
            "workspace.plans.exists(p, p.file == file.path)",
        ] {
            assert!(
                !runtime.compile(text).unwrap().reads_only(RUN_NAMES),
                "{text}"
            );
        }
    }

    #[test]
    fn without_a_portfolio_every_list_and_index_is_empty() {
        let runtime = Runtime::new();
        let expr = runtime
            .compile("size(workspace.plans) == 0 && size(workspace.registers) == 0 && size(workspace.bias) == 0 && !('X' in workspace.index.providers) && size(workspace.index.plans) == 0")
            .unwrap();
        assert_eq!(eval_constant(&runtime, &expr), Ok(true));
    }
}

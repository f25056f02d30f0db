//! The CEL adapter: compiling, analysing and evaluating expressions. The only module that touches
//! the `cel` crate, so the engine could move to another CEL implementation by changing this folder.
//!
//! - `compile`: the environment, the program cache and the limits on an expression's size;
//! - `analysis`: which names and fields an expression reads;
//! - `quoted`: backtick-quoted field names, which the crate's parser lacks;
//! - `scope`: what is bound per document and per match, and evaluation;
//! - `ext`: the CEL libraries beyond the standard one (math, sets, `cel.bind`, Kubernetes...);
//! - `functions`: bcpcheck's own functions (`date`, `period`, `groupBy`...);
//! - `interchange`: values in the JSON form of `cel.expr.Value`, for conformance tests;
//! - `shared`: plan data as reference-counted CEL values;
//! - `workspace`: the `workspace` variable, built once per run;
//! - `timeline`: evaluation with a traced `now`, which tells until when a result holds (`due`);
//! - `tree`: walking the syntax tree (its shape check, and the rewrites made after parsing).

mod analysis;
mod compile;
mod ext;
mod functions;
mod interchange;
mod quoted;
mod scope;
mod shared;
mod syntax_cache;
mod timeline;
mod tree;
mod workspace;

pub use analysis::{unknown_name_help, Access, Root, GLOBAL_FUNCTIONS, ROOT_VARIABLES};
pub use compile::{
    line_column, CompileError, Compiled, Runtime, MAX_EXPRESSION_CHARS, MAX_EXPRESSION_DEPTH,
};
pub use functions::{parse_date, parse_period};
#[cfg(test)]
pub(crate) use scope::eval_constant;
pub use scope::{
    is_run_level, Bindings, DataNode, DocumentBindings, DocumentScope, EvalError, FileFacts,
    MatchScope, RunScope, Variables,
};
pub use shared::Data;
pub use timeline::{traced, Horizon};
pub use workspace::WorkspaceValue;

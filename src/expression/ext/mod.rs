//! The CEL libraries beyond the standard one: the `cel` crate's extensions (strings, lists, math,
//! encoders) and those bcpcheck adds with cel-go's and Kubernetes' names and semantics (`cel.bind`,
//! sets, the Kubernetes list and regex functions, two-variable comprehensions), plus fixes to the
//! crate's standard library. Each lives here so that a later crate version can take it over by
//! deleting the file.

use cel::Env;

mod bind;
mod comprehensions;
mod fixes;
mod kubernetes;
mod sets;

/// Namespaces of library functions (`math.greatest`, `optional.of`): names, not variables.
pub const NAMESPACES: &[&str] = &[
    "base64", "cel", "lists", "math", "optional", "sets", "strings",
];

/// Type names standard CEL defines as identifiers (`type(x) == string`).
pub const TYPE_NAMES: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "dyn",
    "int",
    "list",
    "map",
    "null_type",
    "optional_type",
    "string",
    "type",
    "uint",
];

/// Registers every library on `env`.
pub fn register(env: &mut Env) {
    // The libraries only add fresh names; a conflict would be a bug, caught by every test.
    let _ = env.add_extension(cel::extensions::strings);
    let _ = env.add_extension(cel::extensions::lists);
    let _ = env.add_extension(cel::extensions::math);
    let _ = env.add_extension(cel::extensions::encoders);
    bind::register(env);
    comprehensions::register(env);
    fixes::register(env);
    kubernetes::register(env);
    sets::register(env);
}

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

#[cfg(test)]
mod tests {
    use crate::expression::{eval_constant, Runtime};

    #[test]
    fn libraries_follow_cel_go_and_kubernetes() {
        let rt = Runtime::new();
        for expr in [
            "sets.contains([1, 2, 3], [3, 1]) && sets.contains([1], [1.0]) && !sets.contains([1], [2])",
            "sets.intersects([1, 2], [2, 5]) && !sets.intersects([1], []) && sets.equivalent([1, 2], [2, 1, 1])",
            "[1, 2, 2].isSorted() && ![2, 1].isSorted() && [].isSorted() && ['a', 'b'].isSorted()",
            "[1, 2, 3].sum() == 6 && [].sum() == 0 && [1.5, 2.0].sum() == 3.5 && [duration('1s'), duration('2s')].sum() == duration('3s')",
            "[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3 && ['b', 'a'].min() == 'a'",
            "[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2 && [1].indexOf(5) == -1",
            "'abc 123'.find('[0-9]+') == '123' && 'abc'.find('x') == '' && 'a1b2c3'.findAll('[0-9]', 2) == ['1', '2']",
            "'a1'.findAll('[0-9]', -1) == ['1'] && 'hello'.indexOf('l') == 2",
            "cel.bind(x, [1, 2], cel.bind(y, x.size(), x.map(i, i * y))) == [2, 4]",
            "{'a': 1, 'b': 2}.all(k, v, v > 0) && {'a': 1}.exists(k, v, k == 'a' && v == 1)",
            "[10, 20].existsOne(i, v, v == 20) && ![1, 1].exists_one(i, v, v == 1)",
            "[5, 6].transformList(i, v, i + v) == [5, 7] && [5, 6].transformList(i, v, v > 5, i) == [1]",
            "{'a': 1}.transformMap(k, v, v + 1) == {'a': 2} && {'a': 1, 'b': 2}.transformMap(k, v, v > 1, k) == {'b': 'b'}",
            "[1, 2].all(i, v, [3].all(j, w, i < 2 && j == 0 && w == 3))",
        ] {
            let compiled = rt.compile(expr).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
            assert_eq!(eval_constant(&rt, &compiled), Ok(true), "{expr}");
        }
    }

    #[test]
    fn misuse_is_an_error_not_a_panic() {
        let rt = Runtime::new();
        for expr in [
            "cel.bind(1, 2, 3)",
            "[1].all(i, i, true)",
            "[1].all(1, v, true)",
            "cel.block(1, 2)",
            "cel.block([1], cel.index('a'))",
        ] {
            assert!(rt.compile(expr).is_err(), "{expr} compiles");
        }
        for expr in [
            "[].min() == 0",
            "[[1], 'a'].sum() == 0",
            "[{}, {}].isSorted()",
            "'a'.find('(') == ''",
            "{'a': 1, 'b': 1}.transformMapEntry(k, v, {v: k}).size() == 1",
            "1.all(i, v, true)",
        ] {
            let compiled = rt.compile(expr).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
            assert!(eval_constant(&rt, &compiled).is_err(), "{expr} evaluates");
        }
    }
}

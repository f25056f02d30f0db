//! Policy files: loading every source, validating and compiling each policy once per run, and
//! the set of policies a run evaluates.

mod compile;
mod fields;
mod model;
pub mod pack_manifest;
pub mod packs;
pub mod select;
pub mod sources;
mod validate;

pub use model::{MessageExpr, Policy, PolicyError, PolicyExpr, Variable};

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::document::{yaml, Node, SourceFile, Span, Value};
use crate::expression::Runtime;
pub use crate::finding::Severity;
use validate::Checker;

/// Policy text to load: a built-in pack file or a team's own file.
pub struct PolicySource {
    /// Path as shown.
    pub name: String,
    /// Path on disk (empty for embedded files).
    pub path: PathBuf,
    /// The YAML.
    pub text: String,
    /// Built-in pack name.
    pub pack: Option<String>,
}

/// Every policy of a run, compiled once, and the problems found on the way.
pub struct PolicySet {
    /// Valid policies, sorted by id; shared with the threads that evaluate them.
    pub policies: Arc<Vec<Policy>>,
    /// Invalid policies and unreadable files.
    pub errors: Vec<PolicyError>,
    /// SHA-256 over every policy text and the parameters: identifies the policy set in reports.
    pub digest: String,
    /// When the built-in packs apply (their manifests).
    pub packs: Vec<pack_manifest::PackCondition>,
}

/// The keys of `file`.
const FILE_FIELDS: &[&str] = &["path", "name", "ext", "kind"];
const POLICY_FIELDS: &str = "id, title, severity, kinds, select, when, variables, rule, message, messageExpression, fieldPath, help, url, references, tags";

/// Loads, validates and compiles `sources`; `params` is the parameter map policies may read.
pub fn load(sources: &[PolicySource], params: &Node, runtime: &Runtime) -> PolicySet {
    let param_names: Vec<&str> = params
        .as_map()
        .map(|m| m.entries.iter().map(|(k, _)| k.as_str()).collect())
        .unwrap_or_default();
    // Compiling CEL dominates start-up, so files compile in parallel; order is restored below.
    let compiled: Vec<_> = sources
        .par_iter()
        .map(|source| load_file(source, runtime, &param_names))
        .collect();

    let mut hasher = Sha256::new();
    let mut policies: Vec<Policy> = Vec::new();
    let mut errors = Vec::new();
    let mut first_seen: HashMap<String, String> = HashMap::new();
    for (source, results) in sources.iter().zip(compiled) {
        for part in [source.name.as_bytes(), source.text.as_bytes()] {
            hasher.update(part);
            hasher.update([0]);
        }
        for result in results {
            match result {
                Ok((policy, id_span)) => {
                    if let Some(other) = first_seen.get(&policy.id) {
                        let message = format!(
                            "duplicate policy id `{}` (first defined in {other})",
                            policy.id
                        );
                        let help = Some("give every policy a unique id".into());
                        errors.push(PolicyError::at(
                            &policy.origin,
                            id_span,
                            message,
                            "defined again here",
                            help,
                        ));
                        continue;
                    }
                    first_seen.insert(policy.id.clone(), policy.origin.name.clone());
                    policies.push(policy);
                }
                Err(mut problems) => errors.append(&mut problems),
            }
        }
    }
    hasher.update(format!("{params:?}").as_bytes());
    policies.sort_by(|a, b| a.id.cmp(&b.id));
    PolicySet {
        policies: Arc::new(policies),
        errors,
        digest: format!("sha256:{:x}", hasher.finalize()),
        packs: Vec::new(),
    }
}

/// Parses one policy file and compiles each policy in it (with the span of its id).
fn load_file(
    source: &PolicySource,
    runtime: &Runtime,
    param_names: &[&str],
) -> Vec<Result<(Policy, Span), Vec<PolicyError>>> {
    let file = Arc::new(SourceFile::new(
        source.name.clone(),
        source.path.clone(),
        source.text.as_str(),
    ));
    let roots = match yaml::parse_stream(&file.text, 0) {
        Ok(roots) => roots,
        Err(e) => {
            return vec![Err(vec![PolicyError::at(
                &file,
                e.span,
                e.kind.to_string(),
                "here",
                None,
            )])]
        }
    };
    let checker = Checker {
        file: &file,
        runtime,
        param_names,
        lazy: source.pack.is_some() && source.path.as_os_str().is_empty(),
    };
    roots
        .iter()
        .flat_map(|root| match &root.value {
            Value::Seq(items) => items.iter().collect::<Vec<_>>(),
            Value::Null => Vec::new(),
            _ => vec![root],
        })
        .map(|node| {
            checker
                .policy(node, source.pack.clone())
                .map(|p| (p, id_span(node)))
        })
        .collect()
}

fn id_span(node: &Node) -> Span {
    node.as_map()
        .and_then(|m| m.get("id"))
        .map_or(node.span, |n| n.span)
}

/// Parses the default parameters and merges `overrides` (from bcpcheck.yaml) over them.
pub fn params(overrides: Option<&Node>) -> Node {
    let mut base = yaml::parse_stream(packs::default_params(), 0)
        .ok()
        .and_then(|mut roots| roots.pop())
        .unwrap_or_else(|| Node::new(Value::Map(Default::default()), Span::default()));
    if let (Value::Map(map), Some(extra)) = (&mut base.value, overrides.and_then(Node::as_map)) {
        for (key, value) in &extra.entries {
            map.entries.retain(|(k, _)| k != key);
            map.entries.push((key.clone(), value.clone()));
        }
    }
    base
}

//! Pack manifests (`policies/<pack>/pack.yaml`): what a pack is, and the CEL condition over the
//! document under which it applies (`iso22301` to the plans that list it in
//! `metadata.frameworks`); a pack without a condition applies to every plan.

use std::sync::Arc;

use super::PolicyError;
use crate::document::object::ObjectReader;
use crate::document::{yaml, SourceFile};
use crate::expression::{Compiled, Runtime};

/// The file name of a pack manifest, beside the pack's policies.
pub const FILE_NAME: &str = "pack.yaml";

/// When a pack applies, compiled.
#[derive(Debug, Clone)]
pub struct PackCondition {
    /// The pack.
    pub pack: String,
    /// What the pack covers.
    pub description: String,
    /// Why it applies when its condition holds (`metadata.frameworks lists dora`).
    pub reason: String,
    /// The condition over `doc`; `None`: always.
    pub condition: Option<Arc<Compiled>>,
}

impl PackCondition {
    /// Why the pack applied to a document, or did not.
    pub fn explain(&self, applied: bool) -> String {
        match (&self.condition, applied) {
            (None, _) => "always".to_string(),
            (Some(_), true) => self.reason.clone(),
            (Some(_), false) => format!("not applied, needs: {}", self.reason),
        }
    }
}

/// Reads the manifest of `pack` (its text, shown as `name`).
pub fn parse(
    pack: &str,
    name: &str,
    text: &str,
    runtime: &Runtime,
) -> Result<PackCondition, Box<PolicyError>> {
    let source = Arc::new(SourceFile::new(name.to_string(), name.into(), text));
    let invalid =
        |span, message: String| Box::new(PolicyError::at(&source, span, message, "here", None));
    let root = yaml::parse_stream(&source.text, 0)
        .map_err(|e| invalid(e.span, e.kind.to_string()))?
        .pop()
        .ok_or_else(|| invalid(Default::default(), "an empty pack manifest".into()))?;
    let mut r = ObjectReader::new(&root, "a pack manifest");
    let description = r
        .string("description")
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    let reason = r.string("reason").map(|(d, _)| d.to_string());
    let condition = match r.string("appliesWhen") {
        Some((text, node)) => Some(runtime.compile(text).map_err(|e| {
            invalid(
                node.span,
                format!("invalid CEL in appliesWhen: {}", e.message),
            )
        })?),
        None => None,
    };
    if let Some(e) = r.finish().into_iter().next() {
        return Err(Box::new(PolicyError::at(
            &source, e.span, e.message, "here", e.help,
        )));
    }
    Ok(PackCondition {
        pack: pack.to_string(),
        description,
        reason: reason.unwrap_or_else(|| {
            format!(
                "its condition holds: {}",
                condition.as_ref().map_or("", |c| c.text.as_str())
            )
        }),
        condition,
    })
}

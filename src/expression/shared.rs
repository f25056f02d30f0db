//! Plan data as CEL values that are shared, not copied. The CEL interpreter copies a list element
//! into the loop variable of every comprehension step (`doc.procedures.filter(p, ...)`), and a
//! variable's value into every match's scope; a list or map of the plan is therefore held behind a
//! reference count, so that such a copy costs one pointer, not the whole subtree.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use cel::common::traits::{
    Adder, Comparer, Container, Divider, Indexer, Iterable, Modder, Multiplier, Negator, Sizer,
    Subtractor, Zeroer,
};
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, Type,
};
use cel::common::value::{Builtin, BuiltinRef, StaticVal, Val};
use cel::ExecutionError;

use crate::document::{Node, Segment, Value as NodeValue};

/// A CEL value owned by us, with no borrowed data.
pub type Owned = Box<dyn Val + 'static>;

/// A list or map behind a reference count. To the interpreter it is the built-in list or map it
/// holds: every capability, `downcast_ref` and equality are those of the inner value; only
/// cloning differs.
#[derive(Debug, Clone)]
pub struct Shared(Arc<Owned>);

/// The type `Shared` is declared with; it is never declared in an overload.
static SHARED_TYPE: Type = cel::common::types::DYN_TYPE;

impl Shared {
    fn new(value: Owned) -> Self {
        Shared(Arc::new(value))
    }

    /// The inner value, moved out when this is its only holder, copied otherwise.
    fn into_inner(self) -> Owned {
        Arc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone())
    }
}

impl Val for Shared {
    fn get_type(&self) -> &Type {
        self.0.get_type()
    }

    fn cel_type() -> &'static Type {
        &SHARED_TYPE
    }

    fn as_adder<'b, 'v>(&'b self) -> Option<&'b (dyn Adder + 'v)>
    where
        Self: 'v,
    {
        self.0.as_adder()
    }

    fn as_comparer(&self) -> Option<&dyn Comparer> {
        self.0.as_comparer()
    }

    fn as_container(&self) -> Option<&dyn Container> {
        self.0.as_container()
    }

    fn as_divider<'b, 'v>(&'b self) -> Option<&'b (dyn Divider + 'v)>
    where
        Self: 'v,
    {
        self.0.as_divider()
    }

    fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
    where
        Self: 'v,
    {
        self.0.as_indexer()
    }

    fn into_indexer<'v>(self: Box<Self>) -> Option<Box<dyn Indexer + 'v>>
    where
        Self: 'v,
    {
        self.into_inner().into_indexer()
    }

    fn as_iterable<'b, 'v>(&'b self) -> Option<&'b (dyn Iterable + 'v)>
    where
        Self: 'v,
    {
        self.0.as_iterable()
    }

    fn as_modder<'b, 'v>(&'b self) -> Option<&'b (dyn Modder + 'v)>
    where
        Self: 'v,
    {
        self.0.as_modder()
    }

    fn as_multiplier<'b, 'v>(&'b self) -> Option<&'b (dyn Multiplier + 'v)>
    where
        Self: 'v,
    {
        self.0.as_multiplier()
    }

    fn as_negator<'b, 'v>(&'b self) -> Option<&'b (dyn Negator + 'v)>
    where
        Self: 'v,
    {
        self.0.as_negator()
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        self.0.as_sizer()
    }

    fn as_subtractor<'b, 'v>(&'b self) -> Option<&'b (dyn Subtractor + 'v)>
    where
        Self: 'v,
    {
        self.0.as_subtractor()
    }

    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        self.0.as_zeroer()
    }

    fn equals(&self, other: &dyn Val) -> bool {
        self.0.equals(other)
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(self.clone())
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }

    fn as_builtin<'b, 'v>(&'b self) -> BuiltinRef<'b, 'v>
    where
        Self: 'v,
    {
        self.0.as_builtin()
    }

    fn into_builtin<'v>(self: Box<Self>) -> Option<Builtin<'v>>
    where
        Self: 'v,
    {
        self.into_inner().into_builtin()
    }
}

impl StaticVal for Shared {}

/// Plan data converted to CEL once per document; `self` borrows from it, so matches copy nothing.
#[derive(Debug)]
pub struct Data(pub(super) Owned);

impl Data {
    /// Converts a document tree.
    pub fn from_node(node: &Node) -> Self {
        Data(from_node(node))
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
                Segment::Index(i) => value.downcast_ref::<CelList>()?.inner().get(*i)?.as_ref(),
            };
        }
        Some(value)
    }
}

/// Converts a document tree, once per document.
pub fn from_node(node: &Node) -> Owned {
    match &node.value {
        NodeValue::Null => Box::new(CelNull),
        NodeValue::Bool(b) => Box::new(CelBool::from(*b)),
        NodeValue::Int(i) => Box::new(CelInt::from(*i)),
        NodeValue::Float(f) => Box::new(CelDouble::from(*f)),
        NodeValue::Str(s) => Box::new(CelString::from(s.clone())),
        NodeValue::Seq(items) => Box::new(Shared::new(Box::new(CelList::from(
            items.iter().map(from_node).collect::<Vec<_>>(),
        )))),
        NodeValue::Map(map) => {
            let entries: HashMap<CelMapKey<'static>, Owned> = map
                .entries
                .iter()
                .map(|(k, v)| (CelMapKey::from(k.clone()), from_node(v)))
                .collect();
            Box::new(Shared::new(Box::new(CelMap::from(entries))))
        }
    }
}

/// A value an evaluation gave, made independent of the evaluation's borrows so that it can be
/// kept (a variable's value). Plan data inside it stays shared; a list or map is shared in turn, so
/// that every match reading the variable gets it for the cost of a pointer.
pub fn to_owned(value: &dyn Val) -> Result<Owned, ExecutionError> {
    if let Some(shared) = value.downcast_ref::<Shared>() {
        return Ok(Box::new(shared.clone()));
    }
    if let Some(list) = value.downcast_ref::<CelList>() {
        let items = list
            .inner()
            .iter()
            .map(|item| to_owned(item.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Box::new(Shared::new(Box::new(CelList::from(items)))));
    }
    if let Some(map) = value.downcast_ref::<CelMap>() {
        let entries = map
            .inner()
            .iter()
            .map(|(key, item)| Ok((key.clone().into_static(), to_owned(item.as_ref())?)))
            .collect::<Result<HashMap<_, _>, ExecutionError>>()?;
        return Ok(Box::new(Shared::new(Box::new(CelMap::from(entries)))));
    }
    // Scalars: copied.
    cel::Value::try_from(value).and_then(Owned::try_from)
}

/// A map of `entries`, shared.
pub fn map(entries: Vec<(String, Owned)>) -> Owned {
    let entries: HashMap<CelMapKey<'static>, Owned> = entries
        .into_iter()
        .map(|(k, v)| (CelMapKey::from(k), v))
        .collect();
    Box::new(Shared::new(Box::new(CelMap::from(entries))))
}

/// A list of `items`, shared.
pub fn list(items: Vec<Owned>) -> Owned {
    Box::new(Shared::new(Box::new(CelList::from(items))))
}

/// A string.
pub fn string(text: &str) -> Owned {
    Box::new(CelString::from(text.to_string()))
}

/// A whole number.
pub fn int(value: i64) -> Owned {
    Box::new(CelInt::from(value))
}

/// A boolean.
pub fn boolean(value: bool) -> Owned {
    Box::new(CelBool::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Owned {
        let docs = crate::document::yaml::parse_stream("a: [1, {b: x}]\n", 0).expect("valid YAML");
        from_node(&docs[0])
    }

    #[test]
    fn a_shared_list_is_the_built_in_list_to_the_interpreter() {
        let value = plan();
        let map = value.downcast_ref::<CelMap>().expect("a map");
        let list = map
            .inner()
            .get(&CelMapKey::from("a".to_string()))
            .expect("key a");
        assert!(list.downcast_ref::<Shared>().is_some());
        assert_eq!(
            list.downcast_ref::<CelList>().map(|l| l.inner().len()),
            Some(2)
        );
        assert!(list.equals(&CelList::from(vec![
            Box::new(CelInt::from(1)) as Owned,
            list.downcast_ref::<CelList>().expect("list").inner()[1].clone(),
        ])));
    }

    #[test]
    fn cloning_shares_instead_of_copying() {
        let value = plan();
        let copy = value.clone();
        let (Some(a), Some(b)) = (
            value.downcast_ref::<Shared>(),
            copy.downcast_ref::<Shared>(),
        ) else {
            panic!("not shared");
        };
        assert!(Arc::ptr_eq(&a.0, &b.0));
    }
}

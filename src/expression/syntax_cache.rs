//! The parse cache: the CEL syntax trees of expressions parsed by earlier runs, kept in one file
//! between runs, because parsing CEL is more than half of checking one plan (a pre-commit hook).
//! Keyed by the exact text of each expression; a file written by another version of bcpcheck,
//! damaged, or not matching its checksum is ignored, and it is replaced atomically, never edited
//! in place.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedEntryExpr, ListExpr, LiteralValue,
    MapEntryExpr, MapExpr, SelectExpr, StructExpr, StructFieldExpr,
};
use cel::common::types::{CelBool, CelBytes, CelDouble, CelInt, CelString, CelUInt};
use cel::IdedExpr;
use sha2::{Digest, Sha256};

use super::tree::children;

/// What a file starts with: the format and the version that wrote it (another version may parse
/// differently).
const MAGIC: &str = concat!("bcpcheck syntax cache 1 ", env!("CARGO_PKG_VERSION"), "\n");
/// Largest cache file read, in bytes.
const MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;
/// Most expressions kept: past it, a file keeps only those of the run that writes it.
const MAX_ENTRIES: usize = 20_000;
/// Deepest tree kept and decoded, in nodes: coding recurses, on worker threads with small
/// stacks. Built-in expressions nest about 20 deep; a deeper tree is parsed on every run.
const MAX_DEPTH: usize = 128;

/// A parsed expression: its tree, and the character offset in the text of each node that has one.
pub struct Parsed {
    /// The syntax tree.
    pub expression: IdedExpr,
    /// Start offset (in characters) of each node, by node id.
    pub offsets: BTreeMap<u64, u32>,
}

/// The cache of one run: what the file held when the run started, and what the run parsed.
#[derive(Default)]
pub struct SyntaxCache {
    file: Option<PathBuf>,
    stored: HashMap<String, Vec<u8>>,
    added: Mutex<HashMap<String, Vec<u8>>>,
}

impl SyntaxCache {
    /// The cache kept in `file`, or none (`None`: every expression is parsed, nothing written).
    pub fn open(file: Option<PathBuf>) -> Self {
        let stored = file.as_deref().and_then(read).unwrap_or_default();
        SyntaxCache {
            file,
            stored,
            added: Mutex::default(),
        }
    }

    /// The tree of `text` if an earlier run parsed it.
    pub fn get(&self, text: &str) -> Option<Parsed> {
        decode(self.stored.get(text)?)
    }

    /// Records the tree of `text`, parsed by this run, unless it nests deeper than [`MAX_DEPTH`].
    pub fn add(&self, text: &str, parsed: &Parsed) {
        if self.file.is_some()
            && !self.stored.contains_key(text)
            && depth(&parsed.expression) <= MAX_DEPTH
        {
            let mut added = self.added.lock().unwrap_or_else(|e| e.into_inner());
            added.insert(text.to_string(), encode(parsed));
        }
    }

    /// Writes the file when this run parsed something new: to a temporary file beside it, then
    /// renamed over it, so a concurrent run reads the old file or the new one, never a mix.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let added = std::mem::take(&mut *self.added.lock().unwrap_or_else(|e| e.into_inner()));
        if added.is_empty() {
            return Ok(());
        }
        let mut entries: BTreeMap<&str, &[u8]> = BTreeMap::new();
        if self.stored.len() + added.len() <= MAX_ENTRIES {
            entries.extend(self.stored.iter().map(|(k, v)| (k.as_str(), v.as_slice())));
        }
        entries.extend(added.iter().map(|(k, v)| (k.as_str(), v.as_slice())));
        let mut body = Writer::default();
        body.len(entries.len());
        for (text, tree) in entries {
            body.bytes(text.as_bytes());
            body.bytes(tree);
        }
        let mut out = MAGIC.as_bytes().to_vec();
        out.extend_from_slice(&Sha256::digest(&body.0));
        out.extend_from_slice(&body.0);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let temporary = file.with_extension(format!("{}-{nanos}.tmp", std::process::id()));
        // `create_new` neither follows nor reuses what is there: in a shared directory, a link
        // planted at the temporary name cannot redirect the write.
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .and_then(|mut f| f.write_all(&out))
            .and_then(|()| std::fs::rename(&temporary, file));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
    }
}

/// How many nodes deep `tree` nests, counted without recursion.
fn depth(tree: &IdedExpr) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(tree, 1)];
    while let Some((node, level)) = pending.pop() {
        deepest = deepest.max(level);
        pending.extend(children(node).into_iter().map(|child| (child, level + 1)));
    }
    deepest
}

/// The entries of a cache file; none when it is missing, too large, of another version or damaged.
fn read(file: &Path) -> Option<HashMap<String, Vec<u8>>> {
    // Only a regular file: reading a FIFO planted at the name would block the run.
    let metadata = std::fs::metadata(file).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_FILE_SIZE {
        return None;
    }
    let data = std::fs::read(file).ok()?;
    let rest = data.strip_prefix(MAGIC.as_bytes())?;
    let (digest, body) = rest.split_at_checked(32)?;
    if Sha256::digest(body).as_slice() != digest {
        return None;
    }
    let mut reader = Reader(body);
    let count = reader.len()?;
    let mut entries = HashMap::with_capacity(count.min(MAX_ENTRIES));
    for _ in 0..count {
        let text = String::from_utf8(reader.bytes()?.to_vec()).ok()?;
        entries.insert(text, reader.bytes()?.to_vec());
    }
    reader.0.is_empty().then_some(entries)
}

/// The bytes of a parsed expression.
pub fn encode(parsed: &Parsed) -> Vec<u8> {
    let mut w = Writer::default();
    w.len(parsed.offsets.len());
    for (id, offset) in &parsed.offsets {
        w.u64(*id);
        w.u64(u64::from(*offset));
    }
    w.expr(&parsed.expression);
    w.0
}

/// A parsed expression from its bytes; none when they are not what [`encode`] writes.
pub fn decode(data: &[u8]) -> Option<Parsed> {
    let mut r = Reader(data);
    let mut offsets = BTreeMap::new();
    for _ in 0..r.len()? {
        offsets.insert(r.u64()?, u32::try_from(r.u64()?).ok()?);
    }
    let expression = r.expr(0)?;
    r.0.is_empty().then_some(Parsed {
        expression,
        offsets,
    })
}

/// Tags of the node kinds.
mod tag {
    pub const UNSPECIFIED: u8 = 0;
    pub const CALL: u8 = 1;
    pub const COMPREHENSION: u8 = 2;
    pub const IDENT: u8 = 3;
    pub const LIST: u8 = 4;
    pub const MAP: u8 = 5;
    pub const SELECT: u8 = 6;
    pub const STRUCT: u8 = 7;
    pub const BOOL: u8 = 10;
    pub const BYTES: u8 = 11;
    pub const DOUBLE: u8 = 12;
    pub const INT: u8 = 13;
    pub const NULL: u8 = 14;
    pub const STRING: u8 = 15;
    pub const UINT: u8 = 16;
    pub const STRUCT_FIELD: u8 = 20;
    pub const MAP_ENTRY: u8 = 21;
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    /// LEB128: ids and lengths are small.
    fn u64(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }

    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }

    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }

    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn option(&mut self, e: Option<&IdedExpr>) {
        match e {
            None => self.bool(false),
            Some(e) => {
                self.bool(true);
                self.expr(e);
            }
        }
    }

    fn exprs(&mut self, list: &[IdedExpr]) {
        self.len(list.len());
        list.iter().for_each(|e| self.expr(e));
    }

    fn entries(&mut self, entries: &[IdedEntryExpr]) {
        self.len(entries.len());
        for entry in entries {
            self.u64(entry.id);
            match &entry.expr {
                EntryExpr::StructField(f) => {
                    self.u8(tag::STRUCT_FIELD);
                    self.str(&f.field);
                    self.expr(&f.value);
                    self.bool(f.optional);
                }
                EntryExpr::MapEntry(m) => {
                    self.u8(tag::MAP_ENTRY);
                    self.expr(&m.key);
                    self.expr(&m.value);
                    self.bool(m.optional);
                }
            }
        }
    }

    fn expr(&mut self, e: &IdedExpr) {
        self.u64(e.id);
        match &e.expr {
            Expr::Unspecified => self.u8(tag::UNSPECIFIED),
            Expr::Call(call) => {
                self.u8(tag::CALL);
                self.str(&call.func_name);
                self.option(call.target.as_deref());
                self.exprs(&call.args);
            }
            Expr::Comprehension(c) => {
                self.u8(tag::COMPREHENSION);
                self.expr(&c.iter_range);
                self.str(&c.iter_var);
                match &c.iter_var2 {
                    None => self.bool(false),
                    Some(v) => {
                        self.bool(true);
                        self.str(v);
                    }
                }
                self.str(&c.accu_var);
                for part in [&c.accu_init, &c.loop_cond, &c.loop_step, &c.result] {
                    self.expr(part);
                }
            }
            Expr::Ident(name) => {
                self.u8(tag::IDENT);
                self.str(name);
            }
            Expr::List(list) => {
                self.u8(tag::LIST);
                self.exprs(&list.elements);
                self.len(list.optional_indices.len());
                list.optional_indices.iter().for_each(|i| self.len(*i));
            }
            Expr::Literal(literal) => match literal {
                LiteralValue::Boolean(b) => {
                    self.u8(tag::BOOL);
                    self.bool(*b.inner());
                }
                LiteralValue::Bytes(b) => {
                    self.u8(tag::BYTES);
                    self.bytes(b.inner());
                }
                LiteralValue::Double(d) => {
                    self.u8(tag::DOUBLE);
                    self.0.extend_from_slice(&d.inner().to_bits().to_le_bytes());
                }
                LiteralValue::Int(i) => {
                    self.u8(tag::INT);
                    self.0.extend_from_slice(&i.inner().to_le_bytes());
                }
                LiteralValue::Null => self.u8(tag::NULL),
                LiteralValue::String(s) => {
                    self.u8(tag::STRING);
                    self.str(s.inner());
                }
                LiteralValue::UInt(u) => {
                    self.u8(tag::UINT);
                    self.u64(*u.inner());
                }
            },
            Expr::Map(map) => {
                self.u8(tag::MAP);
                self.entries(&map.entries);
            }
            Expr::Select(select) => {
                self.u8(tag::SELECT);
                self.expr(&select.operand);
                self.str(&select.field);
                self.bool(select.test);
            }
            Expr::Struct(s) => {
                self.u8(tag::STRUCT);
                self.str(&s.type_name);
                self.entries(&s.entries);
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u8(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    fn u64(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        // Every item takes at least one byte: a longer count is damage, not a large list.
        (n <= self.0.len()).then_some(n)
    }

    fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn bytes(&mut self) -> Option<&[u8]> {
        let n = self.len()?;
        let (bytes, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(bytes)
    }

    fn str(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    fn fixed(&mut self) -> Option<[u8; 8]> {
        let (bytes, rest) = self.0.split_at_checked(8)?;
        self.0 = rest;
        bytes.try_into().ok()
    }

    fn exprs(&mut self, depth: usize) -> Option<Vec<IdedExpr>> {
        (0..self.len()?).map(|_| self.expr(depth)).collect()
    }

    fn entries(&mut self, depth: usize) -> Option<Vec<IdedEntryExpr>> {
        (0..self.len()?)
            .map(|_| {
                let id = self.u64()?;
                let expr = match self.u8()? {
                    tag::STRUCT_FIELD => EntryExpr::StructField(StructFieldExpr {
                        field: self.str()?,
                        value: self.expr(depth)?,
                        optional: self.bool()?,
                    }),
                    tag::MAP_ENTRY => EntryExpr::MapEntry(MapEntryExpr {
                        key: self.expr(depth)?,
                        value: self.expr(depth)?,
                        optional: self.bool()?,
                    }),
                    _ => return None,
                };
                Some(IdedEntryExpr { id, expr })
            })
            .collect()
    }

    fn expr(&mut self, depth: usize) -> Option<IdedExpr> {
        if depth > MAX_DEPTH {
            return None;
        }
        let depth = depth + 1;
        let id = self.u64()?;
        let expr = match self.u8()? {
            tag::UNSPECIFIED => Expr::Unspecified,
            tag::CALL => Expr::Call(CallExpr {
                func_name: self.str()?,
                target: if self.bool()? {
                    Some(Box::new(self.expr(depth)?))
                } else {
                    None
                },
                args: self.exprs(depth)?,
            }),
            tag::COMPREHENSION => Expr::Comprehension(Box::new(ComprehensionExpr {
                iter_range: self.expr(depth)?,
                iter_var: self.str()?,
                iter_var2: if self.bool()? {
                    Some(self.str()?)
                } else {
                    None
                },
                accu_var: self.str()?,
                accu_init: self.expr(depth)?,
                loop_cond: self.expr(depth)?,
                loop_step: self.expr(depth)?,
                result: self.expr(depth)?,
            })),
            tag::IDENT => Expr::Ident(self.str()?),
            tag::LIST => Expr::List(ListExpr {
                elements: self.exprs(depth)?,
                optional_indices: (0..self.len()?)
                    .map(|_| self.len())
                    .collect::<Option<_>>()?,
            }),
            tag::MAP => Expr::Map(MapExpr {
                entries: self.entries(depth)?,
            }),
            tag::SELECT => Expr::Select(SelectExpr {
                operand: Box::new(self.expr(depth)?),
                field: self.str()?,
                test: self.bool()?,
            }),
            tag::STRUCT => Expr::Struct(StructExpr {
                type_name: self.str()?,
                entries: self.entries(depth)?,
            }),
            tag::BOOL => Expr::Literal(LiteralValue::Boolean(CelBool::from(self.bool()?))),
            tag::BYTES => {
                Expr::Literal(LiteralValue::Bytes(CelBytes::from(self.bytes()?.to_vec())))
            }
            tag::DOUBLE => Expr::Literal(LiteralValue::Double(CelDouble::from(f64::from_bits(
                u64::from_le_bytes(self.fixed()?),
            )))),
            tag::INT => Expr::Literal(LiteralValue::Int(CelInt::from(i64::from_le_bytes(
                self.fixed()?,
            )))),
            tag::NULL => Expr::Literal(LiteralValue::Null),
            tag::STRING => Expr::Literal(LiteralValue::String(CelString::from(self.str()?))),
            tag::UINT => Expr::Literal(LiteralValue::UInt(CelUInt::from(self.u64()?))),
            _ => return None,
        };
        Some(IdedExpr { id, expr })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expression::Runtime;

    /// Every kind of node and literal, quoted strings, macros and optional syntax.
    const EDGES: &[&str] = &[
        "null == null && true != false",
        "1 + 2u * 3.5e-3 - -9223372036854775807 > 0.0",
        "b'\\xff\\x00' == bytes('x') || 'it\\'s' + \"\\u00e9\\n\" == r'raw'",
        "[1, 'a', [2.0], {'k': {1: true}}][0] in [1]",
        "self.processes.all(p, has(p.rto) && p.rto.matches('^[0-9]+h$'))",
        "self.items.exists_one(i, i.id == 'X') ? self.a.b.c : doc.metadata.?owner.orValue('x')",
        "self.list.map(x, x * 2).filter(y, y > 1).size() == size(self.list)",
        "{'a': 1, ?'b': optional.none()}.size() == 1 && [?optional.of(1)].size() == 1",
        "google.protobuf.Duration{seconds: 1} != null",
        "self.m.transformMap(k, v, v + 1) == {} && now - date(self.d) <= period('30d')",
    ];

    #[test]
    fn every_node_kind_comes_back_the_same_from_its_bytes() {
        let runtime = Runtime::new();
        for text in EDGES {
            runtime
                .compile(text)
                .unwrap_or_else(|e| panic!("{text}: {}", e.message));
        }
        let (compared, failures) = runtime.syntax_round_trip_failures();
        assert_eq!(compared, EDGES.len());
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn damaged_bytes_decode_to_nothing() {
        let runtime = Runtime::new();
        let parsed = runtime.parse(EDGES[4]).unwrap();
        let bytes = encode(&parsed);
        assert!(decode(&bytes).is_some());
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        // A run of opening tags nested past the limit: refused, not a stack overflow.
        let deep: Vec<u8> = std::iter::repeat_n([1u8, tag::SELECT], 100_000)
            .flatten()
            .collect();
        assert!(decode(&[&[0u8][..], &deep].concat()).is_none());
    }

    #[test]
    fn a_cache_file_keeps_what_a_run_parsed_and_ignores_a_damaged_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub").join("syntax.bin");
        let runtime = Runtime::new();
        let parsed = runtime.parse(EDGES[1]).unwrap();

        let first = SyntaxCache::open(Some(file.clone()));
        assert!(first.get(EDGES[1]).is_none());
        first.add(EDGES[1], &parsed);
        first.save().unwrap();
        let second = SyntaxCache::open(Some(file.clone()));
        let back = second.get(EDGES[1]).unwrap();
        assert_eq!(back.expression, parsed.expression);
        assert_eq!(back.offsets, parsed.offsets);
        // Nothing new: the file is not written again.
        let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
        second.save().unwrap();
        assert_eq!(
            std::fs::metadata(&file).unwrap().modified().unwrap(),
            modified
        );

        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        std::fs::write(&file, &bytes).unwrap();
        assert!(SyntaxCache::open(Some(file.clone()))
            .get(EDGES[1])
            .is_none());
        std::fs::write(&file, b"not a cache").unwrap();
        assert!(SyntaxCache::open(Some(file.clone()))
            .get(EDGES[1])
            .is_none());
        // A tree nested deeper than the coder may recurse is parsed every time instead.
        let deep = format!("{}1{}", "[".repeat(90), "]".repeat(90));
        let deep_parsed = runtime.parse(&deep).unwrap();
        assert!(depth(&deep_parsed.expression) > MAX_DEPTH / 2);
        let chain = format!("1{}", " + 1".repeat(MAX_DEPTH));
        let chain_parsed = runtime.parse(&chain).unwrap();
        assert!(depth(&chain_parsed.expression) > MAX_DEPTH);
        let third = SyntaxCache::open(Some(file.clone()));
        third.add(&chain, &chain_parsed);
        third.add(&deep, &deep_parsed);
        third.save().unwrap();
        let fourth = SyntaxCache::open(Some(file.clone()));
        assert!(fourth.get(&chain).is_none());
        assert_eq!(
            fourth.get(&deep).unwrap().expression,
            deep_parsed.expression
        );
        // Not a regular file: not read (a FIFO would block), and the run goes on.
        #[cfg(unix)]
        {
            let fifo = dir.path().join("fifo.bin");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            assert!(made.is_ok_and(|s| s.success()), "mkfifo");
            assert!(SyntaxCache::open(Some(fifo)).get(EDGES[1]).is_none());
        }
        // No file: nothing kept, nothing written.
        let none = SyntaxCache::open(None);
        none.add(EDGES[1], &parsed);
        none.save().unwrap();
        assert!(none.get(EDGES[1]).is_none());
    }
}

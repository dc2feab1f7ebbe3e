//! The catalog: the validated, interface-expanded schema the engine and the query compiler
//! work with. Owns type definitions (properties, key, constraints, `@embed`, metadata), stable
//! type ids, table keys, the Arrow schema of every table, the canonical text (§3.1) and the
//! schema hash. Serializable to JSON (`schemas/<hash>.ir.json`).

use crate::diagnostics::diagnostic::Diagnostics;
use crate::schema::types::{Core, PropType, ScalarType};
use arrow_schema::{DataType, Field, Schema as ArrowSchema};
use regex::Regex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fmt::Write as _;

/// Version of the serialized catalog layout.
pub const CATALOG_FORMAT_VERSION: u32 = 1;

/// Kind of a schema type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeKind {
    Interface,
    Node,
    Edge,
}

impl TypeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TypeKind::Interface => "interface",
            TypeKind::Node => "node",
            TypeKind::Edge => "edge",
        }
    }
}

/// The table key of a node type: `"node:Person"` (the one place the format is written).
pub fn node_table_key(type_name: &str) -> String {
    format!("node:{type_name}")
}

/// The table key of an edge type: `"edge:Knows"`.
pub fn edge_table_key(type_name: &str) -> String {
    format!("edge:{type_name}")
}

/// The type name of a node table key (`"node:Person"` → `"Person"`), if it is one.
pub fn node_of_table_key(table_key: &str) -> Option<&str> {
    table_key.strip_prefix("node:")
}

impl std::fmt::Display for TypeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A metadata annotation kept as written (`@name` or `@name(value)`); `value` is the
/// canonical text of the arguments (strings quoted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MetaAnnotation {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl MetaAnnotation {
    pub fn canonical(&self) -> String {
        match &self.value {
            Some(v) => format!("@{}({v})", self.name),
            None => format!("@{}", self.name),
        }
    }
}

/// A property of a node, edge or interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyDef {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: PropType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `@embed(src)`: the `String` property this vector is computed from
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed: Option<String>,
    /// `@rename_from("old")` (a directive for evolution; not part of the canonical form)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename_from: Option<String>,
    /// custom annotations, sorted
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<MetaAnnotation>,
}

impl PropertyDef {
    /// Metadata annotations compared by evolution (description, embed, custom), canonical.
    pub fn metadata(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(d) = &self.description {
            v.push(format!("@description({})", quote(d)));
        }
        if let Some(e) = &self.embed {
            v.push(format!("@embed({e})"));
        }
        v.extend(self.annotations.iter().map(MetaAnnotation::canonical));
        v.sort();
        v
    }
}

/// A numeric bound of `@range`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Number {
    Int(i64),
    UInt(u64),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::UInt(u) => u as f64,
            Number::Float(f) => f,
        }
    }

    /// Exact value for integers.
    pub fn as_i128(self) -> Option<i128> {
        match self {
            Number::Int(i) => Some(i128::from(i)),
            Number::UInt(u) => Some(i128::from(u)),
            Number::Float(_) => None,
        }
    }

    pub fn canonical(self) -> String {
        match self {
            Number::Int(i) => i.to_string(),
            Number::UInt(u) => u.to_string(),
            Number::Float(f) => format!("{f:?}"),
        }
    }
}

/// `@range(p, lo..hi)` (inclusive; `None` = open).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeConstraint {
    pub property: String,
    pub lo: Option<Number>,
    pub hi: Option<Number>,
}

impl RangeConstraint {
    pub fn bounds_text(&self) -> String {
        format!(
            "{}..{}",
            self.lo.map(Number::canonical).unwrap_or_default(),
            self.hi.map(Number::canonical).unwrap_or_default()
        )
    }

    /// True if `v` lies within the bounds.
    pub fn contains_f64(&self, v: f64) -> bool {
        self.lo.is_none_or(|lo| lo.as_f64() <= v) && self.hi.is_none_or(|hi| v <= hi.as_f64())
    }

    /// True if the integer `v` lies within the bounds (exact for integer bounds).
    pub fn contains_int(&self, v: i128) -> bool {
        let ge = |b: Number| match b.as_i128() {
            Some(i) => v >= i,
            None => (v as f64) >= b.as_f64(),
        };
        let le = |b: Number| match b.as_i128() {
            Some(i) => v <= i,
            None => (v as f64) <= b.as_f64(),
        };
        self.lo.is_none_or(ge) && self.hi.is_none_or(le)
    }
}

/// `@check(p, "re")` with its compiled regex (unanchored search).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "CheckRepr", into = "CheckRepr")]
pub struct CheckConstraint {
    pub property: String,
    pub pattern: String,
    regex: Regex,
}

#[derive(Serialize, Deserialize)]
struct CheckRepr {
    property: String,
    pattern: String,
}

impl TryFrom<CheckRepr> for CheckConstraint {
    type Error = regex::Error;
    fn try_from(r: CheckRepr) -> Result<Self, Self::Error> {
        CheckConstraint::new(r.property, r.pattern)
    }
}

impl From<CheckConstraint> for CheckRepr {
    fn from(c: CheckConstraint) -> Self {
        CheckRepr {
            property: c.property,
            pattern: c.pattern,
        }
    }
}

impl PartialEq for CheckConstraint {
    fn eq(&self, other: &Self) -> bool {
        self.property == other.property && self.pattern == other.pattern
    }
}

impl CheckConstraint {
    pub fn new(property: String, pattern: String) -> Result<Self, regex::Error> {
        let regex = Regex::new(&pattern)?;
        Ok(CheckConstraint {
            property,
            pattern,
            regex,
        })
    }

    pub fn regex(&self) -> &Regex {
        &self.regex
    }

    /// True if `value` contains a match of the pattern.
    pub fn matches(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

/// `@card(min..max)`; `max = None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Cardinality {
    pub min: u64,
    pub max: Option<u64>,
}

impl Cardinality {
    pub fn canonical(&self) -> String {
        match self.max {
            Some(m) => format!("@card({}..{m})", self.min),
            None => format!("@card({}..*)", self.min),
        }
    }
}

/// Body constraints of a type (sugar already lifted; the key is kept separately).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Constraints {
    /// `@unique` tuples in declared order (compared as sets); edges use `src`/`dst`
    #[serde(default)]
    pub unique: Vec<Vec<String>>,
    /// `@index` tuples in declared order (compared as sets)
    #[serde(default)]
    pub index: Vec<Vec<String>>,
    #[serde(default)]
    pub range: Vec<RangeConstraint>,
    #[serde(default)]
    pub check: Vec<CheckConstraint>,
}

impl Constraints {
    /// Canonical text of every constraint (without the key), sorted.
    pub fn canonical_list(&self) -> Vec<String> {
        let mut v = Vec::new();
        let sorted = |t: &Vec<String>| {
            let mut t = t.clone();
            t.sort();
            t.join(", ")
        };
        for u in &self.unique {
            v.push(format!("@unique({})", sorted(u)));
        }
        for i in &self.index {
            v.push(format!("@index({})", sorted(i)));
        }
        for r in &self.range {
            v.push(format!("@range({}, {})", r.property, r.bounds_text()));
        }
        for c in &self.check {
            v.push(format!("@check({}, {})", c.property, quote(&c.pattern)));
        }
        v.sort();
        v
    }

    fn sort(&mut self) {
        let key = |t: &Vec<String>| {
            let mut k = t.clone();
            k.sort();
            k
        };
        self.unique.sort_by_key(key);
        self.index.sort_by_key(key);
        self.range.sort_by(|a, b| {
            a.property
                .cmp(&b.property)
                .then(a.bounds_text().cmp(&b.bounds_text()))
        });
        self.check
            .sort_by(|a, b| (&a.property, &a.pattern).cmp(&(&b.property, &b.pattern)));
    }
}

/// An interface (metadata only; its properties are copied into implementing nodes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterfaceDef {
    pub name: String,
    pub properties: Vec<PropertyDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename_from: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<MetaAnnotation>,
}

impl InterfaceDef {
    pub fn property(&self, name: &str) -> Option<&PropertyDef> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Type-level metadata (description, custom annotations), canonical and sorted.
    pub fn metadata(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(d) = &self.description {
            v.push(format!("@description({})", quote(d)));
        }
        v.extend(self.annotations.iter().map(MetaAnnotation::canonical));
        v.sort();
        v
    }
}

/// A node or edge type: one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeDef {
    pub kind: TypeKind,
    pub name: String,
    /// stable id: derived from kind and name at creation, kept across renames
    pub type_id: String,
    /// edges: source node type
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// edges: target node type
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// properties sorted by name (interfaces expanded); `id`/`src`/`dst` are implicit
    pub properties: Vec<PropertyDef>,
    /// nodes: the `@key` property
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default)]
    pub constraints: Constraints,
    /// edges: `@card` (default `0..*`)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Cardinality>,
    /// nodes: implemented interfaces, sorted
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implements: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename_from: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<MetaAnnotation>,
}

impl TypeDef {
    /// `"node:Person"` / `"edge:Knows"`.
    pub fn table_key(&self) -> String {
        match self.kind {
            TypeKind::Node => node_table_key(&self.name),
            TypeKind::Edge => edge_table_key(&self.name),
            TypeKind::Interface => format!("interface:{}", self.name),
        }
    }

    pub fn is_node(&self) -> bool {
        self.kind == TypeKind::Node
    }

    pub fn is_edge(&self) -> bool {
        self.kind == TypeKind::Edge
    }

    pub fn property(&self, name: &str) -> Option<&PropertyDef> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The key property definition, if keyed.
    pub fn key_property(&self) -> Option<&PropertyDef> {
        self.key.as_deref().and_then(|k| self.property(k))
    }

    /// Effective cardinality of an edge (`0..*` when not declared; `None` for nodes).
    pub fn cardinality(&self) -> Option<Cardinality> {
        if self.is_edge() {
            Some(self.card.unwrap_or_default())
        } else {
            None
        }
    }

    /// Every unique tuple to enforce, including the key.
    pub fn effective_unique(&self) -> Vec<Vec<String>> {
        let mut v = self.constraints.unique.clone();
        if let Some(k) = &self.key {
            v.push(vec![k.clone()]);
        }
        v.sort();
        v.dedup();
        v
    }

    /// Every index to build, including the key's.
    pub fn effective_index(&self) -> Vec<Vec<String>> {
        let mut v = self.constraints.index.clone();
        if let Some(k) = &self.key {
            v.push(vec![k.clone()]);
        }
        v.sort();
        v.dedup();
        v
    }

    /// True if some index (including the key's) is exactly on `property` alone.
    pub fn is_indexed(&self, property: &str) -> bool {
        self.key.as_deref() == Some(property)
            || self
                .constraints
                .index
                .iter()
                .any(|t| t.len() == 1 && t[0] == property)
    }

    /// `(vector property, source property)` pairs of `@embed`.
    pub fn embeds(&self) -> Vec<(&str, &str)> {
        self.properties
            .iter()
            .filter_map(|p| p.embed.as_deref().map(|s| (p.name.as_str(), s)))
            .collect()
    }

    /// Type-level metadata compared by evolution (description, instruction, implements,
    /// custom annotations), canonical and sorted.
    pub fn metadata(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(d) = &self.description {
            v.push(format!("@description({})", quote(d)));
        }
        if let Some(i) = &self.instruction {
            v.push(format!("@instruction({})", quote(i)));
        }
        if !self.implements.is_empty() {
            v.push(format!("implements {}", self.implements.join(", ")));
        }
        v.extend(self.annotations.iter().map(MetaAnnotation::canonical));
        v.sort();
        v
    }

    /// The Arrow schema of this type's table: `id` (and `src`, `dst` for edges) first, all
    /// `Utf8 NOT NULL`, then the properties in name order.
    pub fn arrow_schema(&self) -> ArrowSchema {
        let mut fields = vec![Field::new("id", DataType::Utf8, false)];
        if self.is_edge() {
            fields.push(Field::new("src", DataType::Utf8, false));
            fields.push(Field::new("dst", DataType::Utf8, false));
        }
        fields.extend(self.properties.iter().map(|p| p.ty.arrow_field(&p.name)));
        ArrowSchema::new(fields)
    }
}

/// The compiled schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub format_version: u32,
    /// hex sha256 of [`Catalog::canonical_text`]
    pub hash: String,
    /// sorted by name
    pub interfaces: Vec<InterfaceDef>,
    /// sorted by name
    pub nodes: Vec<TypeDef>,
    /// sorted by name
    pub edges: Vec<TypeDef>,
}

/// Result of compiling a schema: the catalog (when there is no error) and every diagnostic,
/// warnings included, in source order.
#[derive(Debug, Clone)]
pub struct SchemaOutput {
    pub catalog: Option<Catalog>,
    pub diagnostics: Diagnostics,
}

/// Derives a fresh type id from kind and name (12 lowercase hex digits).
pub fn derive_type_id(kind: TypeKind, name: &str, salt: u32) -> String {
    let mut h = Sha256::new();
    h.update(kind.as_str().as_bytes());
    h.update(b":");
    h.update(name.as_bytes());
    if salt > 0 {
        h.update(format!("#{salt}").as_bytes());
    }
    hex::encode(h.finalize()).chars().take(12).collect()
}

impl Catalog {
    /// Compiles schema source into a catalog with fresh type ids; `Err` holds every
    /// diagnostic (errors and warnings) when there is at least one error.
    pub fn compile(src: &str) -> Result<Catalog, Diagnostics> {
        let out = compile_schema(src, None);
        match out.catalog {
            Some(c) => Ok(c),
            None => Err(out.diagnostics),
        }
    }

    /// Like [`Catalog::compile`], but types matching a type of `accepted` (same kind and
    /// name, or `@rename_from`) keep its type id.
    pub fn compile_evolved(src: &str, accepted: &Catalog) -> Result<Catalog, Diagnostics> {
        let out = compile_schema(src, Some(accepted));
        match out.catalog {
            Some(c) => Ok(c),
            None => Err(out.diagnostics),
        }
    }

    /// Assembles a catalog from validated parts: sorts, assigns type ids, computes the hash.
    pub(crate) fn assemble(
        mut interfaces: Vec<InterfaceDef>,
        mut nodes: Vec<TypeDef>,
        mut edges: Vec<TypeDef>,
        accepted: Option<&Catalog>,
    ) -> Catalog {
        interfaces.sort_by(|a, b| a.name.cmp(&b.name));
        for i in &mut interfaces {
            i.properties.sort_by(|a, b| a.name.cmp(&b.name));
        }
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        edges.sort_by(|a, b| a.name.cmp(&b.name));
        for t in nodes.iter_mut().chain(edges.iter_mut()) {
            t.properties.sort_by(|a, b| a.name.cmp(&b.name));
            t.constraints.sort();
            t.implements.sort();
            t.annotations.sort();
            for p in &mut t.properties {
                p.annotations.sort();
                p.ty = p.ty.normalized();
            }
        }
        // type ids
        let mut used: HashSet<String> = HashSet::new();
        if let Some(acc) = accepted {
            used.extend(
                acc.nodes
                    .iter()
                    .chain(&acc.edges)
                    .map(|t| t.type_id.clone()),
            );
        }
        let mut taken: HashSet<String> = HashSet::new();
        for t in nodes.iter_mut().chain(edges.iter_mut()) {
            let inherited = accepted.and_then(|acc| {
                let list = if t.is_node() { &acc.nodes } else { &acc.edges };
                list.iter()
                    .find(|a| a.name == t.name)
                    .or_else(|| {
                        t.rename_from
                            .as_ref()
                            .and_then(|old| list.iter().find(|a| &a.name == old))
                    })
                    .map(|a| a.type_id.clone())
            });
            let id = match inherited {
                Some(id) if !taken.contains(&id) => id,
                _ => {
                    let mut salt = 0;
                    loop {
                        let id = derive_type_id(t.kind, &t.name, salt);
                        if !used.contains(&id) && !taken.contains(&id) {
                            break id;
                        }
                        salt += 1;
                    }
                }
            };
            taken.insert(id.clone());
            t.type_id = id;
        }
        let mut c = Catalog {
            format_version: CATALOG_FORMAT_VERSION,
            hash: String::new(),
            interfaces,
            nodes,
            edges,
        };
        c.hash = c.schema_hash();
        c
    }

    pub fn node(&self, name: &str) -> Option<&TypeDef> {
        self.nodes.iter().find(|t| t.name == name)
    }

    /// Edge type by name, ignoring ASCII case (queries write `worksAt` for `WorksAt`).
    pub fn edge(&self, name: &str) -> Option<&TypeDef> {
        self.edges.iter().find(|t| t.name == name).or_else(|| {
            self.edges
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(name))
        })
    }

    pub fn interface(&self, name: &str) -> Option<&InterfaceDef> {
        self.interfaces.iter().find(|t| t.name == name)
    }

    /// Node or edge type by kind and exact name.
    pub fn get(&self, kind: TypeKind, name: &str) -> Option<&TypeDef> {
        match kind {
            TypeKind::Node => self.node(name),
            TypeKind::Edge => self.edges.iter().find(|t| t.name == name),
            TypeKind::Interface => None,
        }
    }

    /// Type by table key (`"node:Person"`, `"edge:Knows"`).
    pub fn by_table_key(&self, key: &str) -> Option<&TypeDef> {
        let (kind, name) = key.split_once(':')?;
        match kind {
            "node" => self.node(name),
            "edge" => self.edges.iter().find(|t| t.name == name),
            _ => None,
        }
    }

    /// Type by its stable type id.
    pub fn by_type_id(&self, id: &str) -> Option<&TypeDef> {
        self.types().find(|t| t.type_id == id)
    }

    /// Every node type, then every edge type, each by name.
    pub fn types(&self) -> impl Iterator<Item = &TypeDef> {
        self.nodes.iter().chain(self.edges.iter())
    }

    /// Edge types whose source or target is `node`.
    pub fn edges_touching(&self, node: &str) -> Vec<&TypeDef> {
        self.edges
            .iter()
            .filter(|e| e.from.as_deref() == Some(node) || e.to.as_deref() == Some(node))
            .collect()
    }

    /// Edge types whose source is `node`.
    pub fn edges_from(&self, node: &str) -> Vec<&TypeDef> {
        self.edges
            .iter()
            .filter(|e| e.from.as_deref() == Some(node))
            .collect()
    }

    /// Edge types whose target is `node`.
    pub fn edges_to(&self, node: &str) -> Vec<&TypeDef> {
        self.edges
            .iter()
            .filter(|e| e.to.as_deref() == Some(node))
            .collect()
    }

    /// Arrow schema of the table with `table_key`.
    pub fn arrow_schema(&self, table_key: &str) -> Option<ArrowSchema> {
        self.by_table_key(table_key).map(TypeDef::arrow_schema)
    }

    /// Canonical form (§3.1): interfaces, nodes, edges, each sorted by name; properties,
    /// constraint arguments, enum values and annotations sorted; `@card` always explicit.
    /// `@rename_from` directives and type ids are not part of it.
    pub fn canonical_text(&self) -> String {
        let mut out = String::new();
        for i in &self.interfaces {
            let _ = write!(out, "interface {}", i.name);
            for a in i.metadata() {
                let _ = write!(out, " {a}");
            }
            out.push_str(" {\n");
            write_props(&mut out, &i.properties);
            out.push_str("}\n");
        }
        for t in self.nodes.iter().chain(&self.edges) {
            let _ = write!(out, "{} {}", t.kind, t.name);
            if let (Some(f), Some(to)) = (&t.from, &t.to) {
                let _ = write!(out, ": {f} -> {to}");
            }
            if let Some(card) = t.cardinality() {
                let _ = write!(out, " {}", card.canonical());
            }
            let meta: Vec<String> = t
                .metadata()
                .into_iter()
                .filter(|m| !m.starts_with("implements "))
                .collect();
            for a in meta {
                let _ = write!(out, " {a}");
            }
            if !t.implements.is_empty() {
                let _ = write!(out, " implements {}", t.implements.join(", "));
            }
            out.push_str(" {\n");
            write_props(&mut out, &t.properties);
            if let Some(k) = &t.key {
                let _ = writeln!(out, "    @key({k})");
            }
            for c in t.constraints.canonical_list() {
                let _ = writeln!(out, "    {c}");
            }
            out.push_str("}\n");
        }
        out
    }

    /// Hex sha256 of the canonical text.
    pub fn schema_hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_text().as_bytes()))
    }

    /// JSON form (what the engine stores as `schemas/<hash>.ir.json`).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    pub fn from_json(s: &str) -> Result<Catalog, serde_json::Error> {
        serde_json::from_str(s)
    }
}

fn write_props(out: &mut String, props: &[PropertyDef]) {
    for p in props {
        let _ = write!(out, "    {}: {}", p.name, p.ty.pg());
        for a in p.metadata() {
            let _ = write!(out, " {a}");
        }
        out.push('\n');
    }
}

/// Quotes `s` as a `.pg` string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Compiles schema source: parse, validate, build the catalog (ids inherited from
/// `accepted` when given). The catalog is `None` iff there is an error.
pub fn compile_schema(src: &str, accepted: Option<&Catalog>) -> SchemaOutput {
    let (ast, mut diags) = crate::schema::parse_schema(src);
    let (parts, vdiags) = crate::schema::validate::validate(&ast);
    diags.extend(vdiags);
    let diagnostics = Diagnostics::from(diags).into_sorted();
    let has_error = diagnostics.iter().any(|d| d.is_error());
    let catalog = match parts {
        Some(p) if !has_error => Some(Catalog::assemble(p.interfaces, p.nodes, p.edges, accepted)),
        _ => None,
    };
    SchemaOutput {
        catalog,
        diagnostics: Diagnostics::from(diagnostics),
    }
}

/// True for scalar types allowed as a `@key` (String, enum, integers, Date, DateTime).
pub fn key_type_allowed(t: &PropType) -> bool {
    match &t.core {
        Core::Enum(_) => true,
        Core::Scalar(s) => {
            s.is_integer()
                || matches!(
                    s,
                    ScalarType::String | ScalarType::Date | ScalarType::DateTime
                )
        }
        _ => false,
    }
}

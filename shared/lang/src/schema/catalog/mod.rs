//! The catalog: the validated, interface-expanded schema the engine and the query compiler
//! work with. Owns stable type ids, table keys, the Arrow schema of every table, the
//! canonical text (docs/reference/schema.md, "Canonical form") and the schema hash.
//! Serializable to JSON (`schemas/<hash>.ir.json`).
//!
//! The definitions it holds live in `defs` (types, interfaces, properties) and
//! `constraints` (`@range`, `@check`, `@card`, `@unique`, `@index`); both are re-exported here.

mod constraints;
mod defs;

use crate::diagnostics::diagnostic::Diagnostics;
use crate::schema::types::{Core, PropType, ScalarType};
use arrow_schema::Schema as ArrowSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fmt::Write as _;

pub use constraints::{Cardinality, CheckConstraint, Constraints, Number, RangeConstraint};
pub use defs::{InterfaceDef, MetaAnnotation, PropertyDef, TypeDef, TypeKind};

/// Version of the serialized catalog layout.
pub const CATALOG_FORMAT_VERSION: u32 = 1;

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

    /// Canonical form (docs/reference/schema.md, "Canonical form"): interfaces, nodes, edges, each
    /// sorted by name; properties, constraint arguments, enum values and annotations sorted;
    /// `@card` always explicit. `@rename_from` directives and type ids are not part of it.
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

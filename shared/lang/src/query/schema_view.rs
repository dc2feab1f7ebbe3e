//! A compact, owned index of the catalog for the query typechecker, JSONL validation and lint.
//! Built once per call from a [`Catalog`]; the only place that reads catalog internals.

use crate::schema::catalog::{edge_table_key, node_table_key, Catalog};
use crate::schema::types::{Core, PropType, ScalarType};
use std::collections::BTreeMap;

/// A numeric bound of `@range`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Int(i128),
    Float(f64),
}

impl Bound {
    pub fn as_f64(self) -> f64 {
        match self {
            Bound::Int(i) => i as f64,
            Bound::Float(f) => f,
        }
    }

    pub fn text(self) -> String {
        match self {
            Bound::Int(i) => i.to_string(),
            Bound::Float(f) => crate::schema::value::f64_text(f),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PropInfo {
    pub name: String,
    pub ty: PropType,
    pub indexed: bool,
    /// `@embed(src)`: the source property.
    pub embed_source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RangeInfo {
    pub prop: String,
    pub lo: Option<Bound>,
    pub hi: Option<Bound>,
}

#[derive(Debug, Clone)]
pub struct CheckInfo {
    pub prop: String,
    pub pattern: String,
    pub regex: Option<regex::Regex>,
}

#[derive(Debug, Clone)]
pub struct TypeInfo {
    pub name: String,
    pub is_edge: bool,
    pub props: Vec<PropInfo>,
    pub key: Option<String>,
    /// Edge endpoints (empty for nodes).
    pub from: String,
    pub to: String,
    pub ranges: Vec<RangeInfo>,
    pub checks: Vec<CheckInfo>,
}

impl TypeInfo {
    pub fn prop(&self, name: &str) -> Option<&PropInfo> {
        self.props.iter().find(|p| p.name == name)
    }

    pub fn table_key(&self) -> String {
        if self.is_edge {
            edge_table_key(&self.name)
        } else {
            node_table_key(&self.name)
        }
    }

    /// Type of a property or pseudo-property (`id`; `from`/`to` on edges when `endpoints`).
    pub fn prop_type(&self, name: &str, endpoints: bool) -> Option<PropType> {
        if name == "id" || (endpoints && self.is_edge && (name == "from" || name == "to")) {
            return Some(PropType::scalar(ScalarType::String));
        }
        self.prop(name).map(|p| p.ty.clone())
    }

    pub fn prop_names(&self) -> Vec<&str> {
        self.props.iter().map(|p| p.name.as_str()).collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct SchemaIndex {
    pub nodes: BTreeMap<String, TypeInfo>,
    /// Keyed by lower-cased name.
    pub edges: BTreeMap<String, TypeInfo>,
    pub interfaces: Vec<String>,
}

impl SchemaIndex {
    pub fn node(&self, name: &str) -> Option<&TypeInfo> {
        self.nodes.get(name)
    }

    /// Edge by name, ignoring ASCII case.
    pub fn edge_ci(&self, name: &str) -> Option<&TypeInfo> {
        self.edges.get(&name.to_ascii_lowercase())
    }

    /// Node or edge by exact name.
    pub fn type_exact(&self, name: &str) -> Option<&TypeInfo> {
        self.nodes
            .get(name)
            .or_else(|| self.edge_ci(name).filter(|e| e.name == name))
    }

    pub fn is_interface(&self, name: &str) -> bool {
        self.interfaces.iter().any(|i| i == name)
    }

    /// Key type of a node type (`None` if keyless or unknown).
    pub fn key_type(&self, node: &str) -> Option<PropType> {
        let t = self.nodes.get(node)?;
        let k = t.key.as_ref()?;
        t.prop(k).map(|p| p.ty.clone())
    }

    pub fn from_catalog(cat: &Catalog) -> SchemaIndex {
        crate::query::catalog_adapter::build(cat)
    }
}

/// True if `core` is a scalar of this kind.
pub fn is_scalar(core: &Core, s: ScalarType) -> bool {
    matches!(core, Core::Scalar(x) if *x == s)
}

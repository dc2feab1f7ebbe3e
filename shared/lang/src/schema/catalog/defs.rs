//! Type definitions: node and edge types (one table each), interfaces, properties and
//! their metadata annotations.

use super::constraints::{Cardinality, Constraints};
use super::{edge_table_key, node_table_key, quote};
use crate::schema::types::PropType;
use arrow_schema::{DataType, Field, Schema as ArrowSchema};
use serde::{Deserialize, Serialize};

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

//! Builds the query-side [`SchemaIndex`] from a [`Catalog`].

use super::schema_view::{Bound, CheckInfo, PropInfo, RangeInfo, SchemaIndex, TypeInfo};
use crate::schema::catalog::{Catalog, Number, TypeDef};

fn bound(n: Number) -> Bound {
    match n.as_i128() {
        Some(i) => Bound::Int(i),
        None => Bound::Float(n.as_f64()),
    }
}

fn type_info(t: &TypeDef) -> TypeInfo {
    let props = t
        .properties
        .iter()
        .map(|p| PropInfo {
            name: p.name.clone(),
            ty: p.ty.clone(),
            indexed: t.is_indexed(&p.name),
            embed_source: p.embed.clone(),
        })
        .collect();
    TypeInfo {
        name: t.name.clone(),
        is_edge: t.is_edge(),
        props,
        key: t.key.clone(),
        from: t.from.clone().unwrap_or_default(),
        to: t.to.clone().unwrap_or_default(),
        ranges: t
            .constraints
            .range
            .iter()
            .map(|r| RangeInfo {
                prop: r.property.clone(),
                lo: r.lo.map(bound),
                hi: r.hi.map(bound),
            })
            .collect(),
        checks: t
            .constraints
            .check
            .iter()
            .map(|c| CheckInfo {
                prop: c.property.clone(),
                pattern: c.pattern.clone(),
                regex: Some(c.regex().clone()),
            })
            .collect(),
    }
}

pub(crate) fn build(cat: &Catalog) -> SchemaIndex {
    SchemaIndex {
        nodes: cat
            .nodes
            .iter()
            .map(|t| (t.name.clone(), type_info(t)))
            .collect(),
        edges: cat
            .edges
            .iter()
            .map(|t| (t.name.to_ascii_lowercase(), type_info(t)))
            .collect(),
        interfaces: cat.interfaces.iter().map(|i| i.name.clone()).collect(),
    }
}

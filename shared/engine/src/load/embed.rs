//! `@embed` targets of loaded records: every record that assigns an embed source but not its
//! vector gets the provider's embedding, batched per (type, target) before anything is
//! written. Failures name the first line of the failing batch (E-R001 / E-R002).

use std::collections::BTreeMap;

use omnigraph_lang::catalog::Catalog;
use omnigraph_lang::data::Record;
use omnigraph_lang::types::Core;
use omnigraph_lang::value::Value;

use crate::embedding::embed_checked;
use crate::{Engine, EngineError};

/// Fills `embed_pending` vectors of `records` (and empties those lists).
pub(crate) async fn fill_record_embeddings(
    engine: &Engine,
    catalog: &Catalog,
    records: &mut [Record],
    line_error: impl Fn(&'static str, usize, String) -> EngineError,
) -> Result<(), EngineError> {
    // (table, target) → indices of the records waiting for it
    let mut wanted: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        for target in &r.embed_pending {
            wanted
                .entry((r.table_key.clone(), target.clone()))
                .or_default()
                .push(i);
        }
    }
    for ((table, target), members) in wanted {
        let ty = catalog
            .by_table_key(&table)
            .ok_or_else(|| EngineError::internal(format!("unknown table `{table}`")))?;
        let prop = ty.properties.iter().find(|p| p.name == target);
        let (Some(source), Some(Core::Vector(dim))) = (
            prop.and_then(|p| p.embed.clone()),
            prop.map(|p| p.ty.core.clone()),
        ) else {
            return Err(EngineError::internal(format!(
                "`{}.{target}` is not an `@embed` vector",
                ty.name
            )));
        };
        let mut texts = Vec::with_capacity(members.len());
        for &i in &members {
            match records[i].values.get(&source) {
                Some(Value::String(t)) => texts.push(t.clone()),
                _ => return Err(EngineError::internal("embed source is not a string")),
            }
        }
        let first_line = members.first().map_or(0, |&i| records[i].line);
        let what = format!("`{}.{target}` (from `{source}`)", ty.name);
        let vectors = embed_checked(engine.embedding().map(|p| p.as_ref()), &texts, dim, &what)
            .await
            .map_err(|f| line_error(f.code, first_line, f.message))?;
        for (&i, v) in members.iter().zip(vectors) {
            records[i].values.insert(target.clone(), Value::Vector(v));
            records[i].embed_pending.retain(|t| *t != target);
        }
    }
    Ok(())
}

//! Load validation beyond a single line (docs/reference/data.md, "Validation order", steps 2
//! and 3).
//!
//! As each validated record arrives, [`Checks::observe`] settles its id (merge: an id-less
//! edge takes the id of the edge with the same endpoints; otherwise a fresh ULID) and checks
//! duplicates within the input and, for `append`, against committed ids (E-D015), and for
//! `merge` that an edge's endpoints do not change (E-D012). Once the input is read,
//! [`Checks::finish`] checks the resulting state in the reference's order: `@key`/`@unique`
//! (E-D009), edge endpoints (E-D010), overwrite orphans (E-D014) and `@card` (E-D011).
//!
//! What is held (never whole rows): per input table, the ids seen with their line; for
//! types with non-key `@unique` tuples, each input row's tuple; for edge types with a bounded
//! `@card`, each input edge's source; endpoints not (yet) matched by a loaded node; and,
//! when a rule needs them, committed ids, committed edge endpoints (merge), committed
//! unique tuples and committed per-source edge counts of the affected tables.

use std::collections::{BTreeMap, BTreeSet};

use super::{FastMap as HashMap, FastSet as HashSet};

use omnigraph_lang::catalog::{node_of_table_key, node_table_key, TypeDef};
use omnigraph_lang::data::{self as data, Record};
use omnigraph_lang::value::Value;

use super::committed::{committed_edges, committed_ids, scan_columns, text_at, text_column};
use super::{line_error, LoadMode};
use crate::clock::next_ulid;
use crate::engine::{Engine, Snapshot};
use crate::storage::rows::cell_value;
use crate::EngineError;

/// Committed edges of one type, for `merge` (endpoint identity and E-D012).
#[derive(Debug, Default)]
struct CommittedEdges {
    ends_by_id: HashMap<String, (String, String)>,
    ids_by_ends: HashMap<(String, String), Vec<String>>,
}

/// What the load has seen of one table.
#[derive(Debug)]
struct Seen {
    type_name: String,
    first_line: usize,
    /// Input ids with the line of their last record.
    ids: HashMap<String, usize>,
    /// Records whose id this load generated (fresh ULIDs: they cannot repeat, so they are
    /// counted, not kept).
    generated: usize,
    /// `append`: the committed ids.
    committed_ids: Option<HashSet<String>>,
    /// `merge`, edges: the committed edges, and input edge ids by endpoints.
    committed_edges: Option<CommittedEdges>,
    input_by_ends: HashMap<(String, String), String>,
    /// Non-key `@unique` tuples: per tuple, input id → (line, values).
    unique: Vec<(Vec<String>, UniqueTuples)>,
    /// Edge types with a bounded `@card`: input id → (source id, line).
    sources: HashMap<String, (String, usize)>,
}

/// One `@unique` tuple's input values: input id → (line, values).
type UniqueTuples = HashMap<String, (usize, Vec<Value>)>;

/// An edge endpoint not found in the input yet: (node table key, id) → (line, end name).
type Unresolved = ((String, String), (usize, &'static str));

/// A candidate error and the input line it names (the lowest line is reported).
type Found = Option<(usize, EngineError)>;

fn keep_first(found: &mut Found, line: usize, err: EngineError) {
    if found.as_ref().is_none_or(|(l, _)| line < *l) {
        *found = Some((line, err));
    }
}

/// The value of tuple member `prop` in `record` (`src`/`from`, `dst`/`to` are endpoints).
fn tuple_value(record: &Record, prop: &str) -> Value {
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
    match prop {
        "id" => text(&record.id),
        "src" | "from" => text(&record.from),
        "dst" | "to" => text(&record.to),
        other => record.values.get(other).cloned().unwrap_or(Value::Null),
    }
}

/// The stored column holding tuple member `prop`.
fn column_of(prop: &str) -> &str {
    match prop {
        "from" => "src",
        "to" => "dst",
        other => other,
    }
}

fn tuple_key(values: &[Value]) -> Vec<String> {
    values.iter().map(|v| format!("{v:?}")).collect()
}

/// Load-wide validation state.
#[derive(Debug)]
pub(super) struct Checks {
    mode: LoadMode,
    tables: BTreeMap<String, Seen>,
    /// Endpoints not matched by a node loaded before them: (node table, id) → (line, end).
    pending: HashMap<(String, String), (usize, &'static str)>,
    /// The first id error (step 2); once set, records are only parsed, not kept.
    id_error: Option<EngineError>,
    /// Tables whose committed rows were read (they join the write's read set).
    pub read_set: BTreeSet<String>,
}

impl Checks {
    pub(super) fn new(mode: LoadMode) -> Self {
        Self {
            mode,
            tables: BTreeMap::new(),
            pending: HashMap::default(),
            id_error: None,
            read_set: BTreeSet::new(),
        }
    }

    /// Input rows per table (distinct ids), sorted by table key.
    pub(super) fn table_counts(&self) -> Vec<(String, usize)> {
        self.tables
            .iter()
            .map(|(k, s)| (k.clone(), s.ids.len() + s.generated))
            .collect()
    }

    /// The first id error found (E-D015), reported after every line has been parsed.
    pub(super) fn take_id_error(&mut self) -> Result<(), EngineError> {
        match self.id_error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Settles `record`'s id and checks the id rules. `None`: an id error has been found,
    /// so the record is not to be written (the rest of the input is still parsed).
    pub(super) async fn observe(
        &mut self,
        engine: &Engine,
        snapshot: &Snapshot,
        mut record: Record,
    ) -> Result<Option<Record>, EngineError> {
        if self.id_error.is_some() {
            return Ok(None);
        }
        let ty = snapshot
            .catalog
            .by_table_key(&record.table_key)
            .ok_or_else(|| EngineError::internal(format!("no type `{}`", record.table_key)))?;
        let is_edge = ty.is_edge();
        let line = record.line;
        if !self.tables.contains_key(&record.table_key) {
            let seen = Seen::new(ty, line);
            self.tables.insert(record.table_key.clone(), seen);
        }
        if self.mode == LoadMode::Merge && is_edge {
            self.merge_edge_id(engine, snapshot, &mut record).await?;
        }
        let generated = record.id.is_none();
        let id = record.id.get_or_insert_with(|| next_ulid(None)).clone();
        if self.mode == LoadMode::Append && !generated {
            self.load_committed_ids(engine, snapshot, &record.table_key)
                .await?;
        }
        let seen = self
            .tables
            .get_mut(&record.table_key)
            .ok_or_else(|| EngineError::internal("load table state vanished"))?;
        if generated {
            // A fresh ULID matches no input or committed id: nothing to check or remember.
            seen.generated += 1;
        } else if let Some(&first) = seen.ids.get(&id) {
            if self.mode != LoadMode::Merge {
                let detail = data::msg_duplicate(&seen.type_name, &id, first);
                let message = data::line_only_message(line, &detail);
                self.id_error = Some(line_error("E-D015", line, message, None));
                return Ok(None);
            }
        }
        if !generated
            && seen
                .committed_ids
                .as_ref()
                .is_some_and(|ids| ids.contains(&id))
        {
            let detail = data::msg_exists(&seen.type_name, &id);
            let message = data::line_only_message(line, &detail);
            self.id_error = Some(line_error("E-D015", line, message, None));
            return Ok(None);
        }
        if !generated {
            seen.ids.insert(id.clone(), line);
        }
        for (tuple, rows) in seen.unique.iter_mut() {
            let values: Vec<Value> = tuple.iter().map(|p| tuple_value(&record, p)).collect();
            if values.iter().any(Value::is_null) {
                rows.remove(&id);
            } else {
                rows.insert(id.clone(), (line, values));
            }
        }
        if is_edge {
            if bounded_card(ty) {
                let src = record.from.clone().unwrap_or_default();
                seen.sources.insert(id.clone(), (src, line));
            }
            for (end, node, node_id) in
                [("from", &ty.from, &record.from), ("to", &ty.to, &record.to)]
            {
                let (Some(node), Some(node_id)) = (node, node_id) else {
                    continue;
                };
                let node_key = node_table_key(node);
                let loaded = self
                    .tables
                    .get(&node_key)
                    .is_some_and(|s| s.ids.contains_key(node_id));
                if !loaded {
                    self.pending
                        .entry((node_key, node_id.clone()))
                        .or_insert((line, end));
                }
            }
        }
        Ok(Some(record))
    }

    async fn load_committed_ids(
        &mut self,
        engine: &Engine,
        snapshot: &Snapshot,
        table_key: &str,
    ) -> Result<(), EngineError> {
        if self
            .tables
            .get(table_key)
            .is_some_and(|s| s.committed_ids.is_none())
        {
            self.read_set.insert(table_key.to_string());
            let ids = committed_ids(engine, snapshot, table_key).await?;
            if let Some(seen) = self.tables.get_mut(table_key) {
                seen.committed_ids = Some(ids);
            }
        }
        Ok(())
    }

    /// Merge: an id-less edge record replaces the edge with the same endpoints (committed,
    /// or earlier in the input); an edge with an id must keep its committed endpoints.
    async fn merge_edge_id(
        &mut self,
        engine: &Engine,
        snapshot: &Snapshot,
        record: &mut Record,
    ) -> Result<(), EngineError> {
        let table_key = record.table_key.clone();
        let needs_scan = self
            .tables
            .get(&table_key)
            .is_some_and(|s| s.committed_edges.is_none());
        if needs_scan {
            self.read_set.insert(table_key.clone());
            let mut edges = CommittedEdges::default();
            for (id, src, dst) in committed_edges(engine, snapshot, &table_key).await? {
                edges
                    .ids_by_ends
                    .entry((src.clone(), dst.clone()))
                    .or_default()
                    .push(id.clone());
                edges.ends_by_id.insert(id, (src, dst));
            }
            if let Some(seen) = self.tables.get_mut(&table_key) {
                seen.committed_edges = Some(edges);
            }
        }
        let Some(seen) = self.tables.get_mut(&table_key) else {
            return Ok(());
        };
        let ends = (
            record.from.clone().unwrap_or_default(),
            record.to.clone().unwrap_or_default(),
        );
        let committed = seen.committed_edges.as_ref();
        let line = record.line;
        match &record.id {
            None => {
                let matches = committed.and_then(|c| c.ids_by_ends.get(&ends));
                record.id = match matches.map(Vec::as_slice) {
                    Some([one]) => Some(one.clone()),
                    Some(many) if many.len() > 1 => {
                        let detail = data::msg_ambiguous_merge(
                            &record.type_name,
                            &ends.0,
                            &ends.1,
                            many.len(),
                        );
                        let message = data::line_only_message(line, &detail);
                        return Err(line_error("E-D012", line, message, None));
                    }
                    _ => seen.input_by_ends.get(&ends).cloned(),
                };
            }
            Some(id) => {
                let moved = committed
                    .and_then(|c| c.ends_by_id.get(id))
                    .is_some_and(|committed_ends| *committed_ends != ends);
                if moved {
                    let detail = data::msg_endpoints_changed(&record.type_name, id);
                    let message = data::line_message(line, "from", &detail);
                    return Err(line_error("E-D012", line, message, None));
                }
            }
        }
        let id = record.id.get_or_insert_with(|| next_ulid(None)).clone();
        seen.input_by_ends.insert(ends, id);
        Ok(())
    }

    /// Step 3 on the resulting state: E-D009, then E-D010 and E-D014, then E-D011; within
    /// a rule, the error naming the lowest input line.
    pub(super) async fn finish(
        &mut self,
        engine: &Engine,
        snapshot: &Snapshot,
    ) -> Result<(), EngineError> {
        let mut found: Found = None;
        let keys: Vec<String> = self.tables.keys().cloned().collect();
        for table_key in &keys {
            self.check_unique(engine, snapshot, table_key, &mut found)
                .await?;
        }
        if let Some((_, e)) = found {
            return Err(e);
        }
        self.check_endpoints(engine, snapshot, &mut found).await?;
        if let Some((_, e)) = found {
            return Err(e);
        }
        if self.mode == LoadMode::Overwrite {
            self.check_orphans(engine, snapshot, &mut found).await?;
            if let Some((_, e)) = found {
                return Err(e);
            }
        }
        let edges: Vec<TypeDef> = snapshot
            .catalog
            .types()
            .filter(|t| bounded_card(t))
            .cloned()
            .collect();
        for edge in &edges {
            self.check_card(engine, snapshot, edge, &mut found).await?;
        }
        match found {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }

    fn overwritten(&self, table_key: &str) -> bool {
        self.mode == LoadMode::Overwrite && self.tables.contains_key(table_key)
    }

    /// E-D009: no two rows of the resulting table share a non-key `@unique` tuple.
    async fn check_unique(
        &mut self,
        engine: &Engine,
        snapshot: &Snapshot,
        table_key: &str,
        found: &mut Found,
    ) -> Result<(), EngineError> {
        let overwritten = self.overwritten(table_key);
        let mode = self.mode;
        let reads_committed = !overwritten
            && self
                .tables
                .get(table_key)
                .is_some_and(|s| s.unique.iter().any(|(_, rows)| !rows.is_empty()));
        if reads_committed {
            self.read_set.insert(table_key.to_string());
        }
        let Some(seen) = self.tables.get(table_key) else {
            return Ok(());
        };
        for (tuple, rows) in &seen.unique {
            if rows.is_empty() {
                continue;
            }
            // Committed rows that stay: all (append), those not replaced by id (merge).
            let mut used: HashMap<Vec<String>, String> = HashMap::default();
            if !overwritten {
                let mut columns = vec!["id".to_string()];
                columns.extend(tuple.iter().map(|p| column_of(p).to_string()));
                columns.dedup();
                scan_columns(engine, snapshot, table_key, &columns, |batch| {
                    let ids = text_column(batch, "id")?;
                    for r in 0..batch.num_rows() {
                        let Some(id) = text_at(ids, r) else { continue };
                        if mode == LoadMode::Merge && seen.ids.contains_key(id) {
                            continue;
                        }
                        let mut values = Vec::with_capacity(tuple.len());
                        for p in tuple {
                            let col = batch.column_by_name(column_of(p)).ok_or_else(|| {
                                EngineError::internal(format!("no column `{p}` in `{table_key}`"))
                            })?;
                            values.push(cell_value(col.as_ref(), r)?);
                        }
                        if values.iter().all(|v| !v.is_null()) {
                            used.insert(tuple_key(&values), id.to_string());
                        }
                    }
                    Ok(())
                })
                .await?;
            }
            let mut ordered: Vec<(&usize, &String, &Vec<Value>)> =
                rows.iter().map(|(id, (l, v))| (l, id, v)).collect();
            ordered.sort_by_key(|(line, _, _)| **line);
            for (line, id, values) in ordered {
                let key = tuple_key(values);
                if let Some(existing) = used.get(&key) {
                    let detail = data::msg_unique(&seen.type_name, tuple, values, existing);
                    let message = match tuple.as_slice() {
                        [one] if !matches!(one.as_str(), "src" | "dst" | "from" | "to") => {
                            data::line_message(*line, &format!("data.{one}"), &detail)
                        }
                        _ => data::line_only_message(*line, &detail),
                    };
                    keep_first(found, *line, line_error("E-D009", *line, message, None));
                    break;
                }
                used.insert(key, id.clone());
            }
        }
        Ok(())
    }

    /// E-D010: every endpoint names a node of the resulting state.
    async fn check_endpoints(
        &mut self,
        engine: &Engine,
        snapshot: &Snapshot,
        found: &mut Found,
    ) -> Result<(), EngineError> {
        let mut unresolved: Vec<Unresolved> = self
            .pending
            .drain()
            .filter(|((node_key, id), _)| {
                !self
                    .tables
                    .get(node_key)
                    .is_some_and(|s| s.ids.contains_key(id))
            })
            .collect();
        unresolved.sort_by_key(|(_, (line, _))| *line);
        let mut committed: HashMap<String, HashSet<String>> = HashMap::default();
        for ((node_key, id), (line, end)) in unresolved {
            if !self.overwritten(&node_key) {
                if !committed.contains_key(&node_key) {
                    self.read_set.insert(node_key.clone());
                    let ids = committed_ids(engine, snapshot, &node_key).await?;
                    committed.insert(node_key.clone(), ids);
                }
                if committed.get(&node_key).is_some_and(|s| s.contains(&id)) {
                    continue;
                }
            }
            let node = node_of_table_key(&node_key).unwrap_or(&node_key);
            let detail = data::msg_endpoint_missing(node, &id);
            let message = data::line_message(line, end, &detail);
            keep_first(found, line, line_error("E-D010", line, message, None));
            break;
        }
        Ok(())
    }

    /// E-D014: an overwritten node type must not orphan edges of an edge type not in the
    /// input.
    async fn check_orphans(
        &mut self,
        engine: &Engine,
        snapshot: &Snapshot,
        found: &mut Found,
    ) -> Result<(), EngineError> {
        let nodes: Vec<String> = self
            .tables
            .keys()
            .filter(|k| node_of_table_key(k).is_some())
            .cloned()
            .collect();
        for node_key in nodes {
            let Some(node) = snapshot.catalog.by_table_key(&node_key) else {
                continue;
            };
            let untouched: Vec<&TypeDef> = snapshot
                .catalog
                .edges_touching(&node.name)
                .into_iter()
                .filter(|e| !self.tables.contains_key(&e.table_key()))
                .collect();
            self.read_set
                .extend(untouched.iter().map(|e| e.table_key()));
            let Some(seen) = self.tables.get(&node_key) else {
                continue;
            };
            for edge in untouched {
                let edge_key = edge.table_key();
                let mut orphan: Option<String> = None;
                let columns = ["id", "src", "dst"].map(String::from);
                scan_columns(engine, snapshot, &edge_key, &columns, |batch| {
                    let (ids, srcs, dsts) = (
                        text_column(batch, "id")?,
                        text_column(batch, "src")?,
                        text_column(batch, "dst")?,
                    );
                    for r in 0..batch.num_rows() {
                        let gone = |end: Option<&str>, ty: &Option<String>| {
                            ty.as_deref() == Some(node.name.as_str())
                                && end.is_some_and(|id| !seen.ids.contains_key(id))
                        };
                        if gone(text_at(srcs, r), &edge.from) || gone(text_at(dsts, r), &edge.to) {
                            let id = text_at(ids, r).unwrap_or_default();
                            if orphan.as_deref().is_none_or(|o| id < o) {
                                orphan = Some(id.to_string());
                            }
                        }
                    }
                    Ok(())
                })
                .await?;
                if let Some(edge_id) = orphan {
                    let line = seen.first_line;
                    let detail = data::msg_orphan(&node.name, &edge.name, &edge_id);
                    let message = data::line_only_message(line, &detail);
                    let help = Some(data::help_orphan(&edge.name));
                    keep_first(found, line, line_error("E-D014", line, message, help));
                }
            }
        }
        Ok(())
    }

    /// E-D011: every source node of the resulting state has an edge count within `@card`.
    async fn check_card(
        &mut self,
        engine: &Engine,
        snapshot: &Snapshot,
        edge: &TypeDef,
        found: &mut Found,
    ) -> Result<(), EngineError> {
        let (Some(card), Some(from)) = (edge.cardinality(), edge.from.as_deref()) else {
            return Ok(());
        };
        let edge_key = edge.table_key();
        let node_key = node_table_key(from);
        let edge_in = self.tables.contains_key(&edge_key);
        if !edge_in && !self.tables.contains_key(&node_key) {
            return Ok(());
        }
        let mut counts: HashMap<String, u64> = HashMap::default();
        if !self.overwritten(&edge_key) {
            self.read_set.insert(edge_key.clone());
            scan_columns(engine, snapshot, &edge_key, &["src".to_string()], |batch| {
                let srcs = text_column(batch, "src")?;
                for r in 0..batch.num_rows() {
                    if let Some(src) = text_at(srcs, r) {
                        *counts.entry(src.to_string()).or_default() += 1;
                    }
                }
                Ok(())
            })
            .await?;
        }
        // New input edges per source, with their lines (merge: a committed id is replaced
        // with the same endpoints, so its count does not change).
        let mut added: HashMap<String, Vec<usize>> = HashMap::default();
        if let Some(seen) = self.tables.get(&edge_key) {
            for (id, (src, line)) in &seen.sources {
                let replaced = seen
                    .committed_edges
                    .as_ref()
                    .is_some_and(|c| c.ends_by_id.contains_key(id));
                if self.mode == LoadMode::Merge && replaced {
                    continue;
                }
                *counts.entry(src.clone()).or_default() += 1;
                added.entry(src.clone()).or_default().push(*line);
            }
        }
        let message = |line: usize, path: Option<&str>, src: &str, n: u64| {
            let detail = data::msg_card(&edge.name, card.min, card.max, from, src, n);
            let text = match path {
                Some(p) => data::line_message(line, p, &detail),
                None => data::line_only_message(line, &detail),
            };
            line_error("E-D011", line, text, None)
        };
        if let Some(max) = card.max {
            for (src, lines) in added.iter_mut() {
                let n = counts.get(src).copied().unwrap_or(0);
                if n <= max {
                    continue;
                }
                lines.sort_unstable();
                // The input edge that took the count past `max`.
                let before = n - lines.len() as u64;
                let index = usize::try_from(max.saturating_sub(before)).unwrap_or(usize::MAX);
                let line = lines[index.min(lines.len() - 1)];
                keep_first(found, line, message(line, Some("from"), src, n));
            }
        }
        if card.min > 0 {
            let edge_line = self.tables.get(&edge_key).map(|s| s.first_line);
            let mut sources: Vec<(String, usize)> = Vec::new();
            if let Some(seen) = self.tables.get(&node_key) {
                sources.extend(seen.ids.iter().map(|(id, l)| (id.clone(), *l)));
            }
            let replaced_edges = self.overwritten(&edge_key);
            if let (Some(line), true, false) =
                (edge_line, replaced_edges, self.overwritten(&node_key))
            {
                // Every edge was replaced, so committed source nodes are affected too.
                self.read_set.insert(node_key.clone());
                for id in committed_ids(engine, snapshot, &node_key).await? {
                    sources.push((id, line));
                }
            }
            for (src, line) in sources {
                let n = counts.get(&src).copied().unwrap_or(0);
                if n < card.min {
                    keep_first(found, line, message(line, None, &src, n));
                }
            }
        }
        Ok(())
    }
}

impl Seen {
    fn new(ty: &TypeDef, first_line: usize) -> Self {
        let key = ty.key.as_ref().map(|k| vec![k.clone()]);
        Self {
            type_name: ty.name.clone(),
            first_line,
            ids: HashMap::default(),
            generated: 0,
            committed_ids: None,
            committed_edges: None,
            input_by_ends: HashMap::default(),
            // The key's uniqueness is the id's (E-D015 / upsert by id).
            unique: ty
                .effective_unique()
                .into_iter()
                .filter(|t| Some(t) != key.as_ref())
                .map(|t| (t, HashMap::default()))
                .collect(),
            sources: HashMap::default(),
        }
    }
}

/// An edge type whose `@card` can be violated (`min > 0` or a finite `max`).
fn bounded_card(ty: &TypeDef) -> bool {
    ty.cardinality()
        .is_some_and(|c| c.min > 0 || c.max.is_some())
}

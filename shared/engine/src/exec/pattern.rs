//! Pattern matching: slots for every variable (outer and anti-join locals), loading of each
//! slot's candidate rows, a step plan per (sub-)pattern, and a depth-first join over it.
//!
//! Every node variable ranges over the rows its scans admit (pushed into Lance); traversals
//! follow the cached adjacency from whichever endpoint is bound first; filters and anti-joins
//! run as soon as the variables they mention are bound; an anti-join stops at its first
//! solution.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use omnigraph_lang::ir::{
    EntityKind, Expand, ExpandDirection, Expr, Pattern, Predicate, ReadPlan, ScanPredicate, VarDef,
};

use super::adjacency::{adjacency, Adjacency};
use super::env::Env;
use super::limits::Budget;
use super::scan::{
    node_index, predicate_column, scan_all, scan_nodes, scan_predicate_holds, NodeIndex, Origin,
    Table, NONE,
};
use super::text::Bm25Stats;
use crate::{Engine, EngineError, Snapshot};

/// A count-only read whose first step scans at least this many rows is split over the cores.
const PARALLEL_COUNT_MIN_ROWS: u32 = 256;

/// Receives each solution (the slot rows) with its multiplicity; returns false to stop.
pub type Emit<'e> = dyn FnMut(&[u32], u64) -> Result<bool, EngineError> + 'e;

/// One variable of the query (outer or local to an anti-join).
#[derive(Debug, Clone)]
pub struct SlotDef {
    pub kind: EntityKind,
    pub table: String,
}

/// A (sub-)pattern with the slots of its local variables.
#[derive(Debug)]
pub struct PatNode<'p> {
    pub pattern: &'p Pattern,
    /// Base slot of each enclosing anti-join, outermost first (for `VarRef::Local`).
    pub scope: Vec<usize>,
    /// Slots bound by this pattern.
    pub locals: Vec<usize>,
    pub children: Vec<PatNode<'p>>,
}

/// Dense node index ⇄ candidate row of one node slot.
#[derive(Debug)]
pub enum NodeMap {
    /// The slot's candidates are the whole table in scan order: the node index maps both ways.
    Full(Arc<NodeIndex>),
    /// `dense[row]`, and `pos[dense]` (`NONE` when that node is not a candidate).
    Partial { dense: Vec<u32>, pos: Vec<u32> },
}

impl NodeMap {
    fn build(index: Arc<NodeIndex>, t: &Table) -> Self {
        match &t.origin {
            Origin::Full if index.rows() == t.len() => return Self::Full(index),
            _ => {}
        }
        let mut dense = Vec::with_capacity(t.len());
        let mut pos = vec![NONE; index.len()];
        for r in 0..t.len() as u32 {
            let d = match &t.origin {
                Origin::Subset(rows) => rows
                    .get(r as usize)
                    .and_then(|orig| index.dense_of_row(*orig)),
                _ => index.find(t.id(r)),
            }
            .unwrap_or(NONE);
            dense.push(d);
            if let Some(p) = pos.get_mut(d as usize) {
                *p = r;
            }
        }
        Self::Partial { dense, pos }
    }

    /// The dense index of candidate `row` (`NONE` if the node has none).
    pub fn dense(&self, row: u32) -> u32 {
        match self {
            Self::Full(index) => index.dense_of_row(row).unwrap_or(NONE),
            Self::Partial { dense, .. } => dense.get(row as usize).copied().unwrap_or(NONE),
        }
    }

    /// The candidate row of the node with dense index `d`, if it is a candidate.
    pub fn row(&self, d: u32) -> Option<u32> {
        match self {
            Self::Full(index) => index.row_of_dense(d),
            Self::Partial { pos, .. } => pos.get(d as usize).copied().filter(|r| *r != NONE),
        }
    }

    /// Whether every node of the table is a candidate.
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }
}

/// Everything the synchronous phase needs.
pub struct Exec<'a> {
    pub env: &'a Env,
    pub plan: &'a ReadPlan,
    pub budget: &'a Budget,
    pub slots: Vec<SlotDef>,
    pub tables: Vec<Arc<Table>>,
    pub maps: Vec<Option<NodeMap>>,
    pub adjacency: HashMap<String, Arc<Adjacency>>,
    pub bm25: HashMap<(String, String, String), Bm25Stats>,
    pub tree: PatNode<'a>,
    /// Solutions are only counted: a final one-hop traversal reports how many destinations
    /// it has instead of visiting each.
    pub count_mode: bool,
}

#[derive(Debug, Clone)]
pub enum Step {
    /// Bind a node slot to each of its candidates.
    Scan(usize),
    /// Check the predicates of scan `.0` of this pattern on an already bound variable.
    ScanCheck(usize),
    /// Follow expansion `exp` from its `from` side (or its `to` side).
    Expand {
        exp: usize,
        from_side: bool,
    },
    /// Anonymous endpoint: the `from` node has a matching path.
    Exists(usize),
    Filter(usize),
    Anti {
        child: usize,
        steps: Vec<Step>,
    },
}

fn build_tree<'p>(
    pattern: &'p Pattern,
    scope: Vec<usize>,
    locals: Vec<usize>,
    slots: &mut Vec<SlotDef>,
) -> PatNode<'p> {
    let mut children = Vec::new();
    for aj in &pattern.anti_joins {
        let base = slots.len();
        for v in &aj.vars {
            slots.push(SlotDef {
                kind: v.kind,
                table: v.table.clone(),
            });
        }
        let mut s = scope.clone();
        s.push(base);
        let locals = (base..base + aj.vars.len()).collect();
        children.push(build_tree(&aj.pattern, s, locals, slots));
    }
    PatNode {
        pattern,
        scope,
        locals,
        children,
    }
}

/// Calls `f(slot, prop)` for every variable an expression reads (`prop` `None`: the id).
fn expr_refs(
    e: &Expr,
    scope: &[usize],
    f: &mut dyn FnMut(usize, Option<&str>),
) -> Result<(), EngineError> {
    let slot = |v| resolve(scope, v);
    match e {
        Expr::Prop { var, prop, .. } => f(slot(*var)?, Some(prop)),
        Expr::Entity { var } => f(slot(*var)?, None),
        Expr::Operand(_) | Expr::Column { .. } => {}
        Expr::Agg { arg, .. } => expr_refs(arg, scope, f)?,
        Expr::Text { var, pred } => f(slot(*var)?, Some(&pred.prop)),
        Expr::Bm25 { var, prop, .. } | Expr::Nearest { var, prop, .. } => {
            f(slot(*var)?, Some(prop))
        }
        Expr::Rrf { r1, r2, .. } => {
            expr_refs(r1, scope, f)?;
            expr_refs(r2, scope, f)?;
        }
    }
    Ok(())
}

fn predicate_refs(
    p: &Predicate,
    scope: &[usize],
    f: &mut dyn FnMut(usize, Option<&str>),
) -> Result<(), EngineError> {
    match p {
        Predicate::Compare { lhs, rhs, .. } => {
            expr_refs(lhs, scope, f)?;
            expr_refs(rhs, scope, f)
        }
        Predicate::IsNull { expr, .. } => expr_refs(expr, scope, f),
        Predicate::Text { var, pred } => {
            f(resolve(scope, *var)?, Some(&pred.prop));
            Ok(())
        }
    }
}

pub fn resolve(scope: &[usize], v: omnigraph_lang::ir::VarRef) -> Result<usize, EngineError> {
    match v {
        omnigraph_lang::ir::VarRef::Outer(i) => Ok(i),
        omnigraph_lang::ir::VarRef::Local { depth, index } => depth
            .checked_sub(1)
            .and_then(|d| scope.get(d))
            .map(|b| b + index)
            .ok_or_else(|| EngineError::internal("variable reference outside its block")),
    }
}

/// Every slot a subtree mentions, and every slot local to it.
fn subtree_slots(
    node: &PatNode<'_>,
    refs: &mut BTreeSet<usize>,
    locals: &mut BTreeSet<usize>,
) -> Result<(), EngineError> {
    let p = node.pattern;
    locals.extend(node.locals.iter().copied());
    for s in &p.scans {
        refs.insert(resolve(&node.scope, s.var)?);
    }
    for e in &p.expansions {
        refs.insert(resolve(&node.scope, e.from)?);
        if let Some(t) = e.to {
            refs.insert(resolve(&node.scope, t)?);
        }
        if let Some(k) = e.edge_var {
            refs.insert(resolve(&node.scope, k)?);
        }
    }
    for f in &p.filters {
        predicate_refs(f, &node.scope, &mut |s, _| {
            refs.insert(s);
        })?;
    }
    for c in &node.children {
        subtree_slots(c, refs, locals)?;
    }
    Ok(())
}

fn walk_nodes<'t, 'p>(node: &'t PatNode<'p>, out: &mut Vec<&'t PatNode<'p>>) {
    out.push(node);
    for c in &node.children {
        walk_nodes(c, out);
    }
}

/// Loads everything a read plan needs: candidate rows per slot, adjacency per edge type,
/// node maps for traversal endpoints, BM25 statistics.
pub async fn load<'a>(
    engine: &Engine,
    snapshot: &Snapshot,
    plan: &'a ReadPlan,
    env: &'a Env,
    budget: &'a Budget,
) -> Result<Exec<'a>, EngineError> {
    let mut slots: Vec<SlotDef> = plan
        .vars
        .iter()
        .map(|v: &VarDef| SlotDef {
            kind: v.kind,
            table: v.table.clone(),
        })
        .collect();
    let tree = build_tree(
        &plan.pattern,
        Vec::new(),
        (0..plan.vars.len()).collect(),
        &mut slots,
    );
    let mut nodes = Vec::new();
    walk_nodes(&tree, &mut nodes);

    // columns each slot reads, and the scan predicates that define each slot's candidates
    let mut props: Vec<BTreeSet<String>> = vec![BTreeSet::new(); slots.len()];
    let mut preds: Vec<Vec<&ScanPredicate>> = vec![Vec::new(); slots.len()];
    let mut endpoints: BTreeSet<usize> = BTreeSet::new();
    let mut edge_tables: BTreeMap<String, ()> = BTreeMap::new();
    {
        let mut note = |s: usize, p: Option<&str>| {
            if let (Some(set), Some(p)) = (props.get_mut(s), p) {
                set.insert(p.to_string());
            }
        };
        for n in &nodes {
            for scan in &n.pattern.scans {
                let s = resolve(&n.scope, scan.var)?;
                if n.locals.contains(&s) {
                    if let Some(v) = preds.get_mut(s) {
                        v.extend(scan.predicates.iter());
                    }
                } else {
                    for p in &scan.predicates {
                        note(s, Some(predicate_column(p)));
                    }
                }
            }
            for f in &n.pattern.filters {
                predicate_refs(f, &n.scope, &mut note)?;
            }
            for e in &n.pattern.expansions {
                endpoints.insert(resolve(&n.scope, e.from)?);
                if let Some(t) = e.to {
                    endpoints.insert(resolve(&n.scope, t)?);
                }
                edge_tables.insert(e.edge_table.clone(), ());
            }
        }
        for p in &plan.projections {
            expr_refs(&p.expr, &[], &mut note)?;
        }
        for o in &plan.order {
            expr_refs(&o.expr, &[], &mut note)?;
        }
        if let Some(r) = &plan.ranking {
            expr_refs(&r.expr, &[], &mut note)?;
        }
    }

    budget.check_time()?;
    let mut tables = Vec::with_capacity(slots.len());
    for (s, def) in slots.iter().enumerate() {
        let table = match def.kind {
            EntityKind::Node => {
                scan_nodes(engine, snapshot, &def.table, &preds[s], &props[s], env).await?
            }
            EntityKind::Edge => {
                let mut cols = vec!["id".to_string()];
                cols.extend(props[s].iter().filter(|p| *p != "id").cloned());
                Table::new((*scan_all(engine, snapshot, &def.table, &cols).await?).clone())?
            }
        };
        tables.push(Arc::new(table));
    }

    let mut adj = HashMap::new();
    for edge_table in edge_tables.keys() {
        let ty = snapshot
            .catalog
            .by_table_key(edge_table)
            .ok_or_else(|| EngineError::internal(format!("unknown table `{edge_table}`")))?;
        let (a, _, _) = adjacency(engine, snapshot, ty).await?;
        adj.insert(edge_table.clone(), a);
    }
    for (s, def) in slots.iter().enumerate() {
        if def.kind == EntityKind::Edge {
            // edge rows are positions in an unfiltered scan, as in the adjacency
            for n in &nodes {
                for e in &n.pattern.expansions {
                    if e.edge_var.map(|k| resolve(&n.scope, k)).transpose()? == Some(s) {
                        if let Some(a) = adj.get(&e.edge_table) {
                            if a.edge_rows != tables[s].len() {
                                return Err(EngineError::internal(
                                    "edge scan and adjacency disagree on row count",
                                ));
                            }
                        }
                    }
                }
            }
        }
    }

    let mut maps: Vec<Option<NodeMap>> = (0..slots.len()).map(|_| None).collect();
    for &s in &endpoints {
        let def = &slots[s];
        if def.kind != EntityKind::Node {
            continue;
        }
        let index = node_index(engine, snapshot, &def.table).await?;
        let map = NodeMap::build(index, &tables[s]);
        maps[s] = Some(map);
    }

    // BM25 statistics for every (table, field, query) the plan scores
    let mut wanted: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut collect =
        |e: &Expr| -> Result<(), EngineError> { collect_bm25(e, &slots, env, &mut wanted) };
    for p in &plan.projections {
        collect(&p.expr)?;
    }
    for o in &plan.order {
        collect(&o.expr)?;
    }
    if let Some(r) = &plan.ranking {
        collect(&r.expr)?;
    }
    let mut bm25 = HashMap::new();
    for (table, prop, query) in wanted {
        let batch = scan_all(engine, snapshot, &table, std::slice::from_ref(&prop)).await?;
        let col = arrow_array::cast::AsArray::as_string_opt::<i32>(batch.column(0).as_ref())
            .ok_or_else(|| EngineError::internal("bm25 over a non-string column"))?;
        let corpus = col.iter().flatten();
        let stats = Bm25Stats::compute(corpus, &query);
        bm25.insert((table, prop, query), stats);
    }

    Ok(Exec {
        env,
        plan,
        budget,
        slots,
        tables,
        maps,
        adjacency: adj,
        bm25,
        tree,
        count_mode: false,
    })
}

fn collect_bm25(
    e: &Expr,
    slots: &[SlotDef],
    env: &Env,
    out: &mut BTreeSet<(String, String, String)>,
) -> Result<(), EngineError> {
    match e {
        Expr::Bm25 { var, prop, query } => {
            let s = resolve(&[], *var)?;
            if let (Some(def), omnigraph_lang::value::Value::String(q)) =
                (slots.get(s), env.operand(query))
            {
                out.insert((def.table.clone(), prop.clone(), q));
            }
        }
        Expr::Rrf { r1, r2, .. } => {
            collect_bm25(r1, slots, env, out)?;
            collect_bm25(r2, slots, env, out)?;
        }
        _ => {}
    }
    Ok(())
}

impl Exec<'_> {
    /// Plans the steps of `node` given the slots already bound (updated in place).
    pub fn plan_steps(
        &self,
        node: &PatNode<'_>,
        bound: &mut [bool],
    ) -> Result<Vec<Step>, EngineError> {
        let p = node.pattern;
        let sc = &node.scope;
        let mut steps = Vec::new();
        let mut scan_done = vec![false; p.scans.len()];
        let mut exp_done = vec![false; p.expansions.len()];
        let mut filt_done = vec![false; p.filters.len()];
        let mut anti_done = vec![false; node.children.len()];
        let mut filt_refs = Vec::new();
        for f in &p.filters {
            let mut set = BTreeSet::new();
            predicate_refs(f, sc, &mut |s, _| {
                set.insert(s);
            })?;
            filt_refs.push(set);
        }
        let mut anti_free = Vec::new();
        for c in &node.children {
            let (mut refs, mut locals) = (BTreeSet::new(), BTreeSet::new());
            subtree_slots(c, &mut refs, &mut locals)?;
            anti_free.push(refs.difference(&locals).copied().collect::<Vec<_>>());
        }
        let is_bound = |bound: &[bool], s: usize| bound.get(s).copied().unwrap_or(false);
        loop {
            // checks whose variables are bound
            for (i, scan) in p.scans.iter().enumerate() {
                let s = resolve(sc, scan.var)?;
                if !scan_done[i] && !node.locals.contains(&s) && is_bound(bound, s) {
                    scan_done[i] = true;
                    steps.push(Step::ScanCheck(i));
                } else if node.locals.contains(&s) {
                    scan_done[i] = true;
                }
            }
            for (i, refs) in filt_refs.iter().enumerate() {
                if !filt_done[i] && refs.iter().all(|s| is_bound(bound, *s)) {
                    filt_done[i] = true;
                    steps.push(Step::Filter(i));
                }
            }
            for (i, e) in p.expansions.iter().enumerate() {
                if !exp_done[i] && e.to.is_none() && is_bound(bound, resolve(sc, e.from)?) {
                    exp_done[i] = true;
                    steps.push(Step::Exists(i));
                }
            }
            for (i, c) in node.children.iter().enumerate() {
                if !anti_done[i] && anti_free[i].iter().all(|s| is_bound(bound, *s)) {
                    anti_done[i] = true;
                    let mut sub_bound = bound.to_vec();
                    let sub = self.plan_steps(c, &mut sub_bound)?;
                    steps.push(Step::Anti {
                        child: i,
                        steps: sub,
                    });
                }
            }
            // a traversal from a bound endpoint
            let mut progressed = false;
            for (i, e) in p.expansions.iter().enumerate() {
                let Some(to) = e.to else { continue };
                if exp_done[i] {
                    continue;
                }
                let (f, t) = (resolve(sc, e.from)?, resolve(sc, to)?);
                if is_bound(bound, f) || is_bound(bound, t) {
                    exp_done[i] = true;
                    steps.push(Step::Expand {
                        exp: i,
                        from_side: is_bound(bound, f),
                    });
                    bound[f] = true;
                    bound[t] = true;
                    if let Some(k) = e.edge_var {
                        bound[resolve(sc, k)?] = true;
                    }
                    progressed = true;
                    break;
                }
            }
            if progressed {
                continue;
            }
            // otherwise bind the unbound node variable with the fewest candidates
            let next = node
                .locals
                .iter()
                .copied()
                .filter(|s| self.slots[*s].kind == EntityKind::Node && !is_bound(bound, *s))
                .min_by_key(|s| (self.tables[*s].len(), *s));
            match next {
                Some(s) => {
                    steps.push(Step::Scan(s));
                    bound[s] = true;
                }
                None => break,
            }
        }
        if exp_done.iter().any(|d| !d)
            || filt_done.iter().any(|d| !d)
            || anti_done.iter().any(|d| !d)
            || scan_done.iter().any(|d| !d)
        {
            return Err(EngineError::internal("a pattern part could not be planned"));
        }
        Ok(steps)
    }

    /// Destinations (dense index, edge row) of expansion `e` from the node `src` on the given
    /// side, with the §4.5 hop semantics.
    fn targets(
        &self,
        e: &Expand,
        from_side: bool,
        src: u32,
        out: &mut Vec<(u32, u32)>,
    ) -> Result<(), EngineError> {
        out.clear();
        let adj = self
            .adjacency
            .get(&e.edge_table)
            .ok_or_else(|| EngineError::internal("adjacency was not prepared"))?;
        let use_out = from_side == (e.direction == ExpandDirection::Out);
        let csr = if use_out { &adj.out } else { &adj.inn };
        let (ns, es) = csr.neighbors(src);
        if e.edge_var.is_some() {
            self.budget.tick(ns.len() as u64)?;
            out.extend(ns.iter().copied().zip(es.iter().copied()));
            return Ok(());
        }
        if e.min_hops <= 1 && e.max_hops <= 1 {
            self.budget.tick(ns.len() as u64)?;
            let mut last = NONE;
            for &t in ns {
                if t != last {
                    out.push((t, NONE));
                    last = t;
                }
            }
            return Ok(());
        }
        // breadth-first search up to max hops; the source is never reached through a cycle
        let mut dist: HashMap<u32, u32> = HashMap::new();
        dist.insert(src, 0);
        let mut frontier = vec![src];
        for depth in 1..=e.max_hops {
            let mut next = Vec::new();
            for &u in &frontier {
                let (ns, _) = csr.neighbors(u);
                self.budget.tick(ns.len() as u64 + 1)?;
                for &t in ns {
                    if let std::collections::hash_map::Entry::Vacant(v) = dist.entry(t) {
                        v.insert(depth);
                        next.push(t);
                        if depth >= e.min_hops {
                            out.push((t, NONE));
                        }
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        if e.min_hops == 1 && ns.contains(&src) {
            out.push((src, NONE));
        }
        out.sort_unstable();
        Ok(())
    }

    /// Runs `steps` of `node` depth-first from step `i`; `emit` returns false to stop.
    pub fn dfs(
        &self,
        node: &PatNode<'_>,
        steps: &[Step],
        i: usize,
        row: &mut [u32],
        emit: &mut Emit<'_>,
    ) -> Result<bool, EngineError> {
        let Some(step) = steps.get(i) else {
            self.budget.tick(1)?;
            return emit(row, 1);
        };
        let sc = &node.scope;
        match step {
            Step::Scan(s) => {
                let n = self.tables[*s].len() as u32;
                for r in 0..n {
                    self.budget.tick(1)?;
                    row[*s] = r;
                    if !self.dfs(node, steps, i + 1, row, emit)? {
                        row[*s] = NONE;
                        return Ok(false);
                    }
                }
                row[*s] = NONE;
                Ok(true)
            }
            Step::ScanCheck(k) => {
                let scan = &node.pattern.scans[*k];
                let s = resolve(sc, scan.var)?;
                for p in &scan.predicates {
                    if !scan_predicate_holds(p, &self.tables[s], row[s], self.env)? {
                        return Ok(true);
                    }
                }
                self.dfs(node, steps, i + 1, row, emit)
            }
            Step::Filter(k) => {
                if self.predicate(&node.pattern.filters[*k], sc, row)? {
                    self.dfs(node, steps, i + 1, row, emit)
                } else {
                    Ok(true)
                }
            }
            Step::Exists(k) => {
                let e = &node.pattern.expansions[*k];
                let f = resolve(sc, e.from)?;
                let dense = self.dense(f, row[f])?;
                let mut out = Vec::new();
                if dense != NONE {
                    self.targets(e, true, dense, &mut out)?;
                }
                if out.is_empty() {
                    Ok(true)
                } else {
                    self.dfs(node, steps, i + 1, row, emit)
                }
            }
            Step::Expand { exp, from_side } => {
                let e = &node.pattern.expansions[*exp];
                let f = resolve(sc, e.from)?;
                let t = match e.to {
                    Some(t) => resolve(sc, t)?,
                    None => return Err(EngineError::internal("expansion without target")),
                };
                let (src, dst) = if *from_side { (f, t) } else { (t, f) };
                let k = e.edge_var.map(|k| resolve(sc, k)).transpose()?;
                let dense = self.dense(src, row[src])?;
                if dense == NONE {
                    return Ok(true);
                }
                let map = self.maps[dst]
                    .as_ref()
                    .ok_or_else(|| EngineError::internal("node map was not prepared"))?;
                if self.count_mode
                    && i + 1 == steps.len()
                    && row[dst] == NONE
                    && k.is_none()
                    && e.min_hops <= 1
                    && e.max_hops <= 1
                {
                    // counting only, and this traversal is the last step: count its distinct
                    // candidate destinations instead of visiting each
                    let n = self.count_tail(e, *from_side, dense, map)?;
                    return if n == 0 { Ok(true) } else { emit(row, n) };
                }
                let mut out = Vec::new();
                self.targets(e, *from_side, dense, &mut out)?;
                let was = row[dst];
                for (td, edge_row) in out {
                    let Some(r) = map.row(td) else { continue };
                    if was != NONE && was != r {
                        continue;
                    }
                    row[dst] = r;
                    if let Some(k) = k {
                        row[k] = edge_row;
                    }
                    let go = self.dfs(node, steps, i + 1, row, emit)?;
                    row[dst] = was;
                    if let Some(k) = k {
                        row[k] = NONE;
                    }
                    if !go {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Step::Anti { child, steps: sub } => {
                let c = &node.children[*child];
                let mut found = false;
                let mut scratch = row.to_vec();
                self.dfs(c, sub, 0, &mut scratch, &mut |_, _| {
                    found = true;
                    Ok(false)
                })?;
                if found {
                    Ok(true)
                } else {
                    self.dfs(node, steps, i + 1, row, emit)
                }
            }
        }
    }

    /// The number of distinct destinations of a one-hop traversal from `src` that are
    /// candidates of the destination slot (one step).
    fn count_tail(
        &self,
        e: &Expand,
        from_side: bool,
        src: u32,
        map: &NodeMap,
    ) -> Result<u64, EngineError> {
        self.budget.tick(1)?;
        let adj = self
            .adjacency
            .get(&e.edge_table)
            .ok_or_else(|| EngineError::internal("adjacency was not prepared"))?;
        let use_out = from_side == (e.direction == ExpandDirection::Out);
        let csr = if use_out { &adj.out } else { &adj.inn };
        if map.is_full() {
            return Ok(u64::from(csr.distinct_degree(src)));
        }
        let (ns, _) = csr.neighbors(src);
        self.budget.tick(ns.len() as u64)?;
        let mut n = 0u64;
        let mut last = NONE;
        for &t in ns {
            if t != last {
                last = t;
                if map.row(t).is_some() {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// The number of solutions of the read pattern (for an aggregate of only `count($v)`),
    /// without materialising them.
    pub fn count_solutions(&self) -> Result<u64, EngineError> {
        let mut bound = vec![false; self.slots.len()];
        let steps = self.plan_steps(&self.tree, &mut bound)?;
        if let Some(&Step::Scan(s)) = steps.first() {
            let n = self.tables[s].len() as u32;
            let threads = std::thread::available_parallelism().map_or(1, |p| p.get());
            if threads > 1 && n >= PARALLEL_COUNT_MIN_ROWS {
                return self.count_in_parallel(&steps, s, n, threads as u32);
            }
        }
        let mut total = 0u64;
        let mut row = vec![NONE; self.slots.len()];
        self.dfs(&self.tree, &steps, 0, &mut row, &mut |_, n| {
            total = total.saturating_add(n);
            Ok(true)
        })?;
        Ok(total)
    }

    /// [`Exec::count_solutions`] with the rows of the first scan dealt round-robin over
    /// `threads` threads (out-degrees are skewed, so contiguous ranges would not balance).
    /// The budget is shared (atomic), so limits hold across threads.
    fn count_in_parallel(
        &self,
        steps: &[Step],
        slot: usize,
        n: u32,
        threads: u32,
    ) -> Result<u64, EngineError> {
        let counts: Vec<Result<u64, EngineError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    scope.spawn(move || {
                        let mut total = 0u64;
                        let mut row = vec![NONE; self.slots.len()];
                        let mut r = t;
                        while r < n {
                            self.budget.tick(1)?;
                            row[slot] = r;
                            self.dfs(&self.tree, steps, 1, &mut row, &mut |_, k| {
                                total = total.saturating_add(k);
                                Ok(true)
                            })?;
                            r += threads;
                        }
                        Ok(total)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join().unwrap_or_else(|_| {
                        Err(EngineError::internal("a counting thread panicked"))
                    })
                })
                .collect()
        });
        let mut total = 0u64;
        for c in counts {
            total = total.saturating_add(c?);
        }
        Ok(total)
    }

    fn dense(&self, slot: usize, row: u32) -> Result<u32, EngineError> {
        let map = self.maps[slot]
            .as_ref()
            .ok_or_else(|| EngineError::internal("node map was not prepared"))?;
        Ok(map.dense(row))
    }

    /// Every solution of the read pattern, as rows of the outer slots.
    pub fn solve(&self) -> Result<Vec<Box<[u32]>>, EngineError> {
        let mut bound = vec![false; self.slots.len()];
        let steps = self.plan_steps(&self.tree, &mut bound)?;
        let outer = self.plan.vars.len();
        let mut rows: Vec<Box<[u32]>> = Vec::new();
        let mut row = vec![NONE; self.slots.len()];
        self.dfs(&self.tree, &steps, 0, &mut row, &mut |r, _| {
            rows.push(r[..outer].into());
            Ok(true)
        })?;
        Ok(rows)
    }

    /// The id of the entity bound to `slot` in `row`.
    pub fn id_of(&self, slot: usize, row: &[u32]) -> &str {
        match row.get(slot) {
            Some(&r) if r != NONE => self.tables[slot].id(r),
            _ => "",
        }
    }
}

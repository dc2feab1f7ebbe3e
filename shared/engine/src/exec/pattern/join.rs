//! The synchronous join: a depth-first walk over the step plan within the query's budget,
//! solution counting (in parallel for large count-only reads) and materialised solutions.

use std::collections::HashMap;

use omnigraph_lang::ir::{Expand, ExpandDirection};

use super::refs::resolve;
use super::{Emit, Exec, NodeMap, PatNode, Step};
use crate::exec::scan::{scan_predicate_holds, NONE};
use crate::EngineError;

/// A count-only read whose first step scans at least this many rows is split over the cores.
const PARALLEL_COUNT_MIN_ROWS: u32 = 256;

impl Exec<'_> {
    /// Runs `steps` of `node` depth-first from step `i`; `emit` returns false to stop.
    pub(crate) fn dfs(
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
    pub(crate) fn count_solutions(&self) -> Result<u64, EngineError> {
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
    pub(crate) fn solve(&self) -> Result<Vec<Box<[u32]>>, EngineError> {
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
    pub(crate) fn id_of(&self, slot: usize, row: &[u32]) -> &str {
        match row.get(slot) {
            Some(&r) if r != NONE => self.tables[slot].id(r),
            _ => "",
        }
    }

    /// Destinations (dense index, edge row) of expansion `e` from the node `src` on the given
    /// side, with the hop semantics of docs/reference/queries.md, "Traversals".
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
}

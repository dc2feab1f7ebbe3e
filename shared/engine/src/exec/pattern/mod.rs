//! Pattern matching: slots for every variable (outer and anti-join locals), loading of each
//! slot's candidate rows ([`load`]), a step plan per (sub-)pattern ([`plan`]), and a
//! depth-first join over it ([`join`]); [`refs`] resolves variable references to slots.
//! This file holds the shared state ([`Exec`]) and its parts.
//!
//! Every node variable ranges over the rows its scans admit (pushed into Lance); traversals
//! follow the cached adjacency from whichever endpoint is bound first; filters and anti-joins
//! run as soon as the variables they mention are bound; an anti-join stops at its first
//! solution.

mod join;
mod load;
mod plan;
mod refs;

use std::collections::HashMap;
use std::sync::Arc;

use omnigraph_lang::ir::{EntityKind, Pattern, ReadPlan};

use super::adjacency::Adjacency;
use super::env::Env;
use super::limits::Budget;
use super::scan::{NodeIndex, Origin, Table, NONE};
use super::text::Bm25Stats;
use crate::EngineError;

pub(super) use load::load;

/// Receives each solution (the slot rows) with its multiplicity; returns false to stop.
pub(super) type Emit<'e> = dyn FnMut(&[u32], u64) -> Result<bool, EngineError> + 'e;

/// One variable of the query (outer or local to an anti-join).
#[derive(Debug, Clone)]
pub(super) struct SlotDef {
    pub kind: EntityKind,
    pub table: String,
}

/// A (sub-)pattern with the slots of its local variables.
#[derive(Debug)]
pub(super) struct PatNode<'p> {
    pub pattern: &'p Pattern,
    /// Base slot of each enclosing anti-join, outermost first (for `VarRef::Local`).
    pub scope: Vec<usize>,
    /// Slots bound by this pattern.
    pub locals: Vec<usize>,
    pub children: Vec<PatNode<'p>>,
}

/// Dense node index ⇄ candidate row of one node slot.
#[derive(Debug)]
pub(super) enum NodeMap {
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
    pub(super) fn dense(&self, row: u32) -> u32 {
        match self {
            Self::Full(index) => index.dense_of_row(row).unwrap_or(NONE),
            Self::Partial { dense, .. } => dense.get(row as usize).copied().unwrap_or(NONE),
        }
    }

    /// The candidate row of the node with dense index `d`, if it is a candidate.
    pub(super) fn row(&self, d: u32) -> Option<u32> {
        match self {
            Self::Full(index) => index.row_of_dense(d),
            Self::Partial { pos, .. } => pos.get(d as usize).copied().filter(|r| *r != NONE),
        }
    }

    /// Whether every node of the table is a candidate.
    pub(super) fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }
}

/// Everything the synchronous phase needs.
pub(super) struct Exec<'a> {
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
pub(super) enum Step {
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

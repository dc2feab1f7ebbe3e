//! Ranking (`nearest`, `bm25`, `rrf`), ordering with nulls smallest, the deterministic
//! tie-break, `limit` and projection of plain (non-aggregate) reads.

use std::cmp::Ordering;
use std::collections::HashMap;

use omnigraph_lang::ir::{Expr, TieBreak};
use omnigraph_lang::value::Value;

use super::compare::key_cmp;
use super::pattern::Exec;
use crate::storage::rows::as_i128;
use crate::EngineError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RankKind {
    Nearest,
    Bm25,
    Rrf,
}

struct Item {
    row: Box<[u32]>,
    score: f64,
    p1: usize,
    p2: usize,
    keys: Vec<Value>,
}

fn rank_kind(e: &Expr) -> Result<RankKind, EngineError> {
    match e {
        Expr::Nearest { .. } => Ok(RankKind::Nearest),
        Expr::Bm25 { .. } => Ok(RankKind::Bm25),
        Expr::Rrf { .. } => Ok(RankKind::Rrf),
        _ => Err(EngineError::internal("ranking by a non-ranking expression")),
    }
}

impl Exec<'_> {
    fn tie_slots(&self) -> Vec<usize> {
        match &self.plan.tie_break {
            TieBreak::VarIds(v) => v.clone(),
            TieBreak::GroupKeys(_) => Vec::new(),
        }
    }

    fn tie_cmp(&self, tie: &[usize], a: &[u32], b: &[u32]) -> Ordering {
        for s in tie {
            let o = self.id_of(*s, a).cmp(self.id_of(*s, b));
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// The score of a `nearest`/`bm25` ranking for `row`, if it can rank the row.
    fn rank_score(&self, e: &Expr, row: &[u32]) -> Result<Option<f64>, EngineError> {
        let v = self.eval(e, &[], row)?;
        Ok(match (rank_kind(e)?, v) {
            (RankKind::Nearest, Value::F64(d)) => Some(d),
            (RankKind::Bm25, Value::F64(s)) if s > 0.0 => Some(s),
            _ => None,
        })
    }

    /// One ranked list of an `rrf`: positions (1-based) of the first `limit` rows.
    fn rrf_list(
        &self,
        e: &Expr,
        rows: &[Box<[u32]>],
        limit: usize,
        tie: &[usize],
    ) -> Result<HashMap<usize, usize>, EngineError> {
        let kind = rank_kind(e)?;
        let mut scored = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            if let Some(s) = self.rank_score(e, r)? {
                scored.push((i, s));
            }
        }
        scored.sort_by(|(ia, sa), (ib, sb)| {
            let o = if kind == RankKind::Nearest {
                sa.total_cmp(sb)
            } else {
                sb.total_cmp(sa)
            };
            o.then_with(|| self.tie_cmp(tie, &rows[*ia], &rows[*ib]))
        });
        Ok(scored
            .into_iter()
            .take(limit)
            .enumerate()
            .map(|(pos, (i, _))| (i, pos + 1))
            .collect())
    }

    fn value_of(&self, e: &Expr, row: &[u32], score: f64) -> Result<Value, EngineError> {
        match e {
            Expr::Rrf { .. } => Ok(Value::F64(score)),
            Expr::Column { index } => {
                let p = self
                    .plan
                    .projections
                    .get(*index)
                    .ok_or_else(|| EngineError::internal("order by an unknown column"))?;
                self.value_of(&p.expr, row, score)
            }
            other => self.eval(other, &[], row),
        }
    }

    /// Ranks, orders, limits and projects the solutions of a plain read.
    pub(super) fn finish_plain(
        &self,
        rows: Vec<Box<[u32]>>,
    ) -> Result<Vec<Vec<Value>>, EngineError> {
        let plan = self.plan;
        let tie = self.tie_slots();
        let limit = plan.limit.map(|l| usize::try_from(l).unwrap_or(usize::MAX));
        let mut items: Vec<Item> = Vec::with_capacity(rows.len());
        let kind = match &plan.ranking {
            None => None,
            Some(r) => Some(rank_kind(&r.expr)?),
        };
        match (&plan.ranking, kind) {
            (Some(r), Some(RankKind::Rrf)) => {
                let Expr::Rrf { r1, r2, k, k_span } = &r.expr else {
                    return Err(EngineError::internal("rrf ranking without rrf"));
                };
                let kv = self.env.operand(k);
                let k = as_i128(&kv).unwrap_or(0);
                if k < 1 {
                    return Err(self.env.runtime_error_at(
                        "E-R005",
                        *k_span,
                        format!(
                            "the `k` of `rrf` must be at least 1, got {}",
                            kv.message_text()
                        ),
                    ));
                }
                let l = limit.ok_or_else(|| EngineError::internal("rrf without limit"))?;
                let list1 = self.rrf_list(r1, &rows, l, &tie)?;
                let list2 = self.rrf_list(r2, &rows, l, &tie)?;
                for (i, row) in rows.into_iter().enumerate() {
                    let (p1, p2) = (list1.get(&i).copied(), list2.get(&i).copied());
                    if p1.is_none() && p2.is_none() {
                        continue;
                    }
                    let score = [p1, p2]
                        .iter()
                        .flatten()
                        .map(|p| 1.0 / (k as f64 + *p as f64))
                        .sum();
                    items.push(Item {
                        row,
                        score,
                        p1: p1.unwrap_or(usize::MAX),
                        p2: p2.unwrap_or(usize::MAX),
                        keys: Vec::new(),
                    });
                }
            }
            (Some(r), Some(_)) => {
                for row in rows {
                    if let Some(score) = self.rank_score(&r.expr, &row)? {
                        items.push(Item {
                            row,
                            score,
                            p1: 0,
                            p2: 0,
                            keys: Vec::new(),
                        });
                    }
                }
            }
            _ => {
                items.extend(rows.into_iter().map(|row| Item {
                    row,
                    score: 0.0,
                    p1: 0,
                    p2: 0,
                    keys: Vec::new(),
                }));
            }
        }
        self.budget.check_time()?;
        for item in &mut items {
            for o in &plan.order {
                let v = self.value_of(&o.expr, &item.row, item.score)?;
                item.keys.push(v);
            }
        }
        items.sort_by(|a, b| {
            let mut o = match kind {
                None => Ordering::Equal,
                Some(RankKind::Nearest) => a.score.total_cmp(&b.score),
                Some(RankKind::Bm25) => b.score.total_cmp(&a.score),
                Some(RankKind::Rrf) => b
                    .score
                    .total_cmp(&a.score)
                    .then(a.p1.cmp(&b.p1))
                    .then(a.p2.cmp(&b.p2)),
            };
            for (i, ok) in plan.order.iter().enumerate() {
                if o != Ordering::Equal {
                    break;
                }
                if let (Some(x), Some(y)) = (a.keys.get(i), b.keys.get(i)) {
                    o = key_cmp(x, y, ok.descending);
                }
            }
            o.then_with(|| self.tie_cmp(&tie, &a.row, &b.row))
        });
        if let Some(l) = limit {
            items.truncate(l);
        }
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            let mut vals = Vec::with_capacity(plan.projections.len());
            for p in &plan.projections {
                vals.push(self.value_of(&p.expr, &item.row, item.score)?);
            }
            out.push(vals);
        }
        Ok(out)
    }
}

//! Evaluation of per-row expressions and general predicates over a partial assignment of the
//! join (scan predicates are evaluated by the scan wing, [`super::scan`]).

use omnigraph_lang::ir::{Expr, Predicate, VarRef};
use omnigraph_lang::value::Value;

use super::compare::holds;
use super::pattern::Exec;
use super::scan::{text_holds, NONE};
use crate::EngineError;

impl Exec<'_> {
    /// The slot of a variable reference under `scope`.
    pub(super) fn slot(&self, scope: &[usize], v: VarRef) -> Result<usize, EngineError> {
        match v {
            VarRef::Outer(i) => Ok(i),
            VarRef::Local { depth, index } => depth
                .checked_sub(1)
                .and_then(|d| scope.get(d))
                .map(|base| base + index)
                .ok_or_else(|| EngineError::internal("variable reference outside its block")),
        }
    }

    fn bound_row(&self, slot: usize, row: &[u32]) -> Result<u32, EngineError> {
        match row.get(slot) {
            Some(&r) if r != NONE => Ok(r),
            _ => Err(EngineError::internal("expression over an unbound variable")),
        }
    }

    /// Evaluates a per-row expression (not aggregates, not `rrf`, not column references).
    pub(super) fn eval(
        &self,
        e: &Expr,
        scope: &[usize],
        row: &[u32],
    ) -> Result<Value, EngineError> {
        match e {
            Expr::Prop { var, prop, .. } => {
                let s = self.slot(scope, *var)?;
                self.tables[s].value(self.bound_row(s, row)?, prop)
            }
            Expr::Entity { var } => {
                let s = self.slot(scope, *var)?;
                Ok(Value::String(
                    self.tables[s].id(self.bound_row(s, row)?).to_string(),
                ))
            }
            Expr::Operand(op) => Ok(self.env.operand(op)),
            Expr::Text { var, pred } => {
                let s = self.slot(scope, *var)?;
                let field = self.tables[s].value(self.bound_row(s, row)?, &pred.prop)?;
                Ok(Value::Bool(text_holds(pred, &field, self.env)?))
            }
            Expr::Bm25 { var, prop, query } => {
                let s = self.slot(scope, *var)?;
                let r = self.bound_row(s, row)?;
                let Value::String(q) = self.env.operand(query) else {
                    return Ok(Value::F64(0.0));
                };
                let Some(field) = self.tables[s].str_value(r, prop) else {
                    return Ok(Value::F64(0.0));
                };
                let key = (self.slots[s].table.clone(), prop.clone(), q);
                let stats = self
                    .bm25
                    .get(&key)
                    .ok_or_else(|| EngineError::internal("bm25 statistics were not prepared"))?;
                Ok(Value::F64(stats.score(field)))
            }
            Expr::Nearest {
                var,
                prop,
                query,
                query_span,
                ..
            } => {
                let s = self.slot(scope, *var)?;
                let r = self.bound_row(s, row)?;
                let q = self.env.query_vector(query, *query_span)?;
                match self.tables[s].value(r, prop)? {
                    Value::Vector(v) => Ok(Value::F64(cosine_distance(&v, &q))),
                    _ => Ok(Value::Null),
                }
            }
            Expr::Agg { .. } | Expr::Rrf { .. } | Expr::Column { .. } => Err(
                EngineError::internal("aggregate, rrf or column reference evaluated per row"),
            ),
        }
    }

    /// A general predicate on a (partial) assignment whose variables are bound.
    pub(super) fn predicate(
        &self,
        p: &Predicate,
        scope: &[usize],
        row: &[u32],
    ) -> Result<bool, EngineError> {
        Ok(match p {
            Predicate::Compare { lhs, op, rhs } => holds(
                *op,
                &self.eval(lhs, scope, row)?,
                &self.eval(rhs, scope, row)?,
            ),
            Predicate::IsNull { expr, negated } => {
                self.eval(expr, scope, row)?.is_null() != *negated
            }
            Predicate::Text { var, pred } => {
                let s = self.slot(scope, *var)?;
                let field = self.tables[s].value(self.bound_row(s, row)?, &pred.prop)?;
                text_holds(pred, &field, self.env)?
            }
        })
    }
}

/// `1 − a·q / (‖a‖·‖q‖)` in `f64`; a zero stored vector has distance 1.
pub(super) fn cosine_distance(a: &[f32], q: &[f64]) -> f64 {
    let mut dot = 0.0;
    let mut na = 0.0;
    let mut nq = 0.0;
    for (x, y) in a.iter().zip(q.iter()) {
        let x = f64::from(*x);
        dot += x * y;
        na += x * x;
        nq += y * y;
    }
    if na == 0.0 || nq == 0.0 {
        return 1.0;
    }
    1.0 - dot / (na.sqrt() * nq.sqrt())
}

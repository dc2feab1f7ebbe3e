//! Grouping and aggregates (docs/reference/queries.md, "Return and aggregation"): one row per
//! distinct group-key tuple (null equals null), exactly one row without keys — even for empty
//! input; order, tie-break by group keys, limit.

use std::cmp::Ordering;
use std::collections::HashMap;

use omnigraph_lang::ir::{Aggregate, Expr, TieBreak};
use omnigraph_lang::query::ast::AggFunc;
use omnigraph_lang::span::Span;
use omnigraph_lang::types::{Core, ScalarType};
use omnigraph_lang::value::Value;

use super::compare::{key_cmp, sort_cmp};
use super::pattern::Exec;
use crate::storage::rows::{as_f64, as_i128};
use crate::EngineError;

impl Exec<'_> {
    fn aggregate(
        &self,
        func: AggFunc,
        arg: &Expr,
        span: Span,
        result_core: Option<&Core>,
        members: &[usize],
        rows: &[Box<[u32]>],
    ) -> Result<Value, EngineError> {
        let mut values = Vec::with_capacity(members.len());
        for &m in members {
            let v = self.eval(arg, &[], &rows[m])?;
            if !v.is_null() {
                values.push(v);
            }
        }
        Ok(match func {
            AggFunc::Count => Value::I64(i64::try_from(values.len()).unwrap_or(i64::MAX)),
            AggFunc::Avg => {
                if values.is_empty() {
                    Value::Null
                } else {
                    let sum: f64 = values.iter().filter_map(as_f64).sum();
                    Value::F64(sum / values.len() as f64)
                }
            }
            AggFunc::Min | AggFunc::Max => {
                let mut best: Option<Value> = None;
                for v in values {
                    best = Some(match best {
                        None => v,
                        Some(b) => {
                            let o = sort_cmp(&v, &b);
                            let take = if func == AggFunc::Min {
                                o == Ordering::Less
                            } else {
                                o == Ordering::Greater
                            };
                            if take {
                                v
                            } else {
                                b
                            }
                        }
                    });
                }
                best.unwrap_or(Value::Null)
            }
            AggFunc::Sum => {
                if values.is_empty() {
                    return Ok(Value::Null);
                }
                let float = values
                    .iter()
                    .any(|v| matches!(v, Value::F32(_) | Value::F64(_)))
                    || matches!(result_core, Some(Core::Scalar(s)) if s.is_float());
                if float {
                    Value::F64(values.iter().filter_map(as_f64).sum())
                } else {
                    let mut sum: i128 = 0;
                    for v in &values {
                        sum = sum.saturating_add(as_i128(v).unwrap_or(0));
                    }
                    let unsigned = matches!(result_core, Some(Core::Scalar(ScalarType::U64)));
                    let overflow = || {
                        self.env.runtime_error_at(
                            "E-R003",
                            span,
                            format!("integer overflow in `sum`: the total {sum} does not fit"),
                        )
                    };
                    if unsigned {
                        Value::U64(u64::try_from(sum).map_err(|_| overflow())?)
                    } else {
                        Value::I64(i64::try_from(sum).map_err(|_| overflow())?)
                    }
                }
            }
        })
    }

    /// Groups, aggregates, orders and limits the solutions of an aggregate read.
    pub(super) fn finish_aggregate(
        &self,
        agg: &Aggregate,
        rows: Vec<Box<[u32]>>,
    ) -> Result<Vec<Vec<Value>>, EngineError> {
        let plan = self.plan;
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<(Vec<Value>, Vec<usize>)> = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let mut keys = Vec::with_capacity(agg.group_keys.len());
            for &k in &agg.group_keys {
                let p = plan
                    .projections
                    .get(k)
                    .ok_or_else(|| EngineError::internal("unknown group key"))?;
                keys.push(self.eval(&p.expr, &[], row)?);
            }
            let text = serde_json::to_string(&keys)
                .map_err(|e| EngineError::internal(format!("group key: {e}")))?;
            let at = *index.entry(text).or_insert_with(|| {
                groups.push((keys, Vec::new()));
                groups.len() - 1
            });
            groups[at].1.push(i);
        }
        if agg.group_keys.is_empty() && groups.is_empty() {
            groups.push((Vec::new(), Vec::new()));
        }
        self.budget.check_time()?;
        let mut out: Vec<Vec<Value>> = Vec::with_capacity(groups.len());
        for (keys, members) in &groups {
            let mut vals = vec![Value::Null; plan.projections.len()];
            for (j, &k) in agg.group_keys.iter().enumerate() {
                vals[k] = keys[j].clone();
            }
            for &a in &agg.aggregates {
                let p = &plan.projections[a];
                let Expr::Agg { func, arg, span } = &p.expr else {
                    return Err(EngineError::internal("aggregate column without aggregate"));
                };
                vals[a] = self.aggregate(
                    *func,
                    arg,
                    *span,
                    p.ty.as_ref().map(|t| &t.core),
                    members,
                    &rows,
                )?;
            }
            out.push(vals);
        }
        // order keys as output columns
        let mut order_cols = Vec::new();
        for o in &plan.order {
            let col = match &o.expr {
                Expr::Column { index } => Some(*index),
                other => {
                    let key = serde_json::to_string(other).ok();
                    plan.projections
                        .iter()
                        .position(|p| serde_json::to_string(&p.expr).ok() == key)
                }
            };
            let col = col.ok_or_else(|| {
                EngineError::internal("aggregate order item is not an output column")
            })?;
            order_cols.push((col, o.descending));
        }
        let tie: Vec<usize> = match &plan.tie_break {
            TieBreak::GroupKeys(k) => k.clone(),
            TieBreak::VarIds(_) => agg.group_keys.clone(),
        };
        out.sort_by(|a, b| {
            for (c, desc) in &order_cols {
                let o = key_cmp(&a[*c], &b[*c], *desc);
                if o != Ordering::Equal {
                    return o;
                }
            }
            for c in &tie {
                let o = sort_cmp(&a[*c], &b[*c]);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        if let Some(l) = plan.limit {
            out.truncate(usize::try_from(l).unwrap_or(usize::MAX));
        }
        Ok(out)
    }
}

//! Scan predicates on one row of a scanned table: comparisons, list membership, null tests and
//! the text predicates (`search`, `fuzzy`, `match_text`), with the reference semantics of
//! [`crate::exec::compare::holds`]. Shared by the Lance scan's residual filter, the in-memory
//! scan and the join.

use omnigraph_lang::ir::{ScanPredicate, TextFunc, TextPredicate};
use omnigraph_lang::value::Value;

use super::table::Table;
use crate::exec::compare::holds;
use crate::exec::env::Env;
use crate::exec::text;
use crate::storage::rows::as_i128;
use crate::EngineError;

/// One scan predicate on `row` of `table`.
pub(crate) fn scan_predicate_holds(
    pred: &ScanPredicate,
    table: &Table,
    row: u32,
    env: &Env,
) -> Result<bool, EngineError> {
    Ok(match pred {
        ScanPredicate::Compare {
            prop, op, value, ..
        } => holds(*op, &table.value(row, prop)?, &env.operand(value)),
        ScanPredicate::ListContains { prop, value, .. } => holds(
            omnigraph_lang::query::ast::CmpOp::Contains,
            &table.value(row, prop)?,
            &env.operand(value),
        ),
        ScanPredicate::IsNull { prop, negated, .. } => {
            table.value(row, prop)?.is_null() != *negated
        }
        ScanPredicate::Text(t) => text_holds(t, &table.value(row, &t.prop)?, env)?,
    })
}

/// `search` / `fuzzy` / `match_text` on a field value (null field or query: false).
pub(crate) fn text_holds(
    pred: &TextPredicate,
    field: &Value,
    env: &Env,
) -> Result<bool, EngineError> {
    let (Value::String(f), Value::String(q)) = (field, env.operand(&pred.query)) else {
        return Ok(false);
    };
    Ok(match pred.func {
        TextFunc::Search => text::search(f, &q),
        TextFunc::MatchText => text::match_text(f, &q),
        TextFunc::Fuzzy => {
            let edits = match &pred.edits {
                None => 2,
                Some(op) => {
                    let v = env.operand(op);
                    if v.is_null() {
                        return Ok(false);
                    }
                    let e = as_i128(&v).unwrap_or(-1);
                    if !(0..=2).contains(&e) {
                        return Err(env.runtime_error_at(
                            "E-R005",
                            pred.edits_span,
                            format!(
                                "the edit distance of `fuzzy` must be 0, 1 or 2, got {}",
                                v.message_text()
                            ),
                        ));
                    }
                    e as usize
                }
            };
            text::fuzzy(f, &q, edits)
        }
    })
}

/// Columns a predicate reads.
pub(crate) fn predicate_column(pred: &ScanPredicate) -> &str {
    match pred {
        ScanPredicate::Compare { prop, .. }
        | ScanPredicate::ListContains { prop, .. }
        | ScanPredicate::IsNull { prop, .. } => prop,
        ScanPredicate::Text(t) => &t.prop,
    }
}

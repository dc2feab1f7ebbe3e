//! Per-execution constants of a read: bound parameters, `now()`, the query vectors of
//! `nearest` already embedded, and where run-time diagnostics point.

use std::collections::HashMap;

use omnigraph_lang::diagnostic::Diagnostic;
use omnigraph_lang::ir::Operand;
use omnigraph_lang::params::Params;
use omnigraph_lang::span::Span;
use omnigraph_lang::value::Value;

use super::compile::diagnostics_error;
use crate::EngineError;

/// Query vectors computed from text, keyed by the start offset of the query argument.
pub(crate) type EmbeddedQueries = HashMap<u32, Vec<f64>>;

/// Per-execution constants: bound parameters, `now()`, and where runtime errors point.
#[derive(Debug)]
pub(crate) struct Env {
    pub params: Params,
    pub now: i64,
    pub(super) source: String,
    /// `nearest` text queries already embedded (see `embed_query`).
    pub(super) embedded: EmbeddedQueries,
}

impl Env {
    /// The value of a literal, parameter (null if absent) or `now()`.
    pub(crate) fn operand(&self, op: &Operand) -> Value {
        match op {
            Operand::Literal(v) => v.clone(),
            Operand::Param(name) => self.params.get(name).cloned().unwrap_or(Value::Null),
            Operand::Now => Value::DateTime(self.now),
        }
    }

    /// A run-time diagnostic at `span` of the query source.
    pub(crate) fn runtime_error_at(
        &self,
        code: &'static str,
        span: Span,
        message: String,
    ) -> EngineError {
        diagnostics_error(&self.source, &[Diagnostic::error(code, span, message)])
    }

    /// The query vector of `nearest` in `f64`.
    pub(crate) fn query_vector(&self, op: &Operand, span: Span) -> Result<Vec<f64>, EngineError> {
        let v = self.operand(op);
        let q: Vec<f64> = match &v {
            Value::Vector(xs) => xs.iter().map(|x| f64::from(*x)).collect(),
            Value::List(xs) => xs
                .iter()
                .map(|x| match x {
                    Value::F32(f) => Ok(f64::from(*f)),
                    Value::F64(f) => Ok(*f),
                    Value::I32(i) => Ok(f64::from(*i)),
                    Value::I64(i) => Ok(*i as f64),
                    Value::U32(i) => Ok(f64::from(*i)),
                    Value::U64(i) => Ok(*i as f64),
                    _ => Err(EngineError::internal("non-numeric vector component")),
                })
                .collect::<Result<_, _>>()?,
            Value::String(_) => match self.embedded.get(&span.start) {
                Some(v) => v.clone(),
                None => return Err(self.runtime_error_at(
                    "E-R001",
                    span,
                    "cannot embed the query text of `nearest`: no embedding provider is configured"
                        .into(),
                )),
            },
            _ => {
                return Err(self.runtime_error_at(
                    "E-R004",
                    span,
                    "the query vector of `nearest` is null".into(),
                ))
            }
        };
        if q.iter().all(|x| *x == 0.0) {
            return Err(self.runtime_error_at(
                "E-R004",
                span,
                "the query vector of `nearest` is a zero vector".into(),
            ));
        }
        Ok(q)
    }
}

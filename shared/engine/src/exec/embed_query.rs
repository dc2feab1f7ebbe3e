//! Text queries of `nearest`: every `nearest($v.p, "some text")` (literal or `String`
//! parameter) is embedded once per execution, before any row is read, with the engine's
//! embedding provider (E-R001 without one, E-R002 on a wrong dimension).

use omnigraph_lang::ir::{Expr, ReadPlan};
use omnigraph_lang::value::Value;

use super::env::Env;
use crate::embedding::embed_checked;
use crate::{Engine, EngineError};

/// Embeds the text queries of `plan` into `env`.
pub(super) async fn embed_text_queries(
    engine: &Engine,
    plan: &ReadPlan,
    env: &mut Env,
) -> Result<(), EngineError> {
    let mut nearest = Vec::new();
    let exprs = plan
        .projections
        .iter()
        .map(|p| &p.expr)
        .chain(plan.ranking.iter().map(|r| &r.expr))
        .chain(plan.order.iter().map(|o| &o.expr));
    for e in exprs {
        collect_nearest(e, &mut nearest);
    }
    for (query, dim, span, prop) in nearest {
        if env.embedded.contains_key(&span.start) {
            continue;
        }
        let Value::String(text) = env.operand(query) else {
            continue;
        };
        let what = format!("the query text of `nearest` on `{prop}`");
        let mut v = embed_checked(
            engine.embedding().map(|p| p.as_ref()),
            std::slice::from_ref(&text),
            dim,
            &what,
        )
        .await
        .map_err(|f| env.runtime_error_at(f.code, span, f.message))?;
        let v = v
            .pop()
            .ok_or_else(|| EngineError::internal("provider returned no vector"))?;
        env.embedded
            .insert(span.start, v.into_iter().map(f64::from).collect());
    }
    Ok(())
}

type NearestRef<'a> = (
    &'a omnigraph_lang::ir::Operand,
    u32,
    omnigraph_lang::span::Span,
    &'a str,
);

fn collect_nearest<'a>(e: &'a Expr, out: &mut Vec<NearestRef<'a>>) {
    match e {
        Expr::Nearest {
            query,
            dim,
            query_span,
            prop,
            ..
        } => out.push((query, *dim, *query_span, prop)),
        Expr::Rrf { r1, r2, .. } => {
            collect_nearest(r1, out);
            collect_nearest(r2, out);
        }
        Expr::Agg { arg, .. } => collect_nearest(arg, out),
        _ => {}
    }
}

//! Traversals (`$a edge{lo,hi} $b`): edge lookup, direction inference, endpoint types
//! and hop bounds.

use super::{Checker, DEFAULT_MAX_HOPS};
use crate::diagnostics::diagnostic::did_you_mean;
use crate::query::ast::*;
use crate::query::ir::{self, EntityKind};
use crate::syntax::lexer::lower_first;

impl<'a, 'd> Checker<'a, 'd> {
    pub(super) fn traversal(&mut self, t: &Traversal) -> Option<ir::Expand> {
        let Some(et) = self.schema.edge_ci(&t.edge.name).cloned() else {
            let cands: Vec<String> = self
                .schema
                .edges
                .values()
                .map(|e| lower_first(&e.name))
                .collect();
            let help = did_you_mean(&t.edge.name, cands.iter()).and_then(|c| {
                self.schema.edge_ci(c).map(|e| {
                    format!(
                        "did you mean `{c}` (edge {}: {} -> {})?",
                        e.name, e.from, e.to
                    )
                })
            });
            let msg = if self.schema.node(&upper_first_ascii(&t.edge.name)).is_some() {
                format!(
                    "unknown edge type `{}` (`{}` is a node type)",
                    t.edge.name,
                    upper_first_ascii(&t.edge.name)
                )
            } else {
                format!("unknown edge type `{}`", t.edge.name)
            };
            self.err_help("E-T004", t.edge.span, msg, help);
            return None;
        };
        if t.src.is_anon() && t.dst.is_anon() {
            self.err(
                "E-T026",
                t.span,
                "at least one endpoint of a traversal must be a named variable",
            );
            return None;
        }
        let a = if t.src.is_anon() {
            None
        } else {
            self.lookup(&t.src.name)
        };
        let b = if t.dst.is_anon() {
            None
        } else {
            self.lookup(&t.dst.name)
        };
        if (!t.src.is_anon() && a.is_none()) || (!t.dst.is_anon() && b.is_none()) {
            return None;
        }
        for (v, x) in [(&t.src, &a), (&t.dst, &b)] {
            if let Some((_, e)) = x {
                if e.kind == EntityKind::Edge {
                    self.err(
                        "E-T005",
                        v.span,
                        format!(
                            "`${}` is an edge variable and cannot be a traversal endpoint",
                            v.name
                        ),
                    );
                    return None;
                }
            }
        }
        let ta = a.as_ref().and_then(|x| x.1.type_name.clone());
        let tb = b.as_ref().and_then(|x| x.1.type_name.clone());
        let (from, to) = (et.from.clone(), et.to.clone());
        let edge_desc = format!(
            "`{}` connects `{}` -> `{}`",
            lower_first(&et.name),
            from,
            to
        );
        let mismatch = |ck: &mut Self, v: &Var, ty: &str| {
            ck.err(
                "E-T005",
                v.span,
                format!("`${}` is a `{ty}`, but {edge_desc}", v.name),
            );
        };
        let forward;
        if from == to {
            forward = true;
            if let Some(x) = &ta {
                if *x != from {
                    mismatch(self, &t.src, x);
                    return None;
                }
            }
            if let Some(x) = &tb {
                if *x != to {
                    mismatch(self, &t.dst, x);
                    return None;
                }
            }
        } else if ta.as_deref() == Some(from.as_str()) {
            forward = true;
            if let Some(x) = &tb {
                if *x != to {
                    mismatch(self, &t.dst, x);
                    return None;
                }
            }
        } else if ta.as_deref() == Some(to.as_str()) {
            forward = false;
            if let Some(x) = &tb {
                if *x != from {
                    mismatch(self, &t.dst, x);
                    return None;
                }
            }
        } else if let Some(x) = &ta {
            mismatch(self, &t.src, x);
            return None;
        } else if tb.as_deref() == Some(to.as_str()) {
            forward = true;
        } else if tb.as_deref() == Some(from.as_str()) {
            forward = false;
        } else if let Some(x) = &tb {
            mismatch(self, &t.dst, x);
            return None;
        } else {
            forward = true;
        }
        let (ta_new, tb_new) = if forward { (&from, &to) } else { (&to, &from) };
        if let Some((r, _)) = &a {
            self.set_type(*r, ta_new);
        }
        if let Some((r, _)) = &b {
            self.set_type(*r, tb_new);
        }
        // hops
        let (min, max) = match &t.hops {
            None => (1u32, 1u32),
            Some(h) => {
                let Some(mx) = h.max else {
                    self.err_help(
                        "E-T015",
                        h.span,
                        "hop bounds need an upper bound",
                        Some(format!("write `{{{}, n}}`", h.min)),
                    );
                    return None;
                };
                if h.min < 1 || mx < h.min {
                    self.err(
                        "E-T015",
                        h.span,
                        format!("invalid hop bounds {{{}, {mx}}}: need 1 ≤ min ≤ max", h.min),
                    );
                    return None;
                }
                if mx > DEFAULT_MAX_HOPS as i128 {
                    self.err(
                        "E-T015",
                        h.span,
                        format!("hop bound {mx} exceeds the maximum of {DEFAULT_MAX_HOPS}"),
                    );
                    return None;
                }
                if (h.min, mx) != (1, 1) && from != to {
                    self.err(
                        "E-T015",
                        h.span,
                        format!(
                            "variable-length traversal needs an edge between nodes of one type, but {edge_desc}"
                        ),
                    );
                    return None;
                }
                (h.min as u32, mx as u32)
            }
        };
        let mut edge_var = None;
        if let Some(ev) = &t.edge_var {
            if (min, max) != (1, 1) {
                self.err(
                    "E-T026",
                    ev.span,
                    format!(
                        "edge variable `${}` cannot be used with hop bounds",
                        ev.name
                    ),
                );
                return None;
            }
            if let Some((r, e)) = self.lookup(&ev.name) {
                if e.kind == EntityKind::Edge && e.type_name.is_none() {
                    self.set_type(r, &et.name);
                    edge_var = Some(r);
                }
            }
        }
        let dir = if forward {
            ir::ExpandDirection::Out
        } else {
            ir::ExpandDirection::In
        };
        let (from_ref, to_ref, direction) = match (&a, &b) {
            (Some((ra, _)), rb) => (*ra, rb.as_ref().map(|x| x.0), dir),
            (None, Some((rb, _))) => (
                *rb,
                None,
                if forward {
                    ir::ExpandDirection::In
                } else {
                    ir::ExpandDirection::Out
                },
            ),
            (None, None) => return None,
        };
        Some(ir::Expand {
            edge_type: et.name.clone(),
            edge_table: et.table_key(),
            from: from_ref,
            to: to_ref,
            direction,
            min_hops: min,
            max_hops: max,
            edge_var,
            span: t.span,
        })
    }
}

fn upper_first_ascii(s: &str) -> String {
    crate::syntax::lexer::upper_first(s)
}

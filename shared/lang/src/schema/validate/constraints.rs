//! Constraints: `@key`, `@unique`, `@index`, `@range`, `@check` and `@embed`, in a
//! declaration body or on a property, checked against the properties in scope.

use super::annotations::{bounds_text, head_span};
use super::{CKind, Item, Validator};
use crate::diagnostics::diagnostic::{did_you_mean_help, Diagnostic};
use crate::schema::ast::{AnnArg, Annotation, Bounds, Decl, DeclKind, NumLit};
use crate::schema::catalog::{
    key_type_allowed, CheckConstraint, Constraints, Number, PropertyDef, RangeConstraint,
};
use crate::schema::types::{Core, PropType, ScalarType};

impl Validator {
    pub(super) fn body_constraint(&mut self, d: &Decl, a: &Annotation, items: &mut Vec<Item>) {
        let tname = &d.name.text;
        let name = a.name.text.as_str();
        let args = a.args.as_deref();
        match name {
            "key" | "unique" | "index" => {
                let Some(args) = args.filter(|v| !v.is_empty()) else {
                    self.err_help(
                        "E-P002",
                        a.span,
                        format!("@{name} in the body of `{tname}` needs property names"),
                        Some(format!("write `@{name}(property, …)`")),
                    );
                    return;
                };
                let mut props = Vec::new();
                for arg in args {
                    match arg {
                        AnnArg::Ident(n) => props.push(n.clone()),
                        other => {
                            self.err(
                                "E-P002",
                                other.span(),
                                format!("expected a property name in @{name}"),
                            );
                            return;
                        }
                    }
                }
                let kind = match name {
                    "key" => CKind::Key,
                    "unique" => CKind::Unique,
                    _ => CKind::Index,
                };
                items.push(Item {
                    kind,
                    props,
                    span: a.span,
                });
            }
            "range" => match args {
                Some([AnnArg::Ident(p), AnnArg::Bounds(b)]) => items.push(Item {
                    kind: CKind::Range(b.clone()),
                    props: vec![p.clone()],
                    span: a.span,
                }),
                _ => self.err_help(
                    "E-S011",
                    a.span,
                    format!("invalid @range in `{tname}`"),
                    Some("write `@range(property, lo..hi)`".to_string()),
                ),
            },
            "check" => match args {
                Some([AnnArg::Ident(p), AnnArg::Str { value, span }]) => items.push(Item {
                    kind: CKind::Check(value.clone(), *span),
                    props: vec![p.clone()],
                    span: a.span,
                }),
                _ => self.err_help(
                    "E-S012",
                    a.span,
                    format!("invalid @check in `{tname}`"),
                    Some("write `@check(property, \"regex\")`".to_string()),
                ),
            },
            "card" => self.err_help(
                "E-S010",
                head_span(a),
                format!(
                    "@card is not allowed in the body of {} `{tname}`",
                    d.kind.keyword()
                ),
                Some(if d.kind == DeclKind::Edge {
                    "write @card after the edge's endpoints: `edge E: A -> B @card(0..1)`"
                        .to_string()
                } else {
                    "@card belongs on edge types".to_string()
                }),
            ),
            "description" | "instruction" | "rename_from" | "embed" => self.err_help(
                "E-S010",
                head_span(a),
                format!("@{name} is not allowed in the body of `{tname}`"),
                Some(format!("write @{name} on the declaration or a property")),
            ),
            _ => {
                // unknown body annotation: kept as type metadata by the caller? Report only.
                let mut sink = Vec::new();
                self.custom(a, &mut sink);
            }
        }
    }

    /// Resolves and checks constraint items; returns the key and the constraints.
    pub(super) fn check_items(
        &mut self,
        d: &Decl,
        props: &[PropertyDef],
        mut items: Vec<Item>,
    ) -> (Option<String>, Constraints) {
        let tname = d.name.text.as_str();
        let is_edge = d.kind == DeclKind::Edge;
        items.sort_by_key(|i| i.span.start);
        let string_t = PropType::scalar(ScalarType::String);
        // lookup: (canonical name, type)
        let lookup = |n: &str, endpoints_ok: bool| -> Option<(String, PropType)> {
            if is_edge && endpoints_ok {
                match n {
                    "src" | "from" => return Some(("src".into(), string_t.clone())),
                    "dst" | "to" => return Some(("dst".into(), string_t.clone())),
                    _ => {}
                }
            }
            props
                .iter()
                .find(|p| p.name == n)
                .map(|p| (p.name.clone(), p.ty.clone()))
        };
        let mut key: Option<String> = None;
        let mut c = Constraints::default();
        // keys first so that redundant @unique/@index can be recognised
        let (keys, rest): (Vec<Item>, Vec<Item>) = items
            .into_iter()
            .partition(|i| matches!(i.kind, CKind::Key));
        for it in keys.into_iter().chain(rest) {
            let cname = it.kind.name();
            let endpoints_ok = matches!(it.kind, CKind::Unique | CKind::Index);
            let mut resolved = Vec::new();
            let mut ok = true;
            for n in &it.props {
                match lookup(&n.text, endpoints_ok) {
                    Some(r) => resolved.push((r.0, r.1, n.span)),
                    None => {
                        ok = false;
                        if d.kind == DeclKind::Interface {
                            continue;
                        }
                        let help = did_you_mean_help(&n.text, props.iter().map(|p| &p.name));
                        self.err_help(
                            "E-S008",
                            n.span,
                            format!("@{cname} on `{tname}` names unknown property `{}`", n.text),
                            help,
                        );
                    }
                }
            }
            if !ok {
                continue;
            }
            let names: Vec<String> = resolved.iter().map(|r| r.0.clone()).collect();
            let mut sorted = names.clone();
            sorted.sort();
            let kind_word = |t: &PropType| match &t.core {
                Core::List(_) => "list",
                Core::Vector(_) => "vector",
                Core::Scalar(ScalarType::Blob) => "Blob",
                _ => "",
            };
            match &it.kind {
                CKind::Key => {
                    if is_edge {
                        self.err_help(
                            "E-S007",
                            it.span,
                            format!("edge `{tname}` cannot have a @key"),
                            Some(
                                "edges get their id from the writer; use @unique for uniqueness"
                                    .to_string(),
                            ),
                        );
                        continue;
                    }
                    if names.len() != 1 {
                        self.err_help(
                            "E-S007",
                            it.span,
                            format!(
                                "@key on `{tname}` must name exactly one property, found `{}`",
                                names.join(", ")
                            ),
                            Some(format!(
                                "keep one key property and add `@unique({})`",
                                names.join(", ")
                            )),
                        );
                        continue;
                    }
                    let (pname, pty, _) = &resolved[0];
                    if let Some(k) = &key {
                        if k == pname {
                            self.err(
                                "E-S016",
                                it.span,
                                format!("@key({pname}) is declared twice on `{tname}`"),
                            );
                        } else {
                            self.err_help(
                                "E-S007",
                                it.span,
                                format!("`{tname}` already has a @key (`{k}`); a node type has at most one key"),
                                Some(format!("keep one key and use `@unique({pname})` instead")),
                            );
                        }
                        continue;
                    }
                    if pty.nullable {
                        self.err_help(
                            "E-S007",
                            it.span,
                            format!("@key property `{tname}.{pname}` must not be nullable"),
                            Some(format!(
                                "declare it as `{}`",
                                PropType {
                                    nullable: false,
                                    ..pty.clone()
                                }
                                .pg()
                            )),
                        );
                        continue;
                    }
                    if !key_type_allowed(pty) {
                        self.err_help(
                            "E-S007",
                            it.span,
                            format!(
                                "@key is not allowed on `{}` property `{tname}.{pname}`",
                                pty.pg()
                            ),
                            Some(
                                "a key must be String, an enum, an integer type, Date or DateTime"
                                    .to_string(),
                            ),
                        );
                        continue;
                    }
                    key = Some(pname.clone());
                }
                CKind::Unique | CKind::Index => {
                    let is_unique = matches!(it.kind, CKind::Unique);
                    let mut bad = false;
                    for (pname, pty, _) in &resolved {
                        let w = kind_word(pty);
                        let refused = if is_unique {
                            !w.is_empty()
                        } else {
                            w == "list" || w == "Blob"
                        };
                        if refused {
                            self.err(
                                "E-S009",
                                it.span,
                                format!(
                                    "@{cname} is not allowed on {w} property `{tname}.{pname}`"
                                ),
                            );
                            bad = true;
                        }
                    }
                    if bad {
                        continue;
                    }
                    let list = if is_unique {
                        &mut c.unique
                    } else {
                        &mut c.index
                    };
                    let same = |t: &Vec<String>| {
                        let mut t = t.clone();
                        t.sort();
                        t == sorted
                    };
                    if list.iter().any(same) {
                        self.err(
                            "E-S016",
                            it.span,
                            format!(
                                "@{cname}({}) is declared twice on `{tname}`",
                                sorted.join(", ")
                            ),
                        );
                        continue;
                    }
                    if key.is_some() && sorted.len() == 1 && key.as_ref() == sorted.first() {
                        self.diags.push(
                            Diagnostic::new(
                                "W-S002",
                                it.span,
                                format!(
                                    "@{cname}({}) on `{tname}` is redundant: `{}` is the key",
                                    sorted.join(", "),
                                    sorted[0]
                                ),
                            )
                            .with_help("@key already implies @unique and @index"),
                        );
                        continue;
                    }
                    list.push(names);
                }
                CKind::Range(b) => {
                    let (pname, pty, _) = &resolved[0];
                    let Some(scalar) = pty.as_scalar().filter(|s| s.is_numeric()) else {
                        self.err(
                            "E-S009",
                            it.span,
                            format!("@range is only allowed on numeric properties, `{tname}.{pname}` is `{}`", pty.pg()),
                        );
                        continue;
                    };
                    if c.range.iter().any(|r| &r.property == pname) {
                        self.err(
                            "E-S016",
                            it.span,
                            format!("@range on `{tname}.{pname}` is declared twice"),
                        );
                        continue;
                    }
                    if let Some(r) = self.range_bounds(b, scalar, tname, pname) {
                        c.range.push(r);
                    }
                }
                CKind::Check(pattern, pspan) => {
                    let (pname, pty, _) = &resolved[0];
                    if pty.as_scalar() != Some(ScalarType::String) {
                        self.err(
                            "E-S009",
                            it.span,
                            format!("@check is only allowed on String properties, `{tname}.{pname}` is `{}`", pty.pg()),
                        );
                        continue;
                    }
                    if c.check
                        .iter()
                        .any(|ch| &ch.property == pname && &ch.pattern == pattern)
                    {
                        self.err(
                            "E-S016",
                            it.span,
                            format!("@check on `{tname}.{pname}` is declared twice"),
                        );
                        continue;
                    }
                    match CheckConstraint::new(pname.clone(), pattern.clone()) {
                        Ok(ch) => c.check.push(ch),
                        Err(e) => {
                            let text = e.to_string();
                            let detail = text
                                .lines()
                                .rev()
                                .find(|l| !l.trim().is_empty())
                                .unwrap_or("")
                                .trim();
                            let detail = detail.strip_prefix("error: ").unwrap_or(detail);
                            self.err(
                                "E-S012",
                                *pspan,
                                format!("invalid regex in @check on `{tname}.{pname}`: {detail}"),
                            );
                        }
                    }
                }
            }
        }
        (key, c)
    }

    fn range_bounds(
        &mut self,
        b: &Bounds,
        scalar: ScalarType,
        tname: &str,
        pname: &str,
    ) -> Option<RangeConstraint> {
        if b.hi_star {
            self.err("E-S011", b.span, format!("@range on `{tname}.{pname}`: `*` is only allowed in @card; omit the upper bound instead"));
            return None;
        }
        if b.lo.is_none() && b.hi.is_none() {
            self.err(
                "E-S011",
                b.span,
                format!("@range on `{tname}.{pname}` needs at least one bound"),
            );
            return None;
        }
        let mut conv = |n: &Option<NumLit>| -> Result<Option<Number>, ()> {
            let Some(n) = n else { return Ok(None) };
            if scalar.is_integer() {
                if n.is_float {
                    self.err("E-S011", n.span, format!("@range on integer property `{tname}.{pname}` needs integer bounds, found `{}`", n.text));
                    return Err(());
                }
                let v: Option<i128> = n.text.parse::<i128>().ok();
                let (min, max): (i128, i128) = match scalar {
                    ScalarType::I32 => (i128::from(i32::MIN), i128::from(i32::MAX)),
                    ScalarType::I64 => (i128::from(i64::MIN), i128::from(i64::MAX)),
                    ScalarType::U32 => (0, i128::from(u32::MAX)),
                    _ => (0, i128::from(u64::MAX)),
                };
                match v {
                    Some(v) if v >= min && v <= max => Ok(Some(match i64::try_from(v) {
                        Ok(i) => Number::Int(i),
                        Err(_) => Number::UInt(u64::try_from(v).unwrap_or(u64::MAX)),
                    })),
                    _ => {
                        self.err("E-S011", n.span, format!("@range bound `{}` is out of range for `{}` property `{tname}.{pname}`", n.text, scalar));
                        Err(())
                    }
                }
            } else {
                match n.text.parse::<f64>() {
                    Ok(f)
                        if f.is_finite()
                            && (scalar != ScalarType::F32 || f.abs() <= f64::from(f32::MAX)) =>
                    {
                        Ok(Some(if n.is_float {
                            Number::Float(f)
                        } else {
                            match n.text.parse::<i64>() {
                                Ok(i) => Number::Int(i),
                                Err(_) => Number::Float(f),
                            }
                        }))
                    }
                    _ => {
                        self.err("E-S011", n.span, format!("@range bound `{}` is out of range for `{}` property `{tname}.{pname}`", n.text, scalar));
                        Err(())
                    }
                }
            }
        };
        let lo = conv(&b.lo).ok()?;
        let hi = conv(&b.hi).ok()?;
        if let (Some(l), Some(h)) = (lo, hi) {
            let greater = match (l.as_i128(), h.as_i128()) {
                (Some(a), Some(b)) => a > b,
                _ => l.as_f64() > h.as_f64(),
            };
            if greater {
                self.err(
                    "E-S011",
                    b.span,
                    format!(
                        "@range({}) on `{tname}.{pname}`: the lower bound exceeds the upper bound",
                        bounds_text(b)
                    ),
                );
                return None;
            }
        }
        Some(RangeConstraint {
            property: pname.to_string(),
            lo,
            hi,
        })
    }
}

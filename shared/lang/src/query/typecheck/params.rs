//! The query's parameter declarations (E-T027) and references to them.

use super::Checker;
use crate::diagnostics::diagnostic::did_you_mean;
use crate::query::ast::*;
use crate::query::params::ParamDef;
use crate::schema::types::{Core, PropType, ScalarType, MAX_VECTOR_DIM};

impl<'a, 'd> Checker<'a, 'd> {
    // ----- parameters ---------------------------------------------------------------------

    pub(super) fn params(&mut self, decls: &[ParamDecl]) {
        for d in decls {
            let name = d.var.name.clone();
            if d.var.is_anon() {
                self.err("E-T027", d.var.span, "`$_` cannot be a parameter name");
                continue;
            }
            if self.params.contains_key(&name) {
                self.err(
                    "E-T027",
                    d.var.span,
                    format!("duplicate parameter `${name}`"),
                );
                continue;
            }
            let core = match &d.ty.kind {
                ParamTypeKindAst::Scalar(n) => match ScalarType::from_name(&n.name) {
                    Some(s) => Some(Core::Scalar(s)),
                    None => {
                        let help = if n.name == "Vector" {
                            Some("write `Vector(n)` with a dimension".to_string())
                        } else {
                            let names: Vec<&str> =
                                ScalarType::ALL.iter().map(|s| s.name()).collect();
                            did_you_mean(&n.name, names.iter()).map(|c| format!("did you mean `{c}`?"))
                                .or_else(|| Some("parameter types are scalars, `[scalar]` and `Vector(n)`; enums are passed as `String`".into()))
                        };
                        self.err_help(
                            "E-T027",
                            n.span,
                            format!("unsupported parameter type `{}` for `${name}`", n.name),
                            help,
                        );
                        None
                    }
                },
                ParamTypeKindAst::List(n) => match ScalarType::from_name(&n.name) {
                    Some(ScalarType::Blob) => {
                        self.err(
                            "E-T027",
                            n.span,
                            format!("`[Blob]` is not a valid type for `${name}`"),
                        );
                        None
                    }
                    Some(s) => Some(Core::List(s)),
                    None => {
                        self.err(
                            "E-T027",
                            n.span,
                            format!("unsupported list element type `{}` for `${name}`", n.name),
                        );
                        None
                    }
                },
                ParamTypeKindAst::Vector(n) => match n {
                    Some(n) if *n >= 1 && *n <= MAX_VECTOR_DIM => Some(Core::Vector(*n)),
                    _ => {
                        self.err(
                            "E-T027",
                            d.ty.span,
                            format!("invalid vector dimension for `${name}` (must be 1..={MAX_VECTOR_DIM})"),
                        );
                        None
                    }
                },
            };
            // Register anyway so that uses do not also report E-T014.
            let ty = PropType {
                core: core.unwrap_or(Core::Scalar(ScalarType::String)),
                nullable: d.ty.nullable,
            };
            let def = ParamDef {
                name: name.clone(),
                ty,
                span: d.span,
            };
            self.params.insert(name, def.clone());
            self.param_list.push(def);
        }
    }

    pub(super) fn param_ref(&mut self, v: &Var) -> Option<ParamDef> {
        match self.params.get(&v.name) {
            Some(p) => Some(p.clone()),
            None => {
                let names: Vec<&str> = self.params.keys().map(String::as_str).collect();
                let help =
                    did_you_mean(&v.name, names.iter()).map(|c| format!("did you mean `${c}`?"));
                self.err_help(
                    "E-T014",
                    v.span,
                    format!("undeclared parameter `${}`", v.name),
                    help.or_else(|| Some(format!("declare it: `query name(${}: Type)`", v.name))),
                );
                None
            }
        }
    }
}

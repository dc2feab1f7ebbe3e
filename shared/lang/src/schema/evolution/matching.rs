//! Pairing accepted and desired interfaces, types and properties by name or by
//! `@rename_from`, with the renames that cannot apply.

use crate::schema::catalog::{InterfaceDef, PropertyDef, TypeDef};
use std::collections::HashSet;

/// One type-level entity to match (interfaces, nodes and edges share the logic).
pub(super) trait Entity {
    fn name(&self) -> &str;
    fn rename_from(&self) -> Option<&str>;
}

impl Entity for TypeDef {
    fn name(&self) -> &str {
        &self.name
    }
    fn rename_from(&self) -> Option<&str> {
        self.rename_from.as_deref()
    }
}

impl Entity for InterfaceDef {
    fn name(&self) -> &str {
        &self.name
    }
    fn rename_from(&self) -> Option<&str> {
        self.rename_from.as_deref()
    }
}

impl Entity for PropertyDef {
    fn name(&self) -> &str {
        &self.name
    }
    fn rename_from(&self) -> Option<&str> {
        self.rename_from.as_deref()
    }
}

/// Matching result: for each desired entity, the index of its accepted match; plus bad
/// renames `(desired index, reason)` and the set of matched accepted indices.
pub(super) struct Matching {
    pub(super) of_desired: Vec<Option<usize>>,
    pub(super) bad_renames: Vec<(usize, String)>,
    pub(super) used: HashSet<usize>,
}

pub(super) fn match_entities<E: Entity>(accepted: &[E], desired: &[E], what: &str) -> Matching {
    let mut m = Matching {
        of_desired: vec![None; desired.len()],
        bad_renames: Vec::new(),
        used: HashSet::new(),
    };
    for (i, d) in desired.iter().enumerate() {
        if let Some(j) = accepted.iter().position(|a| a.name() == d.name()) {
            m.of_desired[i] = Some(j);
            m.used.insert(j);
        }
    }
    for (i, d) in desired.iter().enumerate() {
        let Some(old) = d.rename_from() else { continue };
        let src = accepted.iter().position(|a| a.name() == old);
        if m.of_desired[i].is_some() {
            // matched by name; renaming another existing entity onto it is invalid
            if let Some(j) = src {
                if old != d.name() && !m.used.contains(&j) {
                    m.used.insert(j);
                    m.bad_renames.push((
                        i,
                        format!(
                            "cannot rename {what} `{old}` to `{}`: `{}` already exists",
                            d.name(),
                            d.name()
                        ),
                    ));
                }
            }
            continue;
        }
        match src {
            None => m.bad_renames.push((
                i,
                format!(
                    "@rename_from(\"{old}\") on `{}`: there is no {what} `{old}` to rename",
                    d.name()
                ),
            )),
            Some(j) if m.used.contains(&j) => m.bad_renames.push((
                i,
                format!(
                    "@rename_from(\"{old}\") on `{}`: {what} `{old}` is already matched",
                    d.name()
                ),
            )),
            Some(j) => {
                m.of_desired[i] = Some(j);
                m.used.insert(j);
            }
        }
    }
    m
}

//! The step plan of a (sub-)pattern: which slot to bind next given those already bound —
//! scans, traversals from a bound endpoint, filters and anti-joins as early as their
//! variables allow.

use std::collections::BTreeSet;

use omnigraph_lang::ir::EntityKind;

use super::refs::{predicate_refs, resolve, subtree_slots};
use super::{Exec, PatNode, Step};
use crate::EngineError;

impl Exec<'_> {
    /// Plans the steps of `node` given the slots already bound (updated in place).
    pub(crate) fn plan_steps(
        &self,
        node: &PatNode<'_>,
        bound: &mut [bool],
    ) -> Result<Vec<Step>, EngineError> {
        let p = node.pattern;
        let sc = &node.scope;
        let mut steps = Vec::new();
        let mut scan_done = vec![false; p.scans.len()];
        let mut exp_done = vec![false; p.expansions.len()];
        let mut filt_done = vec![false; p.filters.len()];
        let mut anti_done = vec![false; node.children.len()];
        let mut filt_refs = Vec::new();
        for f in &p.filters {
            let mut set = BTreeSet::new();
            predicate_refs(f, sc, &mut |s, _| {
                set.insert(s);
            })?;
            filt_refs.push(set);
        }
        let mut anti_free = Vec::new();
        for c in &node.children {
            let (mut refs, mut locals) = (BTreeSet::new(), BTreeSet::new());
            subtree_slots(c, &mut refs, &mut locals)?;
            anti_free.push(refs.difference(&locals).copied().collect::<Vec<_>>());
        }
        let is_bound = |bound: &[bool], s: usize| bound.get(s).copied().unwrap_or(false);
        loop {
            // checks whose variables are bound
            for (i, scan) in p.scans.iter().enumerate() {
                let s = resolve(sc, scan.var)?;
                if !scan_done[i] && !node.locals.contains(&s) && is_bound(bound, s) {
                    scan_done[i] = true;
                    steps.push(Step::ScanCheck(i));
                } else if node.locals.contains(&s) {
                    scan_done[i] = true;
                }
            }
            for (i, refs) in filt_refs.iter().enumerate() {
                if !filt_done[i] && refs.iter().all(|s| is_bound(bound, *s)) {
                    filt_done[i] = true;
                    steps.push(Step::Filter(i));
                }
            }
            for (i, e) in p.expansions.iter().enumerate() {
                if !exp_done[i] && e.to.is_none() && is_bound(bound, resolve(sc, e.from)?) {
                    exp_done[i] = true;
                    steps.push(Step::Exists(i));
                }
            }
            for (i, c) in node.children.iter().enumerate() {
                if !anti_done[i] && anti_free[i].iter().all(|s| is_bound(bound, *s)) {
                    anti_done[i] = true;
                    let mut sub_bound = bound.to_vec();
                    let sub = self.plan_steps(c, &mut sub_bound)?;
                    steps.push(Step::Anti {
                        child: i,
                        steps: sub,
                    });
                }
            }
            // a traversal from a bound endpoint
            let mut progressed = false;
            for (i, e) in p.expansions.iter().enumerate() {
                let Some(to) = e.to else { continue };
                if exp_done[i] {
                    continue;
                }
                let (f, t) = (resolve(sc, e.from)?, resolve(sc, to)?);
                if is_bound(bound, f) || is_bound(bound, t) {
                    exp_done[i] = true;
                    steps.push(Step::Expand {
                        exp: i,
                        from_side: is_bound(bound, f),
                    });
                    bound[f] = true;
                    bound[t] = true;
                    if let Some(k) = e.edge_var {
                        bound[resolve(sc, k)?] = true;
                    }
                    progressed = true;
                    break;
                }
            }
            if progressed {
                continue;
            }
            // otherwise bind the unbound node variable with the fewest candidates
            let next = node
                .locals
                .iter()
                .copied()
                .filter(|s| self.slots[*s].kind == EntityKind::Node && !is_bound(bound, *s))
                .min_by_key(|s| (self.tables[*s].len(), *s));
            match next {
                Some(s) => {
                    steps.push(Step::Scan(s));
                    bound[s] = true;
                }
                None => break,
            }
        }
        if exp_done.iter().any(|d| !d)
            || filt_done.iter().any(|d| !d)
            || anti_done.iter().any(|d| !d)
            || scan_done.iter().any(|d| !d)
        {
            return Err(EngineError::internal("a pattern part could not be planned"));
        }
        Ok(steps)
    }
}

//! Text predicates and scores (docs/reference/queries.md, "Text search and vector ranking"):
//! tokenisation, `search`, `fuzzy`, `match_text`, BM25.

use std::collections::{BTreeSet, HashMap};

use omnigraph_lang::diagnostic::edit_distance;

/// BM25 constants (docs/reference/queries.md, "Text search and vector ranking").
pub(super) const K1: f64 = 1.2;
pub(super) const B: f64 = 0.75;

/// Maximal runs of Unicode alphanumeric characters, lower-cased.
pub(super) fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(cur.to_lowercase());
            cur.clear();
        }
    }
    if !cur.is_empty() {
        out.push(cur.to_lowercase());
    }
    out
}

/// `search`: some query token occurs in the field.
pub(super) fn search(field: &str, query: &str) -> bool {
    let q = tokenize(query);
    if q.is_empty() {
        return false;
    }
    let f: BTreeSet<String> = tokenize(field).into_iter().collect();
    q.iter().any(|t| f.contains(t))
}

/// `fuzzy`: some query token is within Levenshtein distance `edits` of some field token.
pub(super) fn fuzzy(field: &str, query: &str, edits: usize) -> bool {
    let q = tokenize(query);
    if q.is_empty() {
        return false;
    }
    let f = tokenize(field);
    q.iter()
        .any(|t| f.iter().any(|w| edit_distance(t, w) <= edits))
}

/// `match_text`: the query tokens occur consecutively and in order.
pub(super) fn match_text(field: &str, query: &str) -> bool {
    let q = tokenize(query);
    if q.is_empty() {
        return false;
    }
    let f = tokenize(field);
    f.windows(q.len()).any(|w| w == q.as_slice())
}

/// Table-wide BM25 statistics of one field for one query.
#[derive(Debug, Clone)]
pub(super) struct Bm25Stats {
    /// Distinct query tokens with their idf.
    pub idf: Vec<(String, f64)>,
    pub avgdl: f64,
}

impl Bm25Stats {
    /// Statistics over every non-null value of the field (`corpus`).
    pub(super) fn compute<'a>(corpus: impl Iterator<Item = &'a str>, query: &str) -> Self {
        let terms: BTreeSet<String> = tokenize(query).into_iter().collect();
        let mut n_rows = 0usize;
        let mut total_len = 0usize;
        let mut df: HashMap<&str, usize> = terms.iter().map(|t| (t.as_str(), 0)).collect();
        for text in corpus {
            n_rows += 1;
            let toks = tokenize(text);
            total_len += toks.len();
            let distinct: BTreeSet<&String> = toks.iter().collect();
            for t in distinct {
                if let Some(c) = df.get_mut(t.as_str()) {
                    *c += 1;
                }
            }
        }
        let n = n_rows as f64;
        let idf = terms
            .iter()
            .map(|t| {
                let nt = df.get(t.as_str()).copied().unwrap_or(0) as f64;
                (t.clone(), (1.0 + (n - nt + 0.5) / (nt + 0.5)).ln())
            })
            .collect();
        let avgdl = if n_rows == 0 {
            0.0
        } else {
            total_len as f64 / n
        };
        Self { idf, avgdl }
    }

    /// The score of one field value (0 when nothing matches).
    pub(super) fn score(&self, field: &str) -> f64 {
        if self.idf.is_empty() {
            return 0.0;
        }
        let toks = tokenize(field);
        let dl = toks.len() as f64;
        let mut score = 0.0;
        for (t, idf) in &self.idf {
            let tf = toks.iter().filter(|w| *w == t).count() as f64;
            if tf == 0.0 {
                continue;
            }
            let norm = if self.avgdl > 0.0 {
                dl / self.avgdl
            } else {
                0.0
            };
            score += idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * norm));
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_predicates() {
        assert_eq!(
            tokenize("Graph databases, store!"),
            vec!["graph", "databases", "store"]
        );
        assert!(search("Graph search with vector ranking", "pasta GRAPH"));
        assert!(match_text("Vector search finds", "vector search"));
        assert!(!match_text(
            "Graph search with vector ranking",
            "vector search"
        ));
        assert!(fuzzy("nearest neighbors", "neighbours", 1));
        assert!(!fuzzy("nearest neighbors", "neighbours", 0));
    }
}

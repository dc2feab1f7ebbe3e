//! Constraints of a type: `@range` bounds, `@check` patterns, `@card` on edges, and the
//! body constraints (`@unique`, `@index`) with their canonical text.

use super::quote;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// A numeric bound of `@range`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Number {
    Int(i64),
    UInt(u64),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::UInt(u) => u as f64,
            Number::Float(f) => f,
        }
    }

    /// Exact value for integers.
    pub fn as_i128(self) -> Option<i128> {
        match self {
            Number::Int(i) => Some(i128::from(i)),
            Number::UInt(u) => Some(i128::from(u)),
            Number::Float(_) => None,
        }
    }

    pub fn canonical(self) -> String {
        match self {
            Number::Int(i) => i.to_string(),
            Number::UInt(u) => u.to_string(),
            Number::Float(f) => format!("{f:?}"),
        }
    }
}

/// `@range(p, lo..hi)` (inclusive; `None` = open).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeConstraint {
    pub property: String,
    pub lo: Option<Number>,
    pub hi: Option<Number>,
}

impl RangeConstraint {
    pub fn bounds_text(&self) -> String {
        format!(
            "{}..{}",
            self.lo.map(Number::canonical).unwrap_or_default(),
            self.hi.map(Number::canonical).unwrap_or_default()
        )
    }

    /// True if `v` lies within the bounds.
    pub fn contains_f64(&self, v: f64) -> bool {
        self.lo.is_none_or(|lo| lo.as_f64() <= v) && self.hi.is_none_or(|hi| v <= hi.as_f64())
    }

    /// True if the integer `v` lies within the bounds (exact for integer bounds).
    pub fn contains_int(&self, v: i128) -> bool {
        let ge = |b: Number| match b.as_i128() {
            Some(i) => v >= i,
            None => (v as f64) >= b.as_f64(),
        };
        let le = |b: Number| match b.as_i128() {
            Some(i) => v <= i,
            None => (v as f64) <= b.as_f64(),
        };
        self.lo.is_none_or(ge) && self.hi.is_none_or(le)
    }
}

/// `@check(p, "re")` with its compiled regex (unanchored search).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "CheckRepr", into = "CheckRepr")]
pub struct CheckConstraint {
    pub property: String,
    pub pattern: String,
    regex: Regex,
}

#[derive(Serialize, Deserialize)]
struct CheckRepr {
    property: String,
    pattern: String,
}

impl TryFrom<CheckRepr> for CheckConstraint {
    type Error = regex::Error;
    fn try_from(r: CheckRepr) -> Result<Self, Self::Error> {
        CheckConstraint::new(r.property, r.pattern)
    }
}

impl From<CheckConstraint> for CheckRepr {
    fn from(c: CheckConstraint) -> Self {
        CheckRepr {
            property: c.property,
            pattern: c.pattern,
        }
    }
}

impl PartialEq for CheckConstraint {
    fn eq(&self, other: &Self) -> bool {
        self.property == other.property && self.pattern == other.pattern
    }
}

impl CheckConstraint {
    pub fn new(property: String, pattern: String) -> Result<Self, regex::Error> {
        let regex = Regex::new(&pattern)?;
        Ok(CheckConstraint {
            property,
            pattern,
            regex,
        })
    }

    pub fn regex(&self) -> &Regex {
        &self.regex
    }

    /// True if `value` contains a match of the pattern.
    pub fn matches(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

/// `@card(min..max)`; `max = None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Cardinality {
    pub min: u64,
    pub max: Option<u64>,
}

impl Cardinality {
    pub fn canonical(&self) -> String {
        match self.max {
            Some(m) => format!("@card({}..{m})", self.min),
            None => format!("@card({}..*)", self.min),
        }
    }
}

/// Body constraints of a type (sugar already lifted; the key is kept separately).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Constraints {
    /// `@unique` tuples in declared order (compared as sets); edges use `src`/`dst`
    #[serde(default)]
    pub unique: Vec<Vec<String>>,
    /// `@index` tuples in declared order (compared as sets)
    #[serde(default)]
    pub index: Vec<Vec<String>>,
    #[serde(default)]
    pub range: Vec<RangeConstraint>,
    #[serde(default)]
    pub check: Vec<CheckConstraint>,
}

impl Constraints {
    /// Canonical text of every constraint (without the key), sorted.
    pub fn canonical_list(&self) -> Vec<String> {
        let mut v = Vec::new();
        let sorted = |t: &Vec<String>| {
            let mut t = t.clone();
            t.sort();
            t.join(", ")
        };
        for u in &self.unique {
            v.push(format!("@unique({})", sorted(u)));
        }
        for i in &self.index {
            v.push(format!("@index({})", sorted(i)));
        }
        for r in &self.range {
            v.push(format!("@range({}, {})", r.property, r.bounds_text()));
        }
        for c in &self.check {
            v.push(format!("@check({}, {})", c.property, quote(&c.pattern)));
        }
        v.sort();
        v
    }

    pub(super) fn sort(&mut self) {
        let key = |t: &Vec<String>| {
            let mut k = t.clone();
            k.sort();
            k
        };
        self.unique.sort_by_key(key);
        self.index.sort_by_key(key);
        self.range.sort_by(|a, b| {
            a.property
                .cmp(&b.property)
                .then(a.bounds_text().cmp(&b.bounds_text()))
        });
        self.check
            .sort_by(|a, b| (&a.property, &a.pattern).cmp(&(&b.property, &b.pattern)));
    }
}

//! Diagnostics (docs/reference/diagnostics.md, "Diagnostic shape"): the [`Diagnostic`] value with a
//! stable code and a span, the source-ordered [`Diagnostics`] collection, its JSON and terminal
//! renderings, and the "did you mean" helper used for unknown names.

use crate::diagnostics::codes;
use crate::diagnostics::span::{SourceText, Span};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Severity of a diagnostic; fixed per code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One diagnostic: a stable code, a one-sentence message, a span and an optional help line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic whose severity is taken from the code table.
    pub fn new(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: codes::severity_of(code),
            message: message.into(),
            span,
            help: None,
        }
    }

    /// An error (alias of [`Diagnostic::new`] for `E-` codes).
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(code, span, message)
    }

    /// A warning (alias of [`Diagnostic::new`] for `W-` codes).
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(code, span, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help line only if `help` is `Some`.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The JSON object for this diagnostic (docs/reference/diagnostics.md, "Diagnostic shape").
    pub fn to_json(&self, src: &SourceText<'_>) -> JsonDiagnostic {
        let start = src.line_col(self.span.start);
        let end = src.line_col(self.span.end);
        JsonDiagnostic {
            code: self.code.to_string(),
            severity: self.severity,
            message: self.message.clone(),
            file: src.name.to_string(),
            line: start.line,
            col: start.col,
            end_line: end.line,
            end_col: end.col,
            help: self.help.clone(),
        }
    }

    /// Terminal rendering (docs/reference/diagnostics.md, "Diagnostic shape"), ending with a
    /// newline.
    pub fn render(&self, src: &SourceText<'_>) -> String {
        let start = src.line_col(self.span.start);
        let end = src.line_col(self.span.end);
        let width = start.line.to_string().len();
        let pad = " ".repeat(width);
        let line_text = src.line_text(start.line);
        let mut out = String::new();
        let _ = writeln!(out, "{}[{}]: {}", self.severity, self.code, self.message);
        let _ = writeln!(out, "{pad}--> {}:{}:{}", src.name, start.line, start.col);
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{} | {}", start.line, line_text);
        // underline: keep tabs so the carets line up with the source line
        let prefix: String = line_text
            .chars()
            .take(start.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let line_chars = line_text.chars().count() as u32;
        let carets = if end.line == start.line {
            end.col.saturating_sub(start.col)
        } else {
            (line_chars + 1).saturating_sub(start.col)
        }
        .max(1);
        let _ = writeln!(out, "{pad} | {prefix}{}", "^".repeat(carets as usize));
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} = help: {help}");
        }
        out
    }
}

/// The JSON shape of a diagnostic (docs/reference/diagnostics.md, "Diagnostic shape"). `help` is
/// omitted when absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonDiagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A collection of diagnostics, reported in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Sorts into source order (stable: equal spans keep their insertion order) and drops
    /// exact duplicates.
    pub fn sort(&mut self) {
        self.items.sort_by_key(|d| (d.span.start, d.span.end));
        self.items.dedup();
    }

    /// The diagnostics in source order.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.sort();
        self.items
    }

    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.items
    }

    /// JSON array of diagnostic objects, in source order (docs/reference/diagnostics.md,
    /// "Diagnostic shape").
    pub fn to_json(&self, src: &SourceText<'_>) -> Vec<JsonDiagnostic> {
        let mut sorted = self.clone();
        sorted.sort();
        sorted.items.iter().map(|d| d.to_json(src)).collect()
    }

    /// Terminal rendering of all diagnostics in source order, separated by blank lines.
    pub fn render(&self, src: &SourceText<'_>) -> String {
        let mut sorted = self.clone();
        sorted.sort();
        let parts: Vec<String> = sorted.items.iter().map(|d| d.render(src)).collect();
        parts.join("\n")
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(items: Vec<Diagnostic>) -> Self {
        Diagnostics { items }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.items.extend(iter);
    }
}

/// Levenshtein distance over Unicode scalar values.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `name` within edit distance 2 (a case-only difference counts as
/// distance 0 and wins), or `None`. Ties go to the first candidate given.
pub fn did_you_mean<'c, I, S>(name: &str, candidates: I) -> Option<&'c str>
where
    I: IntoIterator<Item = &'c S>,
    S: AsRef<str> + ?Sized + 'c,
{
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &'c str)> = None;
    for c in candidates {
        let c = c.as_ref();
        if c == name {
            continue;
        }
        let d = if c.to_lowercase() == lower {
            0
        } else {
            edit_distance(name, c)
        };
        if d <= 2 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `"did you mean `x`?"` for the closest candidate, if any.
pub fn did_you_mean_help<'c, I, S>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'c S>,
    S: AsRef<str> + ?Sized + 'c,
{
    did_you_mean(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// Truncates a displayed value to 80 characters (docs/reference/diagnostics.md, "Diagnostic
/// shape"), appending `…` when cut.
pub fn truncate_value(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(79).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_the_reference() {
        let text = "query q() {\n    match {\n        $p: Person\n        $p knos $f\n    }\n}\n";
        let src = SourceText::new("social.gq", text);
        let start = text.find("knos").unwrap();
        let d = Diagnostic::new(
            "E-T004",
            Span::from_range(start..start + 4),
            "unknown edge type `knos`",
        )
        .with_help("did you mean `knows` (edge Knows: Person -> Person)?");
        let expected = "error[E-T004]: unknown edge type `knos`\n --> social.gq:4:12\n  |\n4 |         $p knos $f\n  |            ^^^^\n  = help: did you mean `knows` (edge Knows: Person -> Person)?\n";
        assert_eq!(d.render(&src), expected);
        let json = serde_json::to_value(d.to_json(&src)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "E-T004", "severity": "error", "message": "unknown edge type `knos`",
                "file": "social.gq", "line": 4, "col": 12, "end_line": 4, "end_col": 16,
                "help": "did you mean `knows` (edge Knows: Person -> Person)?"})
        );
    }

    #[test]
    fn render_wide_gutter_and_warning() {
        let mut text = "\n".repeat(11);
        text.push_str("\tnode X @foo");
        let src = SourceText::new("s.pg", &text);
        let at = text.find("@foo").unwrap();
        let d = Diagnostic::new(
            "W-S001",
            Span::from_range(at..at + 4),
            "unknown annotation `@foo`",
        );
        let r = d.render(&src);
        assert_eq!(
            r,
            "warning[W-S001]: unknown annotation `@foo`\n  --> s.pg:12:9\n   |\n12 | \tnode X @foo\n   | \t       ^^^^\n"
        );
    }

    #[test]
    fn sorting_and_counts() {
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::new("W-S001", Span::new(10, 12), "b"));
        ds.push(Diagnostic::new("E-S001", Span::new(1, 2), "a"));
        assert!(ds.has_errors());
        let v = ds.into_sorted();
        assert_eq!(v[0].code, "E-S001");
        assert_eq!(v[1].severity, Severity::Warning);
    }

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("Compnay", "Company"), 2);
        assert_eq!(
            did_you_mean("Compnay", ["Person", "Company"].iter()),
            Some("Company")
        );
        assert_eq!(did_you_mean("knos", &["knows".to_string()]), Some("knows"));
        assert_eq!(did_you_mean("xyzzy", ["Person"].iter()), None);
        assert_eq!(
            did_you_mean("person", ["Persons", "Person"].iter()),
            Some("Person")
        );
        assert_eq!(
            did_you_mean_help("uniqe", ["unique", "index"].iter()).as_deref(),
            Some("did you mean `unique`?")
        );
        assert_eq!(truncate_value(&"x".repeat(100)).chars().count(), 80);
    }
}

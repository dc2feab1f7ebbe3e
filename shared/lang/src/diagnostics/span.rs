//! Source positions: byte-offset [`Span`]s, 1-based [`LineCol`] positions and the [`LineIndex`] /
//! [`SourceText`] that map one to the other (docs/reference/schema.md, "Lexical rules": columns
//! count Unicode scalar values, a `\r` before `\n` and a leading BOM are ignored).

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A half-open byte range `start..end` into the source text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (swapped if given in the wrong order).
    pub fn new(start: u32, end: u32) -> Self {
        if end < start {
            Span {
                start: end,
                end: start,
            }
        } else {
            Span { start, end }
        }
    }

    /// A span built from `usize` offsets, saturating at `u32::MAX`.
    pub fn from_range(range: Range<usize>) -> Self {
        Span::new(to_u32(range.start), to_u32(range.end))
    }

    /// An empty span at `offset`.
    pub fn empty(offset: u32) -> Self {
        Span {
            start: offset,
            end: offset,
        }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The text covered by the span, or `""` when it is out of bounds or not on
    /// character boundaries (never panics).
    pub fn text(self, src: &str) -> &str {
        src.get(self.range()).unwrap_or("")
    }
}

/// Converts a byte offset to `u32`, saturating (sources beyond 4 GiB are not supported).
pub fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A 1-based line and column (column in Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

impl std::fmt::Display for LineCol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

const BOM: char = '\u{feff}';

/// Start offsets of every line of a source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    bom_len: usize,
}

impl LineIndex {
    pub fn new(src: &str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        let bom_len = if src.starts_with(BOM) {
            BOM.len_utf8()
        } else {
            0
        };
        LineIndex {
            line_starts,
            bom_len,
        }
    }

    /// Number of lines (a text without newline has one line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 0-based line number containing `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Maps a byte offset to a 1-based line:col. Offsets past the end map to the end; offsets
    /// inside a multi-byte character map to that character.
    pub fn line_col(&self, src: &str, offset: u32) -> LineCol {
        let mut offset = (offset as usize).min(src.len());
        while offset > 0 && !src.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let mut start = self.line_starts.get(line).copied().unwrap_or(0);
        if line == 0 && offset >= self.bom_len {
            start = self.bom_len;
        }
        let col = src.get(start..offset).map_or(0, |s| s.chars().count());
        LineCol {
            line: to_u32(line + 1),
            col: to_u32(col + 1),
        }
    }

    /// The text of 1-based line `line`, without its line terminator (`\n` or `\r\n`) and
    /// without a leading BOM.
    pub fn line_text<'s>(&self, src: &'s str, line: u32) -> &'s str {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let start = if i == 0 {
            self.bom_len.min(src.len())
        } else {
            start
        };
        let end = self
            .line_starts
            .get(i + 1)
            .map_or(src.len(), |&n| n.saturating_sub(1));
        let text = src.get(start..end.max(start)).unwrap_or("");
        text.strip_suffix('\r').unwrap_or(text)
    }

    /// Byte offset of the start of 1-based line `line` (after the BOM on line 1).
    pub fn line_start(&self, line: u32) -> Option<u32> {
        let i = (line as usize).checked_sub(1)?;
        let s = *self.line_starts.get(i)?;
        Some(to_u32(if i == 0 { self.bom_len } else { s }))
    }
}

/// A named source text with its line index; what diagnostics are rendered against.
#[derive(Debug, Clone)]
pub struct SourceText<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub index: LineIndex,
}

impl<'a> SourceText<'a> {
    pub fn new(name: &'a str, text: &'a str) -> Self {
        SourceText {
            name,
            text,
            index: LineIndex::new(text),
        }
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        self.index.line_col(self.text, offset)
    }

    pub fn line_text(&self, line: u32) -> &'a str {
        self.index.line_text(self.text, line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_positions() {
        let src = "ab\ncd\r\néf";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_col(src, 0), LineCol { line: 1, col: 1 });
        assert_eq!(idx.line_col(src, 1), LineCol { line: 1, col: 2 });
        assert_eq!(idx.line_col(src, 3), LineCol { line: 2, col: 1 });
        assert_eq!(idx.line_col(src, 7), LineCol { line: 3, col: 1 });
        // 'é' is two bytes; 'f' is column 2
        assert_eq!(idx.line_col(src, 9), LineCol { line: 3, col: 2 });
        // inside the multi-byte char: maps to it
        assert_eq!(idx.line_col(src, 8), LineCol { line: 3, col: 1 });
        assert_eq!(idx.line_text(src, 2), "cd");
        assert_eq!(idx.line_text(src, 3), "éf");
        assert_eq!(idx.line_text(src, 9), "");
        // past the end
        assert_eq!(idx.line_col(src, 1000), LineCol { line: 3, col: 3 });
    }

    #[test]
    fn bom_is_ignored() {
        let src = "\u{feff}node";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_col(src, 3), LineCol { line: 1, col: 1 });
        assert_eq!(idx.line_col(src, 4), LineCol { line: 1, col: 2 });
        assert_eq!(idx.line_text(src, 1), "node");
    }

    #[test]
    fn span_helpers() {
        let s = Span::new(5, 2);
        assert_eq!(s, Span { start: 2, end: 5 });
        assert_eq!(s.len(), 3);
        assert_eq!(Span::new(1, 2).to(Span::new(4, 6)), Span::new(1, 6));
        assert_eq!(Span::new(0, 2).text("é"), "é");
        assert_eq!(Span::new(0, 1).text("é"), "");
    }
}

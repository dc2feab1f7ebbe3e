//! Property tests: the schema front end never panics, and the canonical form / hash is
//! stable under declaration reordering, whitespace and comment changes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnigraph_lang::catalog::{compile_schema, Catalog};
use omnigraph_lang::evolution::plan;
use omnigraph_lang::lexer::{lex, lex_bytes};
use omnigraph_lang::span::SourceText;
use proptest::prelude::*;

const DECLS: &[&str] = &[
    "interface Stamped @description(\"when it happened\") { created: DateTime }",
    "node Person @description(\"A member\") { handle: String @key name: String age: I32? @range(0..150) tags: [String]? }",
    "node Company { slug: String @key name: String @unique sector: enum(fintech, health-care, 2fa) }",
    "node Ticket @instruction(\"be nice\") implements Stamped { ref: String @key @check(\"^T-[0-9]+$\") prio: I32 @range(1..5) emb: Vector(4)? @embed(ref) @index }",
    "edge Knows: Person -> Person { since: Date? @unique(src, dst) }",
    "edge WorksAt: Person -> Company @card(0..1) { role: String? }",
    "edge About: Ticket -> Company",
];

/// Replaces every space outside string literals with `seps[i % len]`.
fn reformat(src: &str, seps: &[&str]) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut prev = '\0';
    let mut i = 0;
    for c in src.chars() {
        if c == '"' && prev != '\\' {
            in_str = !in_str;
        }
        if c == ' ' && !in_str {
            out.push_str(seps[i % seps.len()]);
            i += 1;
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn reference() -> Catalog {
    Catalog::compile(&DECLS.join("\n")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
        let out = compile_schema(&s, None);
        let text = SourceText::new("x.pg", &s);
        let _ = out.diagnostics.render(&text);
        let _ = out.diagnostics.to_json(&text);
        let _ = lex(&s);
    }

    #[test]
    fn never_panics_on_schema_like_tokens(parts in prop::collection::vec(prop::sample::select(vec![
        "node", "edge", "interface", "implements", "A", "B", "x", "y", ":", "->", "{", "}", "(", ")",
        "[", "]", "?", "@key", "@unique", "@range", "@check", "@card", "@embed", "@description",
        "@rename_from", "enum", "Vector", "String", "I32", "F64", "1", "-2", "3.5", "..", "*", ",",
        "\"re\"", "\"(\"", "id", "src", "not", "é", "/*", "//", "\"", "\\u{", "$",
    ]), 0..60)) {
        let src = parts.join(" ");
        let out = compile_schema(&src, None);
        let text = SourceText::new("x.pg", &src);
        for d in out.diagnostics.iter() {
            let _ = d.render(&text);
        }
    }

    #[test]
    fn never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = lex_bytes(&bytes);
    }

    #[test]
    fn never_panics_on_mutated_valid_sources(
        ops in prop::collection::vec((0usize..2000, 0usize..4, any::<char>()), 1..8)
    ) {
        let mut chars: Vec<char> = DECLS.join("\n").chars().collect();
        for (pos, op, c) in ops {
            let pos = pos % (chars.len() + 1);
            match op {
                0 => chars.insert(pos, c),
                1 if pos < chars.len() => { chars.remove(pos); }
                2 if pos < chars.len() => chars[pos] = c,
                _ => chars.truncate(pos),
            }
        }
        let src: String = chars.into_iter().collect();
        let out = compile_schema(&src, None);
        let text = SourceText::new("x.pg", &src);
        let _ = out.diagnostics.render(&text);
        if let Some(c) = out.catalog {
            // any valid mutation still plans without panicking
            let _ = plan(&reference(), &c);
            let _ = plan(&c, &reference());
        }
    }

    #[test]
    fn hash_is_stable_under_reordering_and_formatting(
        order in Just((0..DECLS.len()).collect::<Vec<_>>()).prop_shuffle(),
        seps in prop::collection::vec(prop::sample::select(vec![
            " ", "\n", "\t", "  ", " /* c */ ", " // note\n", "\r\n",
        ]), 1..12),
    ) {
        let reference = reference();
        let src: Vec<&str> = order.iter().map(|i| DECLS[*i]).collect();
        let src = reformat(&src.join("\n//between\n"), &seps);
        let c = Catalog::compile(&src).unwrap();
        prop_assert_eq!(c.canonical_text(), reference.canonical_text());
        prop_assert_eq!(&c.hash, &reference.hash);
        let p = plan(&reference, &c);
        prop_assert!(p.supported && p.steps.is_empty());
    }
}

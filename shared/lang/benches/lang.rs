//! Front-end benchmarks: parse + validate + build the catalog of a generated 200-type schema.
//! Query front end: parse + typecheck + lint a generated 2,000-line `.gq` file against it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};
use omnigraph_lang::catalog::compile_schema;
use std::fmt::Write as _;
use std::hint::black_box;

/// 150 node types (one interface each third) and 50 edge types, ~8 properties per node.
pub fn generated_schema() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "interface Audited {{ created: DateTime updated: DateTime? }}"
    );
    for i in 0..150 {
        let imp = if i % 3 == 0 {
            " implements Audited"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "node Type{i} @description(\"generated node {i}\"){imp} {{\n    slug: String @key\n    name: String @index\n    rank: I32? @range(0..1000)\n    score: F64?\n    tags: [String]?\n    state: enum(open, closed, health-care, 2fa)\n    code: String? @check(\"^[A-Z]{{3}}-[0-9]+$\")\n    emb: Vector(16)? @embed(name)\n    @unique(name, rank)\n}}"
        );
    }
    for i in 0..50 {
        let _ = writeln!(
            s,
            "edge Link{i}: Type{} -> Type{} @card(0..{}) {{ weight: F32? since: Date? @unique(src, dst) }}",
            i,
            (i * 7 + 3) % 150,
            i + 1
        );
    }
    s
}

fn bench_schema(c: &mut Criterion) {
    let src = generated_schema();
    let out = compile_schema(&src, None);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let mut g = c.benchmark_group("lang");
    g.bench_function("schema_200_types_compile", |b| {
        b.iter(|| {
            let out = compile_schema(black_box(&src), None);
            black_box(out.catalog.map(|c| c.hash))
        })
    });
    g.finish();
}

/// A `.gq` file of about 2,000 lines against [`generated_schema`]: reads with bindings,
/// traversals, filters, negation, ordering and limits, plus mixed mutations.
pub fn generated_queries(min_lines: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.lines().count() < min_lines {
        let j = i % 50;
        let k = (j * 7 + 3) % 150;
        if i % 4 == 3 {
            let t = if j % 3 == 0 { j + 1 } else { j };
            let _ = writeln!(
                s,
                "query m{i}($s: String, $n: String, $r: I32?) {{\n    insert Type{t} {{ slug: $s, name: $n, state: \"open\", rank: $r }}\n    update Type{t} set {{ rank: 5, score: 1.5 }} where slug = $s and rank is null\n    delete Type{t} where slug = $s\n}}"
            );
        } else {
            let _ = writeln!(
                s,
                "query q{i}($s: String, $n: I32) {{\n    match {{\n        $a: Type{j} {{ slug: $s }}\n        $a link{j} $b\n        $b.rank > $n\n        not {{ $b.state = \"closed\" }}\n    }}\n    return {{ $a.slug, $b.name as bname, $b.rank }}\n    order {{ $b.rank desc }}\n    limit 10\n}}"
            );
            let _ = k;
        }
        i += 1;
    }
    s
}

fn bench_queries(c: &mut Criterion) {
    let schema = compile_schema(&generated_schema(), None)
        .catalog
        .expect("generated schema is valid");
    let gq = generated_queries(2_000);
    let (qs, diags) = omnigraph_lang::check_file(&schema, &gq);
    assert!(
        diags.iter().all(|d| !d.is_error()),
        "{:?}",
        &diags[..diags.len().min(5)]
    );
    assert!(qs.len() > 150);
    let mut g = c.benchmark_group("lang");
    g.bench_function("queries_2000_lines_check", |b| {
        b.iter(|| {
            let (qs, diags) = omnigraph_lang::check_file(black_box(&schema), black_box(&gq));
            black_box((qs.len(), diags.len()))
        })
    });
    g.finish();
}

criterion_group!(benches, bench_schema, bench_queries);
criterion_main!(benches);

//! Front-end benchmarks: parse + validate + build the catalog of a generated 200-type schema.
//! (L2 adds the 2,000-line query file case.)

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

criterion_group!(benches, bench_schema);
criterion_main!(benches);

//! Coverage of the diagnostic code table: every code of `omnigraph_lang::codes::CODES` must be
//! triggered by at least one case in [`CASES`], with the position (line:col of the span start)
//! it is reported at. Codes not yet covered are listed in [`PENDING`], which must shrink to
//! empty: a covered code that is still listed there fails the test too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnigraph_lang::catalog::compile_schema;
use omnigraph_lang::codes::CODES;
use omnigraph_lang::diagnostic::Diagnostic;
use omnigraph_lang::evolution::{constraint_violation, plan};
use omnigraph_lang::span::SourceText;

/// What a case runs.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    /// compile a `.pg` source
    Schema(&'static str),
    /// compile both schemas (they must be valid) and plan accepted → desired
    Evolve {
        accepted: &'static str,
        desired: &'static str,
    },
    /// the apply-time E-M008 report for a violating row
    ApplyViolation {
        desired: &'static str,
        type_name: &'static str,
        constraint: &'static str,
    },
    // L2: add query / parameter / data inputs here (and their arm in `run`).
}

/// One case: the code, the input, and where (line:col) the diagnostic must start.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub code: &'static str,
    pub input: Input,
    pub at: &'static str,
}

const fn schema(code: &'static str, src: &'static str, at: &'static str) -> Case {
    Case {
        code,
        input: Input::Schema(src),
        at,
    }
}

const fn evolve(
    code: &'static str,
    accepted: &'static str,
    desired: &'static str,
    at: &'static str,
) -> Case {
    Case {
        code,
        input: Input::Evolve { accepted, desired },
        at,
    }
}

pub const CASES: &[Case] = &[
    // ---- L1: lexical and schema (E-P, E-S, W-S) ----
    schema("E-P001", "node A { x: I32 # }", "1:17"),
    schema("E-P002", "node A { x: Strng }", "1:13"),
    schema("E-P003", "node A { x: I32 } /* open", "1:19"),
    schema("E-P003", "node A @description(\"open { x: I32 }", "1:21"),
    schema(
        "E-P004",
        r#"node A @description("a\qb") { x: I32 }"#,
        "1:23",
    ),
    schema(
        "E-P005",
        "node A {}\nedge E: A -> A @card(0..99999999999999999999)",
        "2:25",
    ),
    schema("E-P005", "node A { x: I32 @range(1.5e..2) }", "1:24"),
    schema("E-P007", "node person { x: I32 }", "1:6"),
    schema("E-P007", "node A { Name: String }", "1:10"),
    schema("E-P008", "node A { not: I32 }", "1:10"),
    schema("E-S001", "node Ab {}\nnode AB {}", "2:6"),
    schema("E-S002", "node A { x: I32 x: I64 }", "1:17"),
    schema("E-S003", "node A {}\nedge E: A -> Compnay", "2:14"),
    schema("E-S003", "node A implements Missing { x: I32 }", "1:19"),
    schema(
        "E-S004",
        "interface I { x: I32 }\nnode A implements I { x: I64 }",
        "2:26",
    ),
    schema("E-S005", "node A { id: String }", "1:10"),
    schema(
        "E-S005",
        "node A {}\nedge E: A -> A { src: String }",
        "2:18",
    ),
    schema("E-S006", "node A { v: Vector(0) }", "1:20"),
    schema("E-S006", "node A { l: [Blob] }", "1:14"),
    schema("E-S006", "node A { e: enum(a, b, a) }", "1:24"),
    schema(
        "E-S007",
        "node A { a: String b: String @key(a, b) }",
        "1:30",
    ),
    schema("E-S007", "node A { a: F64 @key }", "1:17"),
    schema("E-S007", "node A { a: String? @key }", "1:21"),
    schema("E-S008", "node A { a: String @unique(b) }", "1:28"),
    schema("E-S009", "node A { tags: [String] @unique }", "1:25"),
    schema("E-S010", "node A @card(0..1) { x: I32 }", "1:8"),
    schema("E-S010", "interface I { x: I32 @index(x) }", "1:22"),
    schema("E-S011", "node A { x: I32 @range(5..1) }", "1:24"),
    schema("E-S011", "node A { x: I32 @range(1.5..2) }", "1:24"),
    schema("E-S012", r#"node A { x: String @check("(") }"#, "1:27"),
    schema("E-S013", "node A {}\nedge E: A -> A @card(2..1)", "2:22"),
    schema(
        "E-S014",
        "node Doc { emb: Vector(3) @embed(title) }",
        "1:27",
    ),
    schema("E-S015", r#"node A @description("") { x: I32 }"#, "1:8"),
    schema("E-S015", r#"node A { x: I32 @instruction("no") }"#, "1:17"),
    schema("E-S016", "node A { x: I32 @index @index }", "1:24"),
    schema("E-S017", "node A {}\nedge Not: A -> A", "2:6"),
    schema("E-S018", r#"node A @rename_from("A") { x: I32 }"#, "1:21"),
    schema("W-S001", "node A @uniqe { x: I32 }", "1:8"),
    schema("W-S002", "node A { x: String @key @unique }", "1:25"),
    // ---- L1: evolution (E-M) ----
    evolve(
        "E-M001",
        "node A { x: I32 }\nnode B { y: I32 }",
        "node A { x: I32 }",
        "1:1",
    ),
    evolve(
        "E-M002",
        "node A { x: I32 y: I32? }",
        "node A { x: I32 }",
        "1:6",
    ),
    evolve(
        "E-M003",
        "node A { x: I32 }",
        "node A { x: I32 y: I32 }",
        "1:17",
    ),
    evolve("E-M004", "node A { x: I32 }", "node A { x: I64 }", "1:13"),
    evolve("E-M004", "node A { x: I32? }", "node A { x: I32 }", "1:13"),
    evolve(
        "E-M005",
        "node A {}\nnode B {}\nedge E: A -> A",
        "node A {}\nnode B {}\nedge E: A -> B",
        "3:9",
    ),
    evolve(
        "E-M006",
        "node A { x: String }",
        "node A { x: String @key }",
        "1:6",
    ),
    evolve(
        "E-M007",
        "node A {}",
        "node A {}\nnode B @rename_from(\"Z\") {}",
        "2:8",
    ),
    Case {
        code: "E-M008",
        input: Input::ApplyViolation {
            desired: "node A { x: I32 @unique }",
            type_name: "A",
            constraint: "@unique(x)",
        },
        at: "1:6",
    },
    // ---- L2: query, parameter, data and lint cases go below ----
];

/// Codes not covered yet. Must shrink to empty; a code listed here that has a case fails.
pub const PENDING: &[&str] = &[
    "E-P006", "E-T001", "E-T002", "E-T003", "E-T004", "E-T005", "E-T006", "E-T007", "E-T008",
    "E-T009", "E-T010", "E-T011", "E-T012", "E-T013", "E-T014", "E-T015", "E-T016", "E-T017",
    "E-T018", "E-T019", "E-T020", "E-T021", "E-T022", "E-T023", "E-T024", "E-T025", "E-T026",
    "E-T027", "E-T028", "E-T029", "E-T030", "E-V001", "E-V002", "E-V003", "E-V004", "E-V005",
    "E-V006", "E-V007", "E-V008", "E-V009", "E-D001", "E-D002", "E-D003", "E-D004", "E-D005",
    "E-D006", "E-D007", "E-D008", "E-D009", "E-D010", "E-D011", "E-D012", "E-D013", "E-D014",
    "E-D015", "E-R001", "E-R002", "E-R003", "E-R004", "E-R005", "W-L001", "W-L002", "W-L003",
    "W-L004", "W-L005", "W-L006",
];

/// Runs a case's input; returns the source the positions refer to and the diagnostics.
fn run(input: Input) -> (&'static str, Vec<Diagnostic>) {
    match input {
        Input::Schema(src) => (
            src,
            compile_schema(src, None).diagnostics.into_iter().collect(),
        ),
        Input::Evolve { accepted, desired } => {
            let a = compile_schema(accepted, None)
                .catalog
                .expect("accepted schema is valid");
            let d = compile_schema(desired, None)
                .catalog
                .expect("desired schema is valid");
            let p = plan(&a, &d);
            assert!(!p.supported);
            (desired, p.diagnostics(desired))
        }
        Input::ApplyViolation {
            desired,
            type_name,
            constraint,
        } => (
            desired,
            vec![constraint_violation(
                desired,
                type_name,
                constraint,
                "r1",
                "duplicate value 7",
            )],
        ),
    }
}

#[test]
fn every_case_reports_its_code_at_its_position() {
    let mut failures = Vec::new();
    for case in CASES {
        let (src, diags) = run(case.input);
        let text = SourceText::new("case", src);
        let found: Vec<String> = diags
            .iter()
            .map(|d| format!("{} {}", d.code, text.line_col(d.span.start)))
            .collect();
        let want = format!("{} {}", case.code, case.at);
        if !found.contains(&want) {
            failures.push(format!("{:?}: want {want}, got {found:?}", case.input));
        }
        for d in &diags {
            assert!(!d.message.is_empty() && !d.message.ends_with('.'), "{d:?}");
            let first = d.message.chars().next().unwrap();
            assert!(
                !first.is_uppercase(),
                "message must start lower-case: {d:?}"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_code_is_covered_or_pending() {
    let covered: std::collections::HashSet<&str> = CASES.iter().map(|c| c.code).collect();
    let missing: Vec<&str> = CODES
        .iter()
        .map(|c| c.code)
        .filter(|c| !covered.contains(c) && !PENDING.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a triggering case: {missing:?}"
    );
    let stale: Vec<&&str> = PENDING.iter().filter(|c| covered.contains(**c)).collect();
    assert!(
        stale.is_empty(),
        "covered codes still listed as pending: {stale:?}"
    );
    for c in PENDING {
        assert!(
            CODES.iter().any(|k| k.code == *c),
            "unknown code in PENDING: {c}"
        );
    }
    for c in CASES {
        assert!(
            CODES.iter().any(|k| k.code == c.code),
            "unknown code in CASES: {}",
            c.code
        );
    }
}

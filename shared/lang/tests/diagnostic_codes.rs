//! Coverage of the diagnostic code table: every code of `omnigraph_lang::codes::CODES` must be
//! triggered by at least one case in [`CASES`], with the position (line:col of the span start)
//! it is reported at — except the codes only the engine can raise (`ENGINE_RAISED`), whose
//! cases are in `tests/tests/integration/diagnostics.rs`, which checks that list in turn.
//! [`PENDING`] must stay empty: a covered code that is still listed there fails the test too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnigraph_lang::catalog::compile_schema;
use omnigraph_lang::check_file;
use omnigraph_lang::codes::{CODES, ENGINE_RAISED};
use omnigraph_lang::data::JsonlValidator;
use omnigraph_lang::diagnostic::Diagnostic;
use omnigraph_lang::evolution::{constraint_violation, plan};
use omnigraph_lang::params::bind_params;
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
    /// check a `.gq` source against schema [`L2_SCHEMA`] (positions in the query)
    Query(&'static str),
    /// check a one-query `.gq` source (must be valid) and bind a JSON parameter object
    Params {
        gq: &'static str,
        params: &'static str,
    },
    /// validate JSONL lines against [`L2_SCHEMA`] (positions in the data)
    Jsonl(&'static str),
}

/// Schema used by the L2 (query, parameter, data, lint) cases.
pub const L2_SCHEMA: &str = r#"
node Person {
    handle: String @key
    name: String
    age: I32?
    tags: [String]?
    bio: String?
    photo: Blob?
    emb: Vector(3)?
    born: Date?
}
node Company { slug: String @key  name: String @unique  sector: enum(fintech, health) }
node Ticket { ref: String @key @check("^T-[0-9]+$")  priority: I32 @range(1..5) }
edge Knows: Person -> Person { since: Date? }
edge WorksAt: Person -> Company { role: String? }
"#;

const fn query(code: &'static str, gq: &'static str, at: &'static str) -> Case {
    Case {
        code,
        input: Input::Query(gq),
        at,
    }
}

const fn params(code: &'static str, gq: &'static str, p: &'static str, at: &'static str) -> Case {
    Case {
        code,
        input: Input::Params { gq, params: p },
        at,
    }
}

const fn jsonl(code: &'static str, data: &'static str, at: &'static str) -> Case {
    Case {
        code,
        input: Input::Jsonl(data),
        at,
    }
}

const PQ: &str = "query q($a: I32, $o: I64?) { match { $p: Person { age: $a } } return { $o } }";
const PQ2: &str =
    "query q($d: Date, $v: Vector(2), $b: Blob) { match { $p: Person { born: $d } } return { $v, $b } }";

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
    query(
        "E-P006",
        r#"query q() { match { $p: Person  $p.born = date("2024-02-30") } return { $p } }"#,
        "1:48",
    ),
    query("E-T001", "query q() { match { $p: Persn } return { $p } }", "1:25"),
    query("E-T001", "query q() { match { $p: Knows } return { $p } }", "1:25"),
    query("E-T002", r#"query q() { match { $p: Person { nam: "x" } } return { $p } }"#, "1:34"),
    query("E-T003", r#"query q() { match { $p: Person { age: "x" } } return { $p } }"#, "1:39"),
    query("E-T003", r#"query q() { match { $p: Person { emb: "x" } } return { $p } }"#, "1:34"),
    query("E-T004", "query q() { match { $p: Person\n  $p knos $f } return { $f } }", "2:6"),
    query("E-T005", "query q() { match { $c: Company  $c knows $f } return { $f } }", "1:34"),
    query("E-T006", "query q() { match { $p: Person } return { $p.nope } }", "1:46"),
    query("E-T006", "query q() { match { $p: Person  not { $p knows $f } } return { $f } }", "1:64"),
    query("E-T007", r#"query q() { match { $p: Person  $p.age = "x" } return { $p } }"#, "1:42"),
    query("E-T007", r#"query q() { match { $c: Company { sector: "retail" } } return { $c } }"#, "1:43"),
    query("E-T008", "query q() { match { $p: Person } return { sum($p.name) } }", "1:47"),
    query("E-T009", "query q() { match { $p: Person } return { count($p), now() } }", "1:54"),
    query("E-T010", "query q($h: String) { delete Persn where handle = $h }", "1:30"),
    query("E-T011", "query q($h: String) { delete Person where nope = $h }", "1:43"),
    query("E-T011", r#"query q() { delete Person where photo = "x" }"#, "1:33"),
    query("E-T012", "query q($h: String) { insert Person { handle: $h } }", "1:30"),
    query("E-T012", "query q($h: String) { insert Knows { from: $h } }", "1:30"),
    query(
        "E-T013",
        "query q($h: String) { insert Person { handle: $h, name: $h, name: $h } }",
        "1:61",
    ),
    query("E-T014", "query q() { match { $p: Person { handle: $h } } return { $p } }", "1:42"),
    query("E-T015", "query q() { match { $p: Person  $p knows{0,2} $f } return { $f } }", "1:41"),
    query("E-T015", "query q() { match { $p: Person  $p worksAt{1,2} $c } return { $c } }", "1:43"),
    query(
        "E-T016",
        "query q($h: String) { update Person set { handle: $h } where handle = $h }",
        "1:43",
    ),
    query(
        "E-T017",
        "query q($v: Vector(3)) { match { $p: Person } return { $p } order { nearest($p.emb, $v) } }",
        "1:69",
    ),
    query(
        "E-T018",
        "query q($v: Vector(3)) { match { $p: Person } return { $p } order { $p.name, nearest($p.emb, $v) } limit 3 }",
        "1:78",
    ),
    query(
        "E-T019",
        r#"query q() { match { $p: Person  search($p.age, "x") } return { $p } }"#,
        "1:40",
    ),
    query(
        "E-T020",
        r#"query q() { match { $p: Person  match_text($p.tags, "x") } return { $p } }"#,
        "1:44",
    ),
    query(
        "E-T021",
        "query q($q: String) { match { $p: Person } return { $p } order { rrf(bm25($p.name, $q), $p.age) } limit 3 }",
        "1:89",
    ),
    query(
        "E-T022",
        "query q($v: Vector(2)) { match { $p: Person } return { nearest($p.emb, $v) } }",
        "1:72",
    ),
    query("E-T023", "query q() { match { $p: Person  not { $c: Company } } return { $p } }", "1:33"),
    query("E-T024", "query q() { match { $p: Person  $p: Company } return { $p } }", "1:37"),
    query("E-T024", "query q($p: String) { match { $p: Person } return { $p } }", "1:31"),
    query(
        "E-T025",
        "query q() { match { $p: Person  $p knows $f } return { $p.name as n, $f.name as n } }",
        "1:70",
    ),
    query("E-T026", "query q() { match { $p: Person  $_ knows $_ } return { $p } }", "1:33"),
    query("E-T027", "query q($a: Int) { match { $p: Person } return { $p } }", "1:13"),
    query("E-T028", "query q() { match { $p: Person } return { $p } limit 0 }", "1:48"),
    query("E-T029", "query q() { match { $p: Person { age: null } } return { $p } }", "1:39"),
    query(
        "E-T030",
        "query q() { match { $p: Person } return { $p } }\nquery q() { match { $p: Person } return { $p } }",
        "2:7",
    ),
    params("E-V001", PQ, "{}", "1:9"),
    params("E-V002", PQ, r#"{"a": null}"#, "1:9"),
    params("E-V003", PQ, r#"{"a": "1"}"#, "1:9"),
    params("E-V004", PQ, r#"{"a": 3000000000}"#, "1:9"),
    params("E-V005", PQ2, r#"{"d": "2024-1-5", "v": [1, 2], "b": "base64:aGk="}"#, "1:9"),
    params("E-V006", PQ2, r#"{"d": "2024-01-05", "v": [1], "b": "base64:aGk="}"#, "1:19"),
    params("E-V007", PQ, r#"{"a": 1, "zz": 2}"#, "1:7"),
    params("E-V008", PQ2, r#"{"d": "2024-01-05", "v": [1, 2], "b": "hello"}"#, "1:34"),
    params("E-V009", PQ, "[1]", "1:7"),
    jsonl("E-D001", "{\"type\": \"Person\",", "1:18"),
    jsonl("E-D002", "\n{\"type\": \"Person\", \"edge\": \"Knows\"}", "2:1"),
    jsonl("E-D003", r#"{"type": "Persn", "data": {}}"#, "1:1"),
    jsonl(
        "E-D004",
        r#"{"type": "Person", "data": {"handle": "a", "name": "A", "nmae": 1}}"#,
        "1:1",
    ),
    jsonl("E-D005", r#"{"type": "Person", "data": {"handle": "a"}}"#, "1:1"),
    jsonl(
        "E-D006",
        r#"{"type": "Company", "data": {"slug": "c", "name": "C", "sector": "Fintech"}}"#,
        "1:1",
    ),
    jsonl("E-D007", r#"{"type": "Ticket", "data": {"ref": "T-1", "priority": 9}}"#, "1:1"),
    jsonl("E-D008", r#"{"type": "Ticket", "data": {"ref": "X-1", "priority": 1}}"#, "1:1"),
    jsonl(
        "E-D012",
        r#"{"type": "Person", "data": {"id": "b", "handle": "a", "name": "A"}}"#,
        "1:1",
    ),
    jsonl("E-D013", r#"{"edge": "Knows", "from": "a"}"#, "1:1"),
    query(
        "W-L001",
        "query q($h: String, $n: String) { update Person set { name: $n } where handle = $h }",
        "1:42",
    ),
    query("W-L002", r#"query q() { delete Person where handle = "x" }"#, "1:7"),
    query("W-L003", "query q($x: String) { match { $p: Person } return { $p } }", "1:9"),
    query("W-L004", "query q() { match { $p: Person  $c: Company } return { $p, $c } }", "1:13"),
    query("W-L005", "query q() { match { $p: Person  $p.name is null } return { $p } }", "1:33"),
    query(
        "W-L006",
        r#"query q() { match { $p: Person  search($p.bio, "x") } return { $p } }"#,
        "1:40",
    ),
];

/// Codes not covered yet. Must stay empty; a code listed here that has a case fails.
pub const PENDING: &[&str] = &[];

/// Runs a case's input; returns the source the positions refer to and the diagnostics.
fn run(input: Input) -> (&'static str, Vec<Diagnostic>) {
    match input {
        Input::Query(gq) => {
            let cat = compile_schema(L2_SCHEMA, None)
                .catalog
                .expect("L2 schema is valid");
            (gq, check_file(&cat, gq).1)
        }
        Input::Params { gq, params } => {
            let cat = compile_schema(L2_SCHEMA, None)
                .catalog
                .expect("L2 schema is valid");
            let (qs, diags) = check_file(&cat, gq);
            assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
            let q = &qs[0];
            let json: serde_json::Value = serde_json::from_str(params).expect("valid JSON");
            let errs = bind_params(&q.params, q.name_span, Some(&json))
                .err()
                .unwrap_or_default();
            (gq, errs)
        }
        Input::Jsonl(data) => {
            let cat = compile_schema(L2_SCHEMA, None)
                .catalog
                .expect("L2 schema is valid");
            let v = JsonlValidator::new(&cat);
            let mut out = Vec::new();
            let mut offset = 0u32;
            for (i, line) in data.split('\n').enumerate() {
                if let Err(d) = v.parse_line(i + 1, line, offset) {
                    out.push(d);
                }
                offset += line.len() as u32 + 1;
            }
            (data, out)
        }
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
        .filter(|c| !covered.contains(c) && !PENDING.contains(c) && !ENGINE_RAISED.contains(c))
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

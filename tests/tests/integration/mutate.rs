//! `.gq` mutations: the worked mutation examples (A10–A15, C3–C5) with exact results, every
//! validation rule with a failing input that writes nothing, and the one-row insert budget.

use omnigraph_engine::{Engine, MutationOutcome, QueryLimits, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId};
use serde_json::{json, Value};

use crate::fixtures::{loaded_graph, DATA_A, DATA_C, SCHEMA_A, SCHEMA_C};

const ONBOARD: &str = r#"
query onboard($h: String, $n: String, $co: String) {
    insert Person { handle: $h, name: $n }
    insert WorksAt { from: $h, to: $co, role: "intern" }
    update Person set { age: 22 } where handle = $h
}"#;

const MOVE_JOB: &str = r#"
query move_job($h: String, $co: String) {
    delete WorksAt where from = $h
    insert WorksAt { from: $h, to: $co }
}"#;

const MOVE_JOB_SWAPPED: &str = r#"
query move_job($h: String, $co: String) {
    insert WorksAt { from: $h, to: $co }
    delete WorksAt where from = $h
}"#;

const JOIN: &str = r#"
query join($h: String, $co: String) {
    insert WorksAt { from: $h, to: $co }
}"#;

const REMOVE_PERSON: &str = r#"
query remove_person($h: String) {
    delete Person where handle = $h
}"#;

const PUT_PERSON: &str = r#"
query put_person($h: String, $n: String, $age: I32?) {
    insert Person { handle: $h, name: $n, age: $age }
}"#;

const ADD_COMPANY: &str = r#"
query add_company($s: String, $n: String) {
    insert Company { slug: $s, name: $n, sector: "retail" }
}"#;

const STAFF_OF: &str = r#"
query staff_of($slug: String) {
    match {
        $c: Company { slug: $slug }
        $c worksAt $p
    }
    return { $p.handle }
}"#;

const FRIENDS_OF: &str = r#"
query friends_of($h: String) {
    match {
        $p: Person { handle: $h }
        $p knows $f
    }
    return { $f.handle, $f.name }
}"#;

const PERSON: &str = r#"
query person($h: String) {
    match { $p: Person { handle: $h } }
    return { $p.name, $p.age, $p.tags }
}"#;

const BLOCK: &str = r#"
query block($a: String, $b: String) {
    insert Blocks { from: $a, to: $b }
}"#;

const OPEN_TICKET: &str = r#"
query open_ticket($ref: String, $title: String, $p: I32) {
    insert Ticket { ref: $ref, title: $title, priority: $p, status: "open", created: now() }
}"#;

const CLOSE_TICKET: &str = r#"
query close_ticket($ref: String) {
    update Ticket set { status: "closed" } where ref = $ref
    delete AssignedTo where from = $ref
}"#;

const UNBLOCKED: &str = r#"
query unblocked() {
    match {
        $t: Ticket { status: "open" }
        not { $b blocks $t  $b.status = "open" }
    }
    return { $t.ref }
}"#;

async fn social(dir: &std::path::Path) -> (Engine, GraphId) {
    loaded_graph(dir, "social", SCHEMA_A, DATA_A).await
}

async fn tickets(dir: &std::path::Path) -> (Engine, GraphId) {
    loaded_graph(dir, "tickets", SCHEMA_C, DATA_C).await
}

async fn run(engine: &Engine, g: &GraphId, src: &str, params: Value) -> MutationOutcome {
    engine
        .mutate(g, &BranchName::main(), src, None, Some(&params), "test")
        .await
        .unwrap()
}

fn counts(out: &MutationOutcome) -> (u64, u64) {
    (out.affected_nodes, out.affected_edges)
}

async fn rows(engine: &Engine, g: &GraphId, src: &str, params: Value) -> Vec<Value> {
    let result = engine
        .query(
            g,
            &ReadTarget::Branch(BranchName::main()),
            src,
            None,
            Some(&params),
            &QueryLimits::default(),
        )
        .await
        .unwrap();
    result.rows.into_iter().map(Value::Object).collect()
}

async fn head(engine: &Engine, g: &GraphId) -> (u64, String) {
    let s = engine
        .snapshot(g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap();
    (s.version, s.commit)
}

/// Runs a mutation expecting a rejection; asserts nothing was written (head unchanged, no
/// object-store PUT, no manifest write) and returns the first diagnostic's (code, message).
async fn rejected(engine: &Engine, g: &GraphId, src: &str, params: Value) -> (String, String) {
    let before = head(engine, g).await;
    let start = engine.stats_start();
    let err = engine
        .mutate(g, &BranchName::main(), src, None, Some(&params), "test")
        .await
        .unwrap_err();
    let stats = engine.stats_since(&start);
    assert_eq!(
        stats.object_store.put, 0,
        "a rejected mutation writes nothing: {stats:?}"
    );
    assert_eq!(stats.manifest.write, 0, "{stats:?}");
    assert_eq!(head(engine, g).await, before);
    let omnigraph_engine::EngineError::BadRequest { diagnostics, .. } = &err else {
        panic!("expected bad_request, got {err:?}");
    };
    let d = diagnostics
        .first()
        .unwrap_or_else(|| panic!("no diagnostic: {err:?}"));
    (
        d["code"].as_str().unwrap().to_string(),
        d["message"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a10_mixed_mutation_read_your_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = social(dir.path()).await;
    let before = head(&engine, &g).await;
    let out = run(
        &engine,
        &g,
        ONBOARD,
        json!({"h": "fay", "n": "Fay", "co": "initech"}),
    )
    .await;
    assert_eq!(counts(&out), (2, 1));
    assert_eq!(out.version, before.0 + 1, "one commit");
    assert_eq!(
        rows(&engine, &g, STAFF_OF, json!({"slug": "initech"})).await,
        vec![json!({"p.handle": "fay"})]
    );
    assert_eq!(
        rows(&engine, &g, PERSON, json!({"h": "fay"})).await,
        vec![json!({"p.name": "Fay", "p.age": 22, "p.tags": null})]
    );
}

#[tokio::test]
async fn a11_delete_and_insert_with_deferred_card() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = social(dir.path()).await;
    // The insert alone breaks @card(0..1).
    let (code, message) = rejected(&engine, &g, JOIN, json!({"h": "ann", "co": "globex"})).await;
    assert_eq!(code, "E-D011");
    assert_eq!(
        message,
        "@card(0..1) on WorksAt violated: Person `ann` would have 2 edges (max 1)"
    );
    let out = run(&engine, &g, MOVE_JOB, json!({"h": "ann", "co": "globex"})).await;
    assert_eq!(counts(&out), (0, 2));
    assert_eq!(
        rows(&engine, &g, STAFF_OF, json!({"slug": "globex"})).await,
        vec![json!({"p.handle": "ann"}), json!({"p.handle": "dan"})]
    );
    assert_eq!(
        rows(&engine, &g, STAFF_OF, json!({"slug": "acme"})).await,
        vec![json!({"p.handle": "bob"})]
    );
}

#[tokio::test]
async fn a11_swapped_order_deletes_the_new_edge_too() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = social(dir.path()).await;
    let out = run(
        &engine,
        &g,
        MOVE_JOB_SWAPPED,
        json!({"h": "ann", "co": "globex"}),
    )
    .await;
    assert_eq!(counts(&out), (0, 3));
    let employed =
        r#"query e() { match { $p: Person { handle: "ann" }  $p worksAt $c } return { $c.slug } }"#;
    assert!(rows(&engine, &g, employed, json!({})).await.is_empty());
}

#[tokio::test]
async fn a12_delete_cascades_to_edges() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = social(dir.path()).await;
    let out = run(&engine, &g, REMOVE_PERSON, json!({"h": "bob"})).await;
    assert_eq!(counts(&out), (1, 3));
    let snap = engine
        .snapshot(&g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap();
    assert_eq!(snap.tables["node:Person"].rows, 4);
    assert_eq!(snap.tables["edge:Knows"].rows, 3);
    assert_eq!(snap.tables["edge:WorksAt"].rows, 2);
    assert_eq!(
        rows(&engine, &g, FRIENDS_OF, json!({"h": "ann"})).await,
        vec![json!({"f.handle": "cat", "f.name": "Cat"})]
    );
    // Deleting nothing is not an error and makes no commit.
    let again = run(&engine, &g, REMOVE_PERSON, json!({"h": "bob"})).await;
    assert_eq!(counts(&again), (0, 0));
    assert_eq!(again.version, out.version);
}

#[tokio::test]
async fn a13_upsert_replaces_node_keeps_edges() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = social(dir.path()).await;
    let out = run(&engine, &g, PUT_PERSON, json!({"h": "bob", "n": "Robert"})).await;
    assert_eq!(counts(&out), (1, 0));
    assert_eq!(
        rows(&engine, &g, PERSON, json!({"h": "bob"})).await,
        vec![json!({"p.name": "Robert", "p.age": null, "p.tags": null})]
    );
    assert_eq!(
        rows(&engine, &g, FRIENDS_OF, json!({"h": "ann"})).await,
        vec![
            json!({"f.handle": "bob", "f.name": "Robert"}),
            json!({"f.handle": "cat", "f.name": "Cat"})
        ]
    );
    let snap = engine
        .snapshot(&g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap();
    assert_eq!(snap.tables["edge:Knows"].rows, 5);
    assert_eq!(snap.tables["edge:WorksAt"].rows, 3);
}

#[tokio::test]
async fn a15_uniqueness_against_committed_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = social(dir.path()).await;
    let (code, message) = rejected(
        &engine,
        &g,
        ADD_COMPANY,
        json!({"s": "acme-2", "n": "Acme"}),
    )
    .await;
    assert_eq!(code, "E-D009");
    assert_eq!(
        message,
        "@unique(name) on Company violated: \"Acme\" is already used by `acme`"
    );
    let out = run(
        &engine,
        &g,
        ADD_COMPANY,
        json!({"s": "acme-2", "n": "Acme Two"}),
    )
    .await;
    assert_eq!(counts(&out), (1, 0));
}

#[tokio::test]
async fn unique_within_one_mutation_names_the_first_writer() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = social(dir.path()).await;
    let src = r#"
query two() {
    insert Company { slug: "x1", name: "Same", sector: "retail" }
    insert Company { slug: "x2", name: "Same", sector: "health" }
}"#;
    let (code, message) = rejected(&engine, &g, src, json!({})).await;
    assert_eq!(code, "E-D009");
    assert_eq!(
        message,
        "@unique(name) on Company violated: \"Same\" is already used by `x1`"
    );
}

#[tokio::test]
async fn c3_composite_uniqueness_and_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = tickets(dir.path()).await;
    let (code, message) = rejected(&engine, &g, BLOCK, json!({"a": "T-1", "b": "T-2"})).await;
    assert_eq!(code, "E-D009");
    assert_eq!(
        message,
        "@unique(src, dst) on Blocks violated: (\"T-1\", \"T-2\") is already used by `b1`"
    );
    let (code, message) = rejected(&engine, &g, BLOCK, json!({"a": "T-1", "b": "T-7"})).await;
    assert_eq!(code, "E-D010");
    assert_eq!(message, "Blocks `to`: Ticket `T-7` does not exist");
    let (code, message) = rejected(&engine, &g, BLOCK, json!({"a": "T-9", "b": "T-1"})).await;
    assert_eq!(code, "E-D010");
    assert_eq!(message, "Blocks `from`: Ticket `T-9` does not exist");
    let out = run(&engine, &g, BLOCK, json!({"a": "T-1", "b": "T-3"})).await;
    assert_eq!(counts(&out), (0, 1));
}

#[tokio::test]
async fn c4_row_checks_and_strict_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = tickets(dir.path()).await;
    let cases = [
        (
            json!({"ref": "X-9", "title": "Printer jam", "p": 2}),
            "E-D008",
            "@check on Ticket.ref violated: \"X-9\" does not match ^T-[0-9]+$",
        ),
        (
            json!({"ref": "T-9", "title": "Printer jam", "p": 7}),
            "E-D007",
            "@range(1..5) on Ticket.priority violated by 7",
        ),
        (
            json!({"ref": "T-9", "title": "Printer jam", "p": "2"}),
            "E-V003",
            "parameter `$p`: expected I32, got string \"2\"",
        ),
        (
            json!({"ref": "T-9", "title": "Printer jam"}),
            "E-V001",
            "parameter `$p` is required",
        ),
    ];
    for (params, code, message) in cases {
        let got = rejected(&engine, &g, OPEN_TICKET, params.clone()).await;
        assert_eq!(got, (code.to_string(), message.to_string()), "{params}");
    }
    let out = run(
        &engine,
        &g,
        OPEN_TICKET,
        json!({"ref": "T-9", "title": "Printer jam", "p": 2}),
    )
    .await;
    assert_eq!(counts(&out), (1, 0));
    let created = r#"query c() { match { $t: Ticket { ref: "T-9" } $t.created < now() } return { $t.status } }"#;
    assert_eq!(
        rows(&engine, &g, created, json!({})).await,
        vec![json!({"t.status": "open"})]
    );
}

#[tokio::test]
async fn c5_update_and_delete_together() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = tickets(dir.path()).await;
    let out = run(&engine, &g, CLOSE_TICKET, json!({"ref": "T-1"})).await;
    assert_eq!(counts(&out), (1, 1));
    assert_eq!(
        rows(&engine, &g, UNBLOCKED, json!({})).await,
        vec![json!({"t.ref": "T-2"})]
    );
}

#[tokio::test]
async fn enum_membership_of_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = tickets(dir.path()).await;
    let src = r#"
query set_status($ref: String, $s: String) {
    update Ticket set { status: $s } where ref = $ref
}"#;
    let (code, message) = rejected(&engine, &g, src, json!({"ref": "T-1", "s": "opne"})).await;
    assert_eq!(code, "E-D006");
    assert!(
        message.contains("\"opne\" is not a value of enum(closed, open)"),
        "{message}"
    );
    let out = run(&engine, &g, src, json!({"ref": "T-1", "s": "closed"})).await;
    assert_eq!(counts(&out), (1, 0));
}

#[tokio::test]
async fn range_and_check_on_update() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = tickets(dir.path()).await;
    let src = r#"
query prio($ref: String, $p: I32) {
    update Ticket set { priority: $p } where ref = $ref
}"#;
    let (code, message) = rejected(&engine, &g, src, json!({"ref": "T-2", "p": 0})).await;
    assert_eq!(code, "E-D007");
    assert_eq!(message, "@range(1..5) on Ticket.priority violated by 0");
    // An update matching nothing checks nothing and writes nothing.
    let out = run(&engine, &g, src, json!({"ref": "T-404", "p": 0})).await;
    assert_eq!(counts(&out), (0, 0));
    let agent = r#"
query hire($e: String) {
    insert Agent { email: $e, team: "billing" }
}"#;
    let (code, message) = rejected(&engine, &g, agent, json!({"e": "nobody"})).await;
    assert_eq!(code, "E-D008");
    assert_eq!(
        message,
        "@check on Agent.email violated: \"nobody\" does not match ^[^@]+@[^@]+$"
    );
}

#[tokio::test]
async fn card_on_assignment_and_endpoint_deleted_earlier() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = tickets(dir.path()).await;
    let assign = r#"
query assign($t: String, $a: String) {
    insert AssignedTo { from: $t, to: $a }
}"#;
    let (code, message) =
        rejected(&engine, &g, assign, json!({"t": "T-1", "a": "lee@corp.io"})).await;
    assert_eq!(code, "E-D011");
    assert_eq!(
        message,
        "@card(0..1) on AssignedTo violated: Ticket `T-1` would have 2 edges (max 1)"
    );
    // The endpoint check sees an earlier delete of the node.
    let src = r#"
query gone() {
    delete Agent where email = "lee@corp.io"
    insert AssignedTo { from: "T-3", to: "lee@corp.io" }
}"#;
    let (code, message) = rejected(&engine, &g, src, json!({})).await;
    assert_eq!(code, "E-D010");
    assert_eq!(
        message,
        "AssignedTo `to`: Agent `lee@corp.io` does not exist"
    );
    // Deleting every edge of a type leaves an empty table.
    let out = run(
        &engine,
        &g,
        r#"query unblock() { delete Blocks where from = "T-1" }"#,
        json!({}),
    )
    .await;
    assert_eq!(counts(&out), (0, 1));
    let snap = engine
        .snapshot(&g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap();
    assert_eq!(snap.tables["edge:Blocks"].rows, 0);
}

#[tokio::test]
async fn edge_id_rules_and_upsert_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = social(dir.path()).await;
    let src = r#"
query relink($id: String, $a: String, $b: String) {
    insert Knows { id: $id, from: $a, to: $b }
}"#;
    let (code, message) = rejected(
        &engine,
        &g,
        src,
        json!({"id": "k1", "a": "ann", "b": "eve"}),
    )
    .await;
    assert_eq!(code, "E-D012");
    assert_eq!(
        message,
        "Knows `k1` exists with other endpoints; `from`/`to` cannot change"
    );
    let out = run(
        &engine,
        &g,
        src,
        json!({"id": "k1", "a": "ann", "b": "bob"}),
    )
    .await;
    assert_eq!(counts(&out), (0, 1));
    let snap = engine
        .snapshot(&g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap();
    assert_eq!(snap.tables["edge:Knows"].rows, 5);
}

#[tokio::test]
async fn a_read_query_is_not_a_mutation() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = social(dir.path()).await;
    let err = engine
        .mutate(
            &g,
            &BranchName::main(),
            STAFF_OF,
            None,
            Some(&json!({"slug": "acme"})),
            "test",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("read query"), "{err}");
}

/// Inserts one person per commit `n` times, then measures one more one-row insert.
async fn one_row_insert_stats(dir: &std::path::Path, n: usize) -> omnigraph_engine::OpStats {
    let (engine, g) = social(dir).await;
    for i in 0..n {
        run(
            &engine,
            &g,
            PUT_PERSON,
            json!({"h": format!("p{i:03}"), "n": "P", "age": 1}),
        )
        .await;
    }
    let start = engine.stats_start();
    run(&engine, &g, PUT_PERSON, json!({"h": "zed", "n": "Zed"})).await;
    engine.stats_since(&start)
}

#[tokio::test]
async fn one_row_insert_budget_is_flat_in_history() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let at_10 = one_row_insert_stats(a.path(), 10).await;
    let at_100 = one_row_insert_stats(b.path(), 100).await;
    eprintln!("one-row insert at 10 commits: {at_10:?}\nat 100 commits: {at_100:?}");
    assert_eq!(at_10.object_store.list, 0, "{at_10:?}");
    assert_eq!(at_100.object_store.list, 0, "{at_100:?}");
    assert_eq!(
        at_10.object_store.requests(),
        at_100.object_store.requests(),
        "{at_10:?} vs {at_100:?}"
    );
    assert_eq!(at_10.manifest, at_100.manifest);
}

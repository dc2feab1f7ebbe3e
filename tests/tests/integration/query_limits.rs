//! Query-time limits (rows E-L001, expansion steps E-L002, wall clock E-L003) through the
//! engine and the CLI, and reuse of the process-wide adjacency / node-index / scan caches
//! (a warm query builds nothing and makes no object-store request).

use omnigraph_engine::{
    records_to_batch, AppendRows, Engine, EngineError, ExecStats, QueryLimits, E_EXPANSION_LIMIT,
    E_ROW_LIMIT, E_TIME_LIMIT,
};
use omnigraph_lang::data::JsonlValidator;
use omnigraph_manifest::{BranchName, GraphId};
use serde_json::{json, Value};

use crate::fixtures::{local_engine, main_target, DATA_A, SCHEMA_A};
use crate::query_exec::fixture;

const CROSS: &str =
    "query q() { match { $a: Person  $b: Person  $c: Person } return { $a, $b, $c } }";

const FRIENDS: &str = "query friends($h: String) {
    match { $p: Person { handle: $h }  $p knows $f }
    return { $f.handle }
}";

async fn query_with(
    engine: &Engine,
    g: &GraphId,
    src: &str,
    params: Value,
    limits: &QueryLimits,
) -> Result<Vec<Value>, EngineError> {
    engine
        .query(g, &main_target(), src, None, Some(&params), limits)
        .await
        .map(|r| r.rows.into_iter().map(Value::Object).collect())
}

/// The code of the single diagnostic of a `bad_request`.
fn diag_code(err: &EngineError) -> String {
    match err {
        EngineError::BadRequest { diagnostics, .. } => {
            assert_eq!(diagnostics.len(), 1, "{err}");
            diagnostics[0]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
        other => panic!("expected bad_request, got {other:?}"),
    }
}

#[tokio::test]
async fn query_limits_each_limit_has_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "a", SCHEMA_A, DATA_A).await;
    // 5 x 5 x 5 = 125 rows: within the defaults
    let all = query_with(&engine, &g, CROSS, json!({}), &QueryLimits::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 125);

    let small = QueryLimits {
        max_expansion: 50,
        ..QueryLimits::default()
    };
    let err = query_with(&engine, &g, CROSS, json!({}), &small)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_request");
    assert_eq!(diag_code(&err), E_EXPANSION_LIMIT);
    assert!(err.to_string().contains("expansion limit of 50"), "{err}");

    let few = QueryLimits {
        max_rows: 124,
        ..QueryLimits::default()
    };
    let err = query_with(&engine, &g, CROSS, json!({}), &few)
        .await
        .unwrap_err();
    assert_eq!(diag_code(&err), E_ROW_LIMIT);
    assert!(err.to_string().contains("more than 124 rows"), "{err}");
    // exactly at the limit, and `limit` below it, pass
    let exact = QueryLimits {
        max_rows: 125,
        ..QueryLimits::default()
    };
    assert_eq!(
        query_with(&engine, &g, CROSS, json!({}), &exact)
            .await
            .unwrap()
            .len(),
        125
    );
    let limited = CROSS.replace("} }", "} limit 10 }");
    let r = query_with(&engine, &g, &limited, json!({}), &few)
        .await
        .unwrap();
    assert_eq!(r.len(), 10);
    assert_eq!(r[0]["a"], json!("ann"));

    let instant = QueryLimits {
        timeout: std::time::Duration::ZERO,
        ..QueryLimits::default()
    };
    let err = query_with(&engine, &g, CROSS, json!({}), &instant)
        .await
        .unwrap_err();
    assert_eq!(diag_code(&err), E_TIME_LIMIT);
    assert!(err.to_string().contains("time limit of 0 ms"), "{err}");

    // a traversal's steps count too: ann has two friends, each edge followed is a step
    let two = QueryLimits {
        max_expansion: 2,
        ..QueryLimits::default()
    };
    let err = query_with(&engine, &g, FRIENDS, json!({"h": "ann"}), &two)
        .await
        .unwrap_err();
    assert_eq!(diag_code(&err), E_EXPANSION_LIMIT);
    let enough = QueryLimits {
        max_expansion: 6,
        ..QueryLimits::default()
    };
    assert_eq!(
        query_with(&engine, &g, FRIENDS, json!({"h": "ann"}), &enough)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn query_limits_defaults_and_hop_cap() {
    let d = QueryLimits::default();
    assert_eq!(d.max_rows, QueryLimits::DEFAULT_MAX_ROWS);
    assert_eq!(d.max_expansion, QueryLimits::DEFAULT_MAX_EXPANSION);
    assert_eq!(
        d.timeout.as_millis() as u64,
        QueryLimits::DEFAULT_TIMEOUT_MS
    );
    assert!(d.max_rows > 0 && d.max_expansion > 0 && d.timeout.as_secs() > 0);
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "a", SCHEMA_A, DATA_A).await;
    let far = "query q() { match { $a: Person  $a knows{1,40} $b } return { $a, $b } }";
    let err = query_with(&engine, &g, far, json!({}), &QueryLimits::default())
        .await
        .unwrap_err();
    assert_eq!(diag_code(&err), "E-T015");
}

fn delta(after: ExecStats, before: ExecStats) -> ExecStats {
    after.since(&before)
}

#[tokio::test]
async fn query_limits_adjacency_cached_per_version() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "a", SCHEMA_A, DATA_A).await;
    let limits = QueryLimits::default();

    let s0 = engine.exec_stats();
    let r = query_with(&engine, &g, FRIENDS, json!({"h": "ann"}), &limits)
        .await
        .unwrap();
    assert_eq!(r.len(), 2);
    let cold = delta(engine.exec_stats(), s0);
    assert_eq!(cold.adjacency_builds, 1, "{cold:?}");
    assert_eq!(cold.node_index_builds, 1, "{cold:?}");

    // warm, other parameters and another query over the same edge version: nothing is built,
    // and no object-store request is made
    let s1 = engine.exec_stats();
    let start = engine.stats_start();
    let r = query_with(&engine, &g, FRIENDS, json!({"h": "ann"}), &limits)
        .await
        .unwrap();
    assert_eq!(r.len(), 2);
    let reverse = "query q($h: String) { match { $p: Person { handle: $h }  $f knows $p } return { $f.handle } }";
    let r = query_with(&engine, &g, reverse, json!({"h": "dan"}), &limits)
        .await
        .unwrap();
    assert_eq!(r.len(), 2);
    let warm = delta(engine.exec_stats(), s1);
    assert_eq!(warm.adjacency_builds, 0, "{warm:?}");
    assert_eq!(warm.node_index_builds, 0, "{warm:?}");
    let stats = engine.stats_since(&start);
    assert_eq!(stats.object_store.requests(), 0, "{stats:?}");

    // a new edge version: built once more, then reused again
    let catalog = omnigraph_engine::compile_schema(SCHEMA_A, "s.pg").unwrap();
    let rec = JsonlValidator::new(&catalog)
        .parse_line(
            1,
            r#"{"edge":"Knows","from":"eve","to":"ann","data":{"id":"k9"}}"#,
            0,
        )
        .unwrap()
        .unwrap();
    let batch = records_to_batch(catalog.edge("Knows").unwrap(), &[rec]).unwrap();
    engine
        .execute_write(
            &g,
            &BranchName::main(),
            "test",
            &AppendRows {
                table_key: "edge:Knows".into(),
                batch,
            },
        )
        .await
        .unwrap();
    let s2 = engine.exec_stats();
    let r = query_with(&engine, &g, reverse, json!({"h": "ann"}), &limits)
        .await
        .unwrap();
    assert_eq!(r.len(), 2, "dan and now eve know ann");
    let rebuilt = delta(engine.exec_stats(), s2);
    assert_eq!(rebuilt.adjacency_builds, 1, "{rebuilt:?}");
    assert_eq!(
        rebuilt.node_index_builds, 0,
        "Person did not change: {rebuilt:?}"
    );
    let s3 = engine.exec_stats();
    query_with(&engine, &g, FRIENDS, json!({"h": "eve"}), &limits)
        .await
        .unwrap();
    assert_eq!(delta(engine.exec_stats(), s3).adjacency_builds, 0);
}

//! The lowered, storage-independent plan of one `.gq` query — what the executor consumes.
//!
//! Produced by [`crate::lower`] from a typechecked query (`check_file` → `TypedQuery` →
//! `lower`). Everything here is already validated against the catalog: type names exist,
//! properties exist and have the recorded types, directions are inferred, column names are
//! final. Parameters stay **symbolic** ([`Operand::Param`]); bind them per execution with
//! [`crate::query::params::bind_params`] (using [`Plan::params`]) and substitute. `now()` is
//! [`Operand::Now`]: evaluate it **once per execution** (UTC, ms) and use the same value
//! everywhere, in every statement.
//!
//! # Reads ([`ReadPlan`])
//!
//! * `vars` — every named match variable (not `$_`, not variables local to a `not` block) in
//!   **order of first appearance** in the match block. A [`VarId`] indexes this vector.
//!   Node variables have a [`NodeScan`] in `pattern.scans`; edge variables (`$a $k:e $b`) are
//!   bound by the expansion that names them.
//! * `pattern` ([`Pattern`]) — a conjunction. The result has **one row per assignment** of the
//!   pattern's variables that satisfies every part; executors may evaluate the parts in any
//!   order (clause order never matters):
//!   - `scans`: `var` ranges over the rows of `table` (`"node:Person"`) satisfying every
//!     [`ScanPredicate`] (property = value, comparisons, list contains, `is [not] null`, text
//!     predicates, `id` lookups via `prop == "id"`). These only involve that one variable and
//!     constants/params, so they can be pushed into the scan.
//!   - `expansions`: [`Expand`] relates `from` and `to` through edge table `edge_table`. `direction
//!     = Out`: `from` is the edge's source (`src`) and `to` its target; `In`: `from` is the target
//!     and `to` the source (reverse reading, docs/reference/queries.md, "Traversals"). Hop
//!     semantics (docs/reference/queries.md, "Traversals"), with `s` the source-side variable's
//!     node: the pair (s, d) holds iff `d ≠ s` and `min_hops ≤ shortest-path-length(s → d) ≤
//!     max_hops` following edges in `direction`, or `d = s`, `min_hops = 1` and `s` has a
//!     self-loop. Each (from, to) pair appears **at most once**, for every hop range including
//!     `{1,1}` (parallel edges and multiple paths collapse) — unless `edge_var` is set: then one
//!     row per matching edge (hops are always `{1,1}` then). `to = None` is the anonymous endpoint
//!     `$_`: an existence test ("`from` has at least one such edge"), never multiplying rows.
//!   - `filters`: [`Predicate`]s over several variables or otherwise not pushable; evaluated on
//!     complete assignments.
//!   - `anti_joins`: [`AntiJoin`] — the assignment is kept iff the sub-pattern (with the outer
//!     variables fixed to their current values) has **no** solution. Its `local_vars` are
//!     listed in `AntiJoin::vars` and referenced by [`VarRef::Local`] inside; outer variables
//!     are referenced by [`VarRef::Outer`]. Anti-joins nest.
//! * `projections` — output columns in order, with final names (docs/reference/data.md, "Read
//!   results").
//! * `aggregate` — `Some` for aggregate queries: `group_keys` are indices into `projections`
//!   (each a `$v` / `$v.prop` expression); every other projection is an [`Expr::Agg`]. One output
//!   row per distinct key tuple (null equals null); with no keys exactly one row, even for
//!   empty input.
//! * `ranking` — a ranking function that is the **first** order item (docs/reference/queries.md,
//!   "Text search and vector ranking"): sort best-first (`nearest` ascending distance, `bm25`/`rrf`
//!   descending score) and keep only rankable rows (`nearest`: non-null vector; `bm25`: score > 0;
//!   `rrf`: union of its two lists each cut to `limit`).
//! * `order` — remaining order keys after the ranking (or all of them). Nulls are the smallest
//!   value: first ascending, last descending.
//! * `tie_break` — the final deterministic key: ascending by the ids of these variables (byte
//!   order) for plain reads; for aggregate queries by the group-key columns ascending, nulls
//!   first ([`TieBreak::GroupKeys`]).
//! * `limit` — keep the first `n` rows after ordering.
//!
//! # Mutations ([`MutationPlan`])
//!
//! `statements` run **in order** against one working copy (read-your-writes) and commit
//! atomically. Set constraints (`@key`/`@unique`, endpoints, `@card`) are checked once on the
//! final state; per-row checks (types, nullability, enum, `@range`, `@check`) when each
//! statement runs. Assigned values are [`Operand`]s with the target [`PropType`]: convert
//! parameter values at run time (integer → other integer with range check E-V004, integer →
//! float, `String` → enum with membership check E-D006, `String` → `Blob` via
//! [`crate::schema::value::parse_blob`]). Literals are already converted to the target type.

use crate::diagnostics::span::Span;
use crate::query::ast::{AggFunc, CmpOp};
use crate::schema::types::PropType;
use crate::schema::value::Value;
use serde::Serialize;

/// Index into [`ReadPlan::vars`].
pub type VarId = usize;

/// A lowered query.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plan {
    Read(ReadPlan),
    Mutation(MutationPlan),
}

impl Plan {
    pub fn name(&self) -> &str {
        match self {
            Plan::Read(r) => &r.name,
            Plan::Mutation(m) => &m.name,
        }
    }

    pub fn params(&self) -> &[crate::query::params::ParamDef] {
        match self {
            Plan::Read(r) => &r.params,
            Plan::Mutation(m) => &m.params,
        }
    }
}

/// Whether a variable ranges over nodes or edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Node,
    Edge,
}

/// A named match variable.
#[derive(Debug, Clone, Serialize)]
pub struct VarDef {
    /// Name without `$`.
    pub name: String,
    pub kind: EntityKind,
    /// Type name, e.g. `Person`.
    pub type_name: String,
    /// Table key, e.g. `node:Person`.
    pub table: String,
}

/// A read query.
#[derive(Debug, Clone, Serialize)]
pub struct ReadPlan {
    pub name: String,
    pub params: Vec<crate::query::params::ParamDef>,
    pub vars: Vec<VarDef>,
    pub pattern: Pattern,
    pub projections: Vec<Projection>,
    pub aggregate: Option<Aggregate>,
    pub ranking: Option<Ranking>,
    pub order: Vec<OrderKey>,
    pub tie_break: TieBreak,
    pub limit: Option<u64>,
}

/// Reference to a variable from inside a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VarRef {
    /// A variable of the read plan ([`ReadPlan::vars`]). Inside an anti-join this is a
    /// variable bound outside it (fixed by the outer assignment).
    Outer(VarId),
    /// A variable local to an anti-join: `depth` counts enclosing anti-joins from the outermost
    /// (1 = the first level), `index` indexes that anti-join's `vars`.
    Local { depth: usize, index: usize },
}

/// A conjunctive graph pattern.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Pattern {
    pub scans: Vec<NodeScan>,
    pub expansions: Vec<Expand>,
    pub filters: Vec<Predicate>,
    pub anti_joins: Vec<AntiJoin>,
}

/// `var` ranges over rows of `table` satisfying all `predicates`.
#[derive(Debug, Clone, Serialize)]
pub struct NodeScan {
    pub var: VarRef,
    pub type_name: String,
    pub table: String,
    pub predicates: Vec<ScanPredicate>,
}

/// A predicate on one scanned variable.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScanPredicate {
    /// `prop op value` (prop may be `id`). Null operands make it false (also for `!=`).
    Compare {
        prop: String,
        prop_type: PropType,
        op: CmpOp,
        value: Operand,
    },
    /// List property `prop` contains `value` (also what a binding `{tags: "x"}` on a list
    /// property means).
    ListContains {
        prop: String,
        prop_type: PropType,
        value: Operand,
    },
    /// `prop is null` / `is not null`.
    IsNull {
        prop: String,
        prop_type: PropType,
        negated: bool,
    },
    /// `search` / `fuzzy` / `match_text` on a `String` property.
    Text(TextPredicate),
}

/// `search` / `fuzzy` / `match_text` of a property against a query string.
#[derive(Debug, Clone, Serialize)]
pub struct TextPredicate {
    pub func: TextFunc,
    pub prop: String,
    pub query: Operand,
    /// Edit distance for `fuzzy` (literal or parameter; parameter must be 0..=2 at run time,
    /// else E-R005). `None` for the other functions; defaults to 2 for `fuzzy`.
    pub edits: Option<Operand>,
    /// Where run-time errors about `edits` point: the argument, or the call when defaulted.
    pub edits_span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextFunc {
    Search,
    Fuzzy,
    MatchText,
}

/// A traversal.
#[derive(Debug, Clone, Serialize)]
pub struct Expand {
    /// Edge type name, e.g. `WorksAt`.
    pub edge_type: String,
    /// `edge:WorksAt`.
    pub edge_table: String,
    /// The variable written on the left.
    pub from: VarRef,
    /// The variable written on the right; `None` for `$_`.
    pub to: Option<VarRef>,
    pub direction: ExpandDirection,
    pub min_hops: u32,
    pub max_hops: u32,
    /// Edge variable (`$a $k:e $b`), bound to each matching edge. Only with hops `{1,1}`.
    pub edge_var: Option<VarRef>,
    /// The traversal in the source (run-time hop and expansion errors point here).
    pub span: Span,
}

/// Direction of an expansion relative to its `from` variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpandDirection {
    /// `from` is the edge source (`src`), `to` the target (`dst`).
    Out,
    /// `from` is the edge target (`dst`), `to` the source (`src`).
    In,
}

/// `not { … }`.
#[derive(Debug, Clone, Serialize)]
pub struct AntiJoin {
    /// Variables local to this block (first-appearance order).
    pub vars: Vec<VarDef>,
    pub pattern: Pattern,
}

/// A constant-ish value: literal, parameter or `now()`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Operand {
    /// Already converted to the type of the context.
    Literal(Value),
    /// Parameter name without `$`.
    Param(String),
    /// `now()` (same value everywhere in one execution).
    Now,
}

/// A general predicate on complete assignments.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Predicate {
    /// `lhs op rhs` with the semantics of docs/reference/queries.md, "Filters and nulls": numerics
    /// compare by mathematical value (in `f64` if a float is involved); strings/enums by Unicode
    /// scalar values; `false < true`; any null operand makes it false; `contains` is list
    /// membership or substring.
    Compare {
        lhs: Expr,
        op: CmpOp,
        rhs: Expr,
    },
    IsNull {
        expr: Expr,
        negated: bool,
    },
    /// A text predicate on any bound variable.
    Text {
        var: VarRef,
        pred: TextPredicate,
    },
}

/// A per-row expression (return items, order keys, filters).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expr {
    /// `$v.prop` (`prop` may be `id`) with its type (`id` is non-null `String`).
    Prop {
        var: VarRef,
        prop: String,
        ty: PropType,
    },
    /// `$v`: the entity's id.
    Entity {
        var: VarRef,
    },
    Operand(Operand),
    /// Aggregate over the group (only in projections of aggregate plans).
    Agg {
        func: AggFunc,
        arg: Box<Expr>,
        /// The aggregate call (run-time overflow errors point here).
        span: Span,
    },
    /// `search`/`fuzzy`/`match_text` as a Boolean value (not a filter).
    Text {
        var: VarRef,
        pred: TextPredicate,
    },
    /// `bm25($v.p, q)`: F64 score (0 when nothing matches or the field is null).
    Bm25 {
        var: VarRef,
        prop: String,
        query: Operand,
    },
    /// `nearest($v.p, q)`: F64 cosine distance (null for a null vector). `query` is a
    /// `Vector(n)` parameter, a vector literal, or a `String` to embed.
    Nearest {
        var: VarRef,
        prop: String,
        dim: u32,
        query: Operand,
        /// The query argument (E-R001 / E-R002 / E-R004 point here).
        query_span: Span,
    },
    /// `rrf(r1, r2, k)`: only valid as the ranking (value computed by the ranking step).
    Rrf {
        r1: Box<Expr>,
        r2: Box<Expr>,
        k: Operand,
        /// The `k` argument, or the call when defaulted (E-R005 points here).
        k_span: Span,
    },
    /// Reference to an output column (an alias used in `order`).
    Column {
        index: usize,
    },
}

/// An output column.
#[derive(Debug, Clone, Serialize)]
pub struct Projection {
    pub name: String,
    pub expr: Expr,
    /// The value type (`None` for entity ids, which are non-null strings).
    pub ty: Option<PropType>,
}

/// Grouping of an aggregate query.
#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    /// Indices into `projections` that are group keys, in return order.
    pub group_keys: Vec<usize>,
    /// Indices into `projections` that are aggregates.
    pub aggregates: Vec<usize>,
}

/// The ranking step (first order item).
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    /// [`Expr::Nearest`], [`Expr::Bm25`] or [`Expr::Rrf`].
    pub expr: Expr,
    /// Output column holding the score, if the ranking is also returned.
    pub column: Option<usize>,
}

/// One order key (after the ranking, if any).
#[derive(Debug, Clone, Serialize)]
pub struct OrderKey {
    pub expr: Expr,
    pub descending: bool,
}

/// The final deterministic tie-break.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "keys", rename_all = "snake_case")]
pub enum TieBreak {
    /// Ascending by the ids of these variables (byte order), in this order.
    VarIds(Vec<VarId>),
    /// Ascending by these output columns (group keys), nulls first.
    GroupKeys(Vec<usize>),
}

/// A mutation query.
#[derive(Debug, Clone, Serialize)]
pub struct MutationPlan {
    pub name: String,
    pub params: Vec<crate::query::params::ParamDef>,
    pub statements: Vec<Statement>,
}

/// A property assignment.
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub prop: String,
    /// Target type (convert parameter values to it at run time).
    pub ty: PropType,
    /// `None` = assign null.
    pub value: Option<Operand>,
}

/// A `where` condition on the statement's target rows.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// `prop op value` (`prop` may be `id`, and on edges `from` / `to`, compared with node ids as
    /// strings — a key-typed parameter is converted to canonical text first). Literal values are
    /// already converted to `prop_type`; parameters compare by the rules of
    /// docs/reference/queries.md, "Filters and nulls".
    Compare {
        prop: String,
        prop_type: PropType,
        op: CmpOp,
        value: Operand,
    },
    IsNull {
        prop: String,
        negated: bool,
    },
}

/// One mutation statement. `span` points at the statement (for errors found on the final state).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Statement {
    /// Insert (upsert by id) one row. For nodes: `key` is the `@key` property (the id is its
    /// canonical text, [`crate::schema::value::Value::canonical_key_text`]); `id` is an explicit id
    /// for keyless types (else generate a ULID). For edges: `from`/`to` are node ids — literals are
    /// already canonical text; a parameter may be a `String` or a value of the endpoint node type's
    /// key type, which the executor converts to canonical text; `id` is optional. Unassigned
    /// nullable properties become null (an existing row with that id is replaced).
    Insert {
        type_name: String,
        table: String,
        entity: EntityKind,
        key: Option<String>,
        id: Option<Operand>,
        from: Option<Operand>,
        to: Option<Operand>,
        assignments: Vec<Assignment>,
        span: Span,
    },
    /// Set `assignments` on every row matching all `conditions`.
    Update {
        type_name: String,
        table: String,
        entity: EntityKind,
        assignments: Vec<Assignment>,
        conditions: Vec<Condition>,
        span: Span,
    },
    /// Delete every row matching all `conditions`; node deletes cascade to all incident edges of
    /// every edge type.
    Delete {
        type_name: String,
        table: String,
        entity: EntityKind,
        conditions: Vec<Condition>,
        span: Span,
    },
}

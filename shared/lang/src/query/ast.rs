//! Syntax tree of `.gq` query files (docs/reference/queries.md). Every node carries the [`Span`] of
//! the source text it was parsed from.

use crate::diagnostics::span::Span;
use serde::Serialize;

/// A whole `.gq` file.
#[derive(Debug, Clone, Serialize)]
pub struct QueryFile {
    pub queries: Vec<Query>,
}

/// A lower-case name (`Ident`) or type name (`TypeName`) with its span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Name {
    pub name: String,
    pub span: Span,
}

/// A `$name` occurrence; `name` has no `$` and is `"_"` for the anonymous variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Var {
    pub name: String,
    pub span: Span,
}

impl Var {
    pub fn is_anon(&self) -> bool {
        self.name == "_"
    }
}

/// `query name(params) annotations { body }`.
#[derive(Debug, Clone, Serialize)]
pub struct Query {
    pub name: Name,
    pub params: Vec<ParamDecl>,
    pub annotations: Vec<QueryAnnotation>,
    pub body: QueryBody,
    pub span: Span,
}

/// `$name: Type`.
#[derive(Debug, Clone, Serialize)]
pub struct ParamDecl {
    pub var: Var,
    pub ty: ParamTypeAst,
    pub span: Span,
}

/// A parameter type as written; validated by the typechecker (E-T027).
#[derive(Debug, Clone, Serialize)]
pub struct ParamTypeAst {
    pub kind: ParamTypeKindAst,
    pub nullable: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum ParamTypeKindAst {
    /// A scalar type name such as `String` or `I32` (unknown names are kept for E-T027).
    Scalar(Name),
    /// `[T]`.
    List(Name),
    /// `Vector(n)` (`None` when the size literal does not fit).
    Vector(Option<u32>),
}

/// `@description("…")` / `@instruction("…")`.
#[derive(Debug, Clone, Serialize)]
pub struct QueryAnnotation {
    pub name: Name,
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum QueryBody {
    Read(ReadQuery),
    Mutation(Vec<Statement>),
}

/// `match { … } return { … } order { … } limit n`.
#[derive(Debug, Clone, Serialize)]
pub struct ReadQuery {
    pub clauses: Vec<Clause>,
    pub match_span: Span,
    pub returns: Vec<Projection>,
    pub return_span: Span,
    pub order: Vec<OrderItem>,
    pub limit: Option<Limit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Limit {
    pub value: i128,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum Clause {
    Binding(Binding),
    Traversal(Traversal),
    Filter(Filter),
    /// A `search` / `fuzzy` / `match_text` call used as a predicate.
    Text(Expr),
    Not(NotBlock),
}

impl Clause {
    pub fn span(&self) -> Span {
        match self {
            Clause::Binding(b) => b.span,
            Clause::Traversal(t) => t.span,
            Clause::Filter(f) => f.span,
            Clause::Text(e) => e.span,
            Clause::Not(n) => n.span,
        }
    }
}

/// `$v: Type { prop: value, … }`.
#[derive(Debug, Clone, Serialize)]
pub struct Binding {
    pub var: Var,
    pub type_name: Name,
    pub props: Vec<PropMatch>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct PropMatch {
    pub prop: Name,
    pub value: Expr,
    pub span: Span,
}

/// `$a ($k:)? edge ({min, max?})? $b`.
#[derive(Debug, Clone, Serialize)]
pub struct Traversal {
    pub src: Var,
    pub edge_var: Option<Var>,
    pub edge: Name,
    pub hops: Option<Hops>,
    pub dst: Var,
    pub span: Span,
}

/// `{min, max}` / `{min,}`.
#[derive(Debug, Clone, Serialize)]
pub struct Hops {
    pub min: i128,
    pub max: Option<i128>,
    pub span: Span,
}

/// `expr op expr` or `expr is [not] null`.
#[derive(Debug, Clone, Serialize)]
pub struct Filter {
    pub lhs: Expr,
    pub op: FilterOp,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum FilterOp {
    Cmp { op: CmpOp, op_span: Span, rhs: Expr },
    IsNull { negated: bool, op_span: Span },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Contains => "contains",
        }
    }

    pub fn is_ordering(self) -> bool {
        matches!(self, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge)
    }
}

/// `not { clauses }`.
#[derive(Debug, Clone, Serialize)]
pub struct NotBlock {
    pub clauses: Vec<Clause>,
    pub span: Span,
    /// Span of the `not` keyword.
    pub kw_span: Span,
}

/// `expr (as alias)?`.
#[derive(Debug, Clone, Serialize)]
pub struct Projection {
    pub expr: Expr,
    pub alias: Option<Name>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Asc,
    Desc,
}

/// `expr (asc|desc)?`.
#[derive(Debug, Clone, Serialize)]
pub struct OrderItem {
    pub expr: Expr,
    pub dir: Option<(Direction, Span)>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum ExprKind {
    /// `$v.prop`
    Prop {
        var: Var,
        prop: Name,
    },
    /// `$v` — a match variable or a parameter.
    Var(Var),
    Lit(Literal),
    /// `now()`
    Now,
    /// A bare identifier: a reference to a return alias.
    Alias(Name),
    /// `count(x)` etc.
    Agg {
        func: AggFunc,
        arg: Box<Expr>,
    },
    /// `search`, `fuzzy`, `match_text`, `bm25`, `nearest`, `rrf`.
    Call {
        func: Func,
        func_span: Span,
        args: Vec<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AggFunc {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggFunc {
    pub fn from_name(s: &str) -> Option<AggFunc> {
        Some(match s {
            "count" => AggFunc::Count,
            "sum" => AggFunc::Sum,
            "avg" => AggFunc::Avg,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AggFunc::Count => "count",
            AggFunc::Sum => "sum",
            AggFunc::Avg => "avg",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    Search,
    Fuzzy,
    MatchText,
    Bm25,
    Nearest,
    Rrf,
}

impl Func {
    pub fn from_name(s: &str) -> Option<Func> {
        Some(match s {
            "search" => Func::Search,
            "fuzzy" => Func::Fuzzy,
            "match_text" => Func::MatchText,
            "bm25" => Func::Bm25,
            "nearest" => Func::Nearest,
            "rrf" => Func::Rrf,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Func::Search => "search",
            Func::Fuzzy => "fuzzy",
            Func::MatchText => "match_text",
            Func::Bm25 => "bm25",
            Func::Nearest => "nearest",
            Func::Rrf => "rrf",
        }
    }

    /// `search`, `fuzzy`, `match_text`: Boolean text predicates.
    pub fn is_text_predicate(self) -> bool {
        matches!(self, Func::Search | Func::Fuzzy | Func::MatchText)
    }

    /// `nearest`, `bm25`, `rrf`: ranking functions.
    pub fn is_ranking(self) -> bool {
        matches!(self, Func::Nearest | Func::Bm25 | Func::Rrf)
    }
}

/// A literal as written. Numbers keep their exact value; typing decides the final type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Literal {
    /// An integer literal (fits in i64 or u64; checked by the parser, E-P005).
    Int(i128),
    Float(f64),
    Str(String),
    Bool(bool),
    Null,
    /// `date("…")`, days since the epoch.
    Date(i32),
    /// `datetime("…")`, ms since the epoch.
    DateTime(i64),
    List(Vec<Literal>),
}

/// `insert` / `update` / `delete`.
#[derive(Debug, Clone, Serialize)]
pub enum Statement {
    Insert {
        type_name: Name,
        assigns: Vec<Assign>,
        span: Span,
    },
    Update {
        type_name: Name,
        assigns: Vec<Assign>,
        conds: Vec<Cond>,
        span: Span,
    },
    Delete {
        type_name: Name,
        conds: Vec<Cond>,
        span: Span,
    },
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::Insert { span, .. }
            | Statement::Update { span, .. }
            | Statement::Delete { span, .. } => *span,
        }
    }

    pub fn type_name(&self) -> &Name {
        match self {
            Statement::Insert { type_name, .. }
            | Statement::Update { type_name, .. }
            | Statement::Delete { type_name, .. } => type_name,
        }
    }
}

/// `prop: value`.
#[derive(Debug, Clone, Serialize)]
pub struct Assign {
    pub prop: Name,
    pub value: Expr,
    pub span: Span,
}

/// `prop op value` or `prop is [not] null`.
#[derive(Debug, Clone, Serialize)]
pub struct Cond {
    pub prop: Name,
    pub op: CondOp,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub enum CondOp {
    Cmp {
        op: CmpOp,
        op_span: Span,
        value: Expr,
    },
    IsNull {
        negated: bool,
        op_span: Span,
    },
}

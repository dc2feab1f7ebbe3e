//! The `.pg` syntax tree. Every node carries the span of its source text. Annotations and
//! constraints are kept in a generic form here; their meaning is checked in `validate`.

use crate::diagnostics::span::Span;

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// A whole schema file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub decls: Vec<Decl>,
}

/// Declaration kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeclKind {
    Interface,
    Node,
    Edge,
}

impl DeclKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Interface => "interface",
            DeclKind::Node => "node",
            DeclKind::Edge => "edge",
        }
    }
}

/// `interface`, `node` or `edge` declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Decl {
    pub kind: DeclKind,
    pub name: Name,
    /// header annotations (including `@card` on edges)
    pub annotations: Vec<Annotation>,
    /// `implements A, B` (nodes)
    pub implements: Vec<Name>,
    /// `From -> To` (edges)
    pub endpoints: Option<(Name, Name)>,
    pub properties: Vec<Property>,
    /// body constraints (`@key(…)`, `@unique(…)` … written as body members)
    pub constraints: Vec<Annotation>,
    /// whole declaration
    pub span: Span,
}

/// `name: type annotation*`
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: Name,
    pub ty: TypeExpr,
    pub annotations: Vec<Annotation>,
    pub span: Span,
}

/// A written type: core plus `?`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub core: CoreExpr,
    pub nullable: bool,
    pub span: Span,
}

/// The core of a written type (list elements are parsed generally and checked later).
#[derive(Debug, Clone, PartialEq)]
pub enum CoreExpr {
    Scalar(crate::schema::types::ScalarType),
    List(Box<TypeExpr>),
    /// `Vector(n)`: the raw integer text and its span
    Vector {
        dim: String,
        dim_span: Span,
    },
    Enum(Vec<Name>),
}

/// `@name` or `@name(args)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// name without `@`
    pub name: Name,
    /// `None` without parentheses
    pub args: Option<Vec<AnnArg>>,
    /// from `@` to the closing `)`
    pub span: Span,
}

/// One argument of an annotation.
#[derive(Debug, Clone, PartialEq)]
pub enum AnnArg {
    Str { value: String, span: Span },
    Ident(Name),
    Number(NumLit),
    Bounds(Bounds),
}

impl AnnArg {
    pub fn span(&self) -> Span {
        match self {
            AnnArg::Str { span, .. } => *span,
            AnnArg::Ident(n) => n.span,
            AnnArg::Number(n) => n.span,
            AnnArg::Bounds(b) => b.span,
        }
    }
}

/// A numeric literal as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumLit {
    pub text: String,
    pub is_float: bool,
    pub span: Span,
}

/// `lo..hi`, `lo..`, `..hi`, `lo..*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounds {
    pub lo: Option<NumLit>,
    pub hi: Option<NumLit>,
    /// the upper bound was written `*`
    pub hi_star: bool,
    pub span: Span,
}

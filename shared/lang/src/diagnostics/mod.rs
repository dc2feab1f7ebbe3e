//! Diagnostics, the bottom layer every stage reports through: byte-offset spans and their
//! line/column mapping ([`span`]), the catalog of stable codes ([`codes`]) and the diagnostic
//! value with its JSON and terminal renderings ([`diagnostic`]).

pub mod codes;
pub mod diagnostic;
pub mod span;

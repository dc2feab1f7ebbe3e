//! Tokens shared by `.pg` and `.gq`: the [`lexer`] and the token [`cursor`] the parsers walk.

pub mod cursor;
pub mod lexer;

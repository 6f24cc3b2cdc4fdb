//! Reusable pieces of screens: forms, the `/` filter line, tables that never wrap.

pub mod filter;
pub mod form;
pub mod table;

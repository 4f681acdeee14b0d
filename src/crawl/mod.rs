//! (under construction)

pub mod url;

//! Test support shared by the fetch, crawl and benchmark tests: a mock government site server
//! on 127.0.0.1 with fixture sites, injectable faults and a politeness meter.
//!
//! Use from a test file with `mod support;` and `use support::*;`.
#![allow(dead_code, unused_imports)]

pub mod content;
pub mod http;
pub mod meter;
pub mod mock_site;
pub mod rules;

pub use content::{Encoding, MockDoc, SiteContent, Style};
pub use meter::{Hit, Meter};
pub use mock_site::{Fault, MockBuilder, MockServer, Robots, Target};
pub use rules::{sel, site_rule};

//! picket: a keyboard-first terminal UI for live AWS security monitoring.

pub mod model;
pub mod query;
pub mod store;

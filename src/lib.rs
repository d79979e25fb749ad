//! picket: a keyboard-first terminal UI for live AWS security monitoring.

pub mod app;
pub mod model;
pub mod query;
pub mod sources;
pub mod store;
pub mod theme;
pub mod ui;

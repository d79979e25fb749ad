//! picket: a keyboard-first terminal UI for live AWS security monitoring.

pub mod actions;
pub mod app;
pub mod audit;
pub mod aws;
pub mod cli;
pub mod config;
pub mod detect;
pub mod headless;
pub mod insights;
pub mod journal;
pub mod launch;
pub mod limits;
pub mod model;
pub mod output;
pub mod pattern;
pub mod pivot;
pub mod query;
pub mod render;
pub mod runtime;
pub mod sources;
pub mod store;
pub mod theme;
pub mod ui;

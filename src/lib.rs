//! picket: a keyboard-first terminal UI for live AWS security monitoring.

pub mod actions;
pub mod app;
pub mod ask;
pub mod aws;
pub mod cli;
pub mod config;
pub mod journal;
pub mod limits;
pub mod logs;
pub mod mask;
pub mod model;
pub mod query;
pub mod render;
pub mod runtime;
pub mod sources;
pub mod store;
pub mod theme;
pub mod ui;

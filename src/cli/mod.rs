//! The command-line surface: the arguments ([`args`]), start-up from them ([`launch`]), the
//! commands that print instead of drawing ([`headless`], in the formats of [`output`]),
//! `picket audit` ([`audit`]), and the TUI launched on one of its backend sets ([`tui`]).

pub mod args;
pub mod audit;
pub mod commands;
pub mod feed;
pub mod handoff;
pub mod headless;
pub mod launch;
pub mod output;
pub mod present;
pub mod report;
pub mod store;
pub mod tui;

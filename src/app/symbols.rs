//! Marks the screens draw, named once: the drawers and the help's legend use the same.

/// The queue's first column, strongest first: marked for an action, from a source that has
/// not answered lately, not yet seen.
pub const MARKED: &str = "▶";
pub const STALE: &str = "◐";
pub const UNSEEN: &str = "●";
/// The overview's selected severity cell.
pub const SELECTED_CELL: &str = "›";

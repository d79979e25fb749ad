//! Where everything goes on screen. Shared by the views and by `update`, which needs page sizes
//! to scroll; keeping both on one function means they can never disagree.
//!
//! ```text
//! ┌ tabs ─────────────────────────────────────────────┐  row 0
//! │ body: overview / findings table / logs / detail   │  rows 1 … h-2
//! └ status bar, or the open prompt ───────────────────┘  row h-1 (h-2 too for a prompt error)
//! ```

use ratatui::layout::Rect;

/// Below this width the detail screen stacks its panes instead of placing them side by side.
pub const SIDE_BY_SIDE_MIN_WIDTH: u16 = 140;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub tabs: Rect,
    pub body: Rect,
    pub status: Rect,
}

pub fn frame(area: Rect) -> Frame {
    let tabs = Rect {
        height: area.height.min(1),
        ..area
    };
    let status_y = area.y + area.height.saturating_sub(1);
    let status = Rect {
        y: status_y,
        height: area.height.saturating_sub(1).min(1),
        ..area
    };
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    Frame { tabs, body, status }
}

fn area(size: (u16, u16)) -> Rect {
    Rect::new(0, 0, size.0, size.1)
}

/// Rows of the findings table below its header.
pub fn findings_page(size: (u16, u16)) -> usize {
    usize::from(frame(area(size)).body.height.saturating_sub(1)).max(1)
}

/// Rows of the logs list below its title and header.
pub fn logs_page(size: (u16, u16)) -> usize {
    usize::from(frame(area(size)).body.height.saturating_sub(2)).max(1)
}

/// The detail screen's summary and JSON panes (each with a one-row title).
pub fn detail_panes(body: Rect) -> (Rect, Rect) {
    if body.width >= SIDE_BY_SIDE_MIN_WIDTH {
        let left = body.width * 2 / 5;
        (
            Rect {
                width: left,
                ..body
            },
            Rect {
                x: body.x + left,
                width: body.width - left,
                ..body
            },
        )
    } else {
        let top = (body.height * 9 / 20).max(3).min(body.height);
        (
            Rect {
                height: top,
                ..body
            },
            Rect {
                y: body.y + top,
                height: body.height - top,
                ..body
            },
        )
    }
}

/// Lines of (summary, JSON) content visible in the detail panes.
pub fn detail_pages(size: (u16, u16)) -> (usize, usize) {
    let (summary, json) = detail_panes(frame(area(size)).body);
    (
        usize::from(summary.height.saturating_sub(1)).max(1),
        usize::from(json.height.saturating_sub(1)).max(1),
    )
}

/// The help overlay, centred in the body.
pub fn help_box(body: Rect) -> Rect {
    let width = body.width.min(96);
    let height = body.height;
    Rect {
        x: body.x + (body.width - width) / 2,
        y: body.y,
        width,
        height,
    }
}

pub fn help_page(size: (u16, u16)) -> usize {
    usize::from(help_box(frame(area(size)).body).height.saturating_sub(2)).max(1)
}

/// The overview's account table rows that fit (for scrolling its selection).
pub fn overview_rows(size: (u16, u16)) -> usize {
    usize::from(frame(area(size)).body.height.saturating_sub(12)).max(3)
}

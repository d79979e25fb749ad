//! Where console links stand on a drawn frame, for the runtime to make them clickable (OSC 8):
//! cells are never given escape sequences (the inert backend would refuse them), so the links
//! are found in the finished buffer and written over their own text after the frame.

use ratatui::buffer::Buffer;

use crate::app::{App, Screen};

/// A link on screen: its first cell, the text drawn there (one cell a character) in the
/// style it was drawn in, and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub x: u16,
    pub y: u16,
    pub text: String,
    pub style: ratatui::style::Style,
    pub url: String,
}

/// The links picket itself built that the current screen shows (the finding's console link
/// in the detail view). Only picket's links: a URL from a record is never made clickable.
pub fn shown(app: &App) -> Vec<String> {
    // A link carries the account and the resource: presenter mode shows none.
    if app.present {
        return Vec::new();
    }
    match app.stack.last() {
        Some(Screen::Detail(detail)) => crate::model::console::finding(&detail.finding)
            .filter(|url| safe(url))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// Printable ASCII only: nothing in a link can end the escape sequence it sits in.
fn safe(url: &str) -> bool {
    !url.is_empty() && url.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// Each run of cells in `buffer` that starts one of `urls` (its visible part: the screen may
/// cut or wrap it), at most one a row.
pub fn find(buffer: &Buffer, urls: &[String]) -> Vec<Link> {
    let area = buffer.area;
    let mut found = Vec::new();
    for y in area.y..area.y + area.height {
        let cells: Vec<&str> = (area.x..area.x + area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        let row: String = cells.concat();
        for url in urls {
            let Some(start) = row.find("https://") else {
                continue;
            };
            // The visible run: up to the first blank, a prefix of the URL.
            let run: &str = row[start..].split(' ').next().unwrap_or("");
            if run.len() < "https://".len() + 4 || !url.starts_with(run.trim_end_matches('…')) {
                continue;
            }
            // Cells are one character each here (URLs are ASCII): the byte offset is the column.
            let column = cells
                .iter()
                .scan(0usize, |bytes, cell| {
                    let at = *bytes;
                    *bytes += cell.len();
                    Some(at)
                })
                .position(|at| at == start);
            if let Some(column) = column {
                let x = area.x + column as u16;
                found.push(Link {
                    x,
                    y,
                    text: run.to_string(),
                    style: buffer[(x, y)].style(),
                    url: url.clone(),
                });
                break;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn a_link_is_found_where_its_visible_part_is_drawn() {
        let url = "https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings?macros=current&fId=abc".to_string();
        let mut buffer = Buffer::empty(Rect::new(0, 0, 60, 3));
        buffer.set_string(
            2,
            1,
            format!("Console   {}", &url[..40]),
            ratatui::style::Style::default(),
        );
        buffer.set_string(
            2,
            2,
            "https://elsewhere.example/x",
            ratatui::style::Style::default(),
        );
        let links = find(&buffer, std::slice::from_ref(&url));
        assert_eq!(
            links,
            [Link {
                x: 12,
                y: 1,
                text: url[..40].to_string(),
                style: buffer[(12, 1)].style(),
                url: url.clone()
            }]
        );
        assert!(!safe("https://x/\u{1b}]0;t"));
        assert!(safe(&url));
    }
}

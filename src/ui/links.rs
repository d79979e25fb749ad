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
    let urls: Vec<String> = match app.stack.last() {
        Some(Screen::Detail(detail)) => {
            let finding = &detail.finding;
            crate::model::console::finding(finding)
                .into_iter()
                .chain(
                    finding
                        .resources
                        .iter()
                        .filter_map(|r| super::detail::resource_link(r, finding)),
                )
                .collect()
        }
        Some(Screen::Record(record)) => record.link.clone().into_iter().collect(),
        _ => Vec::new(),
    };
    urls.into_iter().filter(|url| safe(url)).collect()
}

/// Printable ASCII only: nothing in a link can end the escape sequence it sits in.
fn safe(url: &str) -> bool {
    !url.is_empty() && url.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// Each run of cells in `buffer` that starts one of `urls` (its visible part: the screen may
/// cut or wrap it), at most one a row, and only where it can be no other of them.
pub fn find(buffer: &Buffer, urls: &[String]) -> Vec<Link> {
    let area = buffer.area;
    let mut found = Vec::new();
    for y in area.y..area.y + area.height {
        let cells: Vec<&str> = (area.x..area.x + area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        let row: String = cells.concat();
        let Some(start) = row.find("https://") else {
            continue;
        };
        // The visible run: up to the first blank, a prefix of the URL it shows. A run that
        // could be the start of two links is left plain: a click must go where the text says.
        let run: &str = row[start..].split(' ').next().unwrap_or("");
        let visible = run.trim_end_matches('…');
        let candidates: Vec<&String> = urls.iter().filter(|url| url.starts_with(visible)).collect();
        let exact = candidates.iter().find(|url| url.as_str() == visible);
        let chosen = match (exact, candidates.as_slice()) {
            (Some(url), _) => Some(*url),
            (None, [only]) => Some(*only),
            _ => None,
        };
        if let Some(url) = chosen {
            if run.len() < "https://".len() + 4 {
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

    #[test]
    fn a_cut_link_that_could_be_two_is_left_plain() {
        let urls = [
            "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#Instances:i-1"
                .to_string(),
            "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#Instances:i-2"
                .to_string(),
        ];
        let mut buffer = Buffer::empty(Rect::new(0, 0, 100, 2));
        let style = ratatui::style::Style::default();
        buffer.set_string(0, 0, &urls[0][..50], style);
        buffer.set_string(0, 1, &urls[1], style);
        let links = find(&buffer, &urls);
        assert_eq!(links.len(), 1, "{links:?}");
        assert_eq!((links[0].y, links[0].url.as_str()), (1, urls[1].as_str()));
    }
}

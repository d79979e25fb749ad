//! The last wall between data and the terminal: a backend that writes no cell whose symbol
//! could drive the terminal. Every field from outside is sanitized where it enters picket and
//! the views are tested to draw only clean text; this makes sure a sink someone forgets later
//! shows a visible replacement character instead of an escape sequence.

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

use crate::model::text::is_dangerous;

/// Wraps a backend; only [`Backend::draw`] differs.
pub struct InertBackend<B>(pub B);

impl<B> InertBackend<B> {
    pub fn inner(&self) -> &B {
        &self.0
    }
}

/// The cell as it may be written: a symbol holding a dangerous character shows U+FFFD.
fn inert(cell: &Cell) -> Option<Cell> {
    if !cell.symbol().chars().any(is_dangerous) {
        return None;
    }
    let mut safe = cell.clone();
    safe.set_symbol("\u{FFFD}");
    Some(safe)
}

impl<B: Backend> Backend for InertBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell, Option<Cell>)> = content
            .map(|(x, y, cell)| (x, y, cell, inert(cell)))
            .collect();
        self.0.draw(
            cells
                .iter()
                .map(|(x, y, cell, safe)| (*x, *y, safe.as_ref().unwrap_or(cell))),
        )
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.0.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.0.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.0.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.0.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.0.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.0.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn a_forgotten_sink_reaches_the_screen_as_a_replacement_character() {
        let mut terminal = Terminal::new(InertBackend(TestBackend::new(30, 1))).expect("terminal");
        terminal
            .draw(|frame| {
                let buffer = frame.buffer_mut();
                buffer[(0, 0)].set_symbol("o");
                buffer[(1, 0)].set_symbol("\u{1b}]52;c;eA==\u{7}");
                buffer[(29, 0)].set_symbol("k\u{202e}");
            })
            .expect("drawn");
        let buffer = terminal.backend().inner().buffer();
        let text: String = buffer.content().iter().map(|c| c.symbol()).collect();
        assert!(!text.chars().any(is_dangerous), "{text:?}");
        assert!(text.starts_with("o\u{FFFD}"), "{text:?}");
        assert!(text.ends_with('\u{FFFD}'), "{text:?}");
    }
}

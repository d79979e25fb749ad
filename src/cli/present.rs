//! Presenter mode for what the headless commands print: every line passes through the mask
//! (a JSON line value by value, so it stays JSON), after the names the printed records hold
//! were learned.

use std::io::{self, Write};
use std::sync::Arc;

use crate::mask::Mask;
use crate::model::Finding;
use crate::model::LogEvent;

/// A mask for this run when `--present` asked for one.
pub fn mask(present: bool) -> Option<Arc<Mask>> {
    present.then(|| Arc::new(Mask::new()))
}

/// Learns the names the findings about to be printed hold.
pub fn learn_findings(mask: Option<&Arc<Mask>>, findings: &[Finding]) {
    if let Some(mask) = mask {
        for finding in findings {
            mask.learn_finding(finding);
        }
    }
}

/// Learns the names the events about to be printed hold.
pub fn learn_events<'e>(mask: Option<&Arc<Mask>>, events: impl Iterator<Item = &'e LogEvent>) {
    if let Some(mask) = mask {
        for event in events {
            mask.learn_record(&event.message.as_delivered());
            if let Some(trail) = &event.trail {
                mask.learn_principal(trail.principal());
            }
        }
    }
}

/// `out`, masked line by line when there is a mask.
pub struct Output<W: Write> {
    out: W,
    mask: Option<Arc<Mask>>,
    /// The line being written, until its newline.
    line: Vec<u8>,
}

impl<W: Write> Output<W> {
    pub fn new(out: W, mask: Option<Arc<Mask>>) -> Self {
        Output {
            out,
            mask,
            line: Vec::new(),
        }
    }

    fn write_line(&mut self, line: &[u8], mask: &Mask) -> io::Result<()> {
        let text = String::from_utf8_lossy(line);
        let (body, newline) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (&*text, ""),
        };
        self.out.write_all(mask.outgoing(body).as_bytes())?;
        self.out.write_all(newline.as_bytes())
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(mask) = self.mask.clone() else {
            return self.out.write(buf);
        };
        self.line.extend_from_slice(buf);
        while let Some(end) = self.line.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.line.drain(..=end).collect();
            self.write_line(&line, &mask)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(mask) = self.mask.clone()
            && !self.line.is_empty()
        {
            let line = std::mem::take(&mut self.line);
            self.write_line(&line, &mask)?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_masked_and_json_lines_stay_json() {
        let mask = mask(true);
        let mut printed = Vec::new();
        {
            let mut out = Output::new(&mut printed, mask);
            write!(out, "acct 111122223333 from ").expect("test setup");
            writeln!(out, "10.0.0.1").expect("test setup");
            writeln!(
                out,
                r#"{{"accountId":"111122223333","count":123456789012}}"#
            )
            .expect("test setup");
            write!(out, "no newline 10.0.0.1").expect("test setup");
            out.flush().expect("test setup");
        }
        let text = String::from_utf8(printed).expect("test setup");
        assert_eq!(
            text,
            "acct acct-A from 192.0.2.1\n{\"accountId\":\"acct-A\",\"count\":123456789012}\nno newline 192.0.2.1"
        );
    }

    #[test]
    fn without_a_mask_the_output_is_untouched() {
        let mut printed = Vec::new();
        {
            let mut out = Output::new(&mut printed, None);
            writeln!(out, "111122223333").expect("test setup");
        }
        assert_eq!(printed, b"111122223333\n");
    }
}

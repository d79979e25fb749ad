//! The posture screen's state: which pane, what is built, what is open, where the cursor is.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;

use super::Compliance;
use super::coverage::Gap;
use crate::model::standards::{GuardDutyCoverage, StandardsReport};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pane {
    #[default]
    Compliance,
    Exposure,
    Coverage,
}

/// A failing resource of a control, shown under it when it is opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failing {
    /// The finding, whose names presenter mode learns before they show.
    pub entry: crate::store::EntryIx,
    pub resource: String,
    pub account: String,
    pub region: String,
}

/// Failing resources listed under an open control; the rest are one Enter away in the queue.
pub const FAILING_SHOWN: usize = 20;

/// A line of the compliance pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    Standard(usize),
    Control(usize, usize),
    /// The n-th failing resource of an open control.
    Failing(usize, usize, usize),
    /// "N more": the control has more failing resources than are listed.
    More(usize, usize, usize),
}

#[derive(Debug, Default)]
pub struct PostureScreen {
    pub pane: Pane,
    pub compliance: Compliance,
    pub gaps: Vec<Gap>,
    pub exposed: Vec<super::exposure::Exposed>,
    /// When the panes were last worked out (they are again when the screen is shown and, while
    /// it is, at most every few seconds as findings arrive).
    pub built: Option<Timestamp>,
    /// Open standards (by name) and controls (`standard\ncontrol`).
    pub open: HashSet<String>,
    /// Failing resources of the open controls (by control id), and how many there are.
    pub failing: HashMap<String, (Vec<Failing>, usize)>,
    /// Cursor: a line of the compliance pane, a gap of the coverage pane.
    pub row: usize,
    pub gap_row: usize,
    pub exposed_row: usize,
    /// What Security Hub says is enabled, by (account, region).
    pub standards: BTreeMap<(String, String), StandardsReport>,
    /// GuardDuty's plans and runtime coverage, by (account, region).
    pub coverage: BTreeMap<(String, String), GuardDutyCoverage>,
}

pub fn control_key(standard: &str, control: &str) -> String {
    format!("{standard}\n{control}")
}

impl PostureScreen {
    /// The compliance pane's lines, as open and closed.
    pub fn lines(&self) -> Vec<Line> {
        let mut lines = Vec::new();
        for (s, standard) in self.compliance.standards.iter().enumerate() {
            lines.push(Line::Standard(s));
            if !self.open.contains(&standard.name) {
                continue;
            }
            for (c, control) in standard.controls.iter().enumerate() {
                lines.push(Line::Control(s, c));
                if !self
                    .open
                    .contains(&control_key(&standard.name, &control.id))
                {
                    continue;
                }
                if let Some((listed, total)) = self.failing.get(&control.id) {
                    lines.extend((0..listed.len()).map(|n| Line::Failing(s, c, n)));
                    if *total > listed.len() {
                        lines.push(Line::More(s, c, total - listed.len()));
                    }
                }
            }
        }
        lines
    }
}

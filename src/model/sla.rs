//! SLA clocks: how long a finding of each severity may stay open (`[sla]`), counted from when
//! it was first seen. An open finding is active and NEW or NOTIFIED; resolving, suppressing or
//! archiving it stops its clock.

use super::{SeverityLabel, Workflow};

/// The time allowed per severity, in seconds (None: no clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sla {
    /// By [`SeverityLabel::rank`]: critical first.
    targets: [Option<i64>; 5],
}

impl Default for Sla {
    /// Critical 4 hours, high a day, medium a week, low 30 days, informational none.
    fn default() -> Self {
        const HOUR: i64 = 3600;
        Sla {
            targets: [
                Some(4 * HOUR),
                Some(24 * HOUR),
                Some(7 * 24 * HOUR),
                Some(30 * 24 * HOUR),
                None,
            ],
        }
    }
}

impl Sla {
    /// The time allowed for findings of `label` (None: no clock).
    pub fn target(&self, label: SeverityLabel) -> Option<i64> {
        self.targets[label.rank()]
    }

    pub fn with_target(mut self, label: SeverityLabel, seconds: Option<i64>) -> Sla {
        self.targets[label.rank()] = seconds;
        self
    }

    /// When an open finding of `label` first seen at `first_seen` (seconds) breaches; None
    /// when it has no clock or is not open.
    pub fn deadline(
        &self,
        label: SeverityLabel,
        first_seen: i64,
        workflow: Workflow,
        archived: bool,
    ) -> Option<i64> {
        let open = !archived && workflow.is_open();
        open.then(|| self.target(label))
            .flatten()
            .map(|t| first_seen.saturating_add(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_findings_have_a_deadline_by_severity() {
        let sla = Sla::default();
        assert_eq!(
            sla.deadline(SeverityLabel::Critical, 1_000, Workflow::New, false),
            Some(1_000 + 4 * 3600)
        );
        assert_eq!(
            sla.deadline(SeverityLabel::High, 0, Workflow::Notified, false),
            Some(86_400)
        );
        assert_eq!(
            sla.deadline(SeverityLabel::High, 0, Workflow::Resolved, false),
            None
        );
        assert_eq!(
            sla.deadline(SeverityLabel::High, 0, Workflow::New, true),
            None
        );
        assert_eq!(
            sla.deadline(SeverityLabel::Informational, 0, Workflow::New, false),
            None
        );
        let none = sla.with_target(SeverityLabel::Critical, None);
        assert_eq!(
            none.deadline(SeverityLabel::Critical, 0, Workflow::New, false),
            None
        );
    }
}

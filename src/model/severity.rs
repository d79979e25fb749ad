//! One severity scale for every source.
//!
//! Security Hub's ASFF `Severity.Normalized` runs 0–100; GuardDuty scores run 1.0–10.0. GuardDuty's
//! bands (Low 1.0–3.9, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0) are exactly the ASFF bands
//! (Low 1–39, Medium 40–69, High 70–89, Critical 90–100) divided by ten, so picket keeps one
//! normalized 0–100 score and derives the label from it unless the source states a label.

use std::fmt;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SeverityLabel {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityLabel {
    pub const ALL: [SeverityLabel; 5] = [
        SeverityLabel::Critical,
        SeverityLabel::High,
        SeverityLabel::Medium,
        SeverityLabel::Low,
        SeverityLabel::Informational,
    ];

    /// The ASFF band a normalized score falls in.
    pub fn from_normalized(score: u8) -> Self {
        match score {
            0 => Self::Informational,
            1..=39 => Self::Low,
            40..=69 => Self::Medium,
            70..=89 => Self::High,
            _ => Self::Critical,
        }
    }

    /// Parses `critical`, `HIGH`, `med`, `info`… (case-insensitive, common abbreviations).
    pub fn parse(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "critical" | "crit" => Some(Self::Critical),
            "high" => Some(Self::High),
            "medium" | "med" => Some(Self::Medium),
            "low" => Some(Self::Low),
            "informational" | "info" => Some(Self::Informational),
            _ => None,
        }
    }

    /// The lowest normalized score of this band.
    pub fn floor(self) -> u8 {
        match self {
            Self::Informational => 0,
            Self::Low => 1,
            Self::Medium => 40,
            Self::High => 70,
            Self::Critical => 90,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "CRITICAL",
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
            Self::Informational => "INFORMATIONAL",
        }
    }

    /// Four-letter form for narrow columns.
    pub fn short(self) -> &'static str {
        match self {
            Self::Critical => "CRIT",
            Self::High => "HIGH",
            Self::Medium => "MED",
            Self::Low => "LOW",
            Self::Informational => "INFO",
        }
    }

    /// Index 0 (critical) … 4 (informational), for per-severity tables.
    pub fn rank(self) -> usize {
        4 - self as usize
    }
}

impl fmt::Display for SeverityLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Severity {
    pub label: SeverityLabel,
    /// 0–100, the ASFF normalized scale (GuardDuty score × 10).
    pub normalized: u8,
}

impl Severity {
    /// From a GuardDuty score (1.0–10.0). Out-of-range and non-finite scores are clamped.
    pub fn from_guardduty(score: f64) -> Self {
        let normalized = if score.is_finite() {
            (score * 10.0).round().clamp(0.0, 100.0) as u8
        } else {
            0
        };
        Self {
            label: SeverityLabel::from_normalized(normalized),
            normalized,
        }
    }

    /// From ASFF `Severity`: the stated label wins; a missing score is the band's floor.
    pub fn from_asff(label: Option<SeverityLabel>, normalized: Option<f64>) -> Self {
        let normalized = normalized
            .filter(|n| n.is_finite())
            .map(|n| n.round().clamp(0.0, 100.0) as u8);
        match (label, normalized) {
            (Some(label), Some(normalized)) => Self { label, normalized },
            (Some(label), None) => Self {
                label,
                normalized: label.floor(),
            },
            (None, Some(normalized)) => Self {
                label: SeverityLabel::from_normalized(normalized),
                normalized,
            },
            (None, None) => Self {
                label: SeverityLabel::Informational,
                normalized: 0,
            },
        }
    }

    /// The GuardDuty-style score (0.0–10.0).
    pub fn score(self) -> f32 {
        f32::from(self.normalized) / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guardduty_bands_match_the_documented_ranges() {
        for (score, label) in [
            (1.0, SeverityLabel::Low),
            (3.9, SeverityLabel::Low),
            (4.0, SeverityLabel::Medium),
            (6.9, SeverityLabel::Medium),
            (7.0, SeverityLabel::High),
            (8.9, SeverityLabel::High),
            (9.0, SeverityLabel::Critical),
            (10.0, SeverityLabel::Critical),
        ] {
            assert_eq!(
                Severity::from_guardduty(score).label,
                label,
                "score {score}"
            );
        }
        assert_eq!(Severity::from_guardduty(f64::NAN).normalized, 0);
        assert_eq!(Severity::from_guardduty(42.0).normalized, 100);
    }

    #[test]
    fn asff_normalized_bands() {
        for (n, label) in [
            (0.0, SeverityLabel::Informational),
            (1.0, SeverityLabel::Low),
            (39.0, SeverityLabel::Low),
            (40.0, SeverityLabel::Medium),
            (69.0, SeverityLabel::Medium),
            (70.0, SeverityLabel::High),
            (89.0, SeverityLabel::High),
            (90.0, SeverityLabel::Critical),
            (100.0, SeverityLabel::Critical),
        ] {
            assert_eq!(
                Severity::from_asff(None, Some(n)).label,
                label,
                "normalized {n}"
            );
        }
        let stated = Severity::from_asff(Some(SeverityLabel::High), Some(10.0));
        assert_eq!(
            stated.label,
            SeverityLabel::High,
            "a stated label wins over the score"
        );
        assert_eq!(
            Severity::from_asff(Some(SeverityLabel::Medium), None).normalized,
            40
        );
    }
}

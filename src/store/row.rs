//! A finding as the queue keeps it: every field the table shows, filters and sorts on, and
//! nothing else. The store indexes a [`Row`] ([`super::FindingStore`]), and the disk store
//! ([`super::disk`]) writes and reads the same rows, so a finding restored from disk is indexed
//! by the very code a finding from AWS is.

use jiff::Timestamp;

use crate::model::finding::{ComplianceStatus, RecordState, Verification};
use crate::model::{Finding, SafeText, SeverityLabel, Sources, Workflow};

/// A resource as the queue keeps it: kind, id, and the ARN when it differs from the id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowResource {
    pub kind: SafeText,
    pub id: SafeText,
    pub arn: Option<SafeText>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub scope: Box<str>,
    pub id: SafeText,
    pub title: SafeText,
    /// The table's type label, then every other type.
    pub types: Vec<SafeText>,
    pub resources: Vec<RowResource>,
    pub account: SafeText,
    pub account_name: Option<SafeText>,
    pub region: SafeText,
    pub product: SafeText,
    pub control: Option<SafeText>,
    pub requirements: Vec<SafeText>,
    pub compliance: Option<ComplianceStatus>,
    pub count: u32,
    pub severity: u8,
    pub label: SeverityLabel,
    pub workflow: Workflow,
    pub verification: Verification,
    pub sources: Sources,
    pub archived: bool,
    pub sample: bool,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// [`Finding::revised`]: of two copies, the one revised later wins.
    pub revised: Timestamp,
}

impl Row {
    pub fn of(finding: &Finding) -> Row {
        let label = SafeText::line(finding.type_label());
        let mut types = vec![label];
        for t in &finding.types {
            if !types.contains(t) {
                types.push(t.clone());
            }
        }
        let (control, requirements) = match &finding.compliance {
            Some(c) => (c.control_id.clone(), c.requirements.clone()),
            None => (None, Vec::new()),
        };
        Row {
            scope: finding.scope.clone(),
            id: finding.id.clone(),
            title: finding.title.clone(),
            types,
            resources: finding
                .resources
                .iter()
                .map(|r| RowResource {
                    kind: r.kind.clone(),
                    id: r.id.clone(),
                    arn: r.arn.clone().filter(|a| *a != r.id),
                })
                .collect(),
            account: finding.account_id.clone(),
            account_name: finding.account_name.clone(),
            region: finding.region.clone(),
            product: finding.product.clone(),
            control,
            requirements,
            compliance: finding.compliance.as_ref().map(|c| c.status),
            count: u32::try_from(finding.count).unwrap_or(u32::MAX),
            severity: finding.severity.normalized,
            label: finding.severity.label,
            workflow: finding.workflow,
            verification: finding.verification,
            sources: finding.sources,
            archived: finding.archived || finding.record_state == RecordState::Archived,
            sample: finding.sample,
            first_seen: finding.first_seen,
            last_seen: finding.last_seen,
            revised: finding.revised,
        }
    }
}

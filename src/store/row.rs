//! A finding as the queue keeps it: every field the table shows, filters and sorts on, and
//! nothing else. The store indexes a [`Row`] ([`super::FindingStore`]), and the disk store
//! ([`super::disk`]) writes and reads the same rows, so a finding restored from disk is indexed
//! by the very code a finding from AWS is.

use std::borrow::Cow;

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
    /// Who acted ([`Finding::principal`]), for the incidents view.
    pub principal: Option<SafeText>,
    /// When the finding's disposition falls due for review.
    pub expires: Option<Timestamp>,
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
            principal: finding.principal().map(|p| SafeText::line(&p)),
            expires: finding.disposition.as_ref().and_then(|d| d.expires),
        }
    }
}

/// Separates the values of a joined list (the disk store's columns, and the queue's text
/// arena). [`SafeText`] holds no control characters, so it never occurs in a value.
pub const UNIT: char = '\u{1f}';
/// Separates the resources of a joined list.
pub const RECORD: char = '\u{1e}';

/// A row's values, borrowed: from a [`Row`], or straight from the disk store's columns (each
/// value checked as it is read), so restoring a million findings allocates nothing per value.
#[derive(Clone, Debug)]
pub struct RowRef<'a> {
    pub scope: Cow<'a, str>,
    pub id: Cow<'a, str>,
    pub title: Cow<'a, str>,
    pub types: Texts<'a>,
    pub resources: Resources<'a>,
    pub account: Cow<'a, str>,
    pub account_name: Option<Cow<'a, str>>,
    pub region: Cow<'a, str>,
    pub product: Cow<'a, str>,
    pub control: Option<Cow<'a, str>>,
    pub requirements: Texts<'a>,
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
    pub revised: Timestamp,
    pub principal: Option<Cow<'a, str>>,
    pub expires: Option<Timestamp>,
}

/// A list of values: a row's own, or joined by [`UNIT`] as the disk store keeps them.
#[derive(Clone, Copy, Debug)]
pub enum Texts<'a> {
    Owned(&'a [SafeText]),
    Joined(&'a str),
}

impl<'a> Texts<'a> {
    pub fn iter(self) -> impl Iterator<Item = Cow<'a, str>> {
        let (owned, joined) = match self {
            Texts::Owned(values) => (values, None),
            Texts::Joined(text) => (&[][..], Some(text).filter(|t| !t.is_empty())),
        };
        owned
            .iter()
            .map(|v| Cow::Borrowed(v.as_str()))
            .chain(joined.into_iter().flat_map(|t| t.split(UNIT)).map(clean))
    }
}

/// A row's resources: its own, or joined as the disk store keeps them (`kind US id [US arn]`,
/// resources separated by [`RECORD`]).
#[derive(Clone, Copy, Debug)]
pub enum Resources<'a> {
    Owned(&'a [RowResource]),
    Joined(&'a str),
}

/// One resource, borrowed: kind, id, and the ARN when it differs from the id.
pub type ResourceRef<'a> = (Cow<'a, str>, Cow<'a, str>, Option<Cow<'a, str>>);

impl<'a> Resources<'a> {
    pub fn iter(self) -> impl Iterator<Item = ResourceRef<'a>> {
        let (owned, joined) = match self {
            Resources::Owned(values) => (values, None),
            Resources::Joined(text) => (&[][..], Some(text).filter(|t| !t.is_empty())),
        };
        owned
            .iter()
            .map(|r| {
                (
                    Cow::Borrowed(r.kind.as_str()),
                    Cow::Borrowed(r.id.as_str()),
                    r.arn.as_deref().map(Cow::Borrowed),
                )
            })
            .chain(
                joined
                    .into_iter()
                    .flat_map(|t| t.split(RECORD))
                    .map(|resource| {
                        let mut parts = resource.split(UNIT);
                        (
                            clean(parts.next().unwrap_or("")),
                            clean(parts.next().unwrap_or("")),
                            parts.next().map(clean),
                        )
                    }),
            )
    }
}

/// A value from outside picket's memory, as [`SafeText`] would keep it.
pub fn clean(raw: &str) -> Cow<'_, str> {
    crate::model::text::clean_line(raw, crate::model::text::MAX_LINE_CHARS)
}

impl Row {
    pub fn borrowed(&self) -> RowRef<'_> {
        RowRef {
            scope: Cow::Borrowed(&self.scope),
            id: Cow::Borrowed(self.id.as_str()),
            title: Cow::Borrowed(self.title.as_str()),
            types: Texts::Owned(&self.types),
            resources: Resources::Owned(&self.resources),
            account: Cow::Borrowed(self.account.as_str()),
            account_name: self.account_name.as_deref().map(Cow::Borrowed),
            region: Cow::Borrowed(self.region.as_str()),
            product: Cow::Borrowed(self.product.as_str()),
            control: self.control.as_deref().map(Cow::Borrowed),
            requirements: Texts::Owned(&self.requirements),
            compliance: self.compliance,
            count: self.count,
            severity: self.severity,
            label: self.label,
            workflow: self.workflow,
            verification: self.verification,
            sources: self.sources,
            archived: self.archived,
            sample: self.sample,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            revised: self.revised,
            principal: self.principal.as_deref().map(Cow::Borrowed),
            expires: self.expires,
        }
    }
}

//! The services' own counts of active findings ([`ServerCounts`]): Security Hub's
//! GetFindingStatisticsV2 (the v2 service; CSPM has no counting API, only insights, which
//! picket would have to create) and GuardDuty's GetFindingsStatistics. When a source asks is
//! [`super::counting`]'s.

use aws_sdk_guardduty::types::{Condition, FindingCriteria, GroupByType, OrderBy};
use aws_sdk_securityhub::types::{
    AllowedOperators, CompositeFilter, GroupByField, GroupByRule, OcsfFindingFilters,
    OcsfStringField, OcsfStringFilter, SortOrder, StringFilter, StringFilterComparison,
};
use jiff::Timestamp;

use super::Track;
use super::errors::Failure;
use crate::model::SeverityLabel;
use crate::model::counts::{COUNTED_GROUPS, ServerCounts};
use crate::model::health::Service;

/// v2: the organization's active findings counted by the service, in one request — by
/// severity, by account for each severity, by type — in the chosen states, whatever the
/// scope (the overview's org-wide picture). CSPM has no such API (only insights, which
/// picket would have to create).
pub async fn security_hub(
    client: &aws_sdk_securityhub::Client,
    track: &mut Track,
    source: &str,
    statuses: CompositeFilter,
    now: Timestamp,
) -> Result<ServerCounts, Failure> {
    let rule = |field: GroupByField, severity: Option<&str>| {
        let mut filters = OcsfFindingFilters::builder()
            .composite_operator(AllowedOperators::And)
            .composite_filters(statuses.clone());
        if let Some(caption) = severity {
            filters = filters.composite_filters(
                CompositeFilter::builder()
                    .string_filters(
                        OcsfStringFilter::builder()
                            .field_name(OcsfStringField::Severity)
                            .filter(
                                StringFilter::builder()
                                    .value(caption)
                                    .comparison(StringFilterComparison::Equals)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            );
        }
        GroupByRule::builder()
            .group_by_field(field)
            .filters(filters.build())
            .build()
    };
    const CAPTIONS: [&str; 5] = ["Critical", "High", "Medium", "Low", "Informational"];
    let mut request = client
        .get_finding_statistics_v2()
        .group_by_rules(rule(GroupByField::Severity, None))
        .group_by_rules(rule(GroupByField::FindingInfoTypes, None));
    for caption in CAPTIONS {
        request = request.group_by_rules(rule(GroupByField::CloudAccountUid, Some(caption)));
    }
    let out = track
        .call(
            "securityhub:GetFindingStatisticsV2",
            request
                .sort_order(SortOrder::Descending)
                .max_statistic_results(COUNTED_GROUPS as i32)
                .send(),
        )
        .await?;
    let mut counts = ServerCounts {
        source: source.to_string(),
        service: Some(Service::SecurityHub),
        at: Some(now),
        ..ServerCounts::default()
    };
    // One result per rule, in the order asked.
    let values = |i: usize| {
        out.group_by_results()
            .get(i)
            .map(|r| r.group_by_values())
            .unwrap_or_default()
            .iter()
            .filter_map(|v| Some((v.field_value()?, u64::try_from(v.count()?).ok()?)))
    };
    for (caption, n) in values(0) {
        counts.totals[ocsf_label(caption).rank()] += n;
    }
    counts.by_type = values(1)
        .map(|(kind, n)| (crate::model::SafeText::line(kind), n))
        .collect();
    for (i, caption) in CAPTIONS.iter().enumerate() {
        for (account, n) in values(2 + i) {
            counts.add_account(account, ocsf_label(caption), n);
        }
    }
    Ok(counts)
}

/// The label of an OCSF severity caption (`Fatal` is beyond critical; `Other` and `Unknown`
/// say nothing).
fn ocsf_label(caption: &str) -> SeverityLabel {
    match caption {
        "Fatal" => SeverityLabel::Critical,
        other => SeverityLabel::parse(other).unwrap_or(SeverityLabel::Informational),
    }
}

/// The detector's active findings counted by GuardDuty, organization-wide for an
/// administrator: by severity, by account for each severity, by type (six requests).
pub async fn guardduty(
    client: &aws_sdk_guardduty::Client,
    track: &mut Track,
    source: &str,
    detector: &str,
    now: Timestamp,
) -> Result<ServerCounts, Failure> {
    let active = || {
        FindingCriteria::builder().criterion(
            "service.archived",
            Condition::builder().equals("false").build(),
        )
    };
    let mut counts = ServerCounts {
        source: source.to_string(),
        service: Some(Service::GuardDuty),
        at: Some(now),
        ..ServerCounts::default()
    };
    let ask = |criteria: FindingCriteria, group: GroupByType| {
        client
            .get_findings_statistics()
            .detector_id(detector)
            .finding_criteria(criteria)
            .group_by(group)
            .order_by(OrderBy::Desc)
            .max_results(COUNTED_GROUPS as i32)
            .send()
    };
    let out = track
        .call(
            "guardduty:GetFindingsStatistics",
            ask(active().build(), GroupByType::Severity),
        )
        .await?;
    let stats = out.finding_statistics();
    for s in stats.map(|s| s.grouped_by_severity()).unwrap_or_default() {
        let label = crate::model::Severity::from_guardduty(s.severity().unwrap_or(0.0)).label;
        counts.totals[label.rank()] += u64::try_from(s.total_findings().unwrap_or(0)).unwrap_or(0);
    }
    let out = track
        .call(
            "guardduty:GetFindingsStatistics",
            ask(active().build(), GroupByType::FindingType),
        )
        .await?;
    counts.by_type = out
        .finding_statistics()
        .map(|s| s.grouped_by_finding_type())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| {
            Some((
                crate::model::SafeText::line(t.finding_type()?),
                u64::try_from(t.total_findings()?).ok()?,
            ))
        })
        .collect();
    // GuardDuty's bands: low 1–3.9, medium 4–6.9, high 7–8.9, critical 9 and up.
    for (label, floor, below) in [
        (SeverityLabel::Critical, 9, None),
        (SeverityLabel::High, 7, Some(9)),
        (SeverityLabel::Medium, 4, Some(7)),
        (SeverityLabel::Low, 0, Some(4)),
    ] {
        let band = Condition::builder()
            .greater_than_or_equal(floor)
            .set_less_than(below)
            .build();
        let out = track
            .call(
                "guardduty:GetFindingsStatistics",
                ask(
                    active().criterion("severity", band).build(),
                    GroupByType::Account,
                ),
            )
            .await?;
        for a in out
            .finding_statistics()
            .map(|s| s.grouped_by_account())
            .unwrap_or_default()
        {
            if let (Some(account), Some(n)) = (a.account_id(), a.total_findings()) {
                counts.add_account(account, label, u64::try_from(n).unwrap_or(0));
            }
        }
    }
    Ok(counts)
}

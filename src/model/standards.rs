//! Security Hub standards by name: which standard a control finding counts toward, read from
//! the ids AWS gives a standard (`standards/aws-foundational-security-best-practices/v/1.0.0`,
//! `arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0`) and from the
//! requirements a control maps to (`CIS AWS Foundations Benchmark v3.0.0/2.1.4`,
//! `NIST.800-53.r5 AC-3`, `PCI DSS v3.2.1/1.2.1`).
//!
//! A finding names its standards in `Compliance.AssociatedStandards` (consolidated controls) or
//! `ProductFields.StandardsArn` / `StandardsGuideArn` (before them), and its requirements in
//! `Compliance.RelatedRequirements`. picket keeps the standards among the requirements under
//! their names, so a control finding says which standards it counts toward with no other field.

use std::borrow::Cow;

/// Standards by the slug of their id, with their names as the console shows them.
const NAMES: &[(&str, &str)] = &[
    (
        "aws-foundational-security-best-practices",
        "AWS Foundational Security Best Practices",
    ),
    (
        "cis-aws-foundations-benchmark",
        "CIS AWS Foundations Benchmark",
    ),
    ("nist-800-53", "NIST SP 800-53 Rev. 5"),
    ("nist-800-171", "NIST SP 800-171 Rev. 2"),
    ("pci-dss", "PCI DSS"),
    (
        "aws-resource-tagging-standard",
        "AWS Resource Tagging Standard",
    ),
    ("service-managed-aws-control-tower", "AWS Control Tower"),
];

/// The standard's name from its id or ARN: `AWS Foundational Security Best Practices v1.0.0`.
/// Unknown standards keep their slug and version, so they are still told apart.
pub fn name_of_id(id: &str) -> Option<String> {
    let path = id.rsplit_once("::").map_or(id, |(_, p)| p);
    let path = path.rsplit_once(':').map_or(path, |(_, p)| p);
    let mut parts = path.split('/');
    let kind = parts.next()?;
    if kind != "standards" && kind != "ruleset" {
        return None;
    }
    let slug = parts.next().filter(|s| !s.is_empty())?;
    let version = match (parts.next(), parts.next()) {
        (Some("v"), Some(v)) => Some(v),
        _ => None,
    };
    let name = NAMES
        .iter()
        .find(|(s, _)| *s == slug)
        .map_or(Cow::Borrowed(slug), |(_, n)| Cow::Borrowed(*n));
    // NIST's names carry their revision; the id's version is the standard's own.
    Some(match version {
        Some(v) if !name.starts_with("NIST") => format!("{name} v{v}"),
        _ => name.into_owned(),
    })
}

/// The standard a requirement belongs to: `CIS AWS Foundations Benchmark v3.0.0` of
/// `CIS AWS Foundations Benchmark v3.0.0/2.1.4`; a standard's own name is its own.
pub fn of_requirement(requirement: &str) -> Option<Cow<'_, str>> {
    let requirement = requirement.trim();
    if let Some(rest) = requirement.strip_prefix("NIST.800-53.r5") {
        return (rest.is_empty() || rest.starts_with(' '))
            .then_some(Cow::Borrowed("NIST SP 800-53 Rev. 5"));
    }
    if let Some(rest) = requirement.strip_prefix("NIST.800-171.r2") {
        return (rest.is_empty() || rest.starts_with(' '))
            .then_some(Cow::Borrowed("NIST SP 800-171 Rev. 2"));
    }
    if NAMES.iter().any(|(_, name)| requirement.starts_with(name)) {
        let standard = requirement.split('/').next().unwrap_or(requirement).trim();
        return (!standard.is_empty()).then_some(Cow::Borrowed(standard));
    }
    None
}

/// The requirements with the named standards added where none of them names it already.
pub fn with_standards(mut requirements: Vec<String>, standards: &[String]) -> Vec<String> {
    for standard in standards {
        let named = requirements
            .iter()
            .any(|r| of_requirement(r).is_some_and(|s| s == *standard));
        if !named {
            requirements.push(standard.clone());
        }
    }
    requirements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standards_are_named_from_their_ids_and_arns() {
        for (id, name) in [
            (
                "standards/aws-foundational-security-best-practices/v/1.0.0",
                "AWS Foundational Security Best Practices v1.0.0",
            ),
            (
                "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
                "CIS AWS Foundations Benchmark v1.2.0",
            ),
            (
                "arn:aws:securityhub:us-east-1::standards/pci-dss/v/3.2.1",
                "PCI DSS v3.2.1",
            ),
            ("standards/nist-800-53/v/5.0.0", "NIST SP 800-53 Rev. 5"),
            ("standards/acme-internal/v/2", "acme-internal v2"),
        ] {
            assert_eq!(name_of_id(id).as_deref(), Some(name), "{id}");
        }
        assert_eq!(name_of_id("security-control/S3.8"), None);
    }

    #[test]
    fn requirements_name_their_standard() {
        for (requirement, standard) in [
            (
                "CIS AWS Foundations Benchmark v3.0.0/2.1.4",
                Some("CIS AWS Foundations Benchmark v3.0.0"),
            ),
            ("NIST.800-53.r5 AC-3", Some("NIST SP 800-53 Rev. 5")),
            ("PCI DSS v3.2.1/1.2.1", Some("PCI DSS v3.2.1")),
            (
                "AWS Foundational Security Best Practices v1.0.0",
                Some("AWS Foundational Security Best Practices v1.0.0"),
            ),
            ("NIST.800-53.r5x", None),
            ("ISO 27001 A.9", None),
        ] {
            assert_eq!(of_requirement(requirement).as_deref(), standard);
        }
    }

    #[test]
    fn a_standard_is_added_to_the_requirements_once() {
        let requirements = with_standards(
            vec!["CIS AWS Foundations Benchmark v3.0.0/2.1.4".into()],
            &[
                "CIS AWS Foundations Benchmark v3.0.0".into(),
                "AWS Foundational Security Best Practices v1.0.0".into(),
            ],
        );
        assert_eq!(
            requirements,
            [
                "CIS AWS Foundations Benchmark v3.0.0/2.1.4",
                "AWS Foundational Security Best Practices v1.0.0"
            ]
        );
    }
}

/// What Security Hub says is enabled in one account and region (GetEnabledStandards,
/// DescribeStandardsControls), as a source reads it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StandardsReport {
    pub account_id: String,
    pub region: String,
    pub standards: Vec<EnabledStandard>,
    /// Why Security Hub could not be asked (a missing permission…): nothing is known here.
    pub unread: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnabledStandard {
    /// The console's name ([`name_of_id`]).
    pub name: String,
    /// `READY`, `PENDING`, `INCOMPLETE`, `FAILED`…: the subscription's status.
    pub status: String,
    /// The standard's controls as enabled or disabled here (empty when not read).
    pub controls: Vec<StandardControl>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StandardControl {
    /// `S3.8` (the security control id), or the standard's own (`CIS.1.1`).
    pub id: String,
    pub title: String,
    pub enabled: bool,
    /// Why it was disabled, as the analyst who did it wrote.
    pub disabled_reason: Option<String>,
}

/// GuardDuty's protection plans and runtime monitoring coverage in one account and region
/// (GetDetector's features, GetCoverageStatistics, ListCoverage of unhealthy resources).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GuardDutyCoverage {
    pub account_id: String,
    pub region: String,
    /// Protection plans by GuardDuty's name (`S3_DATA_EVENTS`, `EKS_AUDIT_LOGS`,
    /// `RUNTIME_MONITORING`, `MALWARE_PROTECTION`…) and whether each is enabled.
    pub plans: Vec<(String, bool)>,
    /// Runtime monitoring coverage: resources whose agent is healthy, unhealthy.
    pub healthy: u64,
    pub unhealthy: u64,
    /// Unhealthy resources, with GuardDuty's reason (`EKS cluster x: agent not reporting`).
    pub unhealthy_resources: Vec<(String, String)>,
    /// Why GuardDuty could not be asked: nothing is known here.
    pub unread: Option<String>,
}

//! The data picket works on, independent of where it came from.

pub mod account;
pub mod age;
pub mod asff;
pub mod attack;
pub mod console;
pub mod counts;
pub mod disposition;
pub mod event;
pub mod finding;
#[cfg(test)]
pub mod fixtures;
pub mod guardduty;
pub mod health;
pub mod json;
pub mod log;
pub mod mark;
pub mod ocsf;
pub mod packing;
pub mod profile;
pub mod raw;
pub mod record_kind;
pub mod region;
pub mod route;
pub mod sequence;
pub mod severity;
pub mod sla;
pub mod standards;
pub mod text;

pub use account::{Account, Directory};
pub use finding::{Finding, SourceKind, Sources, Workflow};
pub use log::LogEvent;
pub use route::Route;
pub use severity::{Severity, SeverityLabel};
pub use text::SafeText;

/// Why a record could not become a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapError {
    Missing(&'static str),
    NotJson,
    NotAFinding,
}

/// The scope of a GuardDuty finding's id: GuardDuty ids are GuardDuty's own, per account and
/// region. A Security Hub copy joins this scope only through [`guardduty_copy`].
pub fn guardduty_scope(account: &str, region: &str) -> Box<str> {
    format!("{GUARDDUTY_SCOPE}{account}\u{1f}{region}").into()
}

/// How every GuardDuty scope begins ([`guardduty_scope`]).
pub const GUARDDUTY_SCOPE: &str = "guardduty\u{1f}";

/// How the scope of every ASFF record of Security Hub begins ([`product_scope`]).
pub const ASFF_SCOPE: &str = "asff\u{1f}";

/// The scope of a Security Hub finding's id: its product (ASFF `ProductArn`, OCSF
/// `metadata.product.uid`), as Security Hub keys findings by product and id.
pub fn product_scope(format: &str, product: &str) -> Box<str> {
    format!("{format}\u{1f}{product}").into()
}

/// The GuardDuty id of a Security Hub record that is GuardDuty's own finding, and only then:
/// the product is GuardDuty's (`arn:<partition>:securityhub:<region>::product/aws/guardduty`),
/// and the finding ARN (`arn:<partition>:guardduty:<region>:<account>:detector/…/finding/<id>`)
/// names the same partition, the record's account and the record's region. A record from another
/// product, account or region that borrows a GuardDuty id stays a finding of its own.
pub fn guardduty_copy<'a>(
    id: &'a str,
    product_arn: &str,
    account: &str,
    region: &str,
) -> Option<&'a str> {
    let product: Vec<&str> = product_arn.split(':').collect();
    let [
        "arn",
        partition,
        "securityhub",
        product_region,
        "",
        "product/aws/guardduty",
    ] = product[..]
    else {
        return None;
    };
    let finding: Vec<&str> = id.splitn(6, ':').collect();
    let ["arn", id_partition, "guardduty", id_region, id_account, _] = finding[..] else {
        return None;
    };
    let same = id_partition == partition
        && id_region == product_region
        && id_region == region
        && id_account == account;
    same.then(|| guardduty_finding_id(id)).flatten()
}

/// The GuardDuty finding id in a GuardDuty finding ARN
/// (`arn:aws:guardduty:<region>:<account>:detector/<detector>/finding/<id>`), which is how
/// Security Hub names the GuardDuty findings it carries: the key that makes them one finding.
pub fn guardduty_finding_id(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (_, resource) = rest.split_once(":guardduty:")?;
    let (_, id) = resource.rsplit_once("/finding/")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

/// Rebuilds the full finding from its raw record, through the mapper that first read it.
pub fn finding_from_raw(raw: &raw::RawRecord) -> Result<Finding, MapError> {
    finding_from_text(raw.kind(), &raw.as_delivered())
}

/// Parses and maps one record delivered as compact JSON text, which is kept as its raw record.
pub fn finding_from_text(kind: raw::RecordKind, text: &str) -> Result<Finding, MapError> {
    let node = json::Node::parse(text).map_err(|_| MapError::NotJson)?;
    match kind {
        raw::RecordKind::GuardDuty => guardduty::map_node(&node, text),
        raw::RecordKind::Asff => asff::map_node(&node, text),
        raw::RecordKind::Ocsf => ocsf::map_node(&node, text),
        raw::RecordKind::Log => Err(MapError::NotAFinding),
    }
}

impl std::fmt::Display for MapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MapError::Missing(field) => write!(f, "missing required field `{field}`"),
            MapError::NotJson => f.write_str("not a JSON document"),
            MapError::NotAFinding => f.write_str("not a finding"),
        }
    }
}

impl std::error::Error for MapError {}

#[cfg(test)]
mod identity_tests {
    use super::guardduty_copy;

    const PRODUCT: &str = "arn:aws:securityhub:us-east-1::product/aws/guardduty";
    const ID: &str = "arn:aws:guardduty:us-east-1:111111111111:detector/d/finding/f1";

    #[test]
    fn only_guardduty_s_own_copy_folds() {
        assert_eq!(
            guardduty_copy(ID, PRODUCT, "111111111111", "us-east-1"),
            Some("f1")
        );
        let other_product =
            "arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default";
        for (id, product, account, region, why) in [
            (
                ID,
                other_product,
                "111111111111",
                "us-east-1",
                "a custom product",
            ),
            (ID, PRODUCT, "222222222222", "us-east-1", "another account"),
            (ID, PRODUCT, "111111111111", "eu-west-1", "another region"),
            (
                "arn:aws:guardduty:eu-west-1:111111111111:detector/d/finding/f1",
                PRODUCT,
                "111111111111",
                "us-east-1",
                "an id from another region than the product",
            ),
            (
                "arn:aws-cn:guardduty:us-east-1:111111111111:detector/d/finding/f1",
                PRODUCT,
                "111111111111",
                "us-east-1",
                "another partition",
            ),
            ("f1", PRODUCT, "111111111111", "us-east-1", "a bare id"),
            (
                ID,
                "arn:aws:securityhub:us-east-1::product/aws/guardduty/extra",
                "111111111111",
                "us-east-1",
                "a longer product ARN",
            ),
        ] {
            assert_eq!(guardduty_copy(id, product, account, region), None, "{why}");
        }
    }
}

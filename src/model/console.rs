//! Links into the AWS console: a finding (GuardDuty, Security Hub CSPM, the new Security Hub),
//! a resource, a log event, a CloudTrail event — each in its partition's console and its region,
//! with the encoding each console expects. Copied with `O`, shown in the detail view and
//! written into JSON output.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::Finding;
use super::raw::RecordKind;

/// Everything but unreserved characters is encoded (RFC 3986).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// The console of a region's partition, with the region it opens in: the standard partition's
/// consoles are regional hosts; GovCloud's and China's take the region as a parameter.
pub fn base(region: &str) -> Option<String> {
    let plain = region
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if region.is_empty() || !plain {
        return None;
    }
    Some(if region.starts_with("us-gov-") {
        "https://console.amazonaws-us-gov.com".to_string()
    } else if region.starts_with("cn-") {
        "https://console.amazonaws.cn".to_string()
    } else if region.starts_with("us-iso") || region.starts_with("eu-isoe") {
        // Isolated partitions have consoles of their own, not reachable from here.
        return None;
    } else {
        format!("https://{region}.console.aws.amazon.com")
    })
}

/// The finding in its own console: GuardDuty's for GuardDuty findings (also when read from
/// Security Hub), Security Hub CSPM's for ASFF, the new Security Hub's for OCSF.
pub fn finding(finding: &Finding) -> Option<String> {
    let region = finding.region.as_str();
    let base = base(region)?;
    let region = encode(region);
    let guardduty_id = finding
        .scope
        .starts_with(super::GUARDDUTY_SCOPE)
        .then_some(finding.id.as_str());
    if let Some(id) = guardduty_id {
        return Some(format!(
            "{base}/guardduty/home?region={region}#/findings?macros=current&fId={}",
            encode(id)
        ));
    }
    match finding.raw.kind() {
        RecordKind::Asff => {
            let id = finding.arn.as_deref().unwrap_or(&finding.id);
            // The console's search is encoded twice: `Id=\operator\:EQUALS\:<id>`.
            Some(format!(
                "{base}/securityhub/home?region={region}#/findings?search={}",
                encode(&format!(
                    "Id={}",
                    encode(&format!("\\operator\\:EQUALS\\:{id}"))
                ))
            ))
        }
        // The new console has no documented link to one finding: its findings, in the region.
        RecordKind::Ocsf => Some(format!(
            "{base}/securityhub/v2/home?region={region}#/findings"
        )),
        RecordKind::GuardDuty | RecordKind::Log => None,
    }
}

/// A resource: by its ARN through the console's ARN resolver, else the pages GuardDuty's
/// bare ids name (an instance, a bucket).
pub fn resource(kind: &str, id: &str, arn: Option<&str>, region: &str) -> Option<String> {
    let arn = arn.or(id.starts_with("arn:").then_some(id));
    if let Some(arn) = arn {
        let partition = arn.split(':').nth(1).unwrap_or("aws");
        let host = match partition {
            "aws" => "https://console.aws.amazon.com",
            "aws-us-gov" => "https://console.amazonaws-us-gov.com",
            "aws-cn" => "https://console.amazonaws.cn",
            _ => return None,
        };
        return Some(format!("{host}/go/view?arn={}", encode(arn)));
    }
    let base = base(region)?;
    let region = encode(region);
    match kind {
        "Instance" | "AwsEc2Instance" if id.starts_with("i-") => Some(format!(
            "{base}/ec2/home?region={region}#InstanceDetails:instanceId={}",
            encode(id)
        )),
        "S3Bucket" | "AwsS3Bucket" if !id.is_empty() => {
            Some(format!("{base}/s3/buckets/{}?region={region}", encode(id)))
        }
        _ => None,
    }
}

/// A CloudTrail event in the event history.
pub fn cloudtrail_event(event_id: &str, region: &str) -> Option<String> {
    let base = base(region)?;
    Some(format!(
        "{base}/cloudtrailv2/home?region={}#/events/{}",
        encode(region),
        encode(event_id)
    ))
}

/// A log stream at an instant (milliseconds). The CloudWatch console reads its fragment with
/// `$` for `%`: names encoded twice (`/` is `$252F`), the query once (`?start=` is
/// `$3Fstart$3D`).
pub fn log_event(group: &str, stream: &str, at_ms: i64, region: &str) -> Option<String> {
    let base = base(region)?;
    let name = |text: &str| encode(&encode(text)).replace('%', "$");
    Some(format!(
        "{base}/cloudwatch/home?region={}#logsV2:log-groups/log-group/{}/log-events/{}$3Fstart$3D{at_ms}",
        encode(region),
        name(group),
        name(stream),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::guardduty;

    #[test]
    fn a_guardduty_finding_opens_in_guardduty_in_its_region_and_partition() {
        let f = guardduty(
            "f-1",
            "111122223333",
            "Recon:EC2/PortProbeUnprotectedPort",
            2.0,
            "2026-01-02T00:00:00Z",
        );
        let url = finding(&f).expect("a link");
        assert_eq!(
            url,
            format!(
                "https://{}.console.aws.amazon.com/guardduty/home?region={}#/findings?macros=current&fId=f-1",
                f.region, f.region
            )
        );
        assert_eq!(
            base("us-gov-west-1").as_deref(),
            Some("https://console.amazonaws-us-gov.com")
        );
        assert_eq!(
            base("cn-north-1").as_deref(),
            Some("https://console.amazonaws.cn")
        );
        assert_eq!(base("us-isob-east-1"), None);
        assert_eq!(
            base("us-east-1/../evil"),
            None,
            "only a region's characters"
        );
    }

    #[test]
    fn a_security_hub_finding_is_searched_by_its_id_encoded_twice() {
        let record = serde_json::json!({
            "SchemaVersion": "2018-10-08",
            "Id": "arn:aws:securityhub:eu-west-1:111122223333:security-control/S3.8/finding/abc",
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            "AwsAccountId": "111122223333", "Region": "eu-west-1", "Types": ["t"],
            "CreatedAt": "2026-01-10T00:00:00Z", "UpdatedAt": "2026-01-15T00:00:00Z",
            "Severity": {"Label": "HIGH"}, "Title": "x", "Resources": []
        });
        let f = crate::model::asff::map_finding(&record).expect("maps");
        assert_eq!(
            finding(&f).expect("a link"),
            "https://eu-west-1.console.aws.amazon.com/securityhub/home?region=eu-west-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Aarn%253Aaws%253Asecurityhub%253Aeu-west-1%253A111122223333%253Asecurity-control%252FS3.8%252Ffinding%252Fabc"
        );
    }

    #[test]
    fn resources_log_events_and_trail_events_have_their_pages() {
        assert_eq!(
            resource("AwsS3Bucket", "arn:aws:s3:::prod-data", None, "us-east-1").as_deref(),
            Some("https://console.aws.amazon.com/go/view?arn=arn%3Aaws%3As3%3A%3A%3Aprod-data")
        );
        assert_eq!(
            resource("Instance", "i-0abc", None, "us-east-1").as_deref(),
            Some(
                "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId=i-0abc"
            )
        );
        assert_eq!(resource("AccessKey", "AKIA1", None, "us-east-1"), None);
        assert_eq!(
            log_event(
                "/aws/cloudtrail/org",
                "111_CloudTrail_us-east-1",
                1_700_000_000_000,
                "us-east-1"
            )
            .as_deref(),
            Some(
                "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Fcloudtrail$252Forg/log-events/111_CloudTrail_us-east-1$3Fstart$3D1700000000000"
            )
        );
        assert_eq!(
            cloudtrail_event("0a1b-2c", "eu-west-1").as_deref(),
            Some(
                "https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/0a1b-2c"
            )
        );
    }
}

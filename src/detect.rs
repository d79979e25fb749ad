//! CIS AWS Foundations Benchmark CloudTrail detections, built in by name and evaluated on every
//! CloudTrail record that arrives (live tail, polling, files, the demo), so a tail is also a
//! detector. The patterns are the benchmark's CloudWatch Logs metric-filter patterns, verbatim
//! (Security Hub controls CloudWatch.1–14, and CIS 4.15 for Organizations), run by
//! [`crate::pattern`], the same engine as every other filter pattern.

use crate::pattern::Pattern;

#[derive(Debug, PartialEq, Eq)]
pub struct Detection {
    /// `root-usage`, as in `--detect root-usage` and `:detect root-usage`.
    pub name: &'static str,
    /// The control it comes from (`CloudWatch.1`).
    pub control: &'static str,
    pub title: &'static str,
    pub pattern: &'static str,
}

pub const CIS: &[Detection] = &[
    Detection {
        name: "root-usage",
        control: "CloudWatch.1",
        title: "root account used",
        pattern: r#"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#,
    },
    Detection {
        name: "unauthorized-api-calls",
        control: "CloudWatch.2",
        title: "unauthorized API calls",
        pattern: r#"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}"#,
    },
    Detection {
        name: "console-login-without-mfa",
        control: "CloudWatch.3",
        title: "console sign-in without MFA",
        pattern: r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
    },
    Detection {
        name: "iam-policy-changes",
        control: "CloudWatch.4",
        title: "IAM policy changed",
        pattern: r#"{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}"#,
    },
    Detection {
        name: "cloudtrail-changes",
        control: "CloudWatch.5",
        title: "CloudTrail configuration changed",
        pattern: r#"{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}"#,
    },
    Detection {
        name: "console-auth-failures",
        control: "CloudWatch.6",
        title: "console authentication failed",
        pattern: r#"{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}"#,
    },
    Detection {
        name: "cmk-disable-or-delete",
        control: "CloudWatch.7",
        title: "KMS key disabled or scheduled for deletion",
        pattern: r#"{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}"#,
    },
    Detection {
        name: "s3-bucket-policy-changes",
        control: "CloudWatch.8",
        title: "S3 bucket policy changed",
        pattern: r#"{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}"#,
    },
    Detection {
        name: "config-changes",
        control: "CloudWatch.9",
        title: "AWS Config configuration changed",
        pattern: r#"{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}"#,
    },
    Detection {
        name: "security-group-changes",
        control: "CloudWatch.10",
        title: "security group changed",
        pattern: r#"{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}"#,
    },
    Detection {
        name: "nacl-changes",
        control: "CloudWatch.11",
        title: "network ACL changed",
        pattern: r#"{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}"#,
    },
    Detection {
        name: "network-gateway-changes",
        control: "CloudWatch.12",
        title: "network gateway changed",
        pattern: r#"{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}"#,
    },
    Detection {
        name: "route-table-changes",
        control: "CloudWatch.13",
        title: "route table changed",
        pattern: r#"{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}"#,
    },
    Detection {
        name: "vpc-changes",
        control: "CloudWatch.14",
        title: "VPC changed",
        pattern: r#"{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}"#,
    },
    Detection {
        name: "organizations-changes",
        control: "CIS 1.4.0 4.15 / CIS 3.0 4.15",
        title: "AWS Organizations changed",
        pattern: r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#,
    },
];

/// The detections a name selects: one by its name, or `all`.
pub fn select(name: &str) -> Result<Vec<&'static Detection>, String> {
    if name == "all" {
        return Ok(CIS.iter().collect());
    }
    CIS.iter()
        .find(|d| d.name == name)
        .map(|d| vec![d])
        .ok_or_else(|| {
            let names: Vec<&str> = CIS.iter().map(|d| d.name).collect();
            format!(
                "unknown detection '{name}'; known: all, {}",
                names.join(", ")
            )
        })
}

/// Compiled detections, checked against each record.
#[derive(Clone, Debug)]
pub struct Detector {
    compiled: Vec<(&'static Detection, Pattern)>,
}

impl Detector {
    pub fn new(detections: Vec<&'static Detection>) -> Detector {
        let compiled = detections
            .into_iter()
            // The built-in patterns are tested to parse; one that did not would be skipped, not
            // crash a tail.
            .filter_map(|d| Pattern::parse(d.pattern).ok().map(|p| (d, p)))
            .collect();
        Detector { compiled }
    }

    pub fn is_empty(&self) -> bool {
        self.compiled.is_empty()
    }

    /// The detections `message` (a CloudTrail record) triggers.
    pub fn check(&self, message: &str) -> Vec<&'static Detection> {
        let mut parsed = crate::pattern::Parsed::default();
        self.compiled
            .iter()
            .filter(|(_, pattern)| pattern.matches_parsed(message, &mut parsed))
            .map(|(d, _)| *d)
            .collect()
    }
}

#[cfg(test)]
mod tests;

use serde_json::{Value, json};

use super::*;

/// A CloudTrail record: an IAM user's successful API call, with `changes` merged in.
fn record(changes: Value) -> String {
    let mut record = json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333", "accessKeyId": "AKIAEXAMPLE", "userName": "alice"},
        "eventTime": "2026-01-15T09:00:00Z", "eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances",
        "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2",
        "requestParameters": null, "responseElements": null, "eventType": "AwsApiCall",
        "readOnly": true, "recipientAccountId": "111122223333"
    });
    merge(&mut record, changes);
    record.to_string()
}

fn merge(into: &mut Value, changes: Value) {
    match (into, changes) {
        (Value::Object(into), Value::Object(changes)) => {
            for (k, v) in changes {
                match into.get_mut(&k) {
                    Some(slot) if v.is_object() && slot.is_object() => merge(slot, v),
                    _ => {
                        into.insert(k, v);
                    }
                }
            }
        }
        (into, changes) => *into = changes,
    }
}

fn api(source: &str, name: &str) -> String {
    record(json!({"eventSource": source, "eventName": name, "readOnly": false}))
}

/// For every detection: records it must flag, and near misses it must not.
fn cases() -> Vec<(&'static str, Vec<String>, Vec<String>)> {
    let root = |changes: Value| {
        let mut base = json!({"userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "userName": null}});
        merge(&mut base, changes);
        record(base)
    };
    let login = |changes: Value| {
        let mut base = json!({"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
            "eventType": "AwsConsoleSignIn", "responseElements": {"ConsoleLogin": "Success"},
            "additionalEventData": {"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com"}});
        merge(&mut base, changes);
        record(base)
    };
    vec![
        (
            "root-usage",
            vec![root(json!({})), root(json!({"eventName": "ConsoleLogin"}))],
            vec![
                record(json!({})),
                root(json!({"userIdentity": {"invokedBy": "support.amazonaws.com"}})),
                root(json!({"eventType": "AwsServiceEvent"})),
            ],
        ),
        (
            "unauthorized-api-calls",
            vec![
                record(json!({"errorCode": "Client.UnauthorizedOperation"})),
                record(json!({"errorCode": "AccessDenied"})),
                record(json!({"errorCode": "AccessDeniedException"})),
            ],
            vec![
                record(json!({})),
                record(json!({"errorCode": "ThrottlingException"})),
                record(
                    json!({"errorCode": "NoSuchEntityException", "errorMessage": "AccessDenied elsewhere"}),
                ),
            ],
        ),
        (
            "console-login-without-mfa",
            vec![login(json!({}))],
            vec![
                login(json!({"additionalEventData": {"MFAUsed": "Yes"}})),
                login(json!({"responseElements": {"ConsoleLogin": "Failure"}})),
                login(json!({"userIdentity": {"type": "AssumedRole"}})),
            ],
        ),
        (
            "iam-policy-changes",
            [
                "DeleteGroupPolicy",
                "DeleteRolePolicy",
                "DeleteUserPolicy",
                "PutGroupPolicy",
                "PutRolePolicy",
                "PutUserPolicy",
                "CreatePolicy",
                "DeletePolicy",
                "CreatePolicyVersion",
                "DeletePolicyVersion",
                "AttachRolePolicy",
                "DetachRolePolicy",
                "AttachUserPolicy",
                "DetachUserPolicy",
                "AttachGroupPolicy",
                "DetachGroupPolicy",
            ]
            .iter()
            .map(|n| api("iam.amazonaws.com", n))
            .collect(),
            vec![
                api("iam.amazonaws.com", "GetPolicy"),
                api("iam.amazonaws.com", "ListAttachedRolePolicies"),
                api("iam.amazonaws.com", "CreateUser"),
            ],
        ),
        (
            "cloudtrail-changes",
            [
                "CreateTrail",
                "UpdateTrail",
                "DeleteTrail",
                "StartLogging",
                "StopLogging",
            ]
            .iter()
            .map(|n| api("cloudtrail.amazonaws.com", n))
            .collect(),
            vec![
                api("cloudtrail.amazonaws.com", "DescribeTrails"),
                api("cloudtrail.amazonaws.com", "LookupEvents"),
            ],
        ),
        (
            "console-auth-failures",
            vec![login(
                json!({"errorMessage": "Failed authentication", "responseElements": {"ConsoleLogin": "Failure"}}),
            )],
            vec![
                login(json!({})),
                login(json!({"errorMessage": "Some other failure"})),
            ],
        ),
        (
            "cmk-disable-or-delete",
            vec![
                api("kms.amazonaws.com", "DisableKey"),
                api("kms.amazonaws.com", "ScheduleKeyDeletion"),
            ],
            vec![
                api("kms.amazonaws.com", "EnableKey"),
                api("ec2.amazonaws.com", "DisableKey"),
            ],
        ),
        (
            "s3-bucket-policy-changes",
            [
                "PutBucketAcl",
                "PutBucketPolicy",
                "PutBucketCors",
                "PutBucketLifecycle",
                "PutBucketReplication",
                "DeleteBucketPolicy",
                "DeleteBucketCors",
                "DeleteBucketLifecycle",
                "DeleteBucketReplication",
            ]
            .iter()
            .map(|n| api("s3.amazonaws.com", n))
            .collect(),
            vec![
                api("s3.amazonaws.com", "GetBucketPolicy"),
                api("s3.amazonaws.com", "PutObject"),
                api("iam.amazonaws.com", "PutBucketPolicy"),
            ],
        ),
        (
            "config-changes",
            [
                "StopConfigurationRecorder",
                "DeleteDeliveryChannel",
                "PutDeliveryChannel",
                "PutConfigurationRecorder",
            ]
            .iter()
            .map(|n| api("config.amazonaws.com", n))
            .collect(),
            vec![
                api("config.amazonaws.com", "StartConfigurationRecorder"),
                api("config.amazonaws.com", "DescribeConfigurationRecorders"),
            ],
        ),
        (
            "security-group-changes",
            [
                "AuthorizeSecurityGroupIngress",
                "AuthorizeSecurityGroupEgress",
                "RevokeSecurityGroupIngress",
                "RevokeSecurityGroupEgress",
                "CreateSecurityGroup",
                "DeleteSecurityGroup",
            ]
            .iter()
            .map(|n| api("ec2.amazonaws.com", n))
            .collect(),
            vec![
                api("ec2.amazonaws.com", "DescribeSecurityGroups"),
                api("ec2.amazonaws.com", "ModifySecurityGroupRules"),
            ],
        ),
        (
            "nacl-changes",
            [
                "CreateNetworkAcl",
                "CreateNetworkAclEntry",
                "DeleteNetworkAcl",
                "DeleteNetworkAclEntry",
                "ReplaceNetworkAclEntry",
                "ReplaceNetworkAclAssociation",
            ]
            .iter()
            .map(|n| api("ec2.amazonaws.com", n))
            .collect(),
            vec![api("ec2.amazonaws.com", "DescribeNetworkAcls")],
        ),
        (
            "network-gateway-changes",
            [
                "CreateCustomerGateway",
                "DeleteCustomerGateway",
                "AttachInternetGateway",
                "CreateInternetGateway",
                "DeleteInternetGateway",
                "DetachInternetGateway",
            ]
            .iter()
            .map(|n| api("ec2.amazonaws.com", n))
            .collect(),
            vec![
                api("ec2.amazonaws.com", "DescribeInternetGateways"),
                api("ec2.amazonaws.com", "CreateNatGateway"),
            ],
        ),
        (
            "route-table-changes",
            [
                "CreateRoute",
                "CreateRouteTable",
                "ReplaceRoute",
                "ReplaceRouteTableAssociation",
                "DeleteRouteTable",
                "DeleteRoute",
                "DisassociateRouteTable",
            ]
            .iter()
            .map(|n| api("ec2.amazonaws.com", n))
            .collect(),
            vec![
                api("ec2.amazonaws.com", "DescribeRouteTables"),
                api("ec2.amazonaws.com", "AssociateRouteTable"),
            ],
        ),
        (
            "vpc-changes",
            [
                "CreateVpc",
                "DeleteVpc",
                "ModifyVpcAttribute",
                "AcceptVpcPeeringConnection",
                "CreateVpcPeeringConnection",
                "DeleteVpcPeeringConnection",
                "RejectVpcPeeringConnection",
                "AttachClassicLinkVpc",
                "DetachClassicLinkVpc",
                "DisableVpcClassicLink",
                "EnableVpcClassicLink",
            ]
            .iter()
            .map(|n| api("ec2.amazonaws.com", n))
            .collect(),
            vec![
                api("ec2.amazonaws.com", "DescribeVpcs"),
                api("ec2.amazonaws.com", "CreateVpcEndpoint"),
            ],
        ),
        (
            "organizations-changes",
            [
                "AcceptHandshake",
                "AttachPolicy",
                "CreateAccount",
                "CreateOrganizationalUnit",
                "CreatePolicy",
                "DeclineHandshake",
                "DeleteOrganization",
                "DeleteOrganizationalUnit",
                "DeletePolicy",
                "DetachPolicy",
                "DisablePolicyType",
                "EnablePolicyType",
                "InviteAccountToOrganization",
                "LeaveOrganization",
                "MoveAccount",
                "RemoveAccountFromOrganization",
                "UpdatePolicy",
                "UpdateOrganizationalUnit",
            ]
            .iter()
            .map(|n| api("organizations.amazonaws.com", n))
            .collect(),
            vec![
                api("organizations.amazonaws.com", "ListAccounts"),
                api("iam.amazonaws.com", "AttachPolicy"),
            ],
        ),
    ]
}

#[test]
fn every_built_in_pattern_parses() {
    assert_eq!(CIS.len(), 15);
    for detection in CIS {
        Pattern::parse(detection.pattern).unwrap_or_else(|e| panic!("{}: {e}", detection.name));
    }
    assert_eq!(
        Detector::new(select("all").expect("all")).compiled.len(),
        15
    );
}

#[test]
fn each_control_flags_exactly_what_it_describes() {
    let cases = cases();
    assert_eq!(cases.len(), CIS.len(), "a case for every detection");
    let all = Detector::new(select("all").expect("all"));
    for (name, flagged, spared) in &cases {
        let one = Detector::new(select(name).expect("known"));
        for record in flagged {
            assert_eq!(one.check(record).len(), 1, "{name} should flag {record}");
        }
        for record in spared {
            assert!(
                one.check(record).is_empty(),
                "{name} should not flag {record}"
            );
        }
    }
    // A plain read-only call triggers nothing at all.
    assert!(all.check(&record(json!({}))).is_empty());
}

#[test]
fn unknown_names_list_the_known_ones() {
    let error = select("root").expect_err("unknown");
    assert!(
        error.contains("root-usage") && error.contains("all"),
        "{error}"
    );
}

#[test]
fn alerts_stay_bounded_however_many_principals_a_stream_names() {
    let detection = CIS
        .iter()
        .find(|d| d.name == "unauthorized-api-calls")
        .expect("a detection");
    let mut alerts = Alerts::default();
    let mut last = String::new();
    for n in 0..MAX_ALERTS + 50 {
        let text = record(json!({
            "errorCode": "AccessDenied",
            "userIdentity": {"arn": format!("arn:aws:iam::111122223333:user/u{n}"), "userName": format!("u{n}")}
        }));
        let event = LogEvent::new(
            jiff::Timestamp::UNIX_EPOCH,
            "111122223333",
            "us-east-1",
            "trail",
            "s",
            &text,
        );
        last = alerts.count(detection, &event).expect("counted");
        if n == MAX_ALERTS + 49 {
            let finding = alerts
                .finding(&last, detection, &event, &text)
                .expect("built");
            assert_eq!(finding.count, 50, "the rest are counted together");
            assert!(finding.title.contains("and others"), "{}", finding.title);
        }
    }
    assert_eq!(alerts.len(), MAX_ALERTS + 1);
    assert!(last.ends_with("/overflow"));
}

#[test]
fn an_alert_from_a_record_at_the_ends_of_time_is_kept() {
    let detector = Detector::named(&["all".to_string()]).expect("all detections");
    for time in [
        "-009999-01-02T02:00:00Z",
        "9999-12-30T21:59:59Z",
        "0001-01-01T00:00:00Z",
    ] {
        let text = record(json!({
            "eventTime": time,
            "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "userName": null},
            "eventName": "ConsoleLogin", "eventSource": "signin.amazonaws.com", "eventType": "AwsConsoleSignIn"
        }));
        let event = LogEvent::new(
            Timestamp::UNIX_EPOCH,
            "111122223333",
            "us-east-1",
            "trail",
            "stream",
            &text,
        );
        let matched = detector.check(&text);
        assert!(!matched.is_empty(), "{time}: a root sign-in is flagged");
        let mut alerts = Alerts::default();
        for detection in matched {
            let id = alerts.count(detection, &event).expect("an alert id");
            let finding = alerts
                .finding(&id, detection, &event, &text)
                .unwrap_or_else(|| panic!("{time}: the alert of {} was lost", detection.name));
            assert_eq!(finding.last_seen.to_string(), time);
        }
    }
}

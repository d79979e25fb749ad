//! What the event feed needs in AWS, as data: one encrypted SQS queue, one EventBridge rule per
//! kind of finding event, and a queue policy that lets only those rules send. The same
//! [`FeedPlan`] is printed as a CloudFormation template (`picket feed template`), carried out
//! call by call after a confirmation (`picket feed setup`), and checked (`picket doctor`).

use aws_config::Region;
use aws_sdk_eventbridge::types::{RuleState, Target};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::json;

use super::Track;
use super::errors::{Failure, FailureKind};
use super::plan::Plan;
use crate::model::health::Service;

/// The queue's name unless one is given.
pub const DEFAULT_QUEUE: &str = "picket-findings";
/// How long an unread event waits in the queue (4 days, SQS's default): picket catches up after a
/// weekend offline; older changes come back with the daily reconciliation.
const RETENTION_SECONDS: u32 = 345_600;
/// Long enough for a poll to store what it received before the message could be redelivered.
const VISIBILITY_SECONDS: u32 = 60;

/// One EventBridge rule: its name and the events it matches.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSpec {
    pub name: String,
    /// The CloudFormation logical id.
    pub logical: &'static str,
    pub source: &'static str,
    pub detail_types: &'static [&'static str],
}

impl RuleSpec {
    pub fn pattern(&self) -> serde_json::Value {
        json!({"source": [self.source], "detail-type": self.detail_types})
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FeedPlan {
    pub queue: String,
    pub region: String,
    pub rules: Vec<RuleSpec>,
}

impl FeedPlan {
    pub fn new(queue: &str, region: &str) -> FeedPlan {
        let rule = |suffix: &str, logical, source, detail_types| RuleSpec {
            name: format!("{queue}-{suffix}"),
            logical,
            source,
            detail_types,
        };
        FeedPlan {
            queue: queue.to_string(),
            region: region.to_string(),
            rules: vec![
                rule(
                    "securityhub",
                    "SecurityHubRule",
                    "aws.securityhub",
                    &[
                        "Security Hub Findings - Imported",
                        "Security Hub Findings - Custom Action",
                    ],
                ),
                rule(
                    "securityhub-v2",
                    "SecurityHubV2Rule",
                    "aws.securityhub",
                    &["Findings Imported V2"],
                ),
                rule(
                    "guardduty",
                    "GuardDutyRule",
                    "aws.guardduty",
                    &["GuardDuty Finding"],
                ),
            ],
        }
    }

    /// The queue policy: EventBridge may send, and only for these rules.
    pub fn policy(&self, queue_arn: &str, rule_arns: &[String]) -> serde_json::Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "PicketFeedRulesOnly",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arns}}
            }]
        })
    }

    /// The calls `setup` makes, in order, for the confirmation.
    pub fn calls(&self) -> Vec<String> {
        let mut calls = vec![format!(
            "sqs:CreateQueue {} in {} (SQS-managed encryption, {} days retention, visibility {VISIBILITY_SECONDS} s)",
            self.queue,
            self.region,
            RETENTION_SECONDS / 86_400
        )];
        for rule in &self.rules {
            calls.push(format!(
                "events:PutRule {} ({}: {})",
                rule.name,
                rule.source,
                rule.detail_types.join(", ")
            ));
        }
        calls.push(format!(
            "sqs:SetQueueAttributes {}: a policy letting only those {} rules send",
            self.queue,
            self.rules.len()
        ));
        for rule in &self.rules {
            calls.push(format!("events:PutTargets {} → {}", rule.name, self.queue));
        }
        calls
    }

    /// The same resources as a CloudFormation template (YAML).
    pub fn template(&self) -> String {
        let mut out = String::new();
        out.push_str("AWSTemplateFormatVersion: '2010-09-09'\n");
        out.push_str("Description: >-\n  picket event feed: GuardDuty and Security Hub finding events delivered by\n  EventBridge to an encrypted SQS queue that picket long-polls ([feed] queue_url).\n");
        out.push_str("Parameters:\n  QueueName:\n    Type: String\n");
        out.push_str(&format!("    Default: {}\n", self.queue));
        out.push_str("Resources:\n");
        out.push_str("  FindingsQueue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref QueueName\n      SqsManagedSseEnabled: true\n");
        out.push_str(&format!(
            "      MessageRetentionPeriod: {RETENTION_SECONDS}\n      VisibilityTimeout: {VISIBILITY_SECONDS}\n"
        ));
        for rule in &self.rules {
            out.push_str(&format!(
                "  {}:\n    Type: AWS::Events::Rule\n    Properties:\n      Name: !Sub '${{QueueName}}-{}'\n      State: ENABLED\n      EventPattern:\n        source:\n          - {}\n        detail-type:\n",
                rule.logical,
                rule.name.trim_start_matches(&format!("{}-", self.queue)),
                rule.source
            ));
            for kind in rule.detail_types {
                out.push_str(&format!("          - '{kind}'\n"));
            }
            out.push_str("      Targets:\n        - Id: picket-queue\n          Arn: !GetAtt FindingsQueue.Arn\n");
        }
        out.push_str("  FindingsQueuePolicy:\n    Type: AWS::SQS::QueuePolicy\n    Properties:\n      Queues:\n        - !Ref FindingsQueue\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Sid: PicketFeedRulesOnly\n            Effect: Allow\n            Principal:\n              Service: events.amazonaws.com\n            Action: sqs:SendMessage\n            Resource: !GetAtt FindingsQueue.Arn\n            Condition:\n              ArnEquals:\n                aws:SourceArn:\n");
        for rule in &self.rules {
            out.push_str(&format!(
                "                  - !GetAtt {}.Arn\n",
                rule.logical
            ));
        }
        out.push_str("Outputs:\n  QueueUrl:\n    Description: picket's [feed] queue_url\n    Value: !Ref FindingsQueue\n");
        out
    }
}

/// What `setup` made: the queue URL, and each call with its outcome.
#[derive(Debug, Default)]
pub struct SetupOutcome {
    pub queue_url: Option<String>,
    pub done: Vec<(String, Result<(), String>)>,
}

/// Creates the plan's queue, rules, policy and targets, stopping at the first failure (every
/// call is idempotent: running it again completes what is missing).
pub async fn setup(plan: &Plan, feed: &FeedPlan, account: &str) -> SetupOutcome {
    let region = Region::new(feed.region.clone());
    let sqs = super::plan::sqs_client(&plan.base, &region);
    let events = aws_sdk_eventbridge::Client::from_conf(
        aws_sdk_eventbridge::config::Builder::from(&plan.base)
            .region(region)
            .build(),
    );
    let track = Track::one_off(account, &feed.region, Service::Feed, &plan.budget);
    let mut outcome = SetupOutcome::default();
    let mut step = |what: String, result: Result<(), Failure>| -> bool {
        let ok = result.is_ok();
        outcome.done.push((what, result.map_err(|f| f.message)));
        ok
    };
    let created = track
        .call(
            "sqs:CreateQueue",
            sqs.create_queue()
                .queue_name(&feed.queue)
                .attributes(QueueAttributeName::SqsManagedSseEnabled, "true")
                .attributes(
                    QueueAttributeName::MessageRetentionPeriod,
                    RETENTION_SECONDS.to_string(),
                )
                .attributes(
                    QueueAttributeName::VisibilityTimeout,
                    VISIBILITY_SECONDS.to_string(),
                )
                .send(),
        )
        .await;
    let queue_url = match created.map(|out| out.queue_url().map(str::to_string)) {
        Ok(Some(url)) => url,
        Ok(None) => {
            step(
                format!("sqs:CreateQueue {}", feed.queue),
                Err(Failure::new(
                    FailureKind::Other,
                    "no queue URL in the answer",
                )),
            );
            return outcome;
        }
        Err(failure) => {
            step(format!("sqs:CreateQueue {}", feed.queue), Err(failure));
            return outcome;
        }
    };
    step(format!("sqs:CreateQueue {}", feed.queue), Ok(()));
    let arn = track
        .call(
            "sqs:GetQueueAttributes",
            sqs.get_queue_attributes()
                .queue_url(&queue_url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send(),
        )
        .await
        .and_then(|out| {
            out.attributes()
                .and_then(|a| a.get(&QueueAttributeName::QueueArn))
                .cloned()
                .ok_or_else(|| Failure::new(FailureKind::Other, "the queue has no ARN"))
        });
    let queue_arn = match arn {
        Ok(arn) => arn,
        Err(failure) => {
            step(
                format!("sqs:GetQueueAttributes {}", feed.queue),
                Err(failure),
            );
            outcome.queue_url = Some(queue_url);
            return outcome;
        }
    };
    let mut rule_arns = Vec::new();
    for rule in &feed.rules {
        let put = track
            .call(
                "events:PutRule",
                events
                    .put_rule()
                    .name(&rule.name)
                    .event_pattern(rule.pattern().to_string())
                    .state(RuleState::Enabled)
                    .description("picket event feed: finding events to picket's SQS queue")
                    .send(),
            )
            .await;
        match put.map(|out| out.rule_arn().map(str::to_string)) {
            Ok(Some(arn)) => {
                step(format!("events:PutRule {}", rule.name), Ok(()));
                rule_arns.push(arn);
            }
            Ok(None) => {
                step(
                    format!("events:PutRule {}", rule.name),
                    Err(Failure::new(
                        FailureKind::Other,
                        "no rule ARN in the answer",
                    )),
                );
                outcome.queue_url = Some(queue_url);
                return outcome;
            }
            Err(failure) => {
                step(format!("events:PutRule {}", rule.name), Err(failure));
                outcome.queue_url = Some(queue_url);
                return outcome;
            }
        }
    }
    let policy = feed.policy(&queue_arn, &rule_arns).to_string();
    let set = track
        .call(
            "sqs:SetQueueAttributes",
            sqs.set_queue_attributes()
                .queue_url(&queue_url)
                .attributes(QueueAttributeName::Policy, policy)
                .send(),
        )
        .await
        .map(|_| ());
    if !step(format!("sqs:SetQueueAttributes {} policy", feed.queue), set) {
        outcome.queue_url = Some(queue_url);
        return outcome;
    }
    for rule in &feed.rules {
        let target = Target::builder().id("picket-queue").arn(&queue_arn).build();
        let result = match target {
            Ok(target) => track
                .call(
                    "events:PutTargets",
                    events.put_targets().rule(&rule.name).targets(target).send(),
                )
                .await
                .and_then(|out| {
                    if out.failed_entry_count() > 0 {
                        Err(Failure::new(
                            FailureKind::Other,
                            out.failed_entries()
                                .first()
                                .and_then(|e| e.error_message())
                                .unwrap_or("the target was refused")
                                .to_string(),
                        ))
                    } else {
                        Ok(())
                    }
                }),
            Err(e) => Err(Failure::new(FailureKind::Other, e.to_string())),
        };
        if !step(format!("events:PutTargets {}", rule.name), result) {
            break;
        }
    }
    outcome.queue_url = Some(queue_url);
    outcome
}

/// `picket doctor`'s checks of one feed queue: reachable, targeted by rules, readable and
/// deletable, and how far behind it is.
pub async fn check(plan: &Plan, queue_url: &str) -> Vec<(String, Result<String, Failure>)> {
    let (region, account) = super::feed::queue_place(queue_url);
    let region = region
        .or_else(|| plan.regions.first().cloned())
        .unwrap_or_else(|| "us-east-1".into());
    let account = account.unwrap_or_else(|| "unknown".into());
    let sqs = super::plan::sqs_client(&plan.base, &Region::new(region.clone()));
    let events = aws_sdk_eventbridge::Client::from_conf(
        aws_sdk_eventbridge::config::Builder::from(&plan.base)
            .region(Region::new(region.clone()))
            .build(),
    );
    let track = Track::one_off(&account, &region, Service::Feed, &plan.budget);
    let mut checks = Vec::new();
    let attributes = track
        .call(
            "sqs:GetQueueAttributes",
            sqs.get_queue_attributes()
                .queue_url(queue_url)
                .attribute_names(QueueAttributeName::All)
                .send(),
        )
        .await;
    let attributes = match attributes {
        Ok(out) => out.attributes().cloned().unwrap_or_default(),
        Err(failure) => {
            checks.push(("queue".to_string(), Err(failure)));
            return checks;
        }
    };
    let get = |name: QueueAttributeName| attributes.get(&name).cloned().unwrap_or_default();
    checks.push((
        "queue".to_string(),
        Ok(format!(
            "{} messages waiting, {} being read",
            get(QueueAttributeName::ApproximateNumberOfMessages),
            get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        )),
    ));
    let queue_arn = get(QueueAttributeName::QueueArn);
    let rules = track
        .call(
            "events:ListRuleNamesByTarget",
            events
                .list_rule_names_by_target()
                .target_arn(&queue_arn)
                .send(),
        )
        .await
        .and_then(|out| {
            let names = out.rule_names().to_vec();
            if names.is_empty() {
                Err(Failure::new(
                    FailureKind::NotEnabled,
                    "no EventBridge rule sends to this queue: run `picket feed setup` (or deploy `picket feed template`)",
                ))
            } else {
                Ok(format!("rules sending to it: {}", names.join(", ")))
            }
        });
    checks.push(("rules".to_string(), rules));
    // A peek that hides nothing (visibility 0): proves sqs:ReceiveMessage, and dates the
    // oldest message it sees.
    let peek = track
        .call(
            "sqs:ReceiveMessage",
            sqs.receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .visibility_timeout(0)
                .wait_time_seconds(0)
                .message_system_attribute_names(
                    aws_sdk_sqs::types::MessageSystemAttributeName::SentTimestamp,
                )
                .send(),
        )
        .await
        .map(|out| {
            let oldest = out
                .messages()
                .iter()
                .filter_map(|m| {
                    m.attributes()?
                        .get(&aws_sdk_sqs::types::MessageSystemAttributeName::SentTimestamp)?
                        .parse::<i64>()
                        .ok()
                })
                .min()
                .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok());
            match oldest {
                Some(at) => format!(
                    "readable; the oldest message seen was sent {} s ago",
                    jiff::Timestamp::now().duration_since(at).as_secs().max(0)
                ),
                None => "readable; no message waiting".to_string(),
            }
        });
    checks.push(("receive".to_string(), peek));
    // A delete of a receipt that cannot exist: AWS says the receipt is invalid when the
    // permission is there, access denied when it is not. Nothing is deleted.
    let delete = track
        .call(
            "sqs:DeleteMessage",
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle("picket-doctor-permission-probe")
                .send(),
        )
        .await;
    let delete = match delete {
        Ok(_) => Ok("deletable".to_string()),
        Err(f) if f.kind == FailureKind::AccessDenied => Err(f),
        Err(f) if f.message.contains("ReceiptHandle") || f.message.contains("receipt") => {
            Ok("deletable".to_string())
        }
        Err(f) => Err(f),
    };
    checks.push(("delete".to_string(), delete));
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_holds_what_setup_creates() {
        let plan = FeedPlan::new(DEFAULT_QUEUE, "eu-west-1");
        let template = plan.template();
        assert!(template.contains("SqsManagedSseEnabled: true"));
        for rule in &plan.rules {
            assert!(
                template.contains(&format!("  {}:\n    Type: AWS::Events::Rule", rule.logical))
            );
            assert!(template.contains(&format!("!GetAtt {}.Arn", rule.logical)));
            for kind in rule.detail_types {
                assert!(template.contains(&format!("- '{kind}'")));
            }
        }
        // Only the rules may send.
        let policy = plan.policy("arn:aws:sqs:eu-west-1:111122223333:q", &["arn:r".into()]);
        assert_eq!(
            policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"][0],
            "arn:r"
        );
        assert_eq!(
            policy["Statement"][0]["Principal"]["Service"],
            "events.amazonaws.com"
        );
        assert_eq!(plan.calls().len(), 2 + 2 * plan.rules.len());
    }
}

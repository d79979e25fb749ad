//! Response actions through the SDK: Security Hub BatchUpdateFindings and GuardDuty
//! Archive/Unarchive/UpdateFindingsFeedback, each call inside the request budget, every target
//! answered (processed, unprocessed with AWS's words, or the call's error).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_securityhub::types::{
    AwsSecurityFindingIdentifier, NoteUpdate, SeverityUpdate, VerificationState, WorkflowStatus,
    WorkflowUpdate,
};
use serde_json::Value;

use super::Track;
use super::budget::Budget;
use crate::actions::executor::{Backend, all_failed};
use crate::actions::{Call, Target};
use crate::journal::TargetOutcome;
use crate::model::health::Service;

type ClientFor<C> = Box<dyn Fn(&str) -> C + Send + Sync>;

/// Sends plans' calls with one set of credentials (the administrator's, in admin mode).
pub struct AwsBackend {
    /// A client for a region.
    hub: ClientFor<aws_sdk_securityhub::Client>,
    guardduty: ClientFor<aws_sdk_guardduty::Client>,
    budget: Arc<Budget>,
}

impl AwsBackend {
    pub fn new(config: SdkConfig, budget: Arc<Budget>) -> AwsBackend {
        let hub_config = config.clone();
        AwsBackend {
            hub: Box::new(move |region| {
                aws_sdk_securityhub::Client::from_conf(
                    aws_sdk_securityhub::config::Builder::from(&hub_config)
                        .region(Region::new(region.to_string()))
                        .build(),
                )
            }),
            guardduty: Box::new(move |region| {
                aws_sdk_guardduty::Client::from_conf(
                    aws_sdk_guardduty::config::Builder::from(&config)
                        .region(Region::new(region.to_string()))
                        .build(),
                )
            }),
            budget,
        }
    }

    /// With given clients, whatever the region (tests).
    pub fn with_clients(
        hub: aws_sdk_securityhub::Client,
        guardduty: aws_sdk_guardduty::Client,
        budget: Arc<Budget>,
    ) -> AwsBackend {
        AwsBackend {
            hub: Box::new(move |_| hub.clone()),
            guardduty: Box::new(move |_| guardduty.clone()),
            budget,
        }
    }

    fn track(&self, call: &Call, service: Service) -> Track {
        Track::one_off(&call.account, &call.region, service, &self.budget)
    }

    async fn security_hub(&self, call: &Call, targets: &[Target]) -> Vec<TargetOutcome> {
        let client = (self.hub)(&call.region);
        let p = &call.params;
        let mut request = client.batch_update_findings();
        for &i in &call.targets {
            let t = &targets[i];
            request = request.finding_identifiers(
                AwsSecurityFindingIdentifier::builder()
                    .set_id(t.hub_id.clone())
                    .set_product_arn(t.product_arn.clone())
                    .build(),
            );
        }
        if let Some(status) = p.pointer("/Workflow/Status").and_then(Value::as_str) {
            request = request.workflow(
                WorkflowUpdate::builder()
                    .status(WorkflowStatus::from(status))
                    .build(),
            );
        }
        if let (Some(text), Some(by)) = (
            p.pointer("/Note/Text").and_then(Value::as_str),
            p.pointer("/Note/UpdatedBy").and_then(Value::as_str),
        ) {
            request = request.note(NoteUpdate::builder().text(text).updated_by(by).build());
        }
        if let Some(state) = p.get("VerificationState").and_then(Value::as_str) {
            request = request.verification_state(VerificationState::from(state));
        }
        if let Some(label) = p.pointer("/Severity/Label").and_then(Value::as_str) {
            request = request.severity(
                SeverityUpdate::builder()
                    .label(aws_sdk_securityhub::types::SeverityLabel::from(label))
                    .build(),
            );
        }
        let track = self.track(call, Service::SecurityHub);
        let out = match track.call(call.api, request.send()).await {
            Ok(out) => out,
            Err(failure) => return all_failed(call, targets, &failure.message),
        };
        let request_id =
            aws_sdk_securityhub::operation::RequestId::request_id(&out).map(str::to_string);
        call.targets
            .iter()
            .map(|&i| {
                let t = &targets[i];
                let unprocessed = out
                    .unprocessed_findings()
                    .iter()
                    .find(|u| u.finding_identifier().and_then(|f| f.id()) == t.hub_id.as_deref());
                match unprocessed {
                    Some(u) => TargetOutcome {
                        finding: t.finding.clone(),
                        ok: false,
                        error: Some(format!(
                            "{}: {}",
                            u.error_code().unwrap_or("unprocessed"),
                            u.error_message().unwrap_or("")
                        )),
                        request_id: request_id.clone(),
                    },
                    None => TargetOutcome {
                        finding: t.finding.clone(),
                        ok: true,
                        error: None,
                        request_id: request_id.clone(),
                    },
                }
            })
            .collect()
    }

    async fn guardduty(&self, call: &Call, targets: &[Target]) -> Vec<TargetOutcome> {
        let client = (self.guardduty)(&call.region);
        let detector = call
            .params
            .get("DetectorId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let ids: Vec<String> = call
            .targets
            .iter()
            .map(|&i| targets[i].finding.clone())
            .collect();
        let track = self.track(call, Service::GuardDuty);
        use aws_sdk_guardduty::operation::RequestId;
        let answer = match call.api {
            "guardduty:ArchiveFindings" => {
                let request = client
                    .archive_findings()
                    .detector_id(detector)
                    .set_finding_ids(Some(ids))
                    .send();
                track
                    .call(call.api, request)
                    .await
                    .map(|o| o.request_id().map(str::to_string))
            }
            "guardduty:UnarchiveFindings" => {
                let request = client
                    .unarchive_findings()
                    .detector_id(detector)
                    .set_finding_ids(Some(ids))
                    .send();
                track
                    .call(call.api, request)
                    .await
                    .map(|o| o.request_id().map(str::to_string))
            }
            _ => {
                let feedback = call
                    .params
                    .get("Feedback")
                    .and_then(Value::as_str)
                    .unwrap_or("USEFUL");
                let request = client
                    .update_findings_feedback()
                    .detector_id(detector)
                    .set_finding_ids(Some(ids))
                    .feedback(aws_sdk_guardduty::types::Feedback::from(feedback))
                    .set_comments(
                        call.params
                            .get("Comments")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    )
                    .send();
                track
                    .call(call.api, request)
                    .await
                    .map(|o| o.request_id().map(str::to_string))
            }
        };
        match answer {
            Ok(request_id) => call
                .targets
                .iter()
                .map(|&i| TargetOutcome {
                    finding: targets[i].finding.clone(),
                    ok: true,
                    error: None,
                    request_id: request_id.clone(),
                })
                .collect(),
            Err(failure) => all_failed(call, targets, &failure.message),
        }
    }
}

impl Backend for AwsBackend {
    fn send<'a>(
        &'a self,
        call: &'a Call,
        targets: &'a [Target],
    ) -> Pin<Box<dyn Future<Output = Vec<TargetOutcome>> + Send + 'a>> {
        Box::pin(async move {
            if call.api.starts_with("securityhub:") {
                self.security_hub(call, targets).await
            } else {
                self.guardduty(call, targets).await
            }
        })
    }
}

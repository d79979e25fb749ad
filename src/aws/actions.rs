//! Response actions through the SDK: Security Hub BatchUpdateFindings and GuardDuty
//! Archive/Unarchive/UpdateFindingsFeedback/CreateFilter, each call inside the request budget, every target
//! answered (processed, unprocessed with AWS's words, or the call's error).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_sdk_securityhub::types::{
    AwsSecurityFindingIdentifier, NoteUpdate, SeverityUpdate, VerificationState, WorkflowStatus,
    WorkflowUpdate,
};
use serde_json::Value;

use super::Track;
use super::budget::Budget;
use super::plan::{Identity, Plan};
use crate::actions::executor::{Backend, all_failed, answered};
use crate::actions::{Call, Target};
use crate::journal::TargetOutcome;
use crate::model::health::Service;

/// A client for (account, region), or why there is none.
type ClientFor<C> = Box<dyn Fn(&str, &str) -> Result<C, String> + Send + Sync>;
type Credentials = Arc<dyn Fn(&str) -> Result<SdkConfig, String> + Send + Sync>;

/// How long a started runbook is followed before picket reports it as still running.
pub const FOLLOW_RUNBOOK: Duration = Duration::from_secs(600);
const RUNBOOK_POLL: Duration = Duration::from_secs(5);

/// Sends plans' calls, each with the credentials of the account it names (the administrator's
/// in admin mode, the assumed role's in fan-out).
pub struct AwsBackend {
    hub: ClientFor<aws_sdk_securityhub::Client>,
    guardduty: ClientFor<aws_sdk_guardduty::Client>,
    ssm: ClientFor<aws_sdk_ssm::Client>,
    events: ClientFor<aws_sdk_eventbridge::Client>,
    budget: Arc<Budget>,
    /// Who picket runs as; in fan-out the roles it assumes are sessions named after the user.
    identity: Option<Arc<Identity>>,
    follow: Duration,
}

/// Clients built from an account's credentials for a region.
fn clients<C: 'static>(
    credentials: &Credentials,
    build: fn(&SdkConfig, Region) -> C,
) -> ClientFor<C> {
    let credentials = Arc::clone(credentials);
    Box::new(move |account, region| {
        Ok(build(
            &credentials(account)?,
            Region::new(region.to_string()),
        ))
    })
}

/// The client a call goes out on. The call's region comes from the findings' records: it must
/// be a region before it names an endpoint, whichever way the clients were built.
fn client_for<C>(clients: &ClientFor<C>, call: &crate::actions::Call) -> Result<C, String> {
    let region = crate::model::region::check(&call.region)?;
    clients(&call.account, region)
}

fn not_in_test<C>() -> ClientFor<C> {
    Box::new(|_, _| Err("no client for this service in this backend".into()))
}

impl AwsBackend {
    pub fn new(plan: Arc<Plan>, identity: Arc<Identity>) -> AwsBackend {
        let budget = Arc::clone(&plan.budget);
        let credentials: Credentials = Arc::new(move |account: &str| {
            plan.credentials_for(account).ok_or_else(|| {
                format!(
                    "picket has no credentials for account {account} in this session (in [[org.accounts]], give its account_id)"
                )
            })
        });
        AwsBackend {
            hub: clients(&credentials, |config, region| {
                aws_sdk_securityhub::Client::from_conf(
                    aws_sdk_securityhub::config::Builder::from(config)
                        .region(region)
                        .build(),
                )
            }),
            guardduty: clients(&credentials, |config, region| {
                aws_sdk_guardduty::Client::from_conf(
                    aws_sdk_guardduty::config::Builder::from(config)
                        .region(region)
                        .build(),
                )
            }),
            ssm: clients(&credentials, |config, region| {
                aws_sdk_ssm::Client::from_conf(
                    aws_sdk_ssm::config::Builder::from(config)
                        .region(region)
                        .build(),
                )
            }),
            events: clients(&credentials, |config, region| {
                aws_sdk_eventbridge::Client::from_conf(
                    aws_sdk_eventbridge::config::Builder::from(config)
                        .region(region)
                        .build(),
                )
            }),
            budget,
            identity: Some(identity),
            follow: FOLLOW_RUNBOOK,
        }
    }

    /// With given clients, whatever the account and region (tests).
    pub fn with_clients(
        hub: aws_sdk_securityhub::Client,
        guardduty: aws_sdk_guardduty::Client,
        budget: Arc<Budget>,
    ) -> AwsBackend {
        AwsBackend {
            hub: Box::new(move |_, _| Ok(hub.clone())),
            guardduty: Box::new(move |_, _| Ok(guardduty.clone())),
            ssm: not_in_test(),
            events: not_in_test(),
            budget,
            identity: None,
            follow: FOLLOW_RUNBOOK,
        }
    }

    /// With playbook clients too, and how long runbooks are followed (tests).
    pub fn with_playbook_clients(
        mut self,
        ssm: aws_sdk_ssm::Client,
        events: aws_sdk_eventbridge::Client,
        follow: Duration,
    ) -> AwsBackend {
        self.ssm = Box::new(move |_, _| Ok(ssm.clone()));
        self.events = Box::new(move |_, _| Ok(events.clone()));
        self.follow = follow;
        self
    }

    fn track(&self, call: &Call, service: Service) -> Track {
        Track::one_off(&call.account, &call.region, service, &self.budget)
    }

    async fn security_hub(&self, call: &Call, targets: &[Target]) -> Vec<TargetOutcome> {
        let client = match client_for(&self.hub, call) {
            Ok(client) => client,
            Err(e) => return all_failed(call, targets, &e),
        };
        let Some(ours) = call
            .params
            .get(crate::actions::MERGED_FIELDS)
            .and_then(Value::as_object)
        else {
            return self.batch_update(&client, call, targets, None).await;
        };
        // Security Hub takes UserDefinedFields whole: read what each finding has, merge
        // picket's keys in, and send each distinct map in a call of its own.
        let current = match self.read_fields(&client, call, targets).await {
            Ok(current) => current,
            Err(e) => {
                let why = format!(
                    "nothing was sent: the findings' UserDefinedFields could not be read first, and writing without them would drop other tools' keys ({e})"
                );
                return all_failed(call, targets, &why);
            }
        };
        let mut by_fields: std::collections::BTreeMap<
            String,
            (serde_json::Map<String, Value>, Vec<usize>),
        > = Default::default();
        for &i in &call.targets {
            let mut merged: serde_json::Map<String, Value> = targets[i]
                .hub_id
                .as_deref()
                .and_then(|id| current.get(id))
                .map(|fields| {
                    fields
                        .iter()
                        .filter(|(k, _)| !ours.contains_key(*k))
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect()
                })
                .unwrap_or_default();
            merged.extend(ours.iter().map(|(k, v)| (k.clone(), v.clone())));
            let key = Value::Object(merged.clone()).to_string();
            by_fields
                .entry(key)
                .or_insert_with(|| (merged, Vec::new()))
                .1
                .push(i);
        }
        let mut outcomes = Vec::new();
        for (_, (fields, members)) in by_fields {
            let part = Call {
                targets: members,
                ..call.clone()
            };
            outcomes.extend(
                self.batch_update(&client, &part, targets, Some(fields))
                    .await,
            );
        }
        outcomes
    }

    /// The `UserDefinedFields` of the call's findings now, by id (GetFindings, 20 ids a
    /// request); a finding Security Hub does not return has none.
    async fn read_fields(
        &self,
        client: &aws_sdk_securityhub::Client,
        call: &Call,
        targets: &[Target],
    ) -> Result<std::collections::HashMap<String, std::collections::HashMap<String, String>>, String>
    {
        use aws_sdk_securityhub::types::{
            AwsSecurityFindingFilters, StringFilter, StringFilterComparison,
        };
        let ids: Vec<&str> = call
            .targets
            .iter()
            .filter_map(|&i| targets[i].hub_id.as_deref())
            .collect();
        let mut found = std::collections::HashMap::new();
        for chunk in ids.chunks(20) {
            let mut filters = AwsSecurityFindingFilters::builder();
            for id in chunk {
                filters = filters.id(StringFilter::builder()
                    .value(*id)
                    .comparison(StringFilterComparison::Equals)
                    .build());
            }
            let mut token = None;
            loop {
                let track = self.track(call, Service::SecurityHub);
                let out = track
                    .call(
                        "securityhub:GetFindings",
                        client
                            .get_findings()
                            .filters(filters.clone().build())
                            .max_results(100)
                            .set_next_token(token)
                            .send(),
                    )
                    .await
                    .map_err(|f| f.message)?;
                for finding in out.findings() {
                    if let Some(fields) = finding.user_defined_fields() {
                        found.insert(finding.id().unwrap_or_default().to_string(), fields.clone());
                    }
                }
                token = out
                    .next_token()
                    .filter(|t| !t.is_empty())
                    .map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// One BatchUpdateFindings with the call's parameters (and these merged fields).
    async fn batch_update(
        &self,
        client: &aws_sdk_securityhub::Client,
        call: &Call,
        targets: &[Target],
        fields: Option<serde_json::Map<String, Value>>,
    ) -> Vec<TargetOutcome> {
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
        if let Some(fields) = fields {
            request = request.set_user_defined_fields(Some(
                fields
                    .into_iter()
                    .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
                    .collect(),
            ));
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
        answered(call, targets, request_id, |t| {
            let unprocessed = out
                .unprocessed_findings()
                .iter()
                .find(|u| u.finding_identifier().and_then(|f| f.id()) == t.hub_id.as_deref())?;
            Some(format!(
                "{}: {}",
                unprocessed.error_code().unwrap_or("unprocessed"),
                unprocessed.error_message().unwrap_or("")
            ))
        })
    }

    /// BatchUpdateFindingsV2 for OCSF findings; unprocessed ones are matched by their uid.
    async fn security_hub_v2(&self, call: &Call, targets: &[Target]) -> Vec<TargetOutcome> {
        use aws_sdk_securityhub::types::OcsfFindingIdentifier;
        let client = match client_for(&self.hub, call) {
            Ok(client) => client,
            Err(e) => return all_failed(call, targets, &e),
        };
        let p = &call.params;
        let mut request = client.batch_update_findings_v2();
        for &i in &call.targets {
            let t = &targets[i];
            request = request.finding_identifiers(
                OcsfFindingIdentifier::builder()
                    .cloud_account_uid(&t.account)
                    .set_finding_info_uid(t.hub_id.clone())
                    .set_metadata_product_uid(t.product_arn.clone())
                    .build(),
            );
        }
        let number = |key: &str| p.get(key).and_then(Value::as_i64).map(|n| n as i32);
        request = request
            .set_status_id(number("StatusId"))
            .set_severity_id(number("SeverityId"))
            .set_comment(p.get("Comment").and_then(Value::as_str).map(str::to_string));
        let track = self.track(call, Service::SecurityHub);
        let out = match track.call(call.api, request.send()).await {
            Ok(out) => out,
            Err(failure) => return all_failed(call, targets, &failure.message),
        };
        let request_id =
            aws_sdk_securityhub::operation::RequestId::request_id(&out).map(str::to_string);
        answered(call, targets, request_id, |t| {
            let unprocessed = out.unprocessed_findings().iter().find(|u| {
                u.finding_identifier().and_then(|f| f.finding_info_uid()) == t.hub_id.as_deref()
            })?;
            Some(format!(
                "{}: {}",
                unprocessed
                    .error_code()
                    .map(|c| c.as_str())
                    .unwrap_or("unprocessed"),
                unprocessed.error_message().unwrap_or("")
            ))
        })
    }

    async fn guardduty(&self, call: &Call, targets: &[Target]) -> Vec<TargetOutcome> {
        let client = match client_for(&self.guardduty, call) {
            Ok(client) => client,
            Err(e) => return all_failed(call, targets, &e),
        };
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
            "guardduty:CreateFilter" => {
                let p = &call.params;
                let text = |key: &str| p.get(key).and_then(Value::as_str).unwrap_or_default();
                let request = client
                    .create_filter()
                    .detector_id(detector)
                    .name(text("Name"))
                    .description(text("Description"))
                    .action(aws_sdk_guardduty::types::FilterAction::Archive)
                    .finding_criteria(finding_criteria(p.get("FindingCriteria")))
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
            Ok(request_id) => answered(call, targets, request_id, |_| None),
            Err(failure) => all_failed(call, targets, &failure.message),
        }
    }

    /// Starts the runbook for the call's finding, then follows it until it ends or
    /// [`FOLLOW_RUNBOOK`] passes.
    async fn automation(&self, call: &Call, targets: &[Target]) -> Vec<TargetOutcome> {
        let client = match client_for(&self.ssm, call) {
            Ok(client) => client,
            Err(e) => return all_failed(call, targets, &e),
        };
        let p = &call.params;
        let parameters: std::collections::HashMap<String, Vec<String>> = p
            .get("Parameters")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(key, values)| {
                let values = values
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                (key.clone(), values)
            })
            .collect();
        let track = self.track(call, Service::Playbooks);
        let request = client
            .start_automation_execution()
            .document_name(
                p.get("DocumentName")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            )
            .set_parameters(Some(parameters))
            .send();
        let started = match track.call(call.api, request).await {
            Ok(out) => out,
            Err(failure) => return all_failed(call, targets, &failure.message),
        };
        use aws_sdk_ssm::operation::RequestId;
        let request_id = started.request_id().map(str::to_string);
        let Some(execution) = started.automation_execution_id().map(str::to_string) else {
            return all_failed(call, targets, "Systems Manager started no execution");
        };
        let (ok, status) = self.follow_execution(&client, &track, &execution).await;
        call.targets
            .iter()
            .map(|&i| TargetOutcome {
                finding: targets[i].finding.clone(),
                ok,
                error: (!ok).then(|| format!("runbook execution {execution}: {status}")),
                request_id: request_id.clone(),
                detail: Some(format!("execution {execution}: {status}")),
            })
            .collect()
    }

    /// The execution's final status (ok, status), or where it stood when following ended.
    async fn follow_execution(
        &self,
        client: &aws_sdk_ssm::Client,
        track: &Track,
        execution: &str,
    ) -> (bool, String) {
        use aws_sdk_ssm::types::AutomationExecutionStatus as Status;
        let deadline = tokio::time::Instant::now() + self.follow;
        loop {
            let request = client
                .get_automation_execution()
                .automation_execution_id(execution)
                .send();
            let status = match track.call("ssm:GetAutomationExecution", request).await {
                Ok(out) => out
                    .automation_execution()
                    .and_then(|e| e.automation_execution_status())
                    .cloned(),
                Err(failure) => {
                    return (
                        true,
                        format!(
                            "started; its status could not be read ({})",
                            failure.message
                        ),
                    );
                }
            };
            match status {
                Some(Status::Success | Status::CompletedWithSuccess) => {
                    return (true, "Success".into());
                }
                Some(
                    s @ (Status::Failed
                    | Status::Timedout
                    | Status::Cancelled
                    | Status::Rejected
                    | Status::CompletedWithFailure
                    | Status::Exited
                    | Status::ChangeCalendarOverrideRejected),
                ) => return (false, s.as_str().to_string()),
                other => {
                    if tokio::time::Instant::now() >= deadline {
                        let at = other.map(|s| s.as_str().to_string()).unwrap_or_default();
                        return (
                            true,
                            format!(
                                "still {at} after {} min: follow it in Systems Manager",
                                self.follow.as_secs() / 60
                            ),
                        );
                    }
                }
            }
            tokio::time::sleep(RUNBOOK_POLL).await;
        }
    }

    /// Publishes the call's events; each entry answers for its finding.
    async fn publish(&self, call: &Call, targets: &[Target]) -> Vec<TargetOutcome> {
        use aws_sdk_eventbridge::types::PutEventsRequestEntry;
        let client = match client_for(&self.events, call) {
            Ok(client) => client,
            Err(e) => return all_failed(call, targets, &e),
        };
        let entries: Vec<PutEventsRequestEntry> = call
            .params
            .get("Entries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|entry| {
                let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_string);
                let resources = entry
                    .get("Resources")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                PutEventsRequestEntry::builder()
                    .set_event_bus_name(text("EventBusName"))
                    .set_source(text("Source"))
                    .set_detail_type(text("DetailType"))
                    .set_detail(text("Detail"))
                    .set_resources(Some(resources))
                    .build()
            })
            .collect();
        let track = self.track(call, Service::Playbooks);
        let request = client.put_events().set_entries(Some(entries)).send();
        let out = match track.call(call.api, request).await {
            Ok(out) => out,
            Err(failure) => return all_failed(call, targets, &failure.message),
        };
        use aws_sdk_eventbridge::operation::RequestId;
        let request_id = out.request_id().map(str::to_string);
        call.targets
            .iter()
            .enumerate()
            .map(|(n, &i)| {
                let answer = out.entries().get(n);
                let error = match answer {
                    None => Some("EventBridge gave no answer for this event".to_string()),
                    Some(entry) => entry
                        .error_code()
                        .map(|code| format!("{code}: {}", entry.error_message().unwrap_or(""))),
                };
                TargetOutcome {
                    finding: targets[i].finding.clone(),
                    ok: error.is_none(),
                    error,
                    request_id: request_id.clone(),
                    detail: answer
                        .and_then(|e| e.event_id())
                        .map(|id| format!("event {id}")),
                }
            })
            .collect()
    }
}

/// The SDK's FindingCriteria from the JSON the plan carries (and the confirmation showed).
fn finding_criteria(criteria: Option<&Value>) -> aws_sdk_guardduty::types::FindingCriteria {
    use aws_sdk_guardduty::types::{Condition, FindingCriteria};
    let mut built = FindingCriteria::builder();
    let fields = criteria
        .and_then(|c| c.get("Criterion"))
        .and_then(Value::as_object);
    for (field, conditions) in fields.into_iter().flatten() {
        let mut condition = Condition::builder();
        let strings = |key: &str| {
            conditions
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let number = |key: &str| conditions.get(key).and_then(Value::as_i64);
        for value in strings("Equals") {
            condition = condition.equals(value);
        }
        for value in strings("NotEquals") {
            condition = condition.not_equals(value);
        }
        if let Some(n) = number("GreaterThan") {
            condition = condition.greater_than(n);
        }
        if let Some(n) = number("GreaterThanOrEqual") {
            condition = condition.greater_than_or_equal(n);
        }
        if let Some(n) = number("LessThan") {
            condition = condition.less_than(n);
        }
        if let Some(n) = number("LessThanOrEqual") {
            condition = condition.less_than_or_equal(n);
        }
        built = built.criterion(field, condition.build());
    }
    built.build()
}

impl Backend for AwsBackend {
    fn send<'a>(
        &'a self,
        call: &'a Call,
        targets: &'a [Target],
    ) -> Pin<Box<dyn Future<Output = Vec<TargetOutcome>> + Send + 'a>> {
        Box::pin(async move {
            match call.api.split(':').next() {
                Some("securityhub") if call.api.ends_with("V2") => {
                    self.security_hub_v2(call, targets).await
                }
                Some("securityhub") => self.security_hub(call, targets).await,
                Some("ssm") => self.automation(call, targets).await,
                Some("events") => self.publish(call, targets).await,
                _ => self.guardduty(call, targets).await,
            }
        })
    }

    fn principal(&self) -> Pin<Box<dyn Future<Output = Option<String>> + Send + '_>> {
        Box::pin(async move {
            let identity = self.identity.as_ref()?;
            identity.get().await.ok().map(|caller| caller.arn)
        })
    }
}

//! The demo organization as the executor's backend: it accepts every call, so standups can
//! show the whole flow, and it keeps what was done.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::DemoOrg;
use crate::actions::executor::Backend;
use crate::actions::{Call, Plan, Target};
use crate::journal::TargetOutcome;

/// The demo organization as a backend: it accepts everything, so standups can show the flow,
/// and the organization keeps what was done (a recurrence carries it, a suppression rule
/// archives new findings).
#[derive(Default)]
pub struct DemoBackend {
    org: Option<Arc<DemoOrg>>,
}

impl DemoBackend {
    pub fn keeping(org: Arc<DemoOrg>) -> DemoBackend {
        DemoBackend { org: Some(org) }
    }
}

impl Backend for DemoBackend {
    fn send<'a>(
        &'a self,
        call: &'a Call,
        targets: &'a [Target],
    ) -> Pin<Box<dyn Future<Output = Vec<TargetOutcome>> + Send + 'a>> {
        Box::pin(async move { demo_accepts(call.api, targets, call.targets.iter().copied()) })
    }

    fn accepted(&self, plan: &Plan) {
        if let Some(org) = &self.org {
            for target in &plan.targets {
                org.record(&target.finding, &plan.action);
            }
        }
    }

    fn principal(&self) -> Pin<Box<dyn Future<Output = Option<String>> + Send + '_>> {
        Box::pin(async { Some(DEMO_PRINCIPAL.to_string()) })
    }
}

/// Who acts in the demo organization.
pub const DEMO_PRINCIPAL: &str = "arn:aws:sts::402936185713:assumed-role/demo-responder/picket";

/// The demo organization's answer to a whole plan (headless rendering, which has no runtime).
pub fn demo_outcome(plan: &Plan) -> Vec<TargetOutcome> {
    crate::actions::executor::one_per_target(
        plan.calls
            .iter()
            .flat_map(|call| {
                demo_accepts(call.api, &plan.targets, call.targets.iter().copied())
                    .into_iter()
                    .map(|outcome| (call.api, outcome))
            })
            .collect(),
    )
}

/// What the demo organization answers for `indices` of `targets`: done, with a made-up
/// request id.
fn demo_accepts(
    api: &str,
    targets: &[Target],
    indices: impl Iterator<Item = usize>,
) -> Vec<TargetOutcome> {
    indices
        .map(|i| TargetOutcome {
            finding: targets[i].finding.clone(),
            ok: true,
            error: None,
            request_id: Some(format!("demo-{i:04}")),
            // What the real services answer, made up: a runbook that ran, an event id.
            detail: match api {
                "ssm:StartAutomationExecution" => {
                    Some(format!("execution demo-{i:04}-automation: Success"))
                }
                "events:PutEvents" => Some(format!("event demo-{i:04}-event")),
                _ => None,
            },
        })
        .collect()
}

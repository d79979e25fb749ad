//! `picket doctor`: for every account, region and service picket would read, one harmless call
//! that proves it can (credentials and role assumption, read permission, service enabled), and
//! what to fix where it cannot.

use std::sync::Arc;

use aws_config::Region;
use serde::Serialize;

use super::errors::{Failure, FailureKind};
use super::org::{self, Mode, OrgAccount};
use super::plan::{Access, Plan};
use super::securityhub::Api;
use super::{Caller, Track};
use crate::model::health::Service;

/// A verdict on one thing picket needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub region: String,
    /// credentials, organizations, guardduty, securityhub or logs.
    pub service: String,
    /// ok, denied, not-enabled, throttled, unreachable, credentials, error, skipped.
    pub verdict: &'static str,
    /// What went wrong and what to do; empty when ok.
    pub message: String,
    /// AWS's own words, when a failure came with them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountReport {
    pub id: String,
    pub name: String,
    pub ou_path: String,
    pub production: bool,
    pub checks: Vec<Check>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub mode: &'static str,
    /// Who picket runs as.
    pub caller: Option<String>,
    /// The account list itself (Organizations), when the mode reads it.
    pub organization: Option<Check>,
    pub accounts: Vec<AccountReport>,
    /// The event feed's queues (`[feed] queue_url`): reachable, fed by rules, readable,
    /// deletable, and how far behind.
    pub feed: Vec<Check>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.organization.iter().all(|c| c.verdict == "ok")
            && self
                .accounts
                .iter()
                .flat_map(|a| &a.checks)
                .all(|c| c.verdict == "ok")
            && self.feed.iter().all(|c| c.verdict == "ok")
    }
}

fn verdict(result: &Result<(), Failure>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(f) => match f.kind {
            FailureKind::AccessDenied => "denied",
            FailureKind::NotEnabled => "not-enabled",
            FailureKind::Throttled => "throttled",
            FailureKind::Unreachable => "unreachable",
            FailureKind::Credentials => "credentials",
            FailureKind::Other => "error",
        },
    }
}

fn check(region: &str, service: &str, result: Result<(), Failure>) -> Check {
    Check {
        region: region.into(),
        service: service.into(),
        verdict: verdict(&result),
        // AWS words reach the terminal (and JSON readers' terminals): sanitized here.
        raw: result
            .as_ref()
            .err()
            .and_then(|f| f.raw.as_deref())
            .map(clean),
        message: result.err().map(|f| clean(&f.message)).unwrap_or_default(),
    }
}

/// Runs every check; never fails as a whole (each failure is a verdict).
pub async fn run(plan: Arc<Plan>, identity: Arc<super::plan::Identity>) -> Report {
    let org_settings = &plan.settings.org;
    let mode = match org_settings.mode {
        Mode::Admin => "admin",
        Mode::Fanout => "fanout",
        Mode::Accounts => "accounts",
    };
    let caller = identity.get().await;
    let mut report = Report {
        mode,
        caller: caller.as_ref().ok().map(|c| clean(&c.arn)),
        organization: None,
        accounts: Vec::new(),
        feed: Vec::new(),
    };
    let caller = match caller {
        Ok(caller) => caller,
        Err(failure) => {
            let failure = failure.explain(
                plan.settings.target.profile.as_deref(),
                plan.base.region().map(|r| r.as_ref()),
            );
            report.accounts.push(AccountReport {
                id: "unknown".into(),
                name: String::new(),
                ou_path: String::new(),
                production: false,
                checks: vec![check("global", "credentials", Err(failure))],
            });
            return report;
        }
    };

    let mut listed: Vec<OrgAccount> = Vec::new();
    if org_settings.mode != Mode::Accounts {
        let client = aws_sdk_organizations::Client::new(&plan.base);
        let track = plan.track(&caller.account, "global", Service::Organizations);
        let found = org::discover(&client, &track).await;
        let ok = found.as_ref().map(|_| ());
        report.organization = Some(check("global", "organizations", ok.map_err(Clone::clone)));
        listed = found.unwrap_or_default();
    }

    let targets: Vec<(OrgAccount, Option<Access>)> = match org_settings.mode {
        Mode::Admin | Mode::Fanout if org_settings.mode == Mode::Admin || listed.is_empty() => {
            let own = listed
                .iter()
                .find(|a| a.id == caller.account)
                .cloned()
                .unwrap_or_else(|| OrgAccount {
                    id: caller.account.clone(),
                    active: true,
                    ..OrgAccount::default()
                });
            vec![(
                own,
                Some(plan.own_access(&identity, Some(caller.account.clone()))),
            )]
        }
        Mode::Admin | Mode::Fanout => {
            let mut targets = Vec::new();
            for account in listed {
                let access = if !account.active || org_settings.excluded(&account) {
                    None
                } else {
                    Some(fanout_access(&plan, &identity, &caller, &account).await)
                };
                targets.push((account, access));
            }
            targets
        }
        Mode::Accounts => {
            let mut targets = Vec::new();
            for entry in &org_settings.accounts {
                let account = OrgAccount {
                    id: entry.account_id().unwrap_or_else(|| "unknown".into()),
                    name: entry.label(),
                    active: true,
                    ou_path: entry.ou.clone().unwrap_or_default(),
                    tags: Vec::new(),
                };
                targets.push((account, Some(plan.entry_access(entry).await)));
            }
            targets
        }
    };

    let checks = targets.into_iter().map(|(account, access)| {
        let plan = Arc::clone(&plan);
        async move {
            let checks = match access {
                Some(access) => account_checks(&plan, &access).await,
                None => vec![Check {
                    region: "global".into(),
                    service: "credentials".into(),
                    verdict: "skipped",
                    raw: None,
                    message: if account.active {
                        "excluded by org.exclude".into()
                    } else {
                        "account is not active".into()
                    },
                }],
            };
            AccountReport {
                production: plan.settings.org.is_production(&account),
                id: clean(&account.id),
                name: clean(&account.name),
                ou_path: clean(&account.ou_path),
                checks,
            }
        }
    });
    report.accounts = futures_util::future::join_all(checks).await;
    for url in &plan.settings.scale.feed {
        let (region, _) = super::feed::queue_place(url);
        let region = region.unwrap_or_else(|| plan.regions.first().cloned().unwrap_or_default());
        let queue = url.rsplit('/').next().unwrap_or(url);
        for (what, result) in super::feed_setup::check(&plan, url).await {
            let mut c = check(
                &region,
                &format!("feed {what}"),
                result.as_ref().map(|_| ()).map_err(Clone::clone),
            );
            if let Ok(note) = result {
                c.message = clean(&format!("{queue}: {note}"));
            }
            report.feed.push(c);
        }
    }
    report
}

async fn fanout_access(
    plan: &Plan,
    identity: &Arc<super::plan::Identity>,
    caller: &Caller,
    account: &OrgAccount,
) -> Access {
    if account.id == caller.account {
        return plan.own_access(identity, Some(account.id.clone()));
    }
    let role = org::role_arn(&caller.arn, &account.id, &plan.settings.org.role_name);
    plan.assumed_access(&role, Some(account.id.clone())).await
}

/// Credentials first (for a role, assuming it); then one read per region and service.
async fn account_checks(plan: &Plan, access: &Access) -> Vec<Check> {
    let who = access.identity.get().await;
    let account = match &who {
        Ok(caller) => caller.account.clone(),
        Err(_) => access.account.clone().unwrap_or_else(|| "unknown".into()),
    };
    let who = who.map(|_| ()).map_err(|f| {
        f.explain(
            access.profile.as_deref(),
            access.config.region().map(|r| r.as_ref()),
        )
    });
    let credentials_ok = who.is_ok();
    let mut checks = vec![check("global", "credentials", who)];
    if !credentials_ok {
        return checks;
    }
    for region in &plan.regions {
        let services = plan.services;
        if services.guardduty {
            let track = plan.track(&account, region, Service::GuardDuty);
            let client = aws_sdk_guardduty::Client::from_conf(
                aws_sdk_guardduty::config::Builder::from(&access.config)
                    .region(Region::new(region.clone()))
                    .build(),
            );
            let result = track
                .call("guardduty:ListDetectors", client.list_detectors().send())
                .await
                .and_then(|out| {
                    if out.detector_ids().is_empty() {
                        Err(Failure::because(
                            FailureKind::NotEnabled,
                            super::diagnose::guardduty_off(region),
                        ))
                    } else {
                        Ok(())
                    }
                });
            checks.push(check(region, "guardduty", result));
        }
        if services.securityhub {
            let track = plan.track(&account, region, Service::SecurityHub);
            let client = aws_sdk_securityhub::Client::from_conf(
                aws_sdk_securityhub::config::Builder::from(&access.config)
                    .region(Region::new(region.clone()))
                    .build(),
            );
            let result = if plan.settings.securityhub_api == Api::V2 {
                let request = client.get_findings_v2().max_results(1).send();
                track
                    .call("securityhub:GetFindingsV2", request)
                    .await
                    .map(|_| ())
            } else {
                let request = client.get_findings().max_results(1).send();
                track
                    .call("securityhub:GetFindings", request)
                    .await
                    .map(|_| ())
            };
            let result = result.map_err(|f| match f.kind {
                FailureKind::NotEnabled => Failure::because(
                    FailureKind::NotEnabled,
                    super::diagnose::securityhub_off(Some(region)),
                ),
                _ => f,
            });
            checks.push(check(region, "securityhub", result));
        }
        if services.logs {
            let track = plan.track(&account, region, Service::CloudWatchLogs);
            let client = aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(&access.config)
                    .region(Region::new(region.clone()))
                    .build(),
            );
            let request = client
                .describe_log_groups()
                .log_group_name_prefix(&plan.settings.discover_prefix)
                .limit(1)
                .send();
            let result = track
                .call("logs:DescribeLogGroups", request)
                .await
                .map(|_| ());
            checks.push(check(region, "logs", result));
        }
    }
    checks
}

/// The report as a table: one line per check, the fix beside each failure.
pub fn table(report: &Report, verbose: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "mode {} · caller {}",
        report.mode,
        report.caller.as_deref().unwrap_or("unknown")
    );
    let said = |out: &mut String, check: &Check| {
        if let Some(raw) = check.raw.as_ref().filter(|_| verbose) {
            let _ = writeln!(out, "{:<14} AWS said: {raw}", "");
        }
    };
    if let Some(org) = &report.organization {
        let _ = writeln!(out, "organizations  {:<12} {}", org.verdict, org.message);
        said(&mut out, org);
    }
    let _ = writeln!(
        out,
        "{:<14} {:<20} {:<24} {:<15} {:<12} {:<12} WHAT TO DO",
        "ACCOUNT", "NAME", "OU", "REGION", "SERVICE", "VERDICT"
    );
    for account in &report.accounts {
        let name = if account.production {
            format!("{} ⚑", account.name)
        } else {
            account.name.clone()
        };
        for c in &account.checks {
            let _ = writeln!(
                out,
                "{:<14} {:<20} {:<24} {:<15} {:<12} {:<12} {}",
                account.id,
                clip(&name, 20),
                clip(&account.ou_path, 24),
                c.region,
                c.service,
                c.verdict,
                c.message
            );
            said(&mut out, c);
        }
    }
    for c in &report.feed {
        let _ = writeln!(
            out,
            "{:<14} {:<20} {:<24} {:<15} {:<12} {:<12} {}",
            "feed", "", "", c.region, c.service, c.verdict, c.message
        );
        said(&mut out, c);
    }
    let failed = report
        .accounts
        .iter()
        .flat_map(|a| &a.checks)
        .chain(&report.feed)
        .filter(|c| c.verdict != "ok")
        .count();
    let _ = writeln!(
        out,
        "{} accounts, {} checks failed",
        report.accounts.len(),
        failed
    );
    out
}

fn clean(text: &str) -> String {
    crate::model::text::clean_line(text, 2048).into_owned()
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}

impl Plan {
    fn track(&self, account: &str, region: &str, service: Service) -> Track {
        Track::one_off(account, region, service, &self.budget)
    }
}

//! Whether picket has findings to show, and when it has none, why: "nothing found" must never
//! be confused with "nothing read". The overview and the findings screen draw it in place of
//! empty grids.

use std::collections::{BTreeSet, HashMap};

use crate::model::health::{HealthState, Service};

use super::App;

/// The findings sources: what the queue is read from.
const FINDINGS: [Service; 2] = [Service::GuardDuty, Service::SecurityHub];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Findings are held: nothing to guide.
    Showing,
    /// No findings source has said anything yet.
    Waiting,
    /// No findings source has answered, and some failed: why, most common reason first.
    Failing(Vec<Reason>),
    /// Findings sources answered and hold no finding: what was read.
    NothingFound(Read),
}

/// One reason sources fail, and how many of them fail for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub message: String,
    pub state: HealthState,
    pub sources: usize,
}

/// What was read when nothing was found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Read {
    pub accounts: usize,
    pub regions: usize,
    /// The services that answered ("GuardDuty", "Security Hub").
    pub services: Vec<&'static str>,
    /// Sources that answered / that said the service is not enabled / that failed.
    pub answered: usize,
    pub not_enabled: usize,
    pub failing: usize,
}

/// A findings service as the analyst names it.
fn label(service: Service) -> &'static str {
    match service {
        Service::GuardDuty => "GuardDuty",
        Service::SecurityHub => "Security Hub",
        other => other.name(),
    }
}

/// At most this many reasons are listed; the Sources screen has the rest.
const REASONS: usize = 4;

impl Readiness {
    /// Cost: one pass over the health cells (a million findings' organization has ~50k), only
    /// while the store is empty.
    pub fn of(app: &App) -> Readiness {
        // The services' own counts stand in for a queue still being read.
        if !app.store.is_empty() || !app.server_counts.is_empty() {
            return Readiness::Showing;
        }
        let mut read = Read::default();
        let mut accounts = BTreeSet::new();
        let mut regions = BTreeSet::new();
        let mut services = BTreeSet::new();
        let mut reasons: HashMap<&str, (HealthState, usize)> = HashMap::new();
        let mut said = 0usize;
        for (key, health) in &app.health {
            if !FINDINGS.contains(&key.service) {
                continue;
            }
            said += 1;
            // A stale source answered before: what it read stands.
            let answered = health.state == HealthState::Ok
                || (health.state == HealthState::Stale && health.last_success.is_some());
            if answered {
                read.answered += 1;
                accounts.insert(key.account_id.as_str());
                regions.insert(key.region.as_str());
                services.insert(label(key.service));
            } else if health.state == HealthState::NotEnabled {
                read.not_enabled += 1;
            } else {
                read.failing += 1;
            }
            if health.state != HealthState::Ok {
                let message = health.message.as_deref().unwrap_or(health.state.as_str());
                let entry = reasons.entry(message).or_insert((health.state, 0));
                entry.1 += 1;
            }
        }
        if said == 0 {
            return Readiness::Waiting;
        }
        if read.answered == 0 {
            let mut reasons: Vec<Reason> = reasons
                .into_iter()
                .map(|(message, (state, sources))| Reason {
                    message: message.to_string(),
                    state,
                    sources,
                })
                .collect();
            reasons.sort_by(|a, b| b.sources.cmp(&a.sources).then(a.message.cmp(&b.message)));
            reasons.truncate(REASONS);
            return Readiness::Failing(reasons);
        }
        read.accounts = accounts.len();
        read.regions = regions.len();
        read.services = services.into_iter().collect();
        Readiness::NothingFound(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{App, Options};
    use crate::model::SafeText;
    use crate::model::health::{Health, HealthKey, HealthReport};

    fn report(
        account: &str,
        region: &str,
        service: Service,
        state: HealthState,
        message: &str,
    ) -> HealthReport {
        HealthReport {
            key: HealthKey {
                account_id: SafeText::line(account),
                region: SafeText::line(region),
                service,
            },
            health: Health {
                state,
                last_success: None,
                message: (!message.is_empty()).then(|| SafeText::line(message)),
                backlog: None,
                raw: None,
            },
        }
    }

    fn app_with(reports: Vec<HealthReport>) -> App {
        let now = "2026-12-01T00:00:00Z".parse().expect("a time");
        let mut app = App::new(Options::default(), now);
        for r in reports {
            app.health.insert(r.key, r.health);
        }
        app
    }

    #[test]
    fn no_answer_lists_the_reasons_most_common_first() {
        let denied = "missing permission guardduty:ListDetectors: no";
        let creds = "no AWS credentials found";
        let app = app_with(vec![
            report(
                "1",
                "us-east-1",
                Service::GuardDuty,
                HealthState::AccessDenied,
                denied,
            ),
            report(
                "1",
                "us-east-1",
                Service::SecurityHub,
                HealthState::Error,
                creds,
            ),
            report(
                "1",
                "eu-west-1",
                Service::SecurityHub,
                HealthState::Error,
                creds,
            ),
            report(
                "1",
                "eu-west-1",
                Service::CloudWatchLogs,
                HealthState::Ok,
                "",
            ),
        ]);
        let Readiness::Failing(reasons) = Readiness::of(&app) else {
            panic!("{:?}", Readiness::of(&app));
        };
        let said: Vec<(&str, usize)> = reasons
            .iter()
            .map(|r| (r.message.as_str(), r.sources))
            .collect();
        assert_eq!(said, [(creds, 2), (denied, 1)]);
    }

    #[test]
    fn answers_without_findings_say_what_was_read() {
        let app = app_with(vec![
            report("1", "us-east-1", Service::GuardDuty, HealthState::Ok, ""),
            report("2", "us-east-1", Service::SecurityHub, HealthState::Ok, ""),
            report(
                "2",
                "eu-west-1",
                Service::GuardDuty,
                HealthState::NotEnabled,
                "off",
            ),
            report(
                "3",
                "eu-west-1",
                Service::GuardDuty,
                HealthState::AccessDenied,
                "no",
            ),
        ]);
        assert_eq!(
            Readiness::of(&app),
            Readiness::NothingFound(Read {
                accounts: 2,
                regions: 1,
                services: vec!["GuardDuty", "Security Hub"],
                answered: 2,
                not_enabled: 1,
                failing: 1,
            })
        );
        assert_eq!(Readiness::of(&app_with(Vec::new())), Readiness::Waiting);
    }
}

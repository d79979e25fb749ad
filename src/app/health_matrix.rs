//! The health matrix of the sources screen: accounts grouped by OU down, regions across, and
//! in each cell the state of every service read there. Built from the health map and the
//! account directory on demand (only while the screen is shown).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Directory;
use crate::model::health::{Health, HealthKey, HealthState, Service};

/// The regionless column (Organizations), first when present.
pub const GLOBAL: &str = "global";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The OU path; empty for accounts under the root or of unknown place.
    pub ou_path: String,
    /// Account ids, by name.
    pub accounts: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matrix {
    pub regions: Vec<String>,
    pub groups: Vec<Group>,
}

impl Matrix {
    pub fn build(health: &BTreeMap<HealthKey, Health>, directory: &Directory) -> Matrix {
        let mut regions: BTreeSet<&str> = BTreeSet::new();
        let mut accounts: BTreeSet<&str> = BTreeSet::new();
        for key in health.keys() {
            regions.insert(key.region.as_str());
            accounts.insert(key.account_id.as_str());
        }
        // Accounts Organizations listed are shown even before any of their sources answers.
        for account in directory.iter() {
            accounts.insert(account.id.as_str());
        }
        let mut regions: Vec<String> = regions.into_iter().map(str::to_string).collect();
        if let Some(i) = regions.iter().position(|r| r == GLOBAL) {
            let global = regions.remove(i);
            regions.insert(0, global);
        }
        let mut by_ou: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for id in accounts {
            let (ou, name) = match directory.get(id) {
                Some(a) => (a.ou_path.to_string(), a.name.to_string()),
                None => (String::new(), id.to_string()),
            };
            by_ou
                .entry(ou)
                .or_default()
                .push((name.to_lowercase(), id.to_string()));
        }
        let groups = by_ou
            .into_iter()
            .map(|(ou_path, mut accounts)| {
                accounts.sort();
                Group {
                    ou_path,
                    accounts: accounts.into_iter().map(|(_, id)| id).collect(),
                }
            })
            .collect();
        Matrix { regions, groups }
    }

    /// Accounts in display order (the cursor moves over these).
    pub fn accounts(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .flat_map(|g| g.accounts.iter().map(String::as_str))
    }

    pub fn account_count(&self) -> usize {
        self.groups.iter().map(|g| g.accounts.len()).sum()
    }

    pub fn account_at(&self, row: usize) -> Option<&str> {
        self.accounts().nth(row)
    }
}

/// The services read in one cell, in a fixed order.
pub fn cell<'a>(
    health: &'a BTreeMap<HealthKey, Health>,
    account: &str,
    region: &str,
) -> Vec<(Service, &'a Health)> {
    [
        Service::Organizations,
        Service::GuardDuty,
        Service::SecurityHub,
        Service::CloudWatchLogs,
        Service::Feed,
    ]
    .into_iter()
    .filter_map(|service| {
        let key = HealthKey {
            account_id: crate::model::SafeText::line(account),
            region: crate::model::SafeText::line(region),
            service,
        };
        health.get(&key).map(|h| (service, h))
    })
    .collect()
}

/// The worst state in a cell, for its summary colour.
pub fn worst(cell: &[(Service, &Health)]) -> Option<HealthState> {
    cell.iter()
        .map(|(_, h)| h.state)
        .max_by_key(|s| severity(*s))
}

fn severity(state: HealthState) -> u8 {
    match state {
        HealthState::Ok => 0,
        HealthState::NotEnabled => 1,
        HealthState::Stale => 2,
        HealthState::Throttled => 3,
        HealthState::AccessDenied => 4,
        HealthState::Error => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, SafeText};

    fn key(account: &str, region: &str, service: Service) -> HealthKey {
        HealthKey {
            account_id: SafeText::line(account),
            region: SafeText::line(region),
            service,
        }
    }

    fn health(state: HealthState) -> Health {
        Health {
            state,
            last_success: None,
            message: None,
            backlog: None,
            raw: None,
        }
    }

    #[test]
    fn accounts_group_by_ou_and_global_comes_first() {
        let mut map = BTreeMap::new();
        map.insert(
            key("111", "us-east-1", Service::GuardDuty),
            health(HealthState::Ok),
        );
        map.insert(
            key("111", "us-east-1", Service::SecurityHub),
            health(HealthState::AccessDenied),
        );
        map.insert(
            key("222", "eu-west-1", Service::GuardDuty),
            health(HealthState::NotEnabled),
        );
        map.insert(
            key("111", "global", Service::Organizations),
            health(HealthState::Ok),
        );
        let mut directory = Directory::default();
        for (id, name, ou) in [
            ("111", "zeta", "Production"),
            ("222", "alpha", "Production"),
            ("333", "sandbox", "Dev"),
        ] {
            directory.insert(Account {
                id: SafeText::line(id),
                name: SafeText::line(name),
                ou_path: SafeText::line(ou),
                production: ou == "Production",
            });
        }
        let matrix = Matrix::build(&map, &directory);
        assert_eq!(matrix.regions, ["global", "eu-west-1", "us-east-1"]);
        assert_eq!(
            matrix.groups,
            [
                Group {
                    ou_path: "Dev".into(),
                    accounts: vec!["333".into()]
                },
                Group {
                    ou_path: "Production".into(),
                    accounts: vec!["222".into(), "111".into()]
                },
            ]
        );
        assert_eq!(matrix.account_at(2), Some("111"));
        let here = cell(&map, "111", "us-east-1");
        assert_eq!(here.len(), 2);
        assert_eq!(worst(&here), Some(HealthState::AccessDenied));
        assert!(cell(&map, "333", "us-east-1").is_empty());
    }
}

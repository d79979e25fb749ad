//! Covering an AWS Organization: who its accounts are (names, OU paths, tags, from
//! Organizations) and how picket reads each one.
//!
//! - `admin`: only the caller's account, the delegated administrator; GuardDuty and Security
//!   Hub aggregate the members there. Organizations supplies names when it is allowed to.
//! - `fanout`: a role assumed in every active account, credentials cached and refreshed
//!   five minutes before they expire.
//! - `accounts`: an explicit list of profiles or role ARNs; no Organizations access needed.
//!
//! The tree is walked from the root (ListRoots, then ListOrganizationalUnitsForParent and
//! ListAccountsForParent per OU): the OU path of every account comes with the listing, in one
//! call per OU rather than two per account.

use std::collections::VecDeque;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_config::identity::IdentityCache;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use serde::Deserialize;

use super::Track;
use super::errors::{Failure, FailureKind};
use crate::model::{Account, SafeText};
use crate::query::glob::Glob;

/// Assumed-role credentials are renewed this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);
/// ListTagsForResource calls in flight at once during discovery (each also in the budget).
const TAG_READS_AT_ONCE: usize = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Admin,
    Fanout,
    Accounts,
}

/// One account of `mode = "accounts"`: a profile or a role to assume.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    /// Shown instead of the id.
    pub name: Option<String>,
    /// The account id, when neither the role ARN nor the name says it.
    pub id: Option<String>,
    /// OU path, for grouping and `ou:` filters.
    pub ou: Option<String>,
}

impl AccountEntry {
    /// The account id, from `id` or the role ARN (`arn:aws:iam::123456789012:role/x`).
    pub fn account_id(&self) -> Option<String> {
        self.id.clone().or_else(|| {
            self.role_arn
                .as_deref()
                .and_then(|arn| arn.split(':').nth(4))
                .filter(|id| id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_string)
        })
    }

    /// What the account is called in messages: its name, profile or role.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.profile.clone())
            .or_else(|| self.role_arn.clone())
            .unwrap_or_else(|| "default credentials".into())
    }
}

/// How picket covers the organization (`[org]` in the config).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrgSettings {
    pub mode: Mode,
    /// The role assumed in each account in `fanout`.
    pub role_name: String,
    pub external_id: Option<String>,
    /// Accounts skipped in `fanout`: patterns matched against id and name.
    pub exclude: Vec<String>,
    /// Accounts flagged as production: patterns matched against OU path, name and tags.
    pub production: Vec<String>,
    pub accounts: Vec<AccountEntry>,
    /// Minutes between re-reads of the account list.
    pub refresh_minutes: u64,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            mode: Mode::Admin,
            role_name: "OrganizationAccountAccessRole".into(),
            external_id: None,
            exclude: Vec::new(),
            production: vec!["prod".into()],
            accounts: Vec::new(),
            refresh_minutes: 60,
        }
    }
}

/// An account as Organizations lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// ACTIVE accounts are read; suspended and closing ones are listed but skipped.
    pub active: bool,
    pub ou_path: String,
    pub tags: Vec<(String, String)>,
}

impl OrgSettings {
    pub fn excluded(&self, account: &OrgAccount) -> bool {
        self.exclude
            .iter()
            .map(|p| Glob::new(p))
            .any(|glob| glob.matches(&account.id) || glob.matches(&account.name))
    }

    /// Production when a pattern matches the OU path, the name, or a tag (`key=value`).
    pub fn is_production(&self, account: &OrgAccount) -> bool {
        let mut texts = vec![account.ou_path.to_lowercase(), account.name.to_lowercase()];
        texts.extend(
            account
                .tags
                .iter()
                .map(|(k, v)| format!("{k}={v}").to_lowercase()),
        );
        self.production
            .iter()
            .map(|p| Glob::new(p))
            .any(|glob| texts.iter().any(|text| glob.found_in(text)))
    }

    pub fn as_model(&self, account: &OrgAccount) -> Account {
        Account {
            id: SafeText::line(&account.id),
            name: SafeText::line(&account.name),
            ou_path: SafeText::line(&account.ou_path),
            production: self.is_production(account),
        }
    }

    /// The accounts of `mode = "accounts"` whose id is known, as the directory shows them.
    pub fn listed_accounts(&self) -> Vec<OrgAccount> {
        self.accounts
            .iter()
            .filter_map(|entry| {
                Some(OrgAccount {
                    id: entry.account_id()?,
                    name: entry.label(),
                    active: true,
                    ou_path: entry.ou.clone().unwrap_or_default(),
                    tags: Vec::new(),
                })
            })
            .collect()
    }
}

/// Every account of the organization, with its OU path and tags. Tags are best effort: without
/// `organizations:ListTagsForResource` the accounts come back untagged.
pub async fn discover(
    client: &aws_sdk_organizations::Client,
    track: &Track,
) -> Result<Vec<OrgAccount>, Failure> {
    let roots = track
        .call("organizations:ListRoots", client.list_roots().send())
        .await?;
    let mut parents: VecDeque<(String, String)> = roots
        .roots()
        .iter()
        .filter_map(|r| r.id())
        .map(|id| (id.to_string(), String::new()))
        .collect();
    let mut accounts = Vec::new();
    while let Some((parent, path)) = parents.pop_front() {
        let mut token = None;
        loop {
            let request = client
                .list_accounts_for_parent()
                .parent_id(&parent)
                .set_next_token(token)
                .send();
            let out = track
                .call("organizations:ListAccountsForParent", request)
                .await?;
            accounts.extend(out.accounts().iter().filter_map(|a| {
                Some(OrgAccount {
                    id: a.id()?.to_string(),
                    name: a.name().unwrap_or_default().to_string(),
                    active: a
                        .state()
                        .map(|s| s.as_str() == "ACTIVE")
                        .or_else(|| a.status().map(|s| s.as_str() == "ACTIVE"))
                        .unwrap_or(true),
                    ou_path: path.clone(),
                    tags: Vec::new(),
                })
            }));
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut token = None;
        loop {
            let request = client
                .list_organizational_units_for_parent()
                .parent_id(&parent)
                .set_next_token(token)
                .send();
            let out = track
                .call("organizations:ListOrganizationalUnitsForParent", request)
                .await?;
            for ou in out.organizational_units() {
                if let Some(id) = ou.id() {
                    let name = ou.name().unwrap_or(id);
                    let child = if path.is_empty() {
                        name.to_string()
                    } else {
                        format!("{path}/{name}")
                    };
                    parents.push_back((id.to_string(), child));
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
    read_tags(client, track, &mut accounts).await;
    accounts.sort_by(|a, b| (&a.ou_path, &a.name).cmp(&(&b.ou_path, &b.name)));
    Ok(accounts)
}

async fn read_tags(
    client: &aws_sdk_organizations::Client,
    track: &Track,
    accounts: &mut [OrgAccount],
) {
    for chunk in accounts.chunks_mut(TAG_READS_AT_ONCE) {
        let reads = chunk.iter().map(|account| {
            let request = client
                .list_tags_for_resource()
                .resource_id(&account.id)
                .send();
            track.call("organizations:ListTagsForResource", request)
        });
        let answers = futures_util::future::join_all(reads).await;
        for (account, answer) in chunk.iter_mut().zip(answers) {
            match answer {
                Ok(out) => {
                    account.tags = out
                        .tags()
                        .iter()
                        .map(|t| (t.key().to_string(), t.value().to_string()))
                        .collect();
                }
                // No permission for tags: the rest would fail the same way.
                Err(f) if f.kind == FailureKind::AccessDenied => return,
                Err(_) => {}
            }
        }
    }
}

/// The role ARN of `role_name` in `account`, in the caller's partition (`aws`, `aws-cn`,
/// `aws-us-gov`), taken from the caller's ARN.
pub fn role_arn(caller_arn: &str, account: &str, role_name: &str) -> String {
    let partition = caller_arn
        .split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    let role = role_name.trim_start_matches('/');
    format!("arn:{partition}:iam::{account}:role/{role}")
}

/// `picket-<local user>`, limited to what STS accepts in a session name.
pub fn session_name() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "analyst".into());
    let clean: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c))
        .take(56)
        .collect();
    format!(
        "picket-{}",
        if clean.is_empty() { "analyst" } else { &clean }
    )
}

/// The base configuration with credentials from assuming `role_arn`, cached and renewed five
/// minutes before they expire.
pub async fn assumed(base: &SdkConfig, role_arn: &str, external_id: Option<&str>) -> SdkConfig {
    let mut provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name(session_name())
        .configure(base);
    if let Some(id) = external_id {
        provider = provider.external_id(id);
    }
    let provider = RenewEarly(provider.build().await);
    base.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        // The SDK's cache renews at a jittered point of its buffer before the expiry it is
        // given; that expiry is already five minutes early.
        .identity_cache(IdentityCache::lazy().build())
        .build()
}

/// Assumed-role credentials that say they expire five minutes before they do, so every cache
/// renews them in time: a long request never starts with credentials about to lapse.
#[derive(Debug)]
struct RenewEarly(aws_config::sts::AssumeRoleProvider);

impl ProvideCredentials for RenewEarly {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let mut credentials = self.0.provide_credentials().await?;
            let early = credentials
                .expiry()
                .and_then(|at| at.checked_sub(REFRESH_BEFORE_EXPIRY));
            if early.is_some() {
                *credentials.expiry_mut() = early;
            }
            Ok(credentials)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str, ou: &str, tags: &[(&str, &str)]) -> OrgAccount {
        OrgAccount {
            id: "123456789012".into(),
            name: name.into(),
            active: true,
            ou_path: ou.into(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn production_by_ou_name_or_tag() {
        let settings = OrgSettings::default();
        assert!(settings.is_production(&account("payments", "Workloads/Production", &[])));
        assert!(settings.is_production(&account("web", "Workloads", &[("env", "prod")])));
        assert!(settings.is_production(&account("prod-db", "", &[])));
        assert!(!settings.is_production(&account("sandbox", "Workloads/Dev", &[("env", "dev")])));
        let strict = OrgSettings {
            production: vec!["env=production".into()],
            ..OrgSettings::default()
        };
        assert!(!strict.is_production(&account("prod-db", "Prod", &[])));
        assert!(strict.is_production(&account("x", "", &[("Env", "Production")])));
    }

    #[test]
    fn exclusion_by_id_or_name() {
        let settings = OrgSettings {
            exclude: vec!["sandbox-*".into(), "999999999999".into()],
            ..OrgSettings::default()
        };
        assert!(settings.excluded(&account("sandbox-alice", "", &[])));
        assert!(!settings.excluded(&account("payments", "", &[])));
        let mut other = account("payments", "", &[]);
        other.id = "999999999999".into();
        assert!(settings.excluded(&other));
    }

    #[test]
    fn role_arns_follow_the_callers_partition() {
        assert_eq!(
            role_arn(
                "arn:aws-us-gov:iam::111122223333:user/a",
                "444455556666",
                "Audit"
            ),
            "arn:aws-us-gov:iam::444455556666:role/Audit"
        );
        assert_eq!(
            role_arn("", "444455556666", "path/Audit"),
            "arn:aws:iam::444455556666:role/path/Audit"
        );
        let entry = AccountEntry {
            role_arn: Some("arn:aws:iam::444455556666:role/Audit".into()),
            ..AccountEntry::default()
        };
        assert_eq!(entry.account_id().as_deref(), Some("444455556666"));
    }

    #[test]
    fn session_names_are_valid_for_sts() {
        let name = session_name();
        assert!(name.starts_with("picket-") && name.len() <= 64);
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
        );
    }
}

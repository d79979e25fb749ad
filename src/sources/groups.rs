//! Log groups: listing them by prefix for the picker, and remembering the analyst's choice per
//! profile in the state directory (`log-groups.toml`), so the next session tails the same ones.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

pub type Listing<'a> = Pin<Box<dyn Future<Output = Result<Vec<String>, String>> + Send + 'a>>;

/// Lists log groups whose name starts with a prefix.
pub trait GroupLister: Send + Sync {
    fn list<'a>(&'a self, prefix: &'a str) -> Listing<'a>;
}

/// The demo organization's groups.
pub const DEMO_GROUPS: &[&str] = &[
    "/aws/eks/prod-payments/cluster",
    "/aws/lambda/payments-api",
    "/aws/rds/instance/orders-db/postgresql",
    "aws-cloudtrail-logs-demo-org",
    "vpc-flow-logs-prod",
];

pub struct DemoGroups;

impl GroupLister for DemoGroups {
    fn list<'a>(&'a self, prefix: &'a str) -> Listing<'a> {
        Box::pin(async move {
            Ok(DEMO_GROUPS
                .iter()
                .filter(|g| g.starts_with(prefix))
                .map(|g| g.to_string())
                .collect())
        })
    }
}

/// The remembered choices, by profile (`default` without one).
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
struct Remembered {
    #[serde(default)]
    profiles: BTreeMap<String, Vec<String>>,
}

pub fn default_path() -> Option<PathBuf> {
    crate::journal::default_path().map(|p| p.with_file_name("log-groups.toml"))
}

fn key(profile: Option<&str>) -> String {
    profile.unwrap_or("default").to_string()
}

/// The groups chosen last time for `profile`; none when there is no file or it cannot be read
/// (a broken file is not a reason to stop: the config's groups or discovery apply).
pub fn remembered(path: &Path, profile: Option<&str>) -> Vec<String> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| toml::from_str::<Remembered>(&text).ok())
        .and_then(|r| r.profiles.get(&key(profile)).cloned())
        .unwrap_or_default()
}

/// Remembers `groups` for `profile`, keeping the other profiles' choices.
pub fn remember(path: &Path, profile: Option<&str>, groups: &[String]) -> Result<(), String> {
    let mut all: Remembered = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| toml::from_str(&text).ok())
        .unwrap_or_default();
    all.profiles.insert(key(profile), groups.to_vec());
    let text = toml::to_string(&all).map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Nothing to list (exported files).
pub struct NoGroups;

impl GroupLister for NoGroups {
    fn list<'a>(&'a self, _prefix: &'a str) -> Listing<'a> {
        Box::pin(async { Err("exported files have no log groups".to_string()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_kept_per_profile() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state").join("log-groups.toml");
        assert!(remembered(&path, None).is_empty());
        remember(&path, Some("prod"), &["org-trail".into()]).expect("saved");
        remember(&path, None, &["a".into(), "b".into()]).expect("saved");
        assert_eq!(remembered(&path, Some("prod")), ["org-trail"]);
        assert_eq!(remembered(&path, None), ["a", "b"]);
        std::fs::write(&path, "not toml [").expect("write");
        assert!(
            remembered(&path, None).is_empty(),
            "a broken file is ignored"
        );
    }
}

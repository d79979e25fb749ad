//! The AWS CLI's profile files on this machine: `AWS_CONFIG_FILE` and
//! `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials`.

use std::path::PathBuf;

use crate::model::profile::{self, Profile};

/// The profiles defined on this machine; none when the files are missing or unreadable (the
/// SDK says what is wrong with them when a profile is used).
pub fn read() -> Vec<Profile> {
    let text = |path: Option<PathBuf>| {
        path.and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    };
    profile::parse(
        &text(file("AWS_CONFIG_FILE", "config")),
        &text(file("AWS_SHARED_CREDENTIALS_FILE", "credentials")),
    )
}

/// One profile by name.
pub fn find(name: &str) -> Option<Profile> {
    read().into_iter().find(|p| p.name == name)
}

fn file(var: &str, name: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".aws").join(name)))
}

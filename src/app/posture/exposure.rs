//! Exposure: Security Hub's exposure findings, one per resource, with the traits that make the
//! resource exposed (misconfiguration, reachability, sensitive data, vulnerability,
//! assumability, impact) — a posture list, apart from the incidents of the queue.
//!
//! Read from the queue: an exposure finding's traits are its `Exposure/<trait>` types (see
//! `model::ocsf`), so the list is one pass over the summaries with the trait types looked up
//! once per distinct type set; its contributing findings are in the finding's detail.

use std::collections::HashMap;

use crate::model::SeverityLabel;
use crate::store::{EntryIx, FindingStore, NONE};

#[derive(Clone, Debug, PartialEq)]
pub struct Exposed {
    pub entry: EntryIx,
    pub label: SeverityLabel,
    /// The traits, by name (`Reachability`, `Vulnerability`…).
    pub traits: Vec<String>,
    pub resource: String,
    pub account: String,
    pub title: String,
}

/// The exposure findings still open, worst first: by severity, then by how many traits.
pub fn build(store: &FindingStore) -> Vec<Exposed> {
    let mut traits_of: HashMap<u32, Option<Vec<String>>> = HashMap::new();
    let mut exposed = Vec::new();
    for ix in 0..store.len() as EntryIx {
        let Some(s) = store.summary(ix) else {
            continue;
        };
        if s.archived || !s.workflow.is_open() || s.type_set == NONE {
            continue;
        }
        let traits = traits_of
            .entry(s.type_set)
            .or_insert_with(|| traits_in(store, s.type_set));
        let Some(traits) = traits else {
            continue;
        };
        let resource = store
            .resources(ix)
            .next()
            .map(|r| crate::store::short_name(r.arn.unwrap_or(r.id)).to_string())
            .unwrap_or_default();
        exposed.push(Exposed {
            entry: ix,
            label: s.label,
            traits: traits.clone(),
            resource,
            account: store.accounts.name(s.account).to_string(),
            title: store.title(ix).to_string(),
        });
    }
    // Rank 0 is the most severe.
    exposed.sort_by(|a, b| {
        (
            a.label.rank(),
            std::cmp::Reverse(a.traits.len()),
            &a.resource,
        )
            .cmp(&(
                b.label.rank(),
                std::cmp::Reverse(b.traits.len()),
                &b.resource,
            ))
    });
    exposed
}

/// The traits a type set names, or None when it is no exposure finding's.
fn traits_in(store: &FindingStore, set: u32) -> Option<Vec<String>> {
    let ids = store.type_sets.get(set)?;
    let names: Vec<&str> = ids.iter().map(|&t| store.types.name(t)).collect();
    if !names.contains(&"Exposure") {
        return None;
    }
    Some(
        names
            .iter()
            .filter_map(|n| n.strip_prefix("Exposure/"))
            .map(str::to_string)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_findings_are_listed_with_their_traits_and_nothing_else_is() {
        let mut store = FindingStore::default();
        let now: jiff::Timestamp = "2026-01-15T09:30:00Z".parse().expect("time");
        let resource = "arn:aws:lambda:us-east-1:111122223333:function:pay";
        let record = crate::model::ocsf::tests::exposure("111122223333", resource);
        let finding = crate::model::ocsf::map_finding(&record).expect("maps");
        store.upsert(finding, now, true);
        let other = crate::model::fixtures::guardduty(
            "other",
            "111122223333",
            "Recon:EC2/PortProbeUnprotectedPort",
            5.0,
            "2026-01-14T00:00:00Z",
        );
        store.upsert(other, now, true);
        let listed = build(&store);
        assert_eq!(listed.len(), 1);
        assert_eq!(
            listed[0].traits,
            ["Misconfiguration", "Reachability", "Vulnerability"]
        );
        assert_eq!(listed[0].resource, "pay");
        assert_eq!(listed[0].account, "111122223333");
    }
}

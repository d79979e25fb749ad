//! Where a finding can be acted on: which credentials and region reach it.

use super::Finding;
use super::health::Service;

/// How picket reaches an account's findings of one service and region: with whose credentials,
/// in which region (a Security Hub aggregation region reads other regions' findings), and for
/// GuardDuty through which detector. In admin mode that is the administrator's, since members
/// cannot archive their own findings or create suppression rules.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Route {
    pub account: String,
    pub region: String,
    pub service: Service,
    pub via_account: String,
    pub via_region: String,
    pub detector: Option<String>,
}

impl Route {
    /// One route per (account, region) of `findings`, read by `via_account` in `via_region`.
    pub fn for_findings(
        findings: &[Finding],
        service: Service,
        via_account: &str,
        via_region: &str,
        detector: Option<&str>,
    ) -> Vec<Route> {
        let mut seen: Vec<(&str, &str)> = findings
            .iter()
            .map(|f| (f.account_id.as_str(), f.region.as_str()))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen.into_iter()
            .map(|(account, region)| Route {
                account: account.to_string(),
                region: region.to_string(),
                service,
                via_account: via_account.to_string(),
                via_region: via_region.to_string(),
                detector: detector.map(str::to_string),
            })
            .collect()
    }
}

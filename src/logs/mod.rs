//! The logs engine, apart from where events come from: the CloudWatch Logs filter-pattern
//! language ([`pattern`]), the CIS detections written in it ([`detect`]), Logs Insights queries
//! ([`insights`]) and the pivot from a finding to the CloudTrail activity around it ([`pivot`]).

pub mod chain;
pub mod detect;
pub mod insights;
pub mod pattern;
pub mod pivot;

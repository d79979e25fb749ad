//! Logs Insights through the SDK: StartQuery over the CloudTrail groups (epoch seconds), then
//! GetQueryResults every second until the query ends, each answer passed on; a cancel sends
//! StopQuery.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::QueryStatus;

use super::Track;
use super::budget::Budget;
use crate::logs::insights::{
    InsightsRequest, InsightsRunner, InsightsUpdate, Progress, QueryFuture,
};
use crate::model::health::Service;

const POLL: Duration = Duration::from_secs(1);
/// Logs Insights ends a query after 60 minutes; picket stops asking a little later.
const MOST_POLLS: u32 = crate::limits::INSIGHTS_POLLS;

pub struct AwsInsights {
    client: Client,
    account: String,
    region: String,
    /// The groups queried; empty: those starting with `discover_prefix`.
    groups: Vec<String>,
    discover_prefix: String,
    budget: Arc<Budget>,
}

impl AwsInsights {
    pub fn new(
        client: Client,
        account: &str,
        region: &str,
        groups: Vec<String>,
        discover_prefix: &str,
        budget: Arc<Budget>,
    ) -> AwsInsights {
        AwsInsights {
            client,
            account: account.to_string(),
            region: region.to_string(),
            groups,
            discover_prefix: discover_prefix.to_string(),
            budget,
        }
    }

    /// In the first region watched, with the caller's credentials, over the configured (or
    /// discovered) CloudTrail groups.
    pub fn for_plan(plan: &super::plan::Plan) -> AwsInsights {
        let region = plan.regions.first().cloned().unwrap_or_default();
        let client = Client::from_conf(
            aws_sdk_cloudwatchlogs::config::Builder::from(&plan.base)
                .region(aws_config::Region::new(region.clone()))
                .build(),
        );
        AwsInsights::new(
            client,
            "caller",
            &region,
            plan.settings.log_groups.clone(),
            &plan.settings.discover_prefix,
            Arc::clone(&plan.budget),
        )
    }

    /// The groups to query, and the sentence that says when discovery left some out.
    async fn groups(&self, track: &Track) -> Result<(Vec<String>, Option<String>), String> {
        if !self.groups.is_empty() {
            return Ok((self.groups.clone(), None));
        }
        let request = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(&self.discover_prefix)
            .limit(super::logs::MAX_GROUPS as i32)
            .send();
        let out = track
            .call("logs:DescribeLogGroups", request)
            .await
            .map_err(|f| f.message)?;
        let mut groups: Vec<String> = out
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name().map(str::to_string))
            .collect();
        if groups.is_empty() {
            return Err(format!(
                "no log group starts with '{}' in {}: set [logs] cloudtrail_groups",
                self.discover_prefix, self.region
            ));
        }
        let limit = super::logs::MAX_GROUPS;
        let more = groups.len() > limit || out.next_token().is_some_and(|t| !t.is_empty());
        groups.truncate(limit);
        let left_out = more.then(|| {
            format!(
                "only the first {limit} groups starting with '{}' are queried; choose with o",
                self.discover_prefix
            )
        });
        Ok((groups, left_out))
    }

    async fn query(
        &self,
        request: InsightsRequest,
        mut cancel: tokio::sync::watch::Receiver<bool>,
        progress: Progress,
    ) {
        let track = Track::one_off(
            &self.account,
            &self.region,
            Service::CloudWatchLogs,
            &self.budget,
        );
        let id = request.id;
        let groups = if !request.groups.is_empty() {
            Ok((request.groups.clone(), None))
        } else {
            self.groups(&track).await
        };
        let (groups, left_out) = match groups {
            Ok(found) => found,
            Err(e) => return progress(InsightsUpdate::failed(id, e)),
        };
        let start = self
            .client
            .start_query()
            .set_log_group_names(Some(groups))
            .query_string(&request.query)
            // StartQuery takes epoch seconds (FilterLogEvents takes milliseconds).
            .start_time(request.start.as_second())
            .end_time(request.end.as_second())
            .send();
        let query_id = match track.call("logs:StartQuery", start).await {
            Ok(out) => out.query_id().unwrap_or_default().to_string(),
            Err(failure) => return progress(InsightsUpdate::failed(id, failure.message)),
        };
        for _ in 0..MOST_POLLS {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = cancel.changed() => {
                    let stop = self.client.stop_query().query_id(&query_id).send();
                    let error = track.call("logs:StopQuery", stop).await.err().map(|f| f.message);
                    return progress(InsightsUpdate {
                        id,
                        status: "Cancelled".into(),
                        error,
                        done: true,
                        ..InsightsUpdate::default()
                    });
                }
            }
            let results = self.client.get_query_results().query_id(&query_id).send();
            let out = match track.call("logs:GetQueryResults", results).await {
                Ok(out) => out,
                Err(failure) => return progress(InsightsUpdate::failed(id, failure.message)),
            };
            let status = out.status().cloned().unwrap_or(QueryStatus::Running);
            let done = !matches!(status, QueryStatus::Scheduled | QueryStatus::Running);
            let stats = out.statistics();
            progress(InsightsUpdate {
                id,
                status: status.as_str().to_string(),
                bytes_scanned: stats.map_or(0.0, |s| s.bytes_scanned()),
                records_matched: stats.map_or(0.0, |s| s.records_matched()),
                rows: out
                    .results()
                    .iter()
                    .map(|row| {
                        row.iter()
                            .filter_map(|f| Some((f.field()?.to_string(), f.value()?.to_string())))
                            .filter(|(field, _)| field != "@ptr")
                            .collect()
                    })
                    .collect(),
                error: (done && status != QueryStatus::Complete)
                    .then(|| format!("the query ended {}", status.as_str())),
                done,
                left_out: left_out.clone(),
            });
            if done {
                return;
            }
        }
        progress(InsightsUpdate::failed(
            id,
            "no answer after an hour; the query was left running",
        ));
    }
}

impl InsightsRunner for AwsInsights {
    fn run<'a>(
        &'a self,
        request: InsightsRequest,
        cancel: tokio::sync::watch::Receiver<bool>,
        progress: Progress,
    ) -> QueryFuture<'a> {
        Box::pin(self.query(request, cancel, progress))
    }
}

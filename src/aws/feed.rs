//! The event feed: EventBridge delivers GuardDuty and Security Hub finding events to an SQS
//! queue ([`crate::model::event`]), and picket long-polls it. Every change AWS records — a new
//! finding, a repeat occurrence, an analyst's workflow, note or severity change made anywhere —
//! is on screen seconds later, without reading the whole queue again.
//!
//! Delivery is at least once and in no particular order: the store keeps the newest revision
//! of each finding, so a duplicate or a late copy changes nothing. A message is deleted only
//! once its findings are in the disk store (the batch's `taken` signal): if picket stops or the
//! store cannot be written, the message becomes visible again and is read again. A message that
//! carries no finding picket reads is deleted too (it would come back forever), and counted.
//!
//! A poll is one ReceiveMessage that waits up to 20 seconds for the first message; while
//! messages keep coming in tens, the next poll follows at once. The wait holds one of the
//! budget's in-flight slots.

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::DeleteMessageBatchRequestEntry;
use jiff::Timestamp;
use tokio::sync::oneshot;

use super::Track;
use crate::model::event;
use crate::model::{Finding, SafeText};
use crate::sources::{Batch, Feed, PollFuture, Source};

/// Messages per ReceiveMessage (the API's maximum).
const MESSAGES_PER_RECEIVE: i32 = 10;
/// The long poll's wait (the API's maximum).
pub const WAIT_SECONDS: i32 = 20;
/// How long a poll waits for the previous batch to reach the store before it receives more.
const STORE_WAIT: Duration = Duration::from_secs(5);

/// Messages handed to the app, deleted once their findings are stored.
struct Delivered {
    receipts: Vec<String>,
    taken: oneshot::Receiver<()>,
}

pub struct FeedSource {
    client: Client,
    queue_url: String,
    track: Track,
    name: String,
    wait_seconds: i32,
    waiting: Vec<Delivered>,
    /// Messages received that carried no finding picket reads.
    not_findings: u64,
    /// The newest message seen was sent this long ago (its SentTimestamp): how far behind AWS
    /// the feed runs.
    lag: Option<jiff::SignedDuration>,
    /// A delete that failed: its messages come back, which is harmless; said once in health.
    delete_problem: Option<String>,
}

/// The region and account of a queue URL (`https://sqs.us-east-1.amazonaws.com/111122223333/q`).
pub fn queue_place(url: &str) -> (Option<String>, Option<String>) {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let mut parts = rest.split('/');
    let host = parts.next().unwrap_or("");
    let account = parts
        .next()
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string);
    let labels: Vec<&str> = host.split('.').collect();
    let region = match labels.as_slice() {
        ["sqs", region, ..] if region.contains('-') => Some(region.to_string()),
        [region, "queue", ..] if region.contains('-') => Some(region.to_string()),
        _ => None,
    };
    (region, account)
}

impl FeedSource {
    /// A feed from the queue at `queue_url`; `track` (with a zero interval) names its account
    /// and region.
    pub fn new(client: Client, queue_url: &str, track: Track) -> FeedSource {
        let queue = queue_url.rsplit('/').next().unwrap_or(queue_url);
        FeedSource {
            name: format!("feed {queue} {}", track.region),
            client,
            queue_url: queue_url.to_string(),
            track,
            wait_seconds: WAIT_SECONDS,
            waiting: Vec::new(),
            not_findings: 0,
            lag: None,
            delete_problem: None,
        }
    }

    /// A shorter long poll (tests against an emulator).
    pub fn waiting_at_most(mut self, seconds: i32) -> Self {
        self.wait_seconds = seconds.clamp(0, WAIT_SECONDS);
        self
    }

    /// Deletes the messages whose findings are stored; those the store refused stay on the
    /// queue and come back after their visibility timeout.
    async fn delete_stored(&mut self) {
        let mut stored = Vec::new();
        for delivered in std::mem::take(&mut self.waiting) {
            let Delivered {
                receipts,
                mut taken,
            } = delivered;
            match tokio::time::timeout(STORE_WAIT, &mut taken).await {
                Ok(Ok(())) => stored.extend(receipts),
                // Not stored (the writer failed or picket is stopping): left for redelivery.
                Ok(Err(_)) => {}
                // Still being written: asked again at the next poll.
                Err(_) => self.waiting.push(Delivered { receipts, taken }),
            }
        }
        for chunk in stored.chunks(MESSAGES_PER_RECEIVE as usize) {
            let entries: Vec<DeleteMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, receipt)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(receipt)
                        .build()
                        .ok()
                })
                .collect();
            let request = self
                .client
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send();
            match self.track.call("sqs:DeleteMessage", request).await {
                Ok(out) if out.failed().is_empty() => {}
                Ok(out) => {
                    self.delete_problem = Some(format!(
                        "{} message(s) could not be deleted ({}); they will be read again, which changes nothing",
                        out.failed().len(),
                        out.failed()[0].code()
                    ))
                }
                Err(failure) => {
                    self.delete_problem = Some(format!(
                        "messages could not be deleted ({}); they will be read again, which changes nothing",
                        failure.message
                    ))
                }
            }
        }
    }

    async fn receive(&mut self, now: Timestamp) -> Batch {
        self.delete_stored().await;
        let request = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(MESSAGES_PER_RECEIVE)
            .wait_time_seconds(self.wait_seconds)
            .message_system_attribute_names(
                aws_sdk_sqs::types::MessageSystemAttributeName::SentTimestamp,
            )
            .send();
        let out = match self.track.call("sqs:ReceiveMessage", request).await {
            Ok(out) => out,
            Err(failure) => {
                return Batch {
                    health: vec![self.track.failed(failure)],
                    ..Batch::default()
                };
            }
        };
        let messages = out.messages();
        let mut findings: Vec<Finding> = Vec::new();
        let mut receipts = Vec::with_capacity(messages.len());
        let mut left_out = Vec::new();
        for message in messages {
            if let Some(receipt) = message.receipt_handle() {
                receipts.push(receipt.to_string());
            }
            if let Some(sent) = message
                .attributes()
                .and_then(|a| a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::SentTimestamp))
                .and_then(|ms| ms.parse::<i64>().ok())
                .and_then(|ms| Timestamp::from_millisecond(ms).ok())
            {
                self.lag = Some(now.duration_since(sent));
            }
            match event::read_message(message.body().unwrap_or("")) {
                Ok((mut found, unreadable)) => {
                    findings.append(&mut found);
                    if unreadable > 0 {
                        left_out.push(format!(
                            "{}: {unreadable} finding(s) in an event could not be read",
                            self.name
                        ));
                    }
                }
                Err(what) => {
                    self.not_findings += 1;
                    left_out.push(format!(
                        "{}: a message was not a finding event: {what}",
                        self.name
                    ));
                }
            }
        }
        let (signal, taken) = oneshot::channel();
        if !receipts.is_empty() {
            self.waiting.push(Delivered { receipts, taken });
        }
        let mut health = self.track.succeeded(now);
        health.health.message = self.summary().map(|m| SafeText::line(&m));
        Batch {
            findings,
            health: vec![health],
            more: messages.len() == MESSAGES_PER_RECEIVE as usize,
            left_out,
            taken: Some(signal),
            ..Batch::default()
        }
    }

    /// What the Sources cell says of a working feed.
    fn summary(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(lag) = self.lag {
            parts.push(format!("newest event sent {}s ago", lag.as_secs().max(0)));
        }
        if self.not_findings > 0 {
            parts.push(format!(
                "{} message(s) were not finding events (deleted)",
                self.not_findings
            ));
        }
        if let Some(problem) = &self.delete_problem {
            parts.push(problem.clone());
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

impl Source for FeedSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn feed(&self) -> Feed {
        Feed::Findings
    }

    /// The long poll is the wait (the track's interval is zero); after a failure, its backoff.
    fn interval(&self) -> Duration {
        self.track.next_delay()
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        Box::pin(self.receive(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_urls_name_their_region_and_account() {
        assert_eq!(
            queue_place("https://sqs.eu-west-1.amazonaws.com/111122223333/picket-feed"),
            (Some("eu-west-1".into()), Some("111122223333".into()))
        );
        assert_eq!(
            queue_place("https://us-east-2.queue.amazonaws.com/111122223333/q"),
            (Some("us-east-2".into()), Some("111122223333".into()))
        );
        assert_eq!(
            queue_place("http://127.0.0.1:5000/123456789012/q"),
            (None, Some("123456789012".into()))
        );
    }
}

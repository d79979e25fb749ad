//! One task per source: poll, send the batch, wait for the interval or a manual refresh. A task
//! has at most one poll in flight, and a feed that no visible screen shows does not poll.

use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

use crate::app::Msg;
use crate::sources::{Feed, Source};

pub struct Pollers {
    refresh: Arc<Notify>,
    findings_active: watch::Sender<bool>,
    logs_active: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Pollers {
    /// Starts polling. The findings feed starts active, the logs feed when its screen opens.
    pub fn start(sources: Vec<Box<dyn Source>>, tx: mpsc::Sender<Msg>) -> Pollers {
        let refresh = Arc::new(Notify::new());
        let (findings_active, _) = watch::channel(true);
        let (logs_active, _) = watch::channel(false);
        let tasks = sources
            .into_iter()
            .map(|source| {
                let active = match source.feed() {
                    Feed::Findings => findings_active.subscribe(),
                    Feed::Logs => logs_active.subscribe(),
                };
                tokio::spawn(poll_loop(source, active, Arc::clone(&refresh), tx.clone()))
            })
            .collect();
        Pollers {
            refresh,
            findings_active,
            logs_active,
            tasks,
        }
    }

    pub fn refresh(&self) {
        self.refresh.notify_waiters();
    }

    pub fn set_active(&self, feed: Feed, active: bool) {
        let sender = match feed {
            Feed::Findings => &self.findings_active,
            Feed::Logs => &self.logs_active,
        };
        sender.send_replace(active);
    }

    pub fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

async fn poll_loop(
    mut source: Box<dyn Source>,
    mut active: watch::Receiver<bool>,
    refresh: Arc<Notify>,
    tx: mpsc::Sender<Msg>,
) {
    let feed = source.feed();
    loop {
        // Hold while no screen needs this feed.
        if active.wait_for(|on| *on).await.is_err() {
            return;
        }
        let batch = source.poll(Timestamp::now()).await;
        if tx.send(Msg::Batch(feed, batch)).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(source.interval()) => {}
            _ = refresh.notified() => {}
            // Deactivated: stop at once, wait above for reactivation.
            _ = active.wait_for(|on| !*on) => {}
        }
    }
}

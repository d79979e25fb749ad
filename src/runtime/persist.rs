//! Keeps the disk store in step with the queue. After every message the runtime hands over
//! what the queue changed, with the marks of the batches taken in; one writer writes them in
//! order on a blocking thread, one transaction each, then tells the app which entries' raw
//! records may leave memory and fires the batches' `taken` signals (a queue feed deletes its
//! messages only then). Without a disk store the signals fire as soon as the app took the batch.

use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};

use super::Reply;
use crate::app::{App, Msg};
use crate::sources::Mark;
use crate::store::EntryIx;
use crate::store::disk::{Disk, Written};

/// Fills the app's queue from the disk store and attaches the store for raw records, as picket
/// starts: the kept queue is on screen at once, with its age.
pub fn restore(app: &mut App, disk: &Arc<Disk>) {
    let scope = app.scope.clone();
    let restored = match disk.load_within(&mut app.store, scope.as_deref()) {
        Ok(loaded) => Msg::Restored {
            findings: loaded.findings,
            skipped: loaded.skipped,
            outside: loaded.outside,
            written_at: loaded.written_at,
        },
        Err(e) => Msg::StoreFailed(e),
    };
    app.store
        .attach(Arc::clone(disk) as Arc<dyn crate::store::RawRecords>);
    crate::app::update(app, restored);
}

struct Job {
    rows: Vec<Written>,
    /// Which entry, as revised, each row is.
    revisions: Vec<(EntryIx, i64)>,
    marks: Vec<Mark>,
    taken: Vec<oneshot::Sender<()>>,
    now: Timestamp,
}

pub struct Persist {
    jobs: Option<mpsc::UnboundedSender<Job>>,
    marks: Vec<Mark>,
    taken: Vec<oneshot::Sender<()>>,
}

impl Persist {
    /// Starts the writer (with a disk store; without one, nothing is written).
    pub fn start(disk: Option<Arc<Disk>>, reply: Reply) -> Persist {
        let jobs = disk.map(|disk| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(write_in_order(disk, rx, reply));
            tx
        });
        Persist {
            jobs,
            marks: Vec::new(),
            taken: Vec::new(),
        }
    }

    /// Before `update`: what a batch carries for the disk store rather than the app.
    pub fn before(&mut self, msg: &mut Msg) {
        if let Msg::Batch(_, batch) = msg {
            self.marks.extend(batch.mark.take());
            self.taken.extend(batch.taken.take());
        }
    }

    /// After `update`: writes what changed.
    pub fn after(&mut self, app: &mut App) {
        let Some(jobs) = &self.jobs else {
            for taken in self.taken.drain(..) {
                let _ = taken.send(());
            }
            self.marks.clear();
            return;
        };
        let changed = app.store.take_changed();
        if changed.is_empty() && self.marks.is_empty() && self.taken.is_empty() {
            return;
        }
        let mut job = Job {
            rows: Vec::with_capacity(changed.len()),
            revisions: Vec::with_capacity(changed.len()),
            marks: std::mem::take(&mut self.marks),
            taken: std::mem::take(&mut self.taken),
            now: app.now,
        };
        for ix in changed {
            if let (Some(row), Some(entry)) = (Written::of(&app.store, ix), app.store.get(ix)) {
                job.revisions.push((ix, entry.revised));
                job.rows.push(row);
            }
        }
        // The writer is gone only when the runtime is shutting down.
        let _ = jobs.send(job);
    }
}

async fn write_in_order(disk: Arc<Disk>, mut jobs: mpsc::UnboundedReceiver<Job>, reply: Reply) {
    while let Some(job) = jobs.recv().await {
        let Job {
            rows,
            revisions,
            marks,
            taken,
            now,
        } = job;
        let disk = Arc::clone(&disk);
        let written = tokio::task::spawn_blocking(move || disk.write(&rows, &marks, now)).await;
        match written {
            Ok(Ok(())) => {
                for signal in taken {
                    let _ = signal.send(());
                }
                if !revisions.is_empty() {
                    reply.send(Msg::Stored(revisions));
                }
            }
            // The signals are dropped unfired: a queue feed leaves its messages for redelivery.
            Ok(Err(message)) => reply.send(Msg::StoreFailed(message)),
            Err(e) => reply.send(Msg::StoreFailed(format!("store: the writer failed: {e}"))),
        }
    }
}

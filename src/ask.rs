//! Questions code below the UI must put to the analyst (an MFA code for a profile's role):
//! asked on the terminal before the TUI runs — as the AWS CLI asks — and in a prompt inside
//! the TUI while it runs. Process-wide like the credentials they unlock: every SDK client of
//! a profile shares one provider, and the provider cannot know which screen is up.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

/// A question for the TUI: its id (the answer names it) and its words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub id: u64,
    pub text: String,
}

/// Where questions go while the TUI runs; None before it starts and after it ends.
static TUI: Mutex<Option<mpsc::UnboundedSender<Question>>> = Mutex::new(None);
/// Questions asked in the TUI, waiting for their answers.
static WAITING: Mutex<Option<HashMap<u64, oneshot::Sender<Option<String>>>>> = Mutex::new(None);
static NEXT: AtomicU64 = AtomicU64::new(1);
/// Bumped when the analyst asks for a refresh (`r`): a question declined before may be asked
/// again at once.
static ROUND: AtomicU64 = AtomicU64::new(0);

/// The analyst asked to read again now: questions declined so far may be asked again.
pub fn ask_again() {
    ROUND.fetch_add(1, Ordering::Relaxed);
}

/// Which round of asking this is (see [`ask_again`]).
pub fn round() -> u64 {
    ROUND.load(Ordering::Relaxed)
}

/// While the TUI runs, questions go to it: the runtime turns each into a message for the app.
pub fn to_tui(questions: mpsc::UnboundedSender<Question>) {
    *lock(&TUI) = Some(questions);
}

/// The TUI has ended: questions go to the terminal again; those it left unanswered get none.
pub fn to_terminal() {
    *lock(&TUI) = None;
    lock(&WAITING).take();
}

/// The analyst's answer to question `id` (None: declined).
pub fn answer(id: u64, text: Option<String>) {
    if let Some(reply) = lock(&WAITING).as_mut().and_then(|w| w.remove(&id)) {
        let _ = reply.send(text);
    }
}

/// Asks `text`; the answer, or None when the analyst declines or nobody can answer.
pub async fn ask(text: &str) -> Option<String> {
    let tui = lock(&TUI).clone();
    if let Some(tui) = tui {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let (reply, answered) = oneshot::channel();
        lock(&WAITING)
            .get_or_insert_with(HashMap::new)
            .insert(id, reply);
        if tui
            .send(Question {
                id,
                text: text.to_string(),
            })
            .is_err()
        {
            lock(&WAITING).as_mut().and_then(|w| w.remove(&id));
            return None;
        }
        return answered.await.ok().flatten();
    }
    let text = text.to_string();
    tokio::task::spawn_blocking(move || on_terminal(&text))
        .await
        .ok()
        .flatten()
}

/// Asks on stderr and reads one line of stdin: None at its end or when it cannot be read.
fn on_terminal(text: &str) -> Option<String> {
    let mut err = std::io::stderr();
    let _ = write!(err, "picket: {text}: ");
    let _ = err.flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim().to_string()).filter(|l| !l.is_empty()),
    }
}

/// The state behind these locks is a queue of plain values: a panic elsewhere cannot leave it
/// half-changed.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_question_asked_in_the_tui_waits_for_its_answer() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        to_tui(tx);
        let asked = tokio::spawn(ask("MFA code for arn:aws:iam::1:mfa/a"));
        let question = rx.recv().await.expect("the question reaches the TUI");
        assert_eq!(question.text, "MFA code for arn:aws:iam::1:mfa/a");
        answer(question.id, Some("123456".into()));
        assert_eq!(asked.await.expect("asked"), Some("123456".into()));
        // Declined, and then the TUI ends with a question unanswered: both answer None.
        let declined = tokio::spawn(ask("again"));
        let question = rx.recv().await.expect("asked again");
        answer(question.id, None);
        assert_eq!(declined.await.expect("asked"), None);
        let left = tokio::spawn(ask("once more"));
        let _ = rx.recv().await.expect("asked once more");
        to_terminal();
        assert_eq!(left.await.expect("asked"), None);
    }
}

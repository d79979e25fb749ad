//! The log stream the logs screen shows: a bounded ring that can follow the tail or hold still.

use std::collections::{HashSet, VecDeque};

use crate::model::LogEvent;

/// Default number of events kept.
pub const DEFAULT_CAPACITY: usize = 10_000;

#[derive(Debug)]
pub struct LogView {
    events: VecDeque<LogEvent>,
    capacity: usize,
    /// Events dropped off the front since start; `dropped + i` numbers an event for good.
    dropped: u64,
    /// Recently seen CloudWatch event ids, so overlapping polls add nothing twice.
    seen_ids: HashSet<Box<str>>,
    seen_order: VecDeque<Box<str>>,
    /// Absolute number of the selected event; `None` follows the newest.
    pub selected: Option<u64>,
    pub paused: bool,
    /// Events that arrived while paused.
    pub arrived_while_paused: usize,
}

impl LogView {
    pub fn new(capacity: usize) -> Self {
        Self {
            events: VecDeque::new(),
            capacity: capacity.max(1),
            dropped: 0,
            seen_ids: HashSet::new(),
            seen_order: VecDeque::new(),
            selected: None,
            paused: false,
            arrived_while_paused: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn events(&self) -> &VecDeque<LogEvent> {
        &self.events
    }

    /// Appends events, skipping any whose event id was already seen. Returns how many were added.
    pub fn push(&mut self, events: Vec<LogEvent>) -> usize {
        let mut added = 0;
        for mut event in events {
            if let Some(id) = event.event_id.as_deref() {
                if !self.seen_ids.insert(id.into()) {
                    continue;
                }
                self.seen_order.push_back(id.into());
                if self.seen_order.len() > self.capacity * 2
                    && let Some(old) = self.seen_order.pop_front()
                {
                    self.seen_ids.remove(&old);
                }
            }
            if self.events.len() == self.capacity {
                self.events.pop_front();
                self.dropped += 1;
            }
            event.message = event.message.packed();
            self.events.push_back(event);
            added += 1;
        }
        if self.paused {
            self.arrived_while_paused += added;
        }
        added
    }

    /// Index into [`Self::events`] of the selected event (the newest when following).
    pub fn selected_index(&self) -> Option<usize> {
        if self.events.is_empty() {
            return None;
        }
        match self.selected {
            None => Some(self.events.len() - 1),
            Some(abs) => Some(
                abs.saturating_sub(self.dropped)
                    .min(self.events.len() as u64 - 1) as usize,
            ),
        }
    }

    pub fn following(&self) -> bool {
        self.selected.is_none() && !self.paused
    }

    /// Moves the selection; moving stops following, reaching the end resumes it (unless paused).
    pub fn move_by(&mut self, delta: isize) {
        let Some(current) = self.selected_index() else {
            return;
        };
        let last = self.events.len() - 1;
        let target = current.saturating_add_signed(delta).min(last);
        self.selected = if target == last && !self.paused {
            None
        } else {
            Some(self.dropped + target as u64)
        };
    }

    pub fn to_top(&mut self) {
        if !self.events.is_empty() {
            self.selected = Some(self.dropped);
        }
    }

    pub fn to_bottom(&mut self) {
        self.selected = if self.paused {
            self.events
                .len()
                .checked_sub(1)
                .map(|i| self.dropped + i as u64)
        } else {
            None
        };
    }

    pub fn toggle_pause(&mut self) {
        self.paused = !self.paused;
        if self.paused {
            self.selected = self.selected_index().map(|i| self.dropped + i as u64);
        } else {
            self.arrived_while_paused = 0;
            self.selected = None;
        }
    }

    pub fn selected_event(&self) -> Option<&LogEvent> {
        self.selected_index().and_then(|i| self.events.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SafeText;
    use jiff::Timestamp;

    fn event(n: u32) -> LogEvent {
        let mut e = LogEvent::new(
            Timestamp::UNIX_EPOCH,
            "1",
            "r",
            "g",
            "s",
            &format!("line {n}"),
        );
        e.event_id = Some(SafeText::line(&n.to_string()));
        e
    }

    #[test]
    fn ring_keeps_the_newest_and_drops_duplicates() {
        let mut v = LogView::new(3);
        assert_eq!(v.push((0..5).map(event).collect()), 5);
        assert_eq!(v.len(), 3);
        assert_eq!(
            v.push(vec![event(4)]),
            0,
            "an overlapping poll adds nothing twice"
        );
        assert_eq!(v.selected_index(), Some(2));
    }

    #[test]
    fn pause_holds_the_selection_while_events_arrive() {
        let mut v = LogView::new(100);
        v.push((0..10).map(event).collect());
        v.toggle_pause();
        v.move_by(-3);
        let held = v.selected_event().map(|e| e.event_id.clone());
        v.push((10..20).map(event).collect());
        assert_eq!(v.selected_event().map(|e| e.event_id.clone()), held);
        assert_eq!(v.arrived_while_paused, 10);
        v.toggle_pause();
        assert!(v.following());
        assert_eq!(v.selected_index(), Some(19));
    }

    #[test]
    fn selection_survives_eviction() {
        let mut v = LogView::new(5);
        v.push((0..5).map(event).collect());
        v.move_by(-1);
        v.push((5..7).map(event).collect());
        assert_eq!(
            v.selected_event().and_then(|e| e.event_id.as_deref()),
            Some("3")
        );
    }
}

//! The log stream the logs screen shows: a bounded ring that can follow the tail or hold still.

use std::collections::{HashSet, VecDeque};

use crate::logs::pattern::Pattern;
use crate::model::LogEvent;

/// Default number of events kept.
pub const DEFAULT_CAPACITY: usize = crate::limits::LOG_BUFFER;

/// Most bytes the buffer's events may hold (their packed records and fields), whatever their
/// number: CloudWatch Logs events reach 256 KB each, so a count alone would not bound memory.
pub const MAX_BYTES: usize = 256 << 20;

#[derive(Debug)]
pub struct LogView {
    events: VecDeque<LogEvent>,
    capacity: usize,
    /// Bytes the events hold ([`held_bytes`]), bounded by `max_bytes`.
    bytes: usize,
    max_bytes: usize,
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
    /// `/` on the logs screen: only events the pattern matches are rows.
    filter: Option<Pattern>,
    /// With a filter: the absolute numbers of the events that pass, oldest first.
    passing: VecDeque<u64>,
}

impl LogView {
    pub fn new(capacity: usize) -> Self {
        Self::bounded(capacity, MAX_BYTES)
    }

    /// A buffer of at most `capacity` events and `max_bytes` bytes.
    pub fn bounded(capacity: usize, max_bytes: usize) -> Self {
        Self {
            events: VecDeque::new(),
            capacity: capacity.max(1),
            bytes: 0,
            max_bytes,
            dropped: 0,
            seen_ids: HashSet::new(),
            seen_order: VecDeque::new(),
            selected: None,
            paused: false,
            arrived_while_paused: 0,
            filter: None,
            passing: VecDeque::new(),
        }
    }

    pub fn filter(&self) -> Option<&Pattern> {
        self.filter.as_ref()
    }

    /// Shows only the events `filter` matches (or all with `None`), keeping the selection on
    /// the same event when it still shows.
    pub fn set_filter(&mut self, filter: Option<Pattern>) {
        let keep = self.selected;
        self.filter = filter.filter(|p| !p.is_all());
        self.passing.clear();
        if let Some(pattern) = &self.filter {
            for (i, event) in self.events.iter().enumerate() {
                if pattern.matches(&event.message.as_delivered()) {
                    self.passing.push_back(self.dropped + i as u64);
                }
            }
        }
        self.selected =
            keep.filter(|abs| self.row_of(*abs).is_some_and(|r| self.abs_of(r) == *abs));
    }

    /// Rows shown: every event, or those passing the filter.
    pub fn rows(&self) -> usize {
        match self.filter {
            None => self.events.len(),
            Some(_) => self.passing.len(),
        }
    }

    pub fn row(&self, row: usize) -> Option<&LogEvent> {
        let abs = match self.filter {
            None => self.dropped + row as u64,
            Some(_) => *self.passing.get(row)?,
        };
        self.events.get(abs.checked_sub(self.dropped)? as usize)
    }

    /// The row of an event (or of the nearest shown event before it).
    fn row_of(&self, abs: u64) -> Option<usize> {
        match self.filter {
            None => abs.checked_sub(self.dropped).map(|r| r as usize),
            Some(_) => match self.passing.binary_search(&abs) {
                Ok(r) => Some(r),
                Err(0) => (!self.passing.is_empty()).then_some(0),
                Err(r) => Some(r - 1),
            },
        }
    }

    fn abs_of(&self, row: usize) -> u64 {
        match self.filter {
            None => self.dropped + row as u64,
            Some(_) => self.passing.get(row).copied().unwrap_or(self.dropped),
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

    /// Events that left the front to make room, since the start.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn events(&self) -> &VecDeque<LogEvent> {
        &self.events
    }

    /// Appends events, skipping any whose event id was already seen. Returns how many were added.
    pub fn push(&mut self, events: Vec<LogEvent>) -> usize {
        self.push_inspecting(events, |_, _| {})
    }

    /// Like [`Self::push`], showing `inspect` each event added with its text, before the text
    /// is packed (the detections read it there, once).
    pub fn push_inspecting(
        &mut self,
        events: Vec<LogEvent>,
        mut inspect: impl FnMut(usize, &LogEvent),
    ) -> usize {
        // Sized once for a full buffer when the first events arrive, so a busy stream never
        // waits on the ring and its id set doubling and rehashing (tens of milliseconds at
        // 100,000 events). Pages are touched only as events fill them.
        let full = self.capacity.min(crate::limits::LOG_BUFFER);
        if !events.is_empty() && self.events.capacity() < full {
            self.events.reserve(full - self.events.len());
            self.seen_ids
                .reserve(2 * full - self.seen_ids.len().min(2 * full));
            self.seen_order
                .reserve(2 * full - self.seen_order.len().min(2 * full));
        }
        let mut added = 0;
        for (index, mut event) in events.into_iter().enumerate() {
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
                self.drop_oldest();
            }
            // Unpacked only for a filter: events come packed from their polling task.
            if let Some(pattern) = &self.filter
                && pattern.matches(&event.message.delivered_text())
            {
                self.passing
                    .push_back(self.dropped + self.events.len() as u64);
            }
            inspect(index, &event);
            event.message = event.message.packed();
            self.bytes += held_bytes(&event);
            self.events.push_back(event);
            // The newest event always stays, however large.
            while self.bytes > self.max_bytes && self.events.len() > 1 {
                self.drop_oldest();
            }
            added += 1;
        }
        if self.paused {
            self.arrived_while_paused += added;
        }
        added
    }

    fn drop_oldest(&mut self) {
        if let Some(old) = self.events.pop_front() {
            self.bytes = self.bytes.saturating_sub(held_bytes(&old));
            self.dropped += 1;
            while self.passing.front().is_some_and(|&abs| abs < self.dropped) {
                self.passing.pop_front();
            }
        }
    }

    /// Bytes the buffer's events hold.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The row of the selected event (the newest when following).
    pub fn selected_index(&self) -> Option<usize> {
        let rows = self.rows();
        if rows == 0 {
            return None;
        }
        match self.selected {
            None => Some(rows - 1),
            Some(abs) => Some(
                self.row_of(abs.max(self.dropped))
                    .unwrap_or(0)
                    .min(rows - 1),
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
        let last = self.rows() - 1;
        let target = current.saturating_add_signed(delta).min(last);
        self.selected = if target == last && !self.paused {
            None
        } else {
            Some(self.abs_of(target))
        };
    }

    pub fn to_top(&mut self) {
        if self.rows() > 0 {
            self.selected = Some(self.abs_of(0));
        }
    }

    pub fn to_bottom(&mut self) {
        self.selected = if self.paused {
            self.rows().checked_sub(1).map(|r| self.abs_of(r))
        } else {
            None
        };
    }

    pub fn toggle_pause(&mut self) {
        self.paused = !self.paused;
        if self.paused {
            self.selected = self.selected_index().map(|r| self.abs_of(r));
        } else {
            self.arrived_while_paused = 0;
            self.selected = None;
        }
    }

    pub fn selected_event(&self) -> Option<&LogEvent> {
        self.selected_index().and_then(|r| self.row(r))
    }
}

/// What an event holds in memory: its packed record, its text fields and the trail summary.
fn held_bytes(event: &LogEvent) -> usize {
    let trail = event.trail.as_ref().map_or(0, |_| 512);
    std::mem::size_of::<LogEvent>()
        + event.message.stored_len()
        + event.group.len()
        + event.stream.len()
        + event.account_id.len()
        + event.region.len()
        + event.event_id.as_ref().map_or(0, |id| id.len())
        + trail
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
    fn the_buffer_is_bounded_by_bytes_as_well_as_events() {
        let big = |n: u32| {
            // Random-looking text packs poorly, like real records with ids and keys.
            let mut rng = fastrand::Rng::with_seed(u64::from(n));
            let text: String = (0..50_000).map(|_| rng.alphanumeric()).collect();
            let mut e = LogEvent::new(Timestamp::UNIX_EPOCH, "1", "r", "g", "s", &text);
            e.event_id = Some(SafeText::line(&n.to_string()));
            e
        };
        let mut v = LogView::bounded(1_000, 200_000);
        v.push((0..20).map(big).collect());
        assert!(v.bytes() <= 200_000, "{} bytes held", v.bytes());
        assert!(v.len() < 20 && !v.is_empty(), "{} events kept", v.len());
        let newest = v.row(v.rows() - 1).and_then(|e| e.event_id.clone());
        assert_eq!(newest.as_deref(), Some("19"), "the newest are kept");
        let mut one = LogView::bounded(10, 10);
        one.push(vec![big(1), big(2)]);
        assert_eq!(one.len(), 1, "the newest event stays, however large");
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

    #[test]
    fn a_filter_shows_matching_events_as_they_arrive_and_leave() {
        let mut v = LogView::new(10);
        v.push((0..10).map(event).collect());
        v.set_filter(Pattern::parse("?\"line 3\" ?\"line 7\" ?\"line 12\"").ok());
        assert_eq!(v.rows(), 2);
        assert_eq!(
            v.selected_event().map(|e| e.message.as_delivered()),
            Some("line 7".into())
        );
        // 10..15 arrive: 0..5 leave the ring, line 3 with them; line 12 passes.
        v.push((10..15).map(event).collect());
        let shown: Vec<String> = (0..v.rows())
            .filter_map(|r| v.row(r))
            .map(|e| e.message.as_delivered())
            .collect();
        assert_eq!(shown, ["line 7", "line 12"]);
        v.to_top();
        assert_eq!(
            v.selected_event().map(|e| e.message.as_delivered()),
            Some("line 7".into())
        );
        v.move_by(1);
        assert_eq!(
            v.selected_event().map(|e| e.message.as_delivered()),
            Some("line 12".into())
        );
        v.set_filter(None);
        assert_eq!(v.rows(), 10);
    }
}

//! What a listing cut short at the per-poll limit left unread: ranges of update times, read at
//! the next polls, newest first. The watermark moves on with the newest findings (so new ones
//! keep arriving at every poll) while nothing older than it is skipped.

/// Findings updated within `floor..=ceiling` (epoch milliseconds) not read yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap {
    /// None: from the oldest there is.
    pub floor: Option<i64>,
    pub ceiling: i64,
}

impl Gap {
    /// Everything updated since `floor`: what a listing of news covers.
    pub fn since(floor: Option<i64>) -> Gap {
        Gap {
            floor,
            ceiling: i64::MAX,
        }
    }

    /// What is left of this range after a listing of it, newest first, was `cut` short having
    /// received updates down to `oldest`. Those at `oldest` itself are read again (more may
    /// share its millisecond); when nothing older came, the ceiling still moves down, so a
    /// range can never hold the source in place.
    pub fn rest(self, cut: bool, oldest: Option<i64>) -> Option<Gap> {
        if !cut {
            return None;
        }
        let ceiling = match oldest {
            Some(oldest) if oldest < self.ceiling => oldest,
            _ => self.ceiling.saturating_sub(1),
        };
        Some(Gap { ceiling, ..self })
    }
}

/// The open gaps, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gaps(Vec<Gap>);

impl Gaps {
    /// Takes the newest gap to read.
    pub fn take_newest(&mut self) -> Option<Gap> {
        self.0.pop()
    }

    /// Puts back what is left of a gap read (or of the news), newer than every gap still open.
    pub fn put_back(&mut self, rest: Option<Gap>) {
        self.0.extend(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_listing_leaves_the_range_below_what_it_reached() {
        let news = Gap::since(Some(1_000));
        assert_eq!(news.rest(false, Some(5_000)), None, "read to the end");
        assert_eq!(
            news.rest(true, Some(5_000)),
            Some(Gap {
                floor: Some(1_000),
                ceiling: 5_000
            })
        );
        let gap = Gap {
            floor: None,
            ceiling: 5_000,
        };
        assert_eq!(
            gap.rest(true, Some(5_000)),
            Some(Gap {
                floor: None,
                ceiling: 4_999
            }),
            "a listing that got nothing older still moves on"
        );
        assert_eq!(gap.rest(true, None).map(|g| g.ceiling), Some(4_999));
    }

    #[test]
    fn gaps_are_read_newest_first() {
        let mut gaps = Gaps::default();
        gaps.put_back(Some(Gap {
            floor: None,
            ceiling: 10,
        }));
        gaps.put_back(Some(Gap {
            floor: Some(20),
            ceiling: 30,
        }));
        gaps.put_back(None);
        assert_eq!(gaps.take_newest().map(|g| g.ceiling), Some(30));
        assert_eq!(gaps.take_newest().map(|g| g.ceiling), Some(10));
        assert_eq!(gaps, Gaps::default());
    }
}

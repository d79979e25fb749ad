//! What a listing cut short at the per-poll limit left unread: ranges of update times, read at
//! the next polls, newest first. The watermark moves on with the newest findings (so new ones
//! keep arriving at every poll) while nothing older than it is skipped.
//!
//! A cut listing is gone on with from its page token, which is exact even when thousands of
//! findings share one update time. When the service no longer takes the token (it expired
//! during an outage), the range below the oldest update received is read instead.

/// Findings updated within `floor..=ceiling` (epoch milliseconds) not read yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    /// None: from the oldest there is.
    pub floor: Option<i64>,
    pub ceiling: i64,
    /// Where the listing that left this gap stopped, to go on from there.
    pub resume: Option<Resume>,
}

/// The next page of a cut listing: its token, and the ceiling that listing asked for (a token
/// only goes with the query it came from).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    pub ceiling: i64,
    pub token: String,
}

impl Gap {
    /// Everything updated since `floor`: what a listing of news covers.
    pub fn since(floor: Option<i64>) -> Gap {
        Gap {
            floor,
            ceiling: i64::MAX,
            resume: None,
        }
    }

    /// The range to ask for, and the page token to ask with.
    pub fn query(&self) -> (Gap, Option<&str>) {
        let ceiling = self.resume.as_ref().map_or(self.ceiling, |r| r.ceiling);
        let range = Gap {
            floor: self.floor,
            ceiling,
            resume: None,
        };
        (range, self.resume.as_ref().map(|r| r.token.as_str()))
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
        Some(Gap {
            ceiling,
            resume: None,
            ..self
        })
    }

    /// What is left after a listing of this range stopped with `next` page to read (None: it
    /// was read to the end): gone on with from that page, or read below `oldest` should the
    /// token be refused.
    pub fn left(self, next: Option<String>, oldest: Option<i64>) -> Option<Gap> {
        let token = next?;
        let (query, _) = self.query();
        let mut rest = self.rest(true, oldest)?;
        rest.resume = Some(Resume {
            ceiling: query.ceiling,
            token,
        });
        Some(rest)
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

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The service refused `gap`'s page token: its range is read without one from now on.
    pub fn forget_token(&mut self, gap: &Gap) {
        if let Some(open) = self.0.iter_mut().find(|g| *g == gap) {
            open.resume = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_listing_leaves_the_range_below_what_it_reached() {
        let news = Gap::since(Some(1_000));
        assert_eq!(
            news.clone().rest(false, Some(5_000)),
            None,
            "read to the end"
        );
        assert_eq!(
            news.rest(true, Some(5_000)),
            Some(Gap {
                floor: Some(1_000),
                ceiling: 5_000,
                resume: None,
            })
        );
        let gap = Gap {
            floor: None,
            ceiling: 5_000,
            resume: None,
        };
        assert_eq!(
            gap.clone().rest(true, Some(5_000)),
            Some(Gap {
                floor: None,
                ceiling: 4_999,
                resume: None,
            }),
            "a listing that got nothing older still moves on"
        );
        assert_eq!(gap.rest(true, None).map(|g| g.ceiling), Some(4_999));
    }

    #[test]
    fn a_cut_listing_goes_on_from_its_token_with_the_query_it_came_from() {
        let news = Gap::since(Some(1_000));
        assert_eq!(
            news.clone().left(None, Some(5_000)),
            None,
            "read to the end"
        );
        let rest = news.left(Some("t1".into()), Some(5_000)).expect("more");
        assert_eq!(
            rest.query(),
            (Gap::since(Some(1_000)), Some("t1")),
            "the same query, from the next page"
        );
        assert_eq!(
            rest.ceiling, 5_000,
            "without the token: below what was reached"
        );
        let further = rest.left(Some("t2".into()), Some(3_000)).expect("more");
        assert_eq!(further.query(), (Gap::since(Some(1_000)), Some("t2")));
        assert_eq!(further.ceiling, 3_000);

        let mut gaps = Gaps::default();
        gaps.put_back(Some(further.clone()));
        gaps.forget_token(&further);
        let fallback = gaps.take_newest().expect("kept");
        assert_eq!(
            fallback.query(),
            (
                Gap {
                    floor: Some(1_000),
                    ceiling: 3_000,
                    resume: None
                },
                None
            ),
            "a refused token leaves the range below the oldest update received"
        );
    }

    #[test]
    fn gaps_are_read_newest_first() {
        let mut gaps = Gaps::default();
        gaps.put_back(Some(Gap {
            floor: None,
            ceiling: 10,
            resume: None,
        }));
        gaps.put_back(Some(Gap {
            floor: Some(20),
            ceiling: 30,
            resume: None,
        }));
        gaps.put_back(None);
        assert_eq!(gaps.take_newest().map(|g| g.ceiling), Some(30));
        assert_eq!(gaps.take_newest().map(|g| g.ceiling), Some(10));
        assert_eq!(gaps, Gaps::default());
    }
}

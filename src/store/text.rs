//! The store's text arena: every finding's id, title and resources as one run of one string,
//! and its resources' kinds in an arena of their own. A million findings hold no allocation of
//! their own for these, and a free-word search scans memory in order.

use std::borrow::Cow;

use super::row::{RECORD, UNIT};
use super::{Entry, EntryIx, FindingStore, NONE};

/// An id's start shorter than this is kept with the rest of the id.
pub(super) const MIN_ID_PREFIX: usize = 16;

/// One resource of an entry, borrowed from the arenas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceView<'a> {
    /// Interned in [`FindingStore::resource_kinds`].
    pub kind: u32,
    pub id: &'a str,
    /// Only when it differs from the id.
    pub arn: Option<&'a str>,
}

/// Where an updated entry's text and kinds were, for reuse when they did not change.
#[derive(Clone, Copy)]
pub(super) struct Previous {
    pub(super) text: (u32, u32),
    pub(super) kinds: u32,
}

impl FindingStore {
    /// The entry's run of the text arena: `id US title (RS resource-id [US arn])*`.
    fn text(&self, ix: EntryIx) -> &str {
        let Some(&Entry {
            text: (start, len), ..
        }) = self.get(ix)
        else {
            return "";
        };
        self.texts
            .get(start as usize..(start as usize + len as usize))
            .unwrap_or("")
    }

    /// The finding's id: borrowed, or put together from its shared prefix.
    pub fn id(&self, ix: EntryIx) -> Cow<'_, str> {
        let rest = self.id_rest(ix);
        match self.get(ix).map(|e| e.id_prefix).filter(|&p| p != NONE) {
            Some(prefix) => Cow::Owned(format!("{}{rest}", self.id_prefixes.name(prefix))),
            None => Cow::Borrowed(rest),
        }
    }

    /// Whether entry `ix` has this id, without putting it together.
    pub(super) fn has_id(&self, ix: EntryIx, id: &str) -> bool {
        let rest = self.id_rest(ix);
        match self.get(ix).map(|e| e.id_prefix).filter(|&p| p != NONE) {
            Some(prefix) => id.strip_prefix(self.id_prefixes.name(prefix)) == Some(rest),
            None => id == rest,
        }
    }

    /// The id without its interned prefix.
    fn id_rest(&self, ix: EntryIx) -> &str {
        let text = self.text(ix);
        text.split_once(UNIT).map_or(text, |(id, _)| id)
    }

    pub fn title(&self, ix: EntryIx) -> &str {
        let text = self.text(ix);
        let rest = text.split_once(UNIT).map_or("", |(_, rest)| rest);
        rest.split_once(RECORD).map_or(rest, |(title, _)| title)
    }

    /// What free words search, in its own case: the title and the resources' ids and ARNs.
    pub fn searchable(&self, ix: EntryIx) -> &str {
        let text = self.text(ix);
        text.split_once(UNIT).map_or("", |(_, rest)| rest)
    }

    pub fn resources(&self, ix: EntryIx) -> impl Iterator<Item = ResourceView<'_>> {
        let (text, first_kind) = match self.get(ix) {
            Some(entry) => (self.text(ix), entry.kinds as usize),
            None => ("", 0),
        };
        text.split(RECORD)
            .skip(1)
            .enumerate()
            .map(move |(i, resource)| {
                let (id, arn) = match resource.split_once(UNIT) {
                    Some((id, arn)) => (id, Some(arn)),
                    None => (resource, None),
                };
                ResourceView {
                    kind: self.kinds.get(first_kind + i).copied().unwrap_or(NONE),
                    id,
                    arn,
                }
            })
    }

    pub fn is_unseen(&self, ix: EntryIx) -> bool {
        self.summary(ix).is_some_and(|s| s.unseen)
    }

    /// Places an entry's text and resource kinds in the arenas, reusing the previous places
    /// when nothing changed.
    pub(super) fn place_text(
        &mut self,
        text: &str,
        kinds: &[u32],
        previous: Option<Previous>,
    ) -> ((u32, u32), u32) {
        if let Some(previous) = previous {
            let (start, len) = previous.text;
            let old_kinds = self
                .kinds
                .get(previous.kinds as usize..previous.kinds as usize + kinds.len());
            if self
                .texts
                .get(start as usize..start as usize + len as usize)
                == Some(text)
                && old_kinds == Some(kinds)
            {
                return (previous.text, previous.kinds);
            }
            self.text_garbage += len as usize;
            let old_count = self
                .texts
                .get(start as usize..start as usize + len as usize)
                .map_or(0, |t| t.matches(RECORD).count());
            self.kind_garbage += old_count;
        }
        if self.text_garbage > (1 << 20) && self.text_garbage > self.texts.len() / 2 {
            self.compact();
        }
        let start = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.texts.push_str(text);
        let first_kind = u32::try_from(self.kinds.len()).unwrap_or(u32::MAX);
        self.kinds.extend_from_slice(kinds);
        ((start, u32::try_from(text.len()).unwrap_or(0)), first_kind)
    }

    /// Rewrites the arenas with only what entries point at.
    pub(super) fn compact(&mut self) {
        let mut texts = String::with_capacity(self.texts.len() - self.text_garbage);
        let mut kinds = Vec::with_capacity(self.kinds.len().saturating_sub(self.kind_garbage));
        for entry in &mut self.entries {
            let (start, len) = entry.text;
            let text = self
                .texts
                .get(start as usize..start as usize + len as usize)
                .unwrap_or("");
            let count = text.matches(RECORD).count();
            let first = entry.kinds as usize;
            entry.text = (u32::try_from(texts.len()).unwrap_or(u32::MAX), len);
            entry.kinds = u32::try_from(kinds.len()).unwrap_or(u32::MAX);
            texts.push_str(text);
            kinds.extend_from_slice(self.kinds.get(first..first + count).unwrap_or(&[]));
        }
        self.texts = texts;
        self.kinds = kinds;
        self.text_garbage = 0;
        self.kind_garbage = 0;
    }
}

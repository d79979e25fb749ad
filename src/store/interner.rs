//! Distinct values numbered once, and the map hasher for keys that are hashes already.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// Distinct values of one kind, numbered in order of first appearance.
#[derive(Debug)]
pub struct Interner<T: ?Sized + Eq + Hash = str> {
    ids: HashMap<Box<T>, u32, foldhash::fast::RandomState>,
    values: Vec<Box<T>>,
}

impl<T: ?Sized + Eq + Hash> Default for Interner<T> {
    fn default() -> Self {
        Self {
            ids: HashMap::default(),
            values: Vec::new(),
        }
    }
}

/// The hasher of a map whose keys are hashes already (seeded, of a finding's scope and id).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Prehashed;

impl BuildHasher for Prehashed {
    type Hasher = PrehashedHasher;
    fn build_hasher(&self) -> PrehashedHasher {
        PrehashedHasher(0)
    }
}

#[derive(Default)]
pub(super) struct PrehashedHasher(u64);

impl std::hash::Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys reach this map; other input still hashes, just not well.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl<T: ?Sized + Eq + Hash> Interner<T>
where
    Box<T>: for<'a> From<&'a T>,
{
    pub fn intern(&mut self, value: &T) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }

    pub fn get(&self, id: u32) -> Option<&T> {
        self.values.get(id as usize).map(|v| &**v)
    }

    /// The number of a value already interned.
    pub fn lookup(&self, value: &T) -> Option<u32> {
        self.ids.get(value).copied()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u32, &**v))
    }
}

impl Interner<str> {
    /// The string for `id`, or `""` (also for [`NONE`]).
    pub fn name(&self, id: u32) -> &str {
        self.get(id).unwrap_or("")
    }
}

//! Raw records packed against a dictionary learned from the records themselves.
//!
//! Records of one kind share most of their text: field names, the services' own values, the
//! organization's account ids and ARNs. LZ4 against the built-in dictionary of field names
//! ([`super::raw`]) takes a typical 2 KB finding to about 750 bytes; zstd against a dictionary
//! trained on the first records of that kind takes it to about 200. The first
//! [`SAMPLE_RECORDS`] records of a kind are packed with LZ4 and kept as samples; a thread then
//! trains the kind's dictionary (tens of milliseconds), and every record packed after that uses
//! it. A kind that never reaches the sample count (a small organization) stays on LZ4, where
//! its few records cost little anyway.
//!
//! A packed record holds its dictionary (an `Arc`), so it unpacks anywhere without a registry;
//! the disk store keeps each dictionary once, by its zstd id, beside the records packed with it.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use zstd::dict::{DecoderDictionary, EncoderDictionary};
use zstd::zstd_safe;

use super::record_kind::RecordKind;

/// Records of a kind kept as samples before its dictionary is trained.
pub const SAMPLE_RECORDS: usize = 1_000;
/// Bytes of one record taken as a sample: the head of a huge record says what its kind shares.
const SAMPLE_BYTES: usize = 16 * 1024;
/// Dictionary size: ZDICT wants about a hundred times as many sample bytes (≈ 2 MB of 2 KB
/// findings fills 64 KiB well).
const DICTIONARY_BYTES: usize = 64 * 1024;
/// zstd level: 3 packs a 2 KB record in about 10 µs; higher levels gain a few percent.
const LEVEL: i32 = 3;

/// A trained dictionary, prepared for packing and unpacking.
pub struct Dictionary {
    id: u32,
    kind: RecordKind,
    bytes: Box<[u8]>,
    encoder: EncoderDictionary<'static>,
    decoder: DecoderDictionary<'static>,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Dictionary({:?} #{}, {} bytes)",
            self.kind,
            self.id,
            self.bytes.len()
        )
    }
}

thread_local! {
    /// One context per thread for each direction: creating one costs more than packing a record.
    static PACK: RefCell<(zstd_safe::CCtx<'static>, Vec<u8>)> =
        RefCell::new((zstd_safe::CCtx::create(), Vec::new()));
    static UNPACK: RefCell<zstd_safe::DCtx<'static>> = RefCell::new(zstd_safe::DCtx::create());
}

impl Dictionary {
    /// A dictionary from its bytes (as trained, or as the disk store kept them); None when the
    /// bytes are not a zstd dictionary with an id.
    pub fn from_bytes(kind: RecordKind, bytes: &[u8]) -> Option<Arc<Dictionary>> {
        let id = zstd_safe::get_dict_id_from_dict(bytes)?.get();
        Some(Arc::new(Dictionary {
            id,
            kind,
            bytes: bytes.into(),
            encoder: EncoderDictionary::copy(bytes, LEVEL),
            decoder: DecoderDictionary::copy(bytes),
        }))
    }

    /// zstd's id of the dictionary, written in every frame packed with it.
    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// `text` packed, or None when zstd refuses (then the caller keeps LZ4).
    pub fn pack(&self, text: &[u8]) -> Option<Box<[u8]>> {
        PACK.with(|cell| {
            let (context, scratch) = &mut *cell.borrow_mut();
            scratch.clear();
            scratch.reserve(zstd_safe::compress_bound(text.len()));
            context
                .compress_using_cdict(scratch, text, self.encoder.as_cdict())
                .ok()?;
            // Copied out of the scratch buffer so the record holds exactly its bytes.
            Some(Box::from(&scratch[..]))
        })
    }

    /// The text of a record packed with this dictionary; None when the bytes do not unpack to
    /// `len` bytes (a damaged store).
    pub fn unpack(&self, packed: &[u8], len: usize) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(len);
        UNPACK.with(|cell| {
            cell.borrow_mut()
                .decompress_using_ddict(&mut out, packed, self.decoder.as_ddict())
                .ok()
        })?;
        (out.len() == len).then_some(out)
    }
}

/// What a kind's packing has learned so far.
enum Learning {
    /// Samples gathered (concatenated) and the size of each.
    Sampling {
        text: Vec<u8>,
        sizes: Vec<usize>,
    },
    /// A thread is training on the samples.
    Training,
    Trained(Arc<Dictionary>),
    /// Training failed (too little in the samples to learn from): LZ4 from now on.
    Unlearnable,
}

impl Default for Learning {
    fn default() -> Self {
        Learning::Sampling {
            text: Vec::new(),
            sizes: Vec::new(),
        }
    }
}

/// Packs records, learning a dictionary per kind; shared by every task that packs.
#[derive(Default)]
pub struct Packer {
    kinds: Mutex<[Learning; 4]>,
}

impl std::fmt::Debug for Packer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Packer")
    }
}

fn slot(kind: RecordKind) -> usize {
    RecordKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}

impl Packer {
    pub fn new() -> Arc<Packer> {
        Arc::new(Packer::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, [Learning; 4]> {
        self.kinds
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Packs with `dictionary` from now on (one the disk store kept from an earlier run, so a
    /// restart does not train, and store, another).
    pub fn adopt(&self, dictionary: Arc<Dictionary>) {
        let kind = dictionary.kind();
        self.lock()[slot(kind)] = Learning::Trained(dictionary);
    }

    /// The dictionary records of `kind` are packed with, once there is one.
    pub fn dictionary(&self, kind: RecordKind) -> Option<Arc<Dictionary>> {
        match &self.lock()[slot(kind)] {
            Learning::Trained(dictionary) => Some(Arc::clone(dictionary)),
            _ => None,
        }
    }

    /// The dictionary to pack a record of `kind` with, or None (LZ4 for now), taking `text` as
    /// a sample while samples are gathered. The sample that completes the set starts training
    /// on a thread of its own, so no caller waits for it.
    pub fn learn(self: &Arc<Self>, kind: RecordKind, text: &[u8]) -> Option<Arc<Dictionary>> {
        let samples = {
            let mut kinds = self.lock();
            let learning = &mut kinds[slot(kind)];
            match learning {
                Learning::Trained(dictionary) => return Some(Arc::clone(dictionary)),
                Learning::Training | Learning::Unlearnable => return None,
                Learning::Sampling { text: all, sizes } => {
                    let sample = &text[..text.len().min(SAMPLE_BYTES)];
                    if !sample.is_empty() {
                        all.extend_from_slice(sample);
                        sizes.push(sample.len());
                    }
                    if sizes.len() < SAMPLE_RECORDS {
                        return None;
                    }
                    std::mem::replace(learning, Learning::Training)
                }
            }
        };
        let Learning::Sampling { text, sizes } = samples else {
            return None;
        };
        let packer = Arc::clone(self);
        let training = move || {
            let learned = train(kind, &text, &sizes);
            packer.lock()[slot(kind)] = learned;
        };
        let spawned = std::thread::Builder::new()
            .name("picket-dictionary".into())
            .spawn(training);
        if spawned.is_err() {
            // No thread to spare: stay on LZ4 rather than train on the caller's time.
            self.lock()[slot(kind)] = Learning::Unlearnable;
        }
        None
    }

    /// Trains every kind that has samples now, on the caller's thread (tests and benches that
    /// need the trained state at a known point).
    pub fn train_now(&self) {
        let mut kinds = self.lock();
        for (i, learning) in kinds.iter_mut().enumerate() {
            if let Learning::Sampling { text, sizes } = learning
                && !sizes.is_empty()
            {
                *learning = train(RecordKind::ALL[i], text, sizes);
            }
        }
    }
}

/// A dictionary for `kind` trained on the samples (`text`, cut at `sizes`).
fn train(kind: RecordKind, text: &[u8], sizes: &[usize]) -> Learning {
    let learned = zstd::dict::from_continuous(text, sizes, DICTIONARY_BYTES)
        .ok()
        .and_then(|bytes| Dictionary::from_bytes(kind, &bytes));
    match learned {
        Some(dictionary) => Learning::Trained(dictionary),
        None => Learning::Unlearnable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(n: usize) -> String {
        format!(
            r#"{{"schemaVersion":"2.0","accountId":"{:012}","region":"us-east-1","id":"{n:032x}","type":"Recon:EC2/PortProbeUnprotectedPort","resource":{{"resourceType":"Instance","instanceDetails":{{"instanceId":"i-{n:017x}"}}}},"severity":{}}}"#,
            100_000_000_000 + n % 37,
            n % 9
        )
    }

    #[test]
    fn a_kind_learns_its_dictionary_from_its_first_records_and_packs_smaller_with_it() {
        let packer = Packer::new();
        for n in 0..SAMPLE_RECORDS - 1 {
            assert!(
                packer
                    .learn(RecordKind::GuardDuty, finding(n).as_bytes())
                    .is_none()
            );
        }
        assert!(packer.dictionary(RecordKind::GuardDuty).is_none());
        packer.train_now();
        let dictionary = packer
            .dictionary(RecordKind::GuardDuty)
            .expect("trained on the samples");
        assert!(packer.dictionary(RecordKind::Asff).is_none(), "per kind");
        let text = finding(5_000);
        let packed = dictionary.pack(text.as_bytes()).expect("packs");
        let lz4 = lz4_flex::block::compress(text.as_bytes()).len();
        assert!(
            packed.len() < lz4 / 2,
            "{} bytes with the dictionary, {lz4} with LZ4",
            packed.len()
        );
        assert_eq!(
            dictionary.unpack(&packed, text.len()).as_deref(),
            Some(text.as_bytes())
        );
        assert_eq!(dictionary.unpack(&packed, text.len() + 1), None);
        assert_eq!(dictionary.unpack(b"not zstd", 8), None);
    }

    #[test]
    fn the_sample_that_completes_the_set_trains_on_a_thread_and_later_records_use_it() {
        let packer = Packer::new();
        for n in 0..SAMPLE_RECORDS {
            assert!(
                packer
                    .learn(RecordKind::Log, finding(n).as_bytes())
                    .is_none()
            );
        }
        // Training runs on its own thread; wait for it to finish, not for a time.
        let dictionary = loop {
            match &packer.lock()[slot(RecordKind::Log)] {
                Learning::Trained(d) => break Arc::clone(d),
                Learning::Unlearnable => panic!("training failed"),
                Learning::Sampling { .. } => panic!("the samples were not taken"),
                Learning::Training => {}
            }
            std::thread::yield_now();
        };
        let again = packer
            .learn(RecordKind::Log, b"{}")
            .expect("packs with it now");
        assert_eq!(again.id(), dictionary.id());
        let kept = Dictionary::from_bytes(RecordKind::Log, dictionary.bytes()).expect("reloads");
        assert_eq!(kept.id(), dictionary.id());
        assert!(Dictionary::from_bytes(RecordKind::Log, b"no dictionary").is_none());
    }
}

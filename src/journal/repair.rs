//! `picket audit --repair`: sets right what a crash leaves at the end of the journal, and only
//! that. A torn last line is moved, byte for byte, to a file of its own beside the journal
//! before the journal is cut back to its last complete line; a head one record behind is moved
//! to a new record that says what was done. Nothing is deleted, and an end no crash explains is
//! left as it is, as evidence.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::key::Key;
use super::tail::{self, Fragment};
use super::{Entry, Journal, Operator, Record, anchor, create_private, head, parent_dir, sync_dir};

/// A torn last line, moved out of the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quarantined {
    pub bytes: u64,
    pub sha256: String,
    pub side_file: PathBuf,
}

/// What `--repair` did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Repaired {
    pub quarantined: Option<Quarantined>,
    /// The head was one record behind and now names the newest record.
    pub reanchored: bool,
    /// The record saying so; `None` when there was nothing to repair.
    pub record: Option<Record>,
}

impl Journal {
    pub fn repair(&self, now: Timestamp) -> Result<Repaired, String> {
        if !self.path.exists() {
            return match head::read(&self.head_path())? {
                head::Found::Absent => Ok(Repaired::default()),
                _ => Err(format!(
                    "{}: the journal is gone but its head {} is there; there is nothing a repair can set right",
                    self.path.display(),
                    self.head_path().display()
                )),
            };
        }
        let mut file = self.lock_for_writing()?;
        let tail = tail::read(&mut file).map_err(|e| self.cannot_read(e))?;
        let found = head::read(&self.head_path())?;
        let key = self.load_key()?;
        let assessment = anchor::assess(&tail, &found, key.as_ref());
        if let Some(altered) = &assessment.altered {
            return Err(format!(
                "{}: {altered}. A repair sets right only what a crash leaves (a torn last line, a head one record behind); this is left as it is, as evidence",
                self.path.display()
            ));
        }
        if assessment.key_missing {
            return Err(self
                .refusal(&assessment)
                .unwrap_or_else(|| "the journal's key is missing".into()));
        }
        if assessment.torn.is_none() && assessment.head_behind.is_none() {
            return Ok(Repaired::default());
        }
        let key = match key {
            Some(key) => key,
            None => Key::load_or_create(self.required_key_path()?)?,
        };
        let mut found_words = Vec::new();
        let quarantined = match assessment.torn {
            Some(fragment) => {
                let quarantined = self.quarantine(&mut file, fragment, now)?;
                found_words.push(format!(
                    "a torn last line: {} bytes after {}, moved to {}",
                    quarantined.bytes,
                    assessment
                        .last
                        .as_ref()
                        .map_or("the start".into(), |l| format!("record {}", l.seq)),
                    file_name(&quarantined.side_file)
                ));
                Some(quarantined)
            }
            None => None,
        };
        if let Some(seq) = assessment.head_behind {
            found_words.push(format!(
                "the head one record behind (record {seq} had none: a crash between the two writes)"
            ));
        }
        let entry = Entry::Repair {
            found: found_words.join("; "),
            operator: Operator::local(None),
            quarantined_bytes: quarantined.as_ref().map_or(0, |q| q.bytes),
            sha256_of_fragment: quarantined.as_ref().map(|q| q.sha256.clone()),
            side_file: quarantined.as_ref().map(|q| file_name(&q.side_file)),
        };
        // Cut back to its last complete line, the journal ends where the assessment saw it end.
        let record = self.write_record(&mut file, assessment.last.as_ref(), entry, now, &key)?;
        Ok(Repaired {
            quarantined,
            reanchored: assessment.head_behind.is_some(),
            record: Some(record),
        })
    }

    /// Copies the fragment to a new file beside the journal, flushed to the disk, and only then
    /// cuts the journal back to the newline before it.
    fn quarantine(
        &self,
        file: &mut File,
        fragment: Fragment,
        now: Timestamp,
    ) -> Result<Quarantined, String> {
        let (side_file, mut side) = self.side_file(now)?;
        let cannot_write =
            |e: std::io::Error| format!("{}: cannot write: {e}", side_file.display());
        file.seek(SeekFrom::Start(fragment.offset))
            .map_err(|e| self.cannot_read(e))?;
        let mut hasher = Sha256::new();
        let mut remaining = fragment.len;
        let mut chunk = vec![0u8; 64 * 1024];
        while remaining > 0 {
            let size = chunk
                .len()
                .min(usize::try_from(remaining).unwrap_or(chunk.len()));
            file.read_exact(&mut chunk[..size])
                .map_err(|e| self.cannot_read(e))?;
            hasher.update(&chunk[..size]);
            side.write_all(&chunk[..size]).map_err(cannot_write)?;
            remaining -= size as u64;
        }
        side.sync_all().map_err(cannot_write)?;
        sync_dir(parent_dir(&side_file));
        file.set_len(fragment.offset)
            .and_then(|()| file.sync_all())
            .map_err(|e| self.cannot_write(e))?;
        Ok(Quarantined {
            bytes: fragment.len,
            sha256: hex::encode(hasher.finalize()),
            side_file,
        })
    }

    /// A new file beside the journal: `journal.jsonl.torn-20261128T093000Z`, with `-2`, `-3`…
    /// when that name is taken.
    fn side_file(&self, now: Timestamp) -> Result<(PathBuf, File), String> {
        let base = format!(
            "{}.torn-{}",
            file_name(&self.path),
            now.strftime("%Y%m%dT%H%M%SZ")
        );
        for attempt in 1..=100 {
            let name = match attempt {
                1 => base.clone(),
                n => format!("{base}-{n}"),
            };
            let path = self.path.with_file_name(name);
            match create_private(&path) {
                Ok(file) => return Ok((path, file)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(format!("{}: cannot create: {e}", path.display())),
            }
        }
        Err(format!(
            "{}: no free name for the torn line beside the journal ({base}…)",
            self.path.display()
        ))
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

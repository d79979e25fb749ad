//! Offline files: findings and CloudTrail records exported from AWS, read into the same model.
//!
//! Accepted, plain or gzip-compressed (by content, not name):
//! - GuardDuty findings as exported to S3 (JSON lines, camelCase) or printed by
//!   `aws guardduty get-findings` (`{"Findings": [...]}`, PascalCase);
//! - Security Hub findings: `aws securityhub get-findings` output, ASFF arrays or lines;
//! - EventBridge events wrapping GuardDuty (`detail` is the finding) or Security Hub
//!   (`detail.findings[]`) findings, one per line or as an array;
//! - Security Hub v2 OCSF findings;
//! - CloudTrail log files (`{"Records": [...]}`) and CloudTrail records one per line.
//!
//! A record that cannot be read is skipped and counted; the first problems are kept with their
//! file and line (or record number) so the analyst can look.
//!
//! Only regular files are read, and only so much of them ([`Limits`], `[files]` in the config):
//! a named pipe, a device or a directory is refused before it is opened for reading (a FIFO
//! would block, `/dev/zero` never ends), and a file or a gzip stream larger than its limit is
//! refused with a message after reading at most one byte past the limit.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::Value;

use crate::model::json::{get, get_str, get_time, path_str};
use crate::model::text::{MAX_LINE_CHARS, clean_line};
use crate::model::{Finding, LogEvent, MapError, asff, event, guardduty, ocsf};
use crate::sources::{Batch, Feed, PollFuture, Source};

/// Problems kept word for word; the rest are only counted.
const MAX_PROBLEMS: usize = crate::limits::FILE_PROBLEMS;

const MIB: u64 = 1 << 20;

/// How much picket reads of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes on disk.
    pub max_bytes: u64,
    /// Bytes of text a gzip file may decompress to.
    pub max_decompressed_bytes: u64,
}

impl Limits {
    /// 512 MiB on disk: `aws securityhub get-findings` prints every page as one document, about
    /// 4 KB a finding, so 100,000 findings (the queue's design size) make some 400 MB. 1 GiB
    /// decompressed: CloudTrail and GuardDuty S3 exports are gzip files of a few MB, and JSON
    /// shrinks 10–20× in gzip, so a real export stays far below while a gzip bomb (1,000× and
    /// more) is stopped after 1 GiB of output.
    pub const DEFAULT: Limits = Limits {
        max_bytes: 512 * MIB,
        max_decompressed_bytes: 1024 * MIB,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// `512 MiB`, `3.5 KiB`, `17 bytes`.
fn size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (MIB, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let whole = bytes / unit;
            let tenths = (bytes % unit) * 10 / unit;
            return if tenths == 0 {
                format!("{whole} {name}")
            } else {
                format!("{whole}.{tenths} {name}")
            };
        }
    }
    format!("{bytes} bytes")
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub findings: Vec<Finding>,
    pub events: Vec<LogEvent>,
    /// Records skipped (unreadable, or not a finding or CloudTrail record).
    pub skipped: usize,
    /// Files that could not be read at all.
    pub failed_files: usize,
    /// The first problems, as `file:line: what`.
    pub problems: Vec<String>,
}

impl Loaded {
    /// Keeps a problem to show; file names and record text can carry escape sequences, so the
    /// line is made safe for a terminal here, once.
    fn problem(&mut self, place: String, message: impl std::fmt::Display) {
        if self.problems.len() < MAX_PROBLEMS {
            let line = format!("{place}: {message}");
            self.problems
                .push(clean_line(&line, MAX_LINE_CHARS).into_owned());
        }
    }

    fn skip(&mut self, place: String, message: impl std::fmt::Display) {
        self.skipped += 1;
        self.problem(place, message);
    }

    /// One line for stderr or the status bar: what was read and what was not.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} findings, {} log records",
            self.findings.len(),
            self.events.len()
        );
        if self.skipped > 0 {
            text.push_str(&format!(", {} records skipped", self.skipped));
        }
        if self.failed_files > 0 {
            text.push_str(&format!(", {} files unreadable", self.failed_files));
        }
        text
    }
}

/// Reads every path, within `limits`; never fails as a whole.
pub fn read_paths(paths: &[PathBuf], limits: &Limits) -> Loaded {
    let mut loaded = Loaded::default();
    for path in paths {
        match read_text(path, limits) {
            Ok(text) => read_document(&text, &path.display().to_string(), &mut loaded),
            Err(e) => {
                loaded.failed_files += 1;
                loaded.problem(path.display().to_string(), e);
            }
        }
    }
    loaded
}

/// The file's text, gunzipped when it starts with the gzip magic number. Anything but a regular
/// file within the limits is refused with a sentence saying why.
fn read_text(path: &Path, limits: &Limits) -> Result<String, String> {
    // The type first, through symlinks, without opening: opening a FIFO to read waits for a
    // writer.
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    only_regular(&metadata)?;
    let file = open_nonblocking(path).map_err(|e| format!("cannot read: {e}"))?;
    // Again on what was opened, in case the path changed in between.
    let metadata = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    only_regular(&metadata)?;
    let limit = format!(
        "the {} picket reads ([files] max_bytes in the config)",
        size(limits.max_bytes)
    );
    if metadata.len() > limits.max_bytes {
        return Err(format!("is {}, more than {limit}", size(metadata.len())));
    }
    // The size can change while reading (a file still being written, /proc): never past the
    // limit and one byte.
    let mut bytes = Vec::new();
    file.take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(format!("grew past {limit} while it was read"));
    }
    decode(bytes, limits)
}

/// Ok for a regular file; for anything else, why it is not read.
fn only_regular(metadata: &std::fs::Metadata) -> Result<(), String> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return Ok(());
    }
    if kind.is_dir() {
        return Err("is a directory; name the files in it".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let what = if kind.is_fifo() {
            Some("a named pipe (FIFO)")
        } else if kind.is_char_device() {
            Some("a character device")
        } else if kind.is_block_device() {
            Some("a block device")
        } else if kind.is_socket() {
            Some("a socket")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(format!("is {what}; picket reads regular files only"));
        }
    }
    Err("is not a regular file; picket reads regular files only".into())
}

/// Opens for reading without ever blocking: if the path became a FIFO after it was checked,
/// the open returns at once (and the type is checked again on the handle).
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// A file's bytes as text: gunzipped (to at most `limits.max_decompressed_bytes`) when they
/// start with the gzip magic number, then checked to be UTF-8.
pub fn decode(bytes: Vec<u8>, limits: &Limits) -> Result<String, String> {
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        // One byte past the limit tells a stream at the limit from one beyond it, in bounded
        // memory whatever the compression ratio.
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .take(limits.max_decompressed_bytes.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| format!("not valid gzip: {e}"))?;
        if out.len() as u64 > limits.max_decompressed_bytes {
            return Err(format!(
                "decompresses to more than {}, the most picket reads ([files] max_decompressed_bytes in the config)",
                size(limits.max_decompressed_bytes)
            ));
        }
        out
    } else {
        bytes
    };
    String::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))
}

/// A whole JSON document, or JSON lines when the text is not one document.
pub fn read_document(text: &str, name: &str, loaded: &mut Loaded) {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return;
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(document) => read_container(document, name, loaded),
        Err(_) if trimmed.lines().filter(|l| !l.trim().is_empty()).count() > 1 => {
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let place = format!("{name}:{}", n + 1);
                match serde_json::from_str::<Value>(line) {
                    Ok(value) => take_record(value, &place, name, loaded),
                    Err(e) => loaded.skip(place, format!("not JSON: {e}")),
                }
            }
        }
        Err(e) => loaded.skip(
            format!("{name}:{}:{}", e.line(), e.column()),
            format!("not JSON: {e}"),
        ),
    }
}

/// The containers exports come in: arrays, `{"Findings": [...]}`, `{"Records": [...]}`, or a
/// single record.
fn read_container(document: Value, name: &str, loaded: &mut Loaded) {
    let records = match document {
        Value::Array(items) => items,
        Value::Object(mut object) => {
            let list =
                ["Findings", "findings", "Records"]
                    .iter()
                    .find_map(|k| match object.remove(*k) {
                        Some(Value::Array(items)) => Some(items),
                        Some(other) => {
                            object.insert((*k).to_string(), other);
                            None
                        }
                        None => None,
                    });
            match list {
                Some(items) => items,
                None => vec![Value::Object(object)],
            }
        }
        other => {
            loaded.skip(
                name.to_string(),
                format!("a JSON {} is not a record", kind_of(&other)),
            );
            return;
        }
    };
    for (i, record) in records.into_iter().enumerate() {
        take_record(record, &format!("{name}: record {}", i + 1), name, loaded);
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// What a record is, by the fields only that kind has.
#[derive(Debug, PartialEq, Eq)]
pub enum Kind {
    GuardDuty,
    Asff,
    Ocsf,
    CloudTrail,
    /// An EventBridge event carrying findings ([`crate::model::event`]).
    EventBridge,
    Unknown,
}

pub fn classify(record: &Value) -> Kind {
    let has = |key: &str| get(record, key).is_some();
    if event::is_event(record) {
        return match get_str(record, "source") {
            Some("aws.guardduty" | "aws.securityhub") => Kind::EventBridge,
            _ => Kind::Unknown,
        };
    }
    if has("finding_info") && (has("class_uid") || has("metadata")) {
        return Kind::Ocsf;
    }
    if has("AwsAccountId") || has("ProductArn") {
        return Kind::Asff;
    }
    if has("eventSource") && has("eventName") {
        return Kind::CloudTrail;
    }
    if has("accountId")
        && has("type")
        && (has("service") || has("resource") || has("schemaVersion"))
    {
        return Kind::GuardDuty;
    }
    Kind::Unknown
}

fn take_record(record: Value, place: &str, name: &str, loaded: &mut Loaded) {
    let take = |result: Result<Finding, MapError>, loaded: &mut Loaded| match result {
        Ok(finding) => loaded.findings.push(finding),
        Err(e) => loaded.skip(place.to_string(), e),
    };
    match classify(&record) {
        Kind::GuardDuty => take(guardduty::map_finding(&record), loaded),
        Kind::Asff => take(asff::map_finding(&record), loaded),
        Kind::Ocsf => take(ocsf::map_finding(&record), loaded),
        Kind::EventBridge => match event::findings_in(&record) {
            Ok(findings) => {
                for finding in findings {
                    take(finding, loaded);
                }
            }
            Err(what) => loaded.skip(place.to_string(), what),
        },
        Kind::CloudTrail => {
            let (event, timed) = trail_event(&record, name);
            if !timed {
                loaded.problem(
                    place.to_string(),
                    "eventTime unreadable; the record is kept at 1970-01-01T00:00:00Z",
                );
            }
            loaded.events.push(event);
        }
        Kind::Unknown => loaded.skip(
            place.to_string(),
            "not a GuardDuty, Security Hub (ASFF or OCSF) or CloudTrail record",
        ),
    }
}

/// A CloudTrail record as a log event of the file it came from, and whether its time was read.
/// A record with an unreadable time is kept (at the epoch) rather than lost.
fn trail_event(record: &Value, file: &str) -> (LogEvent, bool) {
    let time = get_time(record, "eventTime");
    let at: Timestamp = time.unwrap_or(Timestamp::UNIX_EPOCH);
    let account = get_str(record, "recipientAccountId")
        .or_else(|| path_str(record, &["userIdentity", "accountId"]))
        .unwrap_or("");
    let region = get_str(record, "awsRegion").unwrap_or("");
    let file_name = Path::new(file)
        .file_name()
        .map_or(file.to_string(), |n| n.to_string_lossy().into_owned());
    (
        LogEvent::new(at, account, region, &file_name, "file", &record.to_string()),
        time.is_some(),
    )
}

/// Files as a source: everything on the first poll, nothing after.
pub struct FileSource {
    feed: Feed,
    name: String,
    pending: Option<Batch>,
}

impl FileSource {
    pub fn findings(findings: Vec<Finding>) -> FileSource {
        let batch = Batch {
            findings,
            initial: true,
            ..Batch::default()
        };
        FileSource {
            feed: Feed::Findings,
            name: "files: findings".into(),
            pending: Some(batch),
        }
    }

    pub fn logs(events: Vec<LogEvent>) -> FileSource {
        let batch = Batch {
            events,
            initial: true,
            ..Batch::default()
        };
        FileSource {
            feed: Feed::Logs,
            name: "files: log records".into(),
            pending: Some(batch),
        }
    }
}

impl Source for FileSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn feed(&self) -> Feed {
        self.feed
    }

    fn interval(&self) -> std::time::Duration {
        // Files do not change under us; the poll after the first returns nothing.
        std::time::Duration::from_secs(3600)
    }

    fn poll(&mut self, _now: Timestamp) -> PollFuture<'_> {
        Box::pin(std::future::ready(self.pending.take().unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests;

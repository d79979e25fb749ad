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

use crate::model::json::{get, get_array, get_str, get_time, path_str};
use crate::model::text::{MAX_LINE_CHARS, clean_line};
use crate::model::{Finding, LogEvent, MapError, asff, guardduty, ocsf};
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
    EventBridgeGuardDuty,
    EventBridgeSecurityHub,
    Unknown,
}

pub fn classify(record: &Value) -> Kind {
    let has = |key: &str| get(record, key).is_some();
    if has("detail-type") && has("detail") {
        return match get_str(record, "source") {
            Some("aws.guardduty") => Kind::EventBridgeGuardDuty,
            Some("aws.securityhub") => Kind::EventBridgeSecurityHub,
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
        Kind::EventBridgeGuardDuty => match get(&record, "detail") {
            Some(detail) => take(guardduty::map_finding(detail), loaded),
            None => loaded.skip(place.to_string(), "EventBridge event without detail"),
        },
        Kind::EventBridgeSecurityHub => {
            let findings = get(&record, "detail")
                .map(|d| get_array(d, "findings"))
                .unwrap_or_default();
            if findings.is_empty() {
                loaded.skip(
                    place.to_string(),
                    "Security Hub event without detail.findings",
                );
            }
            for finding in findings {
                take(asff::map_finding(finding), loaded);
            }
        }
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
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Loaded {
        let mut loaded = Loaded::default();
        read_document(text, "test.json", &mut loaded);
        loaded
    }

    fn gd(id: &str) -> Value {
        json!({"id": id, "accountId": "1", "type": "Recon:EC2/Portscan", "severity": 5,
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "service": {"count": 1}})
    }

    fn asff(id: &str) -> Value {
        json!({"SchemaVersion": "2018-10-08", "Id": id, "AwsAccountId": "1", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
            "CreatedAt": "2026-01-01T00:00:00Z", "UpdatedAt": "2026-01-01T00:00:00Z", "Severity": {"Label": "LOW"}, "Title": "t"})
    }

    #[test]
    fn every_container_shape() {
        let lines = format!("{}\n{}\n", gd("a"), gd("b"));
        assert_eq!(read(&lines).findings.len(), 2, "JSON lines");
        assert_eq!(
            read(&json!({"Findings": [gd("a")]}).to_string())
                .findings
                .len(),
            1,
            "get-findings output"
        );
        assert_eq!(
            read(&json!([asff("x"), asff("y")]).to_string())
                .findings
                .len(),
            2,
            "ASFF array"
        );
        assert_eq!(read(&asff("x").to_string()).findings.len(), 1, "one record");
        let event = json!({"version": "0", "detail-type": "GuardDuty Finding", "source": "aws.guardduty", "detail": gd("g")});
        assert_eq!(
            read(&event.to_string()).findings.len(),
            1,
            "EventBridge GuardDuty"
        );
        let hub = json!({"detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub", "detail": {"findings": [asff("1"), asff("2")]}});
        assert_eq!(
            read(&format!("{hub}\n{hub}")).findings.len(),
            4,
            "EventBridge Security Hub lines"
        );
        let trail = json!({"Records": [{"eventTime": "2026-01-01T00:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "recipientAccountId": "1"}]});
        let loaded = read(&trail.to_string());
        assert_eq!(loaded.events.len(), 1);
        assert!(loaded.events[0].trail.is_some());
    }

    #[test]
    fn bad_records_are_skipped_counted_and_located() {
        let text = format!("{}\nnot json\n{{\"hello\": 1}}\n{}\n", gd("a"), gd("b"));
        let loaded = read(&text);
        assert_eq!(loaded.findings.len(), 2);
        assert_eq!(loaded.skipped, 2);
        assert!(
            loaded.problems[0].starts_with("test.json:2: not JSON"),
            "{:?}",
            loaded.problems
        );
        assert!(
            loaded.problems[1].starts_with("test.json:3: not a GuardDuty"),
            "{:?}",
            loaded.problems
        );
        let broken = read("{\"Findings\": [");
        assert_eq!(broken.skipped, 1);
        assert!(
            broken.problems[0].starts_with("test.json:1:"),
            "{:?}",
            broken.problems
        );
        let mut missing = asff("z");
        missing.as_object_mut().map(|o| o.remove("AwsAccountId"));
        missing
            .as_object_mut()
            .map(|o| o.insert("ProductArn".into(), json!("p")));
        let loaded = read(&json!([missing, asff("ok")]).to_string());
        assert_eq!((loaded.findings.len(), loaded.skipped), (1, 1));
        assert!(loaded.problems[0].contains("record 1: missing required field `AwsAccountId`"));
        assert_eq!(read("42").skipped, 1);
        assert_eq!(read("  \n ").skipped, 0);
    }

    #[test]
    fn gzip_is_read_by_content() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("findings.json");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder
            .write_all(format!("{}\n{}\n", gd("a"), gd("b")).as_bytes())
            .expect("compress");
        std::fs::write(&path, encoder.finish().expect("finish")).expect("write");
        let loaded = read_paths(&[path, dir.path().join("missing.json")], &Limits::DEFAULT);
        assert_eq!(loaded.findings.len(), 2);
        assert_eq!(loaded.failed_files, 1);
        assert!(loaded.problems[0].contains("missing.json: cannot read"));
    }

    fn gzip(text: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(text).expect("compress");
        encoder.finish().expect("finish")
    }

    /// Reads one path; answers its one problem.
    fn refused(path: &Path, limits: &Limits) -> String {
        let loaded = read_paths(&[path.to_path_buf()], limits);
        assert_eq!(loaded.failed_files, 1, "{path:?} was read: {loaded:?}");
        assert!(loaded.findings.is_empty() && loaded.events.is_empty());
        loaded.problems[0].clone()
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("findings.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success(), "mkfifo failed");
        // Nobody ever writes: reading it would block this test forever.
        let problem = refused(&fifo, &Limits::DEFAULT);
        assert!(
            problem.ends_with(
                "findings.json: is a named pipe (FIFO); picket reads regular files only"
            ),
            "{problem}"
        );
        // Through a symlink too.
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&fifo, &link).expect("symlink");
        assert!(refused(&link, &Limits::DEFAULT).contains("named pipe"));
    }

    #[cfg(unix)]
    #[test]
    fn directories_and_devices_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let problem = refused(dir.path(), &Limits::DEFAULT);
        assert!(
            problem.ends_with("is a directory; name the files in it"),
            "{problem}"
        );
        // /dev/zero never ends: it must not be read at all.
        let problem = refused(Path::new("/dev/zero"), &Limits::DEFAULT);
        assert_eq!(
            problem,
            "/dev/zero: is a character device; picket reads regular files only"
        );
        let link = dir.path().join("zero.json.gz");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        assert!(refused(&link, &Limits::DEFAULT).contains("character device"));
    }

    #[test]
    fn a_file_over_the_size_limit_is_refused_and_the_others_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let big = dir.path().join("big.jsonl");
        let small = dir.path().join("small.jsonl");
        let line = format!("{}\n", gd("a"));
        std::fs::write(&big, line.repeat(20)).expect("write");
        std::fs::write(&small, &line).expect("write");
        let limits = Limits {
            max_bytes: line.len() as u64 * 10,
            max_decompressed_bytes: 1 << 20,
        };
        let loaded = read_paths(&[big.clone(), small], &limits);
        assert_eq!((loaded.findings.len(), loaded.failed_files), (1, 1));
        let expected = format!(
            "big.jsonl: is {}, more than the {} picket reads ([files] max_bytes in the config)",
            size(line.len() as u64 * 20),
            size(limits.max_bytes)
        );
        assert!(
            loaded.problems[0].ends_with(&expected),
            "{:?}",
            loaded.problems
        );
        // At the limit exactly, it is read.
        let exact = Limits {
            max_bytes: line.len() as u64 * 20,
            ..limits
        };
        assert_eq!(read_paths(&[big], &exact).findings.len(), 20);
    }

    #[test]
    fn a_gzip_bomb_is_refused_in_bounded_memory() {
        // 64 MiB of zeros compress to about 64 KB: a ratio of 1,000.
        let zeros = vec![b'0'; 64 << 20];
        let bomb = gzip(&zeros);
        assert!(bomb.len() < 256 << 10, "{} bytes", bomb.len());
        let limits = Limits {
            max_bytes: 1 << 20,
            max_decompressed_bytes: 4 << 20,
        };
        let e = decode(bomb.clone(), &limits).expect_err("a bomb");
        assert_eq!(
            e,
            "decompresses to more than 4 MiB, the most picket reads ([files] max_decompressed_bytes in the config)"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("trail.json.gz");
        std::fs::write(&path, &bomb).expect("write");
        assert!(refused(&path, &limits).contains("decompresses to more than 4 MiB"));
        // The same stream within the limit is read (and is not JSON, which is said as such).
        let roomy = Limits {
            max_decompressed_bytes: 64 << 20,
            ..limits
        };
        assert_eq!(decode(bomb, &roomy).map(|t| t.len()), Ok(64 << 20));
        let findings = gzip(format!("{}\n", gd("z")).as_bytes());
        assert_eq!(
            decode(findings, &limits).map(|t| t.ends_with('\n')),
            Ok(true)
        );
    }

    #[test]
    fn sizes_read_like_sizes() {
        assert_eq!(size(17), "17 bytes");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(512 << 20), "512 MiB");
        assert_eq!(size(3 << 30), "3 GiB");
    }

    #[test]
    fn problems_are_safe_to_print() {
        let mut loaded = Loaded::default();
        read_document("\u{1b}]0;owned\u{7}", "evil\u{1b}[2J.json", &mut loaded);
        let problem = &loaded.problems[0];
        assert!(!problem.contains('\u{1b}'), "{problem:?}");
        assert!(problem.starts_with("evil␛[2J.json"), "{problem}");
    }
}

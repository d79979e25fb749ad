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
        problem.ends_with("findings.json: is a named pipe (FIFO); picket reads regular files only"),
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

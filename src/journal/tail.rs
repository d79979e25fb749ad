//! The end of the journal, read backwards from the end of the file: what an append needs (the
//! last line, the one before it for a head one record behind, and any bytes after the last
//! newline) without reading the whole journal.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// Bytes after the last newline: a write that was cut short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fragment {
    pub offset: u64,
    pub len: u64,
}

#[derive(Debug, Default)]
pub(super) struct Tail {
    /// The last complete line, without its newline.
    pub last: Option<Vec<u8>>,
    /// The complete line before it.
    pub before_last: Option<Vec<u8>>,
    pub fragment: Option<Fragment>,
}

const CHUNK: usize = 64 * 1024;

pub(super) fn read(file: &mut File) -> std::io::Result<Tail> {
    let len = file.metadata()?.len();
    // Offsets of the last three newlines, newest first: they end the last two lines and the
    // one before them.
    let mut newlines: Vec<u64> = Vec::with_capacity(3);
    let mut chunk = vec![0u8; CHUNK];
    let mut pos = len;
    while pos > 0 && newlines.len() < 3 {
        let size = CHUNK.min(usize::try_from(pos).unwrap_or(CHUNK));
        pos -= size as u64;
        read_at(file, pos, &mut chunk[..size])?;
        for i in memchr::memrchr_iter(b'\n', &chunk[..size]) {
            newlines.push(pos + i as u64);
            if newlines.len() == 3 {
                break;
            }
        }
    }
    let start_after = |i: usize| newlines.get(i).map_or(0, |&n| n + 1);
    let fragment_start = start_after(0);
    let fragment = (fragment_start < len).then(|| Fragment {
        offset: fragment_start,
        len: len - fragment_start,
    });
    let mut line = |end: Option<&u64>, start: u64| -> std::io::Result<Option<Vec<u8>>> {
        let Some(&end) = end else {
            return Ok(None);
        };
        let size = usize::try_from(end - start)
            .map_err(|_| std::io::Error::other("a journal line too long to read"))?;
        let mut bytes = vec![0u8; size];
        read_at(file, start, &mut bytes)?;
        Ok(Some(bytes))
    };
    let last = line(newlines.first(), start_after(1))?;
    let before_last = line(newlines.get(1), start_after(2))?;
    Ok(Tail {
        last,
        before_last,
        fragment,
    })
}

pub(super) fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

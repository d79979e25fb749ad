//! The journal's MAC key: 32 random bytes, hex-encoded, in a file of its own readable by its
//! owner only, kept in the platform config directory rather than beside the journal, so that a
//! copy or a backup of the state directory carries no means of rewriting it.

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a MAC is over: the same bytes are never MACed for two purposes.
#[derive(Clone, Copy, Debug)]
pub(super) enum Purpose {
    Record,
    Head,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Record => b"picket journal record v1\n",
            Purpose::Head => b"picket journal head v1\n",
        }
    }
}

/// A loaded key, ready to MAC.
#[derive(Clone)]
pub(super) struct Key {
    mac: HmacSha256,
}

const KEY_BYTES: usize = 32;

impl Key {
    fn from_bytes(bytes: &[u8], path: &Path) -> Result<Key, String> {
        let mac = HmacSha256::new_from_slice(bytes)
            .map_err(|e| format!("{}: not a usable key: {e}", path.display()))?;
        Ok(Key { mac })
    }

    /// The key at `path`, or `None` when there is no file there.
    pub(super) fn load(path: &Path) -> Result<Option<Key>, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: cannot read the key: {e}", path.display())),
        };
        refuse_if_shared(path)?;
        let bytes = hex::decode(text.trim())
            .ok()
            .filter(|b| b.len() == KEY_BYTES)
            .ok_or_else(|| {
                format!(
                    "{}: not a journal key (expected {} hex digits)",
                    path.display(),
                    KEY_BYTES * 2
                )
            })?;
        Key::from_bytes(&bytes, path).map(Some)
    }

    /// The key at `path`, made (readable by its owner only) when there is none yet.
    pub(super) fn load_or_create(path: &Path) -> Result<Key, String> {
        if let Some(key) = Key::load(path)? {
            return Ok(key);
        }
        create(path)?;
        Key::load(path)?
            .ok_or_else(|| format!("{}: the key vanished as it was made", path.display()))
    }

    /// The MAC, hex-encoded, of `data` for `purpose`.
    pub(super) fn sign(&self, purpose: Purpose, data: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(purpose.label());
        mac.update(data);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `tag` (hex) is the MAC of `data` for `purpose`, compared in constant time.
    pub(super) fn verifies(&self, purpose: Purpose, data: &[u8], tag: &str) -> bool {
        let Ok(tag) = hex::decode(tag) else {
            return false;
        };
        let mut mac = self.mac.clone();
        mac.update(purpose.label());
        mac.update(data);
        mac.verify_slice(&tag).is_ok()
    }
}

/// Writes fresh random bytes to a private temporary file, then links it into place: a second
/// picket making the key at the same moment finds either no file or the whole key, and the
/// first key made wins.
fn create(path: &Path) -> Result<(), String> {
    let dir = super::parent_dir(path);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let mut bytes = [0u8; KEY_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| format!("no random bytes for the journal key from the system: {e}"))?;
    let temporary = temporary_name(path)?;
    let written = super::write_private(&temporary, format!("{}\n", hex::encode(bytes)).as_bytes());
    let linked = written.and_then(|()| match std::fs::hard_link(&temporary, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("{}: cannot create the key: {e}", path.display())),
    });
    // The temporary name is a second link to the key (or a key that lost the race): gone either way.
    let _ = std::fs::remove_file(&temporary);
    linked?;
    super::sync_dir(dir);
    Ok(())
}

fn temporary_name(path: &Path) -> Result<PathBuf, String> {
    let name = path
        .file_name()
        .ok_or_else(|| format!("{}: not a file name for the key", path.display()))?;
    let mut temporary = name.to_os_string();
    temporary.push(format!(".{}-{}.tmp", std::process::id(), fastrand::u64(..)));
    Ok(path.with_file_name(temporary))
}

/// A key others can read is a key others may have copied: picket will not sign with it.
#[cfg(unix)]
fn refuse_if_shared(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("{}: cannot read the key: {e}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "{}: the journal key can be read by others (mode {:o}); make it private with chmod 600",
            path.display(),
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_shared(_path: &Path) -> Result<(), String> {
    Ok(())
}

//! Replacing a file so that readers (and a power cut) see the old content or the new, never a
//! mix: the one way Banshi writes a file that something else reads. The bytes go to a temporary
//! file with a random name in the target's folder (so two processes writing the same file at
//! once never share a temporary file, and the rename stays within one file system), its mode is
//! set, it is fsynced, renamed over the target, and the folder is fsynced so the rename itself
//! survives a power cut. A temporary file left by an error is removed.

use std::fs::{File, Permissions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use tempfile::NamedTempFile;

/// How durable the new file must be when [`write`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// File and folder fsynced; if either fsync fails, so does the write. For state whose loss
    /// would be a security problem (the technician PIN's attempt count).
    Strict,
    /// The file is fsynced (failure is an error); the folder fsync is tried and its failure
    /// tolerated. Some network file systems (CIFS/SMB, some NFS setups) refuse fsync on a
    /// directory (`EINVAL`) although the rename is durable on the server; county staff keep
    /// publish repositories and keys on such shares.
    FolderBestEffort,
    /// No fsync here: the caller makes many files durable at once (`publish` writes thousands
    /// of objects, then one `syncfs`), or the file is rebuilt at every start (`fonts.conf`).
    Deferred,
}

/// Replaces `path` with `bytes`, its mode set to `mode` (exactly, not reduced by the umask)
/// before the rename. The folder must exist.
pub fn write(path: &Path, bytes: &[u8], mode: u32, durability: Durability) -> std::io::Result<()> {
    let tmp = stage(path, bytes, mode, durability)?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_folder(folder(path), durability)
}

/// The temporary file beside `path`, written, with its final mode, fsynced as asked; removed
/// when dropped unless persisted.
fn stage(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    durability: Durability,
) -> std::io::Result<NamedTempFile> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A dot name: a half-written file is no `*.rules`, `*.json` or `*.key` to anyone listing.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(Permissions::from_mode(0o600))
        .tempfile_in(folder(path))?;
    tmp.write_all(bytes)?;
    tmp.as_file()
        .set_permissions(Permissions::from_mode(mode))?;
    if durability != Durability::Deferred {
        tmp.as_file().sync_all()?;
    }
    Ok(tmp)
}

/// Renames a finished file `from` over `to` (same folder) durably: `from` fsynced first, then
/// the folder. For files another library writes by path (the SQLite database being built).
pub fn replace(from: &Path, to: &Path, durability: Durability) -> std::io::Result<()> {
    if durability != Durability::Deferred {
        File::open(from)?.sync_all()?;
    }
    std::fs::rename(from, to)?;
    sync_folder(folder(to), durability)
}

/// fsyncs a folder (making renames and new names in it durable), as `durability` asks.
pub fn sync_folder(dir: &Path, durability: Durability) -> std::io::Result<()> {
    match durability {
        Durability::Strict => File::open(dir)?.sync_all(),
        Durability::FolderBestEffort => {
            // Refused on some network shares; the file itself is durable already.
            let _ = File::open(dir).and_then(|d| d.sync_all());
            Ok(())
        }
        Durability::Deferred => Ok(()),
    }
}

fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_the_file_with_the_mode_set_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("publish.key");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
        for d in [
            Durability::Strict,
            Durability::FolderBestEffort,
            Durability::Deferred,
        ] {
            write(&path, b"secret", 0o600, d).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"secret");
            assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
            assert_eq!(names(dir.path()), ["publish.key"]);
        }
        write(&path, b"{}", 0o644, Durability::Strict).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o644);
    }

    #[test]
    fn the_temporary_file_has_a_random_name_beside_the_target_and_the_final_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        std::fs::write(&path, b"old").unwrap();
        let one = stage(&path, b"mine", 0o600, Durability::Strict).unwrap();
        let two = stage(&path, b"theirs", 0o644, Durability::Strict).unwrap();
        assert_ne!(one.path(), two.path());
        for (tmp, mode) in [(&one, 0o600), (&two, 0o644)] {
            assert_eq!(tmp.path().parent(), Some(dir.path()));
            let name = tmp
                .path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert!(
                name.starts_with(".root.key.") && name.ends_with(".tmp"),
                "{name}"
            );
            // The mode is final before the rename: a secret is never readable by others.
            assert_eq!(std::fs::metadata(tmp.path()).unwrap().mode() & 0o777, mode);
        }
        // Nothing reached the target yet; dropping a staged file removes it.
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        drop(two);
        one.persist(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"mine");
        assert_eq!(names(dir.path()), ["root.key"]);
    }

    #[test]
    fn two_writers_at_once_never_leave_a_mix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let big_a = vec![b'a'; 1 << 20];
        let big_b = vec![b'b'; 1 << 20];
        std::thread::scope(|s| {
            for bytes in [&big_a, &big_b] {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..5 {
                        write(path, bytes, 0o600, Durability::Deferred).unwrap();
                    }
                });
            }
        });
        let got = std::fs::read(&path).unwrap();
        assert!(got == big_a || got == big_b);
        assert_eq!(names(dir.path()), ["state.json"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("taken");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"x").unwrap();
        assert!(write(&path, b"new", 0o644, Durability::Strict).is_err());
        assert_eq!(names(dir.path()), ["taken"]);
        assert!(write(
            &dir.path().join("missing/x"),
            b"new",
            0o644,
            Durability::Strict
        )
        .is_err());
    }

    #[test]
    fn replace_renames_a_finished_file() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("a.new"), dir.path().join("a"));
        std::fs::write(&from, b"1").unwrap();
        replace(&from, &to, Durability::Strict).unwrap();
        assert_eq!(names(dir.path()), ["a"]);
    }
}

//! The kiosk's own Ed25519 device key: made at first start, kept as PKCS#8 in `device.key`
//! (mode 0600) in the data folder, never sent anywhere. Every request to the hub is signed with
//! it, so knowing a kiosk's id is not enough to speak for it; the county sees the key's
//! fingerprint and compares it with the technician screen when approving.

use std::path::{Path, PathBuf};

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};

pub const FILE: &str = "device.key";

pub struct DeviceKey {
    pair: Ed25519KeyPair,
    public_hex: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("无法在 {0} 生成或保存设备密钥：{1}。请检查数据目录的权限和剩余空间。")]
    Write(PathBuf, String),
    #[error("无法读取设备密钥 {0}：{1}")]
    Read(PathBuf, std::io::Error),
    #[error("设备密钥 {0} 已损坏。删掉这个文件后终端会生成新密钥；县里需要先吊销旧的登记（banshi hub kiosks revoke），再批准新的。")]
    Damaged(PathBuf),
}

impl DeviceKey {
    /// The key in `dir`, made (and saved durably) when there is none.
    pub fn load_or_create(dir: &Path) -> Result<DeviceKey, KeyError> {
        let path = dir.join(FILE);
        match std::fs::read(&path) {
            Ok(bytes) => DeviceKey::from_pkcs8(&bytes).ok_or(KeyError::Damaged(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let rng = aws_lc_rs::rand::SystemRandom::new();
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
                    .map_err(|_| KeyError::Write(path.clone(), "随机数不可用".into()))?;
                let write_err = |e: std::io::Error| KeyError::Write(path.clone(), e.to_string());
                std::fs::create_dir_all(dir).map_err(write_err)?;
                // No clobbering: when two processes (the kiosk and `banshi outbox flush`) make
                // a key at once, the first one saved wins and the other adopts it.
                if let Err(e) = save_new(&path, pkcs8.as_ref()) {
                    if e.kind() != std::io::ErrorKind::AlreadyExists {
                        return Err(write_err(e));
                    }
                    return DeviceKey::load_or_create(dir);
                }
                log::info!("生成了本机的设备密钥 {}", path.display());
                DeviceKey::from_pkcs8(pkcs8.as_ref()).ok_or(KeyError::Damaged(path))
            }
            Err(e) => Err(KeyError::Read(path, e)),
        }
    }

    /// The key in `dir` if there is one (for doctor and the technician screen, which must not
    /// make one).
    pub fn load(dir: &Path) -> Result<Option<DeviceKey>, KeyError> {
        let path = dir.join(FILE);
        match std::fs::read(&path) {
            Ok(bytes) => DeviceKey::from_pkcs8(&bytes)
                .map(Some)
                .ok_or(KeyError::Damaged(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(KeyError::Read(path, e)),
        }
    }

    fn from_pkcs8(bytes: &[u8]) -> Option<DeviceKey> {
        let pair = Ed25519KeyPair::from_pkcs8(bytes).ok()?;
        let public_hex = hex::encode(pair.public_key().as_ref());
        Some(DeviceKey { pair, public_hex })
    }

    pub fn public_hex(&self) -> &str {
        &self.public_hex
    }

    /// What the technician screen, doctor and `banshi hub kiosks` show.
    pub fn fingerprint(&self) -> String {
        crate::hub::wire::fingerprint(&self.public_hex)
    }

    /// The signature of `input`, hex.
    pub fn sign(&self, input: &[u8]) -> String {
        hex::encode(self.pair.sign(input).as_ref())
    }
}

/// Writes a new file at `path` (mode 0600, fsynced with its folder); fails with
/// `AlreadyExists` if one is there.
fn save_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_key_is_made_once_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        assert!(DeviceKey::load(dir.path()).unwrap().is_none());
        let a = DeviceKey::load_or_create(dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join(FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let b = DeviceKey::load_or_create(dir.path()).unwrap();
        assert_eq!(a.public_hex(), b.public_hex());
        assert_eq!(a.public_hex().len(), 64);
        let input = b"x";
        assert!(crate::hub::wire::verify(
            b.public_hex(),
            input,
            &a.sign(input)
        ));
    }

    #[test]
    fn a_damaged_key_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), b"not a key").unwrap();
        let e = DeviceKey::load_or_create(dir.path()).err().unwrap();
        assert!(matches!(e, KeyError::Damaged(_)), "{e}");
        assert!(e.to_string().contains("吊销"));
        assert_eq!(
            std::fs::read(dir.path().join(FILE)).unwrap(),
            b"not a key",
            "the damaged file is left for the technician"
        );
    }
}

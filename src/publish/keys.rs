//! The county's signing keys and the trust anchor (`root.json`) kiosks install.
//!
//! A keys folder holds:
//! - `root.key`: signs `root.json` only; keep it offline (USB stick in a safe).
//! - `publish.key`: signs each published version (targets, snapshot, timestamp metadata).
//! - `root.json`: the current signed root metadata; kiosks install it as their trust anchor.
//! - `roots/N.root.json`: every root version, copied into the repository by `publish` so kiosks
//!   holding an older anchor can follow a key rotation (TUF root chaining).
//!
//! Keys are Ed25519, stored as PKCS#8 DER (what tough's key parser reads), mode 0600.

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::path::Path;

use anyhow::{bail, Context};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::Ed25519KeyPair;
use tough::editor::signed::SignedRole;
use tough::key_source::{KeySource, LocalKeySource};
use tough::schema::{KeyHolder, RoleKeys, RoleType, Root, Signed};
use tough::sign::{parse_keypair, Sign};

pub const ROOT_KEY: &str = "root.key";
pub const PUBLISH_KEY: &str = "publish.key";
pub const ROOT_JSON: &str = "root.json";
pub const ROOTS_DIR: &str = "roots";

/// Options for `banshi keygen`.
pub struct KeygenOptions {
    pub root_expires_days: i64,
    pub force: bool,
}

/// Writes `bytes` to `path` atomically with the given mode (`atomic::write`), file and folder
/// fsynced; a folder fsync that a network share refuses is tolerated (county staff keep keys
/// and repositories on such shares).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    write_renamed(path, bytes, mode, true)
}

/// As [`write_atomic`]; `durable = false` skips the fsyncs: many files written so are made
/// durable at once with `rustix::fs::syncfs` (see `publish`).
pub fn write_renamed(path: &Path, bytes: &[u8], mode: u32, durable: bool) -> anyhow::Result<()> {
    use crate::atomic::Durability;
    let durability = if durable {
        Durability::FolderBestEffort
    } else {
        Durability::Deferred
    };
    crate::atomic::write(path, bytes, mode, durability)
        .with_context(|| format!("无法写入 {}（磁盘满了或没有权限？）", path.display()))
}

fn new_key(path: &Path) -> anyhow::Result<Box<dyn KeySource>> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| anyhow::anyhow!("生成密钥失败"))?;
    write_atomic(path, pkcs8.as_ref(), 0o600)?;
    Ok(Box::new(LocalKeySource {
        path: path.to_path_buf(),
    }))
}

fn tuf_key(path: &Path) -> anyhow::Result<tough::schema::key::Key> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取密钥 {}", path.display()))?;
    let pair = parse_keypair(&bytes)
        .map_err(|e| anyhow::anyhow!("{} 不是有效的签名密钥：{e}", path.display()))?;
    Ok(pair.tuf_key())
}

fn root_for(
    version: u64,
    expires_days: i64,
    root_key: &Path,
    publish_key: &Path,
) -> anyhow::Result<Root> {
    let rk = tuf_key(root_key)?;
    let pk = tuf_key(publish_key)?;
    let rid = rk.key_id()?;
    let pid = pk.key_id()?;
    let mut keys = HashMap::new();
    keys.insert(rid.clone(), rk);
    keys.insert(pid.clone(), pk);
    let one = NonZeroU64::new(1).unwrap();
    let role = |id: &tough::schema::decoded::Decoded<tough::schema::decoded::Hex>| RoleKeys {
        keyids: vec![id.clone()],
        threshold: one,
        _extra: HashMap::new(),
    };
    let mut roles = HashMap::new();
    roles.insert(RoleType::Root, role(&rid));
    for r in [RoleType::Targets, RoleType::Snapshot, RoleType::Timestamp] {
        roles.insert(r, role(&pid));
    }
    Ok(Root {
        spec_version: "1.0.0".into(),
        consistent_snapshot: true,
        version: NonZeroU64::new(version).context("root version 0")?,
        expires: jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * expires_days),
        keys,
        roles,
        _extra: HashMap::new(),
    })
}

async fn sign_root(
    root: Root,
    key: &Path,
    previous: Option<(&Root, &Path)>,
) -> anyhow::Result<Vec<u8>> {
    let rng = SystemRandom::new();
    let source: Vec<Box<dyn KeySource>> = vec![Box::new(LocalKeySource {
        path: key.to_path_buf(),
    })];
    let mut signed =
        SignedRole::new(root.clone(), &KeyHolder::Root(root.clone()), &source, &rng).await?;
    if let Some((old_root, old_key)) = previous {
        let old: Vec<Box<dyn KeySource>> = vec![Box::new(LocalKeySource {
            path: old_key.to_path_buf(),
        })];
        let by_old = SignedRole::new(root, &KeyHolder::Root(old_root.clone()), &old, &rng).await?;
        signed = signed.add_old_signatures(by_old.signed().signatures.clone())?;
    }
    Ok(signed.buffer().clone())
}

/// Reads a signed root metadata file (no signature check: it is the county's own file).
pub fn read_root(path: &Path) -> anyhow::Result<Signed<Root>> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} 不是有效的 root.json", path.display()))
}

fn save_root(dir: &Path, version: u64, bytes: &[u8]) -> anyhow::Result<()> {
    let roots = dir.join(ROOTS_DIR);
    std::fs::create_dir_all(&roots).with_context(|| format!("无法创建 {}", roots.display()))?;
    write_atomic(&roots.join(format!("{version}.root.json")), bytes, 0o644)?;
    write_atomic(&dir.join(ROOT_JSON), bytes, 0o644)
}

/// `banshi keygen --out DIR`: new root and publish keys and root version 1.
pub fn keygen(dir: &Path, opts: &KeygenOptions) -> anyhow::Result<()> {
    for f in [ROOT_KEY, PUBLISH_KEY, ROOT_JSON] {
        if dir.join(f).exists() && !opts.force {
            bail!(
                "{} 已经存在。重新生成会让已安装这套信任根的终端全部无法更新；确实要覆盖请加 --force，要更换密钥请用 --rotate。",
                dir.join(f).display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建 {}", dir.display()))?;
    let root_key = dir.join(ROOT_KEY);
    let publish_key = dir.join(PUBLISH_KEY);
    new_key(&root_key)?;
    new_key(&publish_key)?;
    let root = root_for(1, opts.root_expires_days, &root_key, &publish_key)?;
    let bytes = runtime()?.block_on(sign_root(root, &root_key, None))?;
    save_root(dir, 1, &bytes)
}

/// `banshi keygen --rotate --keys DIR`: replaces both keys with new ones and writes root version
/// N+1, signed by the old and the new root key, so kiosks trusting version N accept it.
pub fn rotate(dir: &Path, root_expires_days: i64) -> anyhow::Result<u64> {
    let old = read_root(&dir.join(ROOT_JSON))?.signed;
    let old_root_key = dir.join(ROOT_KEY);
    let held = dir.join(format!("{ROOT_KEY}.old"));
    std::fs::copy(&old_root_key, &held)
        .with_context(|| format!("无法读取 {}", old_root_key.display()))?;
    let root_key = dir.join(ROOT_KEY);
    let publish_key = dir.join(PUBLISH_KEY);
    new_key(&root_key)?;
    new_key(&publish_key)?;
    let version = old.version.get() + 1;
    let root = root_for(version, root_expires_days, &root_key, &publish_key)?;
    let bytes = runtime()?.block_on(sign_root(root, &root_key, Some((&old, &held))))?;
    save_root(dir, version, &bytes)?;
    // The old root key has done its last job (cross-signing); do not keep it around.
    std::fs::remove_file(&held).ok();
    Ok(version)
}

/// The publish key as a tough key source, checked to be the one the current root names.
pub fn publish_key(dir: &Path) -> anyhow::Result<Box<dyn KeySource>> {
    let path = dir.join(PUBLISH_KEY);
    let root = read_root(&dir.join(ROOT_JSON))?.signed;
    let id = tuf_key(&path)?.key_id()?;
    if !root
        .roles
        .get(&RoleType::Targets)
        .is_some_and(|r| r.keyids.contains(&id))
    {
        bail!(
            "{} 与 {} 不配套（密钥不属于这个信任根）。",
            path.display(),
            dir.join(ROOT_JSON).display()
        );
    }
    Ok(Box::new(LocalKeySource { path }))
}

/// A current-thread tokio runtime for tough's async API.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")
}

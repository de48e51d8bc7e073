//! County side: turning an authored content folder into a signed static repository.
//!
//! Repository layout (plain files; any static web server, CDN or USB stick can serve it):
//!
//! ```text
//! REPO/metadata/timestamp.json         the small top-level pointer, replaced last, atomically
//! REPO/metadata/N.snapshot.json        TUF snapshot, version N
//! REPO/metadata/N.targets.json         TUF targets: names one target, manifest.json
//! REPO/metadata/N.root.json            every root version (key rotation chain)
//! REPO/targets/HASH.manifest.json      the content manifest (see `pack`)
//! REPO/objects/HH/HASH                 immutable content objects, named by SHA-256
//! REPO/packs/HASH                      immutable packs of objects (format 2), named by SHA-256
//! ```
//!
//! The zstd dictionary (format 3) is one of the objects, named in the manifest. A publish keeps
//! the repository's dictionary (unchanged documents keep their hashes), trains one when the
//! repository has none, and trains a new one only when asked (`--new-dictionary`).
//!
//! Everything but `timestamp.json` is written under a new name, so a kiosk (or a mirror) reading
//! during a publish sees the old version or the new one.

pub mod keys;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use tough::editor::signed::PathExists;
use tough::editor::RepositoryEditor;
use tough::schema::{Signed, Snapshot, Target, Targets, Timestamp};
use tough::TargetName;

use crate::pack;

pub const MANIFEST: &str = "manifest.json";
pub const METADATA_DIR: &str = "metadata";
pub const TARGETS_DIR: &str = "targets";
pub const OBJECTS_DIR: &str = "objects";
pub const PACKS_DIR: &str = "packs";

pub struct PublishOptions {
    /// The authored content folder; `None` with `refresh` re-signs the current content.
    pub source: Option<PathBuf>,
    pub keys: PathBuf,
    pub out: PathBuf,
    pub expires_days: i64,
    pub refresh: bool,
}

#[derive(Debug, serde::Serialize)]
pub struct Published {
    pub version: u64,
    pub digest: String,
    pub documents: u64,
    pub objects_written: usize,
    pub objects_reused: usize,
    pub bytes_written: u64,
    /// Packs written (format 2): those whose buckets and documents changed.
    pub packs_written: usize,
    pub pack_bytes_written: u64,
    pub expires: String,
    /// The dictionary object's hash (format 3), when the county has one.
    pub dictionary: Option<String>,
    /// This publish trained the dictionary (every object changed).
    pub dictionary_trained: bool,
}

/// Path of an object inside a repository.
pub fn object_path(repo: &Path, hash: &str) -> PathBuf {
    repo.join(OBJECTS_DIR).join(&hash[..2]).join(hash)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} 已损坏", path.display()))
}

/// The repository's signed `timestamp.json` (its version, expiry and the snapshot it names),
/// `None` before the first publish.
pub fn timestamp(repo: &Path) -> anyhow::Result<Option<Signed<Timestamp>>> {
    let path = repo.join(METADATA_DIR).join("timestamp.json");
    if !path.exists() {
        return Ok(None);
    }
    read_json(&path).map(Some)
}

/// The current version of a repository and its manifest file, if it has been published to.
pub fn current(repo: &Path) -> anyhow::Result<Option<(u64, PathBuf)>> {
    let meta = repo.join(METADATA_DIR);
    let Some(ts) = timestamp(repo)? else {
        return Ok(None);
    };
    let snap_v = ts
        .signed
        .meta
        .get("snapshot.json")
        .context("timestamp.json 缺少 snapshot.json")?
        .version;
    let snap: Signed<Snapshot> = read_json(&meta.join(format!("{snap_v}.snapshot.json")))?;
    let targets_v = snap
        .signed
        .meta
        .get("targets.json")
        .context("snapshot 缺少 targets.json")?
        .version;
    let targets: Signed<Targets> = read_json(&meta.join(format!("{targets_v}.targets.json")))?;
    let name = TargetName::new(MANIFEST)?;
    let t = targets
        .signed
        .targets
        .get(&name)
        .context("targets.json 里没有 manifest.json")?;
    let hash = hex::encode(&t.hashes.sha256[..]);
    Ok(Some((
        ts.signed.version.get(),
        repo.join(TARGETS_DIR).join(format!("{hash}.{MANIFEST}")),
    )))
}

/// The newest content published to `repo` and its version, rebuilt from the repository's
/// own files (each object checked against its hash; the signatures are the kiosks' business:
/// this is for the hub serving its own `--repo`). `None` when nothing was published yet.
pub fn read_current(repo: &Path) -> anyhow::Result<Option<(u64, crate::model::Content)>> {
    let Some((version, manifest_path)) = current(repo)? else {
        return Ok(None);
    };
    let bytes = std::fs::read(&manifest_path)
        .with_context(|| format!("无法读取 {}", manifest_path.display()))?;
    let manifest = pack::parse_manifest(&bytes)?;
    let content = pack::unpack(&manifest, |r| {
        let path = object_path(repo, &r.hash);
        let bytes = std::fs::read(&path).map_err(|_| pack::PackError::Missing(r.hash.clone()))?;
        if pack::sha256_hex(&bytes) != r.hash {
            return Err(pack::PackError::Parse {
                what: path.display().to_string(),
                message: "文件内容与它的摘要不符（仓库损坏）".into(),
            });
        }
        Ok(bytes)
    })?;
    Ok(Some((version, content)))
}

fn write_object(repo: &Path, hash: &str, bytes: &[u8]) -> anyhow::Result<bool> {
    let path = object_path(repo, hash);
    if path.exists() {
        return Ok(false);
    }
    std::fs::create_dir_all(path.parent().unwrap())
        .with_context(|| format!("无法创建 {}", path.display()))?;
    keys::write_renamed(&path, bytes, 0o644, false)?;
    Ok(true)
}

/// `banshi publish`: validates, packs, writes new objects, signs and switches the pointer.
pub fn publish(opts: &PublishOptions) -> anyhow::Result<Published> {
    publish_with(opts, false)
}

/// [`publish`], training a new dictionary when `new_dictionary` (`--new-dictionary`).
pub fn publish_with(opts: &PublishOptions, new_dictionary: bool) -> anyhow::Result<Published> {
    match (&opts.source, opts.refresh) {
        (Some(dir), false) => {
            let content = crate::source::load_dir(dir).map_err(|p| anyhow::anyhow!("{p}"))?;
            publish_content_with(
                Some(&content),
                &opts.keys,
                &opts.out,
                opts.expires_days,
                new_dictionary,
            )
        }
        (None, true) => publish_content(None, &opts.keys, &opts.out, opts.expires_days),
        _ => bail!("要么给出 --source 内容目录（发布新内容），要么给出 --refresh（只重新签名，延长有效期），二者选一。"),
    }
}

/// Publishes validated `content` as the next version of `repo` (or, with `None`, re-signs the
/// current content with a new expiry), keeping the repository's dictionary.
pub fn publish_content(
    content: Option<&crate::model::Content>,
    keys_dir: &Path,
    repo: &Path,
    expires_days: i64,
) -> anyhow::Result<Published> {
    publish_content_with(content, keys_dir, repo, expires_days, false)
}

/// [`publish_content`]; `new_dictionary` trains a new dictionary on `content` even when the
/// repository has one.
pub fn publish_content_with(
    content: Option<&crate::model::Content>,
    keys_dir: &Path,
    repo: &Path,
    expires_days: i64,
    new_dictionary: bool,
) -> anyhow::Result<Published> {
    let Some(content) = content else {
        return publish_packed(None, keys_dir, repo, expires_days);
    };
    let kept = if new_dictionary {
        None
    } else {
        current_dictionary(repo)?
    };
    let trained = kept.is_none();
    let dictionary = match kept {
        Some(d) => Some(d),
        None => pack::train(content).map(std::sync::Arc::new),
    };
    let packed = pack::pack_with(content, pack::FORMAT, dictionary);
    let mut published = publish_packed(Some(&packed), keys_dir, repo, expires_days)?;
    published.dictionary_trained = trained && packed.dictionary.is_some();
    Ok(published)
}

/// The dictionary the repository's current version names, read from its object (hash checked):
/// the one the next publish keeps.
pub fn current_dictionary(repo: &Path) -> anyhow::Result<Option<std::sync::Arc<pack::Dictionary>>> {
    let Some((_, manifest_path)) = current(repo)? else {
        return Ok(None);
    };
    let manifest = pack::parse_manifest(
        &std::fs::read(&manifest_path)
            .with_context(|| format!("无法读取 {}", manifest_path.display()))?,
    )?;
    let Some(r) = manifest.dictionary else {
        return Ok(None);
    };
    let path = object_path(repo, &r.hash);
    let body = std::fs::read(&path).with_context(|| format!("无法读取 {}", path.display()))?;
    if pack::ObjectRef::of(&body) != r {
        bail!(
            "仓库里的压缩字典 {} 已损坏（与清单不符）。请从备份恢复它，或用 --new-dictionary 训练新字典（各终端会重新下载全部内容一次）。",
            path.display()
        );
    }
    Ok(Some(std::sync::Arc::new(pack::Dictionary::from_object(
        &body,
    )?)))
}

/// [`publish_content`] for content already packed (tests publish the previous format with it).
pub fn publish_packed(
    packed: Option<&pack::Packed>,
    keys_dir: &Path,
    repo: &Path,
    expires_days: i64,
) -> anyhow::Result<Published> {
    let prev = current(repo)?;
    let staging = repo.join(".publish");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("无法清理 {}", staging.display()))?;
    }
    std::fs::create_dir_all(&staging).with_context(|| format!("无法创建 {}", staging.display()))?;
    let manifest_path = staging.join(MANIFEST);
    let (mut written, mut reused, mut bytes_written) = (0, 0, 0u64);
    let (mut packs_written, mut pack_bytes_written) = (0, 0u64);
    let manifest = match packed {
        Some(packed) => {
            for (hash, bytes) in &packed.objects {
                if write_object(repo, hash, bytes)? {
                    written += 1;
                    bytes_written += bytes.len() as u64;
                } else {
                    reused += 1;
                }
            }
            let packs_dir = repo.join(PACKS_DIR);
            for (j, p) in packed.manifest.packs.iter().enumerate() {
                let path = packs_dir.join(&p.hash);
                if path.exists() {
                    continue;
                }
                let bytes = pack::pack_file(packed, j)?;
                std::fs::create_dir_all(&packs_dir)
                    .with_context(|| format!("无法创建 {}", packs_dir.display()))?;
                keys::write_renamed(&path, &bytes, 0o644, false)?;
                packs_written += 1;
                pack_bytes_written += bytes.len() as u64;
            }
            // Every new object on disk before any metadata can point at it: one syncfs instead
            // of an fsync per object (10,000 of them took most of a publish).
            let repo_dir = std::fs::File::open(repo)
                .with_context(|| format!("无法打开 {}", repo.display()))?;
            rustix::fs::syncfs(&repo_dir)
                .with_context(|| format!("无法把 {} 写入磁盘", repo.display()))?;
            keys::write_atomic(&manifest_path, &packed.manifest_bytes, 0o644)?;
            packed.manifest.clone()
        }
        None => {
            let Some((_, path)) = &prev else {
                bail!("{} 还没有发布过内容，不能 --refresh。", repo.display())
            };
            std::fs::copy(path, &manifest_path)
                .with_context(|| format!("无法读取 {}", path.display()))?;
            pack::parse_manifest(&std::fs::read(&manifest_path)?)?
        }
    };
    let version = prev.as_ref().map_or(1, |(v, _)| v + 1);
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * expires_days);
    let publish_key = keys::publish_key(keys_dir)?;
    let rt = keys::runtime()?;
    let meta_staging = staging.join(METADATA_DIR);
    rt.block_on(async {
        let mut editor = RepositoryEditor::new(keys_dir.join(keys::ROOT_JSON)).await?;
        let target = Target::from_path(&manifest_path).await?;
        let v = std::num::NonZeroU64::new(version).unwrap();
        editor
            .add_target(TargetName::new(MANIFEST)?, target)?
            .targets_version(v)?
            .targets_expires(expires)?
            .snapshot_version(v)
            .snapshot_expires(expires)
            .timestamp_version(v)
            .timestamp_expires(expires);
        let signed = editor.sign(&[publish_key]).await?;
        signed.write(&meta_staging).await?;
        signed
            .copy_targets(&staging, repo.join(TARGETS_DIR), PathExists::Skip)
            .await?;
        anyhow::Ok(())
    })?;

    // Root history first, then versioned metadata, then the pointer.
    let meta = repo.join(METADATA_DIR);
    std::fs::create_dir_all(&meta).with_context(|| format!("无法创建 {}", meta.display()))?;
    let roots = keys_dir.join(keys::ROOTS_DIR);
    for entry in
        std::fs::read_dir(&roots).with_context(|| format!("无法读取 {}", roots.display()))?
    {
        let entry = entry?;
        let dest = meta.join(entry.file_name());
        if !dest.exists() {
            keys::write_atomic(&dest, &std::fs::read(entry.path())?, 0o644)?;
        }
    }
    for name in [
        format!("{version}.targets.json"),
        format!("{version}.snapshot.json"),
        "timestamp.json".to_string(),
    ] {
        let bytes = std::fs::read(meta_staging.join(&name))
            .with_context(|| format!("签名后缺少 {name}"))?;
        keys::write_atomic(&meta.join(&name), &bytes, 0o644)?;
    }
    std::fs::remove_dir_all(&staging).ok();
    Ok(Published {
        version,
        digest: manifest.digest,
        documents: manifest.documents,
        objects_written: written,
        objects_reused: reused,
        bytes_written,
        packs_written,
        pack_bytes_written,
        expires: expires.to_string(),
        dictionary: manifest.dictionary.map(|d| d.hash),
        dictionary_trained: false,
    })
}

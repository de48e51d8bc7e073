//! Kiosk side: one sync from the county's signed repository, verify-then-apply.
//!
//! 1. tough verifies the TUF metadata chain (root rotation, timestamp → snapshot → targets,
//!    signatures, versions against the last applied ones, expiry, length limits). The last
//!    trusted metadata is kept inside `content.db`, committed with the content it describes, and
//!    seeded into a fresh tough datastore for each sync: a power cut cannot separate the two.
//! 2. The manifest (the one TUF target) is read through tough: hash and length checked.
//! 3. Buckets and documents missing from the database are downloaded into `DATA/sync/` (capped
//!    at their declared length, resumable, hash-checked).
//! 4. The content is rebuilt from the objects and applied in one SQLite transaction together with
//!    the new sync metadata. Before commit nothing is visible; after it, everything is.

pub mod bench;
pub mod fetch;
pub mod packs;
pub mod worker;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use tough::schema::{Root, Signed};
use tough::{ExpirationEnforcement, IntoVec, Limits, RepositoryLoader, TargetName};

use crate::pack::{self, Dictionary, Manifest, ObjectRef, Packed};
use crate::store::{Store, DB_FILE};
pub use fetch::{FetchError, Fetcher, Source, Timeouts};

/// Folder inside the data directory for downloads in progress.
pub const STAGING_DIR: &str = "sync";
const LOCK_FILE: &str = "sync.lock";
/// Simultaneous object downloads.
const PARALLEL: usize = 8;
/// File in the downloads folder naming the content digest its objects belong to.
const STAGING_FOR: &str = "for-digest";
/// Prefix of tough's temporary datastore folders in the data directory.
const DATASTORE_PREFIX: &str = "tuf-";

/// Removes what a power cut (or `kill -9`) during a sync leaves in `data_dir`: tough's
/// temporary datastores (`tuf-XXXXXX`, useless once their sync ended) and a downloads folder
/// whose version has already been applied (`applied_digest`: the cut came between the commit
/// and the clean-up). A downloads folder of a version not yet applied is kept: the next sync
/// resumes from it. Does nothing while another sync holds the lock (its files are in use).
pub fn clean_leftovers(data_dir: &Path, applied_digest: Option<&str>) {
    let Ok(lock) = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join(LOCK_FILE))
    else {
        return;
    };
    if lock.try_lock().is_err() {
        return;
    }
    clean_locked(data_dir, applied_digest);
    drop(lock);
}

/// [`clean_leftovers`] for a caller holding the sync lock.
fn clean_locked(data_dir: &Path, applied_digest: Option<&str>) {
    if let Ok(dir) = std::fs::read_dir(data_dir) {
        for entry in dir.flatten() {
            let name = entry.file_name();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && name.to_string_lossy().starts_with(DATASTORE_PREFIX) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let staging = data_dir.join(STAGING_DIR);
    if let Some(applied) = applied_digest {
        let staged_for = std::fs::read_to_string(staging.join(STAGING_FOR)).ok();
        if staged_for.as_deref().map(str::trim) == Some(applied) {
            let _ = std::fs::remove_dir_all(&staging);
        }
    }
}

/// Meta keys in `content.db` (see `Store::meta`).
pub mod keys {
    pub const ROOT: &str = "sync_root";
    pub const TIMESTAMP: &str = "sync_timestamp";
    pub const SNAPSHOT: &str = "sync_snapshot";
    pub const TARGETS: &str = "sync_targets";
    pub const VERSION: &str = "sync_version";
    pub const EXPIRES: &str = "sync_expires";
    pub const LAST_SYNC: &str = "last_sync";
    pub const LAST_STATUS: &str = "last_sync_status";
    pub const LAST_ERROR: &str = "last_sync_error";
    pub const LAST_OK: &str = "last_sync_ok";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Updated,
    UpToDate,
    /// Refused: tampered, rolled back, mixed, too long, another county, bad signature.
    Rejected,
    /// The server could not be reached or the transfer broke; try later.
    Offline,
    /// The server only offers metadata past its expiry (or a freeze attack). Content is kept.
    Expired,
    /// A problem on this machine (disk full, permissions, another sync running).
    Error,
}

impl Status {
    /// Every status, for tables that must cover them all.
    pub const ALL: [Status; 6] = [
        Status::Updated,
        Status::UpToDate,
        Status::Rejected,
        Status::Offline,
        Status::Expired,
        Status::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Updated => "updated",
            Status::UpToDate => "up-to-date",
            Status::Rejected => "rejected",
            Status::Offline => "offline",
            Status::Expired => "expired",
            Status::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether `banshi sync` exits non-zero.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Rejected | Status::Offline | Status::Error)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub status: Status,
    /// The repository version in use after this sync (None: never synced).
    pub version: Option<u64>,
    pub bytes_downloaded: u64,
    pub error: Option<String>,
    #[serde(skip)]
    pub apply_seconds: f64,
    /// Where a first sync's time went (the benchmark prints it).
    #[serde(skip)]
    pub phases: Phases,
}

/// Seconds spent in each part of one sync (zero for the parts it did not reach).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Phases {
    /// Signed metadata (tough) and the manifest.
    pub metadata: f64,
    /// The dictionary (format 3), from the database or downloaded.
    pub dictionary: f64,
    /// Base, buckets and documents: from the database, the downloads folder or the network,
    /// including `stage_wait`.
    pub objects: f64,
    /// Of `objects`: waiting, after the last byte arrived, for the downloads to be on disk.
    pub stage_wait: f64,
    /// Decoding every object into content (a full apply; `apply_seconds` is this and `apply`).
    pub unpack: f64,
    /// The database transaction (for an incremental sync: its fetches too).
    pub apply: f64,
    /// Removing the downloads folder after the commit.
    pub clean: f64,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub source: Source,
    pub data_dir: PathBuf,
    /// The trust anchor (`root.json`) bytes; a newer root already trusted (stored with the
    /// content) is used instead when there is one.
    pub trust: Option<Vec<u8>>,
    /// This kiosk's region code: a repository of another county is refused.
    pub region: Option<String>,
    pub timeouts: Timeouts,
    /// The whole sync ends by this long, whatever the server does (the next sync resumes).
    pub deadline: Duration,
}

impl Options {
    pub fn new(source: Source, data_dir: PathBuf, trust: Option<Vec<u8>>) -> Options {
        Options {
            source,
            data_dir,
            trust,
            region: None,
            timeouts: Timeouts::default(),
            deadline: Duration::from_secs(30 * 60),
        }
    }
}

#[derive(Debug)]
struct Failure {
    status: Status,
    message: String,
}

fn fail(status: Status, message: impl Into<String>) -> Failure {
    Failure {
        status,
        message: message.into(),
    }
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Failure {
        match e {
            FetchError::Network(m) => fail(Status::Offline, m),
            FetchError::Bad(m) => fail(Status::Rejected, m),
            FetchError::Local(m) => fail(Status::Error, m),
        }
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Failure {
        fail(Status::Error, e.to_string())
    }
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs one sync and records its result in the database (best effort).
pub fn run_once(opts: &Options) -> Report {
    match Fetcher::new(opts.timeouts) {
        Ok(f) => run_once_with(opts, &f),
        Err(e) => Report {
            status: Status::Error,
            version: None,
            bytes_downloaded: 0,
            error: Some(e),
            apply_seconds: 0.0,
            phases: Phases::default(),
        },
    }
}

/// [`run_once`] with a given fetcher, whose counters (bytes, requests) the caller can read
/// afterwards (the benchmark).
pub fn run_once_with(opts: &Options, fetcher: &Fetcher) -> Report {
    let fetcher = fetcher.clone();
    let start_bytes = fetcher.bytes.load(Ordering::Relaxed);
    let mut phases = Phases::default();
    let result = run_locked(opts, &fetcher, &mut phases);
    let bytes = fetcher.bytes.load(Ordering::Relaxed) - start_bytes;
    let store = Store::open_any(&opts.data_dir.join(DB_FILE)).ok();
    let version = store
        .as_ref()
        .and_then(|s| s.meta(keys::VERSION).ok().flatten())
        .and_then(|v| v.parse().ok());
    let (status, error) = match result {
        Ok(s) => (s, None),
        Err(f) => (f.status, Some(f.message)),
    };
    if let Some(s) = &store {
        let mut meta = vec![
            (keys::LAST_SYNC, now_rfc3339()),
            (keys::LAST_STATUS, status.as_str().to_string()),
            (keys::LAST_ERROR, error.clone().unwrap_or_default()),
        ];
        if matches!(status, Status::Updated | Status::UpToDate) {
            meta.push((keys::LAST_OK, now_rfc3339()));
        }
        if let Err(e) = s.set_meta(&meta) {
            log::warn!("无法记录同步结果：{e}");
        }
    }
    Report {
        status,
        version,
        bytes_downloaded: bytes,
        error,
        apply_seconds: phases.unpack + phases.apply,
        phases,
    }
}

fn run_locked(opts: &Options, fetcher: &Fetcher, phases: &mut Phases) -> Result<Status, Failure> {
    std::fs::create_dir_all(&opts.data_dir).map_err(|e| {
        fail(
            Status::Error,
            format!("无法创建数据目录 {}：{e}", opts.data_dir.display()),
        )
    })?;
    let lock_path = opts.data_dir.join(LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            fail(
                Status::Error,
                format!("无法创建 {}：{e}", lock_path.display()),
            )
        })?;
    if lock.try_lock().is_err() {
        return Err(fail(Status::Error, "另一个同步正在进行，请稍后再试。"));
    }
    let applied = Store::open_any(&opts.data_dir.join(DB_FILE))
        .ok()
        .and_then(|s| s.meta("content_digest").ok().flatten());
    clean_locked(&opts.data_dir, applied.as_deref());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(Status::Error, format!("无法启动异步运行时：{e}")))?;
    let out = rt.block_on(async {
        match tokio::time::timeout(opts.deadline, run(opts, fetcher, phases)).await {
            Ok(r) => r,
            Err(_) => Err(fail(
                Status::Offline,
                format!("同步超过 {} 秒仍未完成（网络太慢或服务器不回应），已停止；下次同步会接着下载。", opts.deadline.as_secs()),
            )),
        }
    });
    drop(lock);
    out
}

/// Maps a tough error to a status. Network trouble seen by our transport means offline.
fn classify(e: tough::error::Error, fetcher: &Fetcher) -> Failure {
    use tough::error::Error as E;
    let text = e.to_string();
    match e {
        E::ExpiredMetadata { role, .. } => fail(
            Status::Expired,
            format!("服务器上的签名信息（{role}）已过期：继续显示现有内容。请县里重新签名发布（banshi publish --refresh）。"),
        ),
        _ if fetcher.network_failed() => fail(Status::Offline, format!("连不上服务器或网络中断，现有内容照常使用：{text}")),
        E::Transport { source, .. } if source.kind() == tough::TransportErrorKind::FileNotFound => {
            fail(Status::Rejected, format!("服务器上缺少文件：{text}。请检查服务器地址是否指向内容仓库。"))
        }
        _ => fail(Status::Rejected, format!("内容校验失败，已拒绝，继续使用现有内容：{text}")),
    }
}

fn parse_root(bytes: &[u8]) -> Option<Signed<Root>> {
    serde_json::from_slice(bytes).ok()
}

async fn run(opts: &Options, fetcher: &Fetcher, phases: &mut Phases) -> Result<Status, Failure> {
    let started = Instant::now();
    let db_path = opts.data_dir.join(DB_FILE);
    let mut store = Store::open_any(&db_path)?;
    let stored = |k: &str| store.meta(k).ok().flatten();

    // Trust: the newer of the configured anchor and the root already trusted.
    let anchor = opts
        .trust
        .as_deref()
        .and_then(|b| parse_root(b).map(|r| (r, b.to_vec())));
    if opts.trust.is_some() && anchor.is_none() {
        return Err(fail(
            Status::Error,
            "信任根文件（root.json）无法读取：请向县里重新索取 root.json。",
        ));
    }
    let kept =
        stored(keys::ROOT).and_then(|s| parse_root(s.as_bytes()).map(|r| (r, s.into_bytes())));
    let root_bytes = match (anchor, kept) {
        (Some((a, ab)), Some((k, kb))) => {
            if k.signed.version > a.signed.version {
                kb
            } else {
                ab
            }
        }
        (Some((_, b)), None) | (None, Some((_, b))) => b,
        (None, None) => {
            return Err(fail(
                Status::Error,
                "没有配置信任根（root.json）：请在配置文件写 trust_root，或用 --trust 指定。",
            ))
        }
    };

    // A fresh tough datastore, seeded with the metadata of the version in use (rollback checks).
    let datastore = tempfile::Builder::new()
        .prefix(DATASTORE_PREFIX)
        .tempdir_in(&opts.data_dir)
        .map_err(|e| {
            fail(
                Status::Error,
                format!(
                    "无法在 {} 建临时目录：{e}（磁盘满了？）",
                    opts.data_dir.display()
                ),
            )
        })?;
    for (key, file) in [
        (keys::TIMESTAMP, "timestamp.json"),
        (keys::SNAPSHOT, "snapshot.json"),
        (keys::TARGETS, "targets.json"),
    ] {
        if let Some(v) = stored(key) {
            std::fs::write(datastore.path().join(file), v)
                .map_err(|e| fail(Status::Error, format!("无法写临时文件：{e}")))?;
        }
    }
    let base = opts.source.base().map_err(|m| fail(Status::Error, m))?;
    let metadata_url = base
        .join("metadata/")
        .map_err(|e| fail(Status::Error, e.to_string()))?;
    let targets_url = base
        .join("targets/")
        .map_err(|e| fail(Status::Error, e.to_string()))?;
    let limits = Limits {
        max_root_size: 256 * 1024,
        max_targets_size: 1024 * 1024,
        max_timestamp_size: 64 * 1024,
        max_snapshot_size: 256 * 1024,
        max_root_updates: 64,
    };
    let repo = RepositoryLoader::new(&root_bytes, metadata_url, targets_url)
        .transport(fetcher.clone())
        .limits(limits)
        .datastore(datastore.path())
        .expiration_enforcement(ExpirationEnforcement::Safe)
        .load()
        .await
        .map_err(|e| classify(e, fetcher))?;

    let version = repo.targets().signed.version.get();
    let applied: Option<u64> = stored(keys::VERSION).and_then(|v| v.parse().ok());
    if let Some(applied) = applied {
        if version < applied {
            return Err(fail(
                Status::Rejected,
                format!(
                    "服务器给出的版本 {version} 比本机已有的版本 {applied} 旧（回滚），已拒绝。"
                ),
            ));
        }
    }
    let expires = [
        repo.root().signed.expires,
        repo.timestamp().signed.expires,
        repo.snapshot().signed.expires,
        repo.targets().signed.expires,
    ]
    .into_iter()
    .min()
    .unwrap();
    let sync_meta = vec![
        (keys::ROOT, to_json(repo.root())),
        (keys::TIMESTAMP, to_json(repo.timestamp())),
        (keys::SNAPSHOT, to_json(repo.snapshot())),
        (keys::TARGETS, to_json(repo.targets())),
        (keys::VERSION, version.to_string()),
        (keys::EXPIRES, expires.to_string()),
    ];

    let name = TargetName::new(crate::publish::MANIFEST)
        .map_err(|e| fail(Status::Rejected, e.to_string()))?;
    let stream = repo
        .read_target(&name)
        .await
        .map_err(|e| classify(e, fetcher))?
        .ok_or_else(|| fail(Status::Rejected, "签名的目标清单里没有 manifest.json"))?;
    let manifest_bytes = stream.into_vec().await.map_err(|e| classify(e, fetcher))?;
    let manifest =
        pack::parse_manifest(&manifest_bytes).map_err(|e| fail(Status::Rejected, e.to_string()))?;
    if let Some(region) = &opts.region {
        if manifest.region.get(..6) != region.get(..6) {
            return Err(fail(
                Status::Rejected,
                format!(
                    "这个内容仓库属于区划 {}，不是本机所在的 {region}：请检查服务器地址。",
                    manifest.region
                ),
            ));
        }
    }

    if stored("content_digest").as_deref() == Some(manifest.digest.as_str()) && applied.is_some() {
        // Same content (perhaps re-signed with a later expiry): keep it, trust the new metadata.
        store.set_meta(
            &sync_meta
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect::<Vec<_>>(),
        )?;
        // Whatever is staged belongs to this version or an abandoned one: never needed again.
        let _ = std::fs::remove_dir_all(opts.data_dir.join(STAGING_DIR));
        return Ok(Status::UpToDate);
    }

    let staging = opts.data_dir.join(STAGING_DIR);
    std::fs::create_dir_all(&staging).map_err(|e| {
        fail(
            Status::Error,
            format!("无法创建 {}：{e}", staging.display()),
        )
    })?;
    // Which version these downloads are for: after a cut between the commit and the clean-up,
    // start-up sees that it was applied and removes the folder.
    std::fs::write(staging.join(STAGING_FOR), &manifest.digest).map_err(|e| {
        fail(
            Status::Error,
            format!("无法写入 {}：{e}（磁盘满了？）", staging.display()),
        )
    })?;
    phases.metadata = started.elapsed().as_secs_f64();
    // Format 3: the dictionary first (every other object needs it to be read).
    let started = Instant::now();
    let dictionary = load_dictionary(&store, fetcher, &base, &staging, &manifest).await?;
    phases.dictionary = started.elapsed().as_secs_f64();
    let old = stored("manifest").and_then(|m| pack::parse_manifest(m.as_bytes()).ok());
    if let (Some(old), Some(_)) = (old, applied) {
        if old.base.hash == manifest.base.hash && old.dictionary == manifest.dictionary {
            let started = Instant::now();
            let applied = incremental(
                &mut store,
                fetcher,
                &base,
                &staging,
                (&manifest, &manifest_bytes, dictionary.as_ref()),
                &old,
                &sync_meta,
            )
            .await?;
            if applied {
                phases.apply = started.elapsed().as_secs_f64();
                let started = Instant::now();
                let _ = std::fs::remove_dir_all(&staging);
                phases.clean = started.elapsed().as_secs_f64();
                return Ok(Status::Updated);
            }
        }
    }
    let started = Instant::now();
    let mut objects = collect(
        &store,
        fetcher,
        &base,
        &staging,
        &manifest,
        dictionary.as_deref(),
        &mut phases.stage_wait,
    )
    .await?;
    phases.objects = started.elapsed().as_secs_f64();
    if let Some(d) = &dictionary {
        objects.insert(d.object.hash.clone(), d.body.clone());
    }

    let started = Instant::now();
    let content = pack::unpack(&manifest, |r| {
        objects
            .get(&r.hash)
            .cloned()
            .ok_or_else(|| pack::PackError::Missing(r.hash.clone()))
    })
    .map_err(|e| fail(Status::Rejected, e.to_string()))?;
    phases.unpack = started.elapsed().as_secs_f64();
    let packed = Packed {
        manifest,
        manifest_bytes,
        objects,
        dictionary,
    };
    let started = Instant::now();
    store.apply(&content, &packed, &sync_meta)?;
    phases.apply = started.elapsed().as_secs_f64();
    // Committed: the downloads are in the database now.
    let started = Instant::now();
    let _ = std::fs::remove_dir_all(&staging);
    phases.clean = started.elapsed().as_secs_f64();
    Ok(Status::Updated)
}

/// The dictionary `manifest` names (format 3), from the database when this kiosk has it, else
/// downloaded on its own into the downloads folder (checked against its hash before it is
/// read, like every object).
async fn load_dictionary(
    store: &Store,
    fetcher: &Fetcher,
    base: &url::Url,
    staging: &Path,
    manifest: &Manifest,
) -> Result<Option<Arc<Dictionary>>, Failure> {
    let Some(r) = &manifest.dictionary else {
        return Ok(None);
    };
    let mut out = BTreeMap::new();
    match store.object(&r.hash)? {
        Some(body) if body.len() as u64 == r.length => {
            out.insert(r.hash.clone(), body);
        }
        _ => fetch_objects(fetcher, base, staging, std::slice::from_ref(r), 1, &mut out).await?,
    }
    let d = Dictionary::from_object(&out[&r.hash])
        .map_err(|e| fail(Status::Rejected, e.to_string()))?;
    Ok(Some(Arc::new(d)))
}

/// The new version: its manifest, the manifest's bytes and its dictionary.
type NewVersion<'a> = (&'a Manifest, &'a [u8], Option<&'a Arc<Dictionary>>);

/// Applies a version whose base and dictionary are unchanged by writing only the documents
/// that changed. Returns false (nothing done) when so much changed that a full replace is
/// cheaper, or when the old version's objects are not all in the database.
async fn incremental(
    store: &mut Store,
    fetcher: &Fetcher,
    base: &url::Url,
    staging: &Path,
    (manifest, manifest_bytes, dictionary): NewVersion<'_>,
    old: &Manifest,
    sync_meta: &[(&str, String)],
) -> Result<bool, Failure> {
    let rejected = |e: pack::PackError| fail(Status::Rejected, e.to_string());
    let dict = dictionary.map(|d| &**d);
    let mut old_set: HashSet<String> = HashSet::new();
    old_set.insert(old.base.hash.clone());
    old_set.extend(old.dictionary.iter().map(|d| d.hash.clone()));
    let mut old_entries = std::collections::HashMap::new();
    for b in &old.buckets {
        old_set.insert(b.hash.clone());
        let Some(body) = store.object(&b.hash)? else {
            return Ok(false);
        };
        let Ok(bucket) = pack::parse_bucket_with(&body, dict) else {
            return Ok(false);
        };
        for e in bucket.entries {
            old_set.insert(e.object.hash.clone());
            old_entries.insert(e.key, e.object.hash);
        }
    }
    let Some(base_body) = store.object(&manifest.base.hash)? else {
        return Ok(false);
    };
    let base_obj = pack::parse_base_with(&base_body, dict).map_err(rejected)?;

    let mut objects = BTreeMap::new();
    fetch_all(
        store,
        fetcher,
        base,
        staging,
        &manifest.buckets,
        &mut objects,
        None,
    )
    .await?;
    let mut entries = Vec::new();
    for b in &manifest.buckets {
        entries.extend(
            pack::parse_bucket_with(&objects[&b.hash], dict)
                .map_err(rejected)?
                .entries,
        );
    }
    if pack::digest(&manifest.base.hash, &entries) != manifest.digest {
        return Err(fail(Status::Rejected, "内容摘要与清单不一致，已拒绝"));
    }
    let new_keys: HashSet<&str> = entries.iter().map(|e| e.key.as_str()).collect();
    let changed: Vec<&pack::Entry> = entries
        .iter()
        .filter(|e| old_entries.get(&e.key) != Some(&e.object.hash))
        .collect();
    let removed: Vec<&String> = old_entries
        .keys()
        .filter(|k| !new_keys.contains(k.as_str()))
        .collect();
    if changed.len() + removed.len() > (entries.len() / 10).max(64) {
        return Ok(false);
    }
    let refs: Vec<ObjectRef> = changed.iter().map(|e| e.object.clone()).collect();
    let wanted: HashSet<String> = refs
        .iter()
        .chain(manifest.buckets.iter())
        .chain(manifest.dictionary.iter())
        .map(|r| r.hash.clone())
        .collect();
    prune_staging(staging, &wanted);
    fetch_all(
        store,
        fetcher,
        base,
        staging,
        &refs,
        &mut objects,
        Some(&free_check_for(manifest)),
    )
    .await?;

    let mut docs = Vec::new();
    for e in &changed {
        docs.push(
            pack::parse_document_with(&e.key, &objects[&e.object.hash], dict).map_err(rejected)?,
        );
    }
    let mut new_set: HashSet<String> = entries.iter().map(|e| e.object.hash.clone()).collect();
    new_set.insert(manifest.base.hash.clone());
    new_set.extend(manifest.buckets.iter().map(|b| b.hash.clone()));
    new_set.extend(manifest.dictionary.iter().map(|d| d.hash.clone()));
    let mut changes = crate::store::import::Changes {
        items: Vec::new(),
        notices: Vec::new(),
        removed_items: Vec::new(),
        removed_notices: Vec::new(),
        stale_objects: old_set.difference(&new_set).cloned().collect(),
        new_objects: new_set.difference(&old_set).cloned().collect(),
    };
    for d in &docs {
        match d {
            pack::Document::Item(i) => changes.items.push(i),
            pack::Document::Notice(n) => changes.notices.push(n),
        }
    }
    for k in removed {
        if let Some(id) = k.strip_prefix("item:") {
            changes.removed_items.push(id.to_string());
        } else if let Some(id) = k.strip_prefix("notice:") {
            changes.removed_notices.push(id.to_string());
        }
    }
    let packed = Packed {
        manifest: manifest.clone(),
        manifest_bytes: manifest_bytes.to_vec(),
        objects,
        dictionary: dictionary.cloned(),
    };
    store.apply_changes(&base_obj.county, &packed, &changes, sync_meta)?;
    Ok(true)
}

/// Every object of `manifest`, from the database when this kiosk already has it, else
/// downloaded (checked). Staged files not needed by this manifest are deleted first, so failed
/// syncs never pile up.
async fn collect(
    store: &Store,
    fetcher: &Fetcher,
    base: &url::Url,
    staging: &Path,
    manifest: &Manifest,
    dict: Option<&Dictionary>,
    stage_wait: &mut f64,
) -> Result<BTreeMap<String, Vec<u8>>, Failure> {
    // Over the network, packs (a few requests); from a folder, where a request costs nothing,
    // the objects themselves.
    if !manifest.packs.is_empty() && base.scheme() != "file" {
        return packs::collect(
            store,
            fetcher,
            base,
            staging,
            manifest,
            dict,
            |wanted| prune_staging(staging, wanted),
            &free_check_for(manifest),
            stage_wait,
        )
        .await;
    }
    let mut objects = BTreeMap::new();
    let mut top = vec![manifest.base.clone()];
    top.extend(manifest.buckets.iter().cloned());
    fetch_all(store, fetcher, base, staging, &top, &mut objects, None).await?;
    let mut docs = Vec::new();
    for b in &manifest.buckets {
        let bucket = pack::parse_bucket_with(&objects[&b.hash], dict)
            .map_err(|e| fail(Status::Rejected, e.to_string()))?;
        docs.extend(bucket.entries.into_iter().map(|e| e.object));
    }
    let wanted: HashSet<String> = top
        .iter()
        .chain(docs.iter())
        .chain(manifest.dictionary.iter())
        .map(|r| r.hash.clone())
        .collect();
    prune_staging(staging, &wanted);
    fetch_all(
        store,
        fetcher,
        base,
        staging,
        &docs,
        &mut objects,
        Some(&free_check_for(manifest)),
    )
    .await?;
    Ok(objects)
}

/// Deletes staged downloads that are not among `wanted` (by hash; a pack's range files by the
/// pack's hash), so failed syncs of other versions never pile up.
fn prune_staging(staging: &Path, wanted: &HashSet<String>) {
    if let Ok(dir) = std::fs::read_dir(staging) {
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let hash = packs::range_file_of(&name)
                .map(|(pack, _)| pack)
                .or_else(|| name.strip_suffix(".part"))
                .unwrap_or(&name);
            if name != STAGING_FOR && !wanted.contains(hash) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

type FreeCheck = dyn Fn(&Path, u64) -> Result<(), Failure>;

/// How much larger content is than its compressed objects (format 2), for the free-space
/// check: the database holds the content tables at full size. zstd gets 2–4× on guides.
const COMPRESSED_EXPANSION: u64 = 4;
/// The same with the county's dictionary (format 3): 7.4× on the generated 10,000-guide county
/// (48.5 MB of JSON in 6.5 MB of objects).
const DICTIONARY_EXPANSION: u64 = 8;

/// The free-space check for downloading objects of `manifest`: compressed objects (format 2)
/// count at the size they will have in the content tables.
fn free_check_for(manifest: &Manifest) -> impl Fn(&Path, u64) -> Result<(), Failure> {
    let expand = if manifest.dictionary.is_some() {
        DICTIONARY_EXPANSION
    } else if manifest.format >= 2 {
        COMPRESSED_EXPANSION
    } else {
        1
    };
    move |dir: &Path, need: u64| check_free_space(dir, need.saturating_mul(expand))
}

/// Refuses to start downloading `need` bytes unless the disk has room for them three times
/// over (downloads, the objects in the database, the content tables) plus 16 MB.
fn check_free_space(dir: &Path, need: u64) -> Result<(), Failure> {
    let want = need.saturating_mul(3) + 16 * 1024 * 1024;
    let free = match rustix::fs::statvfs(dir) {
        Ok(s) => s.f_bavail.saturating_mul(s.f_frsize),
        Err(_) => return Ok(()),
    };
    if free < want {
        return Err(fail(
            Status::Error,
            format!(
                "磁盘空间不足：这次更新需要约 {} MB，{} 只剩 {} MB。请清理磁盘后再同步；现有内容不受影响。",
                want / 1_048_576 + 1,
                dir.display(),
                free / 1_048_576
            ),
        ));
    }
    Ok(())
}

async fn fetch_all(
    store: &Store,
    fetcher: &Fetcher,
    base: &url::Url,
    staging: &Path,
    refs: &[ObjectRef],
    out: &mut BTreeMap<String, Vec<u8>>,
    free_check: Option<&FreeCheck>,
) -> Result<(), Failure> {
    let mut missing = Vec::new();
    for r in refs {
        if out.contains_key(&r.hash) {
            continue;
        }
        match store.object(&r.hash)? {
            Some(body) if body.len() as u64 == r.length => {
                out.insert(r.hash.clone(), body);
            }
            _ => missing.push(r.clone()),
        }
    }
    missing.sort_by(|a, b| a.hash.cmp(&b.hash));
    missing.dedup_by(|a, b| a.hash == b.hash);
    if let Some(check) = free_check {
        check(staging, missing.iter().map(|r| r.length).sum())?;
    }
    fetch_objects(fetcher, base, staging, &missing, PARALLEL, out).await?;
    if !missing.is_empty() {
        // Every staged file and its rename on disk at once: one syncfs costs what one fsync
        // does, where a sync per object cost a disk flush each (minutes for a large county on
        // a slow SD card). Best effort: a file lost to a power cut fails its hash check on the
        // next sync and is fetched again.
        if let Ok(dir) = std::fs::File::open(staging) {
            let _ = rustix::fs::syncfs(&dir);
        }
    }
    Ok(())
}

/// Fetches `refs` one object a request (`parallel` at a time) into `staging`, each checked
/// against its hash, and reads them into `out`. Loose objects of format 1 and a folder, and the
/// partly downloaded objects a pack sync resumes on their own.
async fn fetch_objects(
    fetcher: &Fetcher,
    base: &url::Url,
    staging: &Path,
    refs: &[ObjectRef],
    parallel: usize,
    out: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), Failure> {
    let mut downloads = futures::stream::iter(refs)
        .map(|r| async move { fetcher.object(base, staging, r).await.map(|p| (r, p)) })
        .buffer_unordered(parallel);
    while let Some(res) = downloads.next().await {
        let (r, path) = res?;
        let body = std::fs::read(&path)
            .map_err(|e| fail(Status::Error, format!("无法读取 {}：{e}", path.display())))?;
        out.insert(r.hash.clone(), body);
    }
    Ok(())
}

/// Signed metadata back to JSON, for keeping it in the database.
fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("signed metadata serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_that_does_not_fit_is_refused_before_it_starts() {
        let dir = tempfile::tempdir().unwrap();
        let e = check_free_space(dir.path(), u64::MAX / 8).unwrap_err();
        assert_eq!(e.status, Status::Error);
        assert!(
            e.message.contains("磁盘空间不足") && e.message.contains("MB"),
            "{}",
            e.message
        );
        assert!(check_free_space(dir.path(), 1024).is_ok());
    }

    #[test]
    fn statuses_round_trip_and_exit_codes() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!(!Status::Expired.is_failure() && !Status::UpToDate.is_failure());
        assert!(Status::Rejected.is_failure() && Status::Offline.is_failure());
    }
}

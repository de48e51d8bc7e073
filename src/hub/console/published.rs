//! What the console reads of the published repository the hub serves (`--repo`): its versions
//! with their dates, the metadata expiry, the newest content version and what changed between
//! two versions (guides and departments: `departments::refresh`). The repository is the county's own
//! folder on the hub host, written by `banshi publish`; it is read again only when
//! `timestamp.json` changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::Context;

use crate::pack::{self, Document, Manifest};
use crate::publish::{self, MANIFEST, METADATA_DIR, TARGETS_DIR};

/// One published version (a `N.targets.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub number: u64,
    /// When it was published (the metadata file's time, unix seconds).
    pub published: i64,
    pub manifest: PathBuf,
}

#[derive(Debug, Clone, Default)]
pub struct Published {
    /// Oldest first; the last is the newest.
    pub versions: Vec<Version>,
    /// The newest `timestamp.json`'s expiry (unix seconds): every kiosk stops updating then.
    pub expires: Option<i64>,
    /// The county's own content version (`county.toml`), as kiosks report it.
    pub content_version: Option<i64>,
}

/// The last reading, keyed by `timestamp.json`'s modification time and length.
#[derive(Default)]
pub struct Cache {
    seen: Option<(SystemTime, u64)>,
    value: Option<Arc<Published>>,
}

impl Cache {
    /// The repository as published now (read again after a publish); `None` when it cannot be
    /// read (logged once per change).
    pub fn get(&mut self, repo: &Path) -> Option<Arc<Published>> {
        self.get_changed(repo).0
    }

    /// [`Cache::get`], and whether it was read again just now.
    pub fn get_changed(&mut self, repo: &Path) -> (Option<Arc<Published>>, bool) {
        let key = std::fs::metadata(repo.join(METADATA_DIR).join("timestamp.json"))
            .ok()
            .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
        let changed = key != self.seen || (self.value.is_none() && key.is_some());
        if changed {
            self.seen = key;
            self.value = match read(repo) {
                Ok(p) => Some(Arc::new(p)),
                Err(e) => {
                    log::warn!("读不了发布仓库 {}：{e:#}", repo.display());
                    None
                }
            };
        }
        (self.value.clone(), changed)
    }
}

fn json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let b = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    serde_json::from_slice(&b).with_context(|| format!("{} 已损坏", path.display()))
}

fn secs(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Every published version, oldest first.
pub fn versions(repo: &Path) -> anyhow::Result<Vec<Version>> {
    let meta = repo.join(METADATA_DIR);
    let mut out = Vec::new();
    for e in std::fs::read_dir(&meta).with_context(|| format!("无法读取 {}", meta.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(n) = name
            .strip_suffix(".targets.json")
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        let t = json(&e.path())?;
        let hash = t["signed"]["targets"][MANIFEST]["hashes"]["sha256"]
            .as_str()
            .with_context(|| format!("{name} 里没有 {MANIFEST}"))?
            .to_string();
        out.push(Version {
            number: n,
            published: secs(e.metadata()?.modified()?),
            manifest: repo.join(TARGETS_DIR).join(format!("{hash}.{MANIFEST}")),
        });
    }
    out.sort_by_key(|v| v.number);
    Ok(out)
}

fn object(repo: &Path, r: &pack::ObjectRef) -> anyhow::Result<Vec<u8>> {
    let path = publish::object_path(repo, &r.hash);
    std::fs::read(&path).with_context(|| format!("仓库缺少对象 {}", path.display()))
}

pub fn manifest(path: &Path) -> anyhow::Result<Manifest> {
    let b = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    Ok(pack::parse_manifest(&b)?)
}

/// Document key (`item:ID`, `notice:ID`) → object hash, from a manifest's buckets.
fn entries(repo: &Path, m: &Manifest) -> anyhow::Result<BTreeMap<String, pack::ObjectRef>> {
    let mut out = BTreeMap::new();
    for b in &m.buckets {
        for e in pack::parse_bucket(&object(repo, b)?)?.entries {
            out.insert(e.key, e.object);
        }
    }
    Ok(out)
}

fn title(repo: &Path, key: &str, r: &pack::ObjectRef) -> anyhow::Result<String> {
    Ok(match pack::parse_document(key, &object(repo, r)?)? {
        Document::Item(i) => i.name,
        Document::Notice(n) => format!("公告：{}", n.title),
    })
}

pub fn read(repo: &Path) -> anyhow::Result<Published> {
    let versions = versions(repo)?;
    let ts = json(&repo.join(METADATA_DIR).join("timestamp.json"))?;
    let expires = ts["signed"]["expires"]
        .as_str()
        .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
        .map(|t| t.timestamp());
    let mut p = Published {
        expires,
        ..Published::default()
    };
    // The newest version is the one timestamp.json names (through its snapshot).
    let snap_v = ts["signed"]["meta"]["snapshot.json"]["version"].as_u64();
    let targets_v = snap_v
        .map(|v| json(&repo.join(METADATA_DIR).join(format!("{v}.snapshot.json"))))
        .transpose()?
        .and_then(|s| s["signed"]["meta"]["targets.json"]["version"].as_u64());
    if let Some(newest) = versions.iter().find(|v| Some(v.number) == targets_v) {
        let m = manifest(&newest.manifest)?;
        let base = pack::parse_base(&object(repo, &m.base)?)?;
        p.content_version = Some(base.county.content_version);
    }
    p.versions = versions;
    Ok(p)
}

/// What changed from one version to another, by title.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    /// Whether the county-wide part (departments, windows, categories, phones) changed.
    pub base_changed: bool,
}

/// At most this many titles per list (the counts are exact).
pub const DIFF_SHOWN: usize = 300;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiffCounts {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
}

pub fn diff(repo: &Path, from: &Version, to: &Version) -> anyhow::Result<(Diff, DiffCounts)> {
    let (a, b) = (manifest(&from.manifest)?, manifest(&to.manifest)?);
    let (ea, eb) = (entries(repo, &a)?, entries(repo, &b)?);
    let mut d = Diff {
        base_changed: a.base.hash != b.base.hash,
        ..Diff::default()
    };
    let mut c = DiffCounts::default();
    let push = |list: &mut Vec<String>, n: &mut usize, key: &str, r| -> anyhow::Result<()> {
        *n += 1;
        if list.len() < DIFF_SHOWN {
            list.push(title(repo, key, r)?);
        }
        Ok(())
    };
    for (key, r) in &eb {
        match ea.get(key) {
            None => push(&mut d.added, &mut c.added, key, r)?,
            Some(old) if old.hash != r.hash => push(&mut d.changed, &mut c.changed, key, r)?,
            Some(_) => {}
        }
    }
    for (key, r) in &ea {
        if !eb.contains_key(key) {
            push(&mut d.removed, &mut c.removed, key, r)?;
        }
    }
    Ok((d, c))
}

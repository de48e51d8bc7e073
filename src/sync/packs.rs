//! Objects from packs (format 2, see `pack`) over HTTP: a few byte-range requests of
//! `packs/HASH` instead of one request per object.
//!
//! - The kiosk knows every object's length from the signed tree (manifest → buckets), so a
//!   range of a pack splits into whole objects, and each is checked against its own hash
//!   before it is kept. Nothing in a pack is trusted as such: a pack is only a way to ask for
//!   many objects at once.
//! - First the buckets (the front of each pack), then the documents: the kiosk asks only for the
//!   runs of objects it has neither in its database nor among its downloads; a run of objects
//!   it has is bridged when it is short (one more request would cost more on a village line).
//! - Each object is queued, as soon as it is checked, for its range's file
//!   `DATA/sync/range-PACK-START` (a writer thread appends it), and the sync waits for those
//!   writes before it goes on, so an interrupted first sync resumes with the objects still
//!   missing (each object in those files checked again against the signed tree); an object cut
//!   in the middle is kept as `HASH.part` and resumed on its own with `Range` (see
//!   `Fetcher::object`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use futures::StreamExt;
use url::Url;

use super::fetch::{file_matches, FetchError, Fetcher};
use super::{fail, Failure, FreeCheck, Status};
use crate::pack::{self, Manifest, ObjectRef};
use crate::store::Store;

/// Objects the kiosk already has are downloaded again rather than split into two requests
/// when they are at most this long together.
const BRIDGE: u64 = 8 * 1024;
/// Simultaneous range requests.
const PARALLEL_RANGES: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Have {
    Yes,
    No,
    /// Part of it is downloaded: resumed on its own.
    Partial,
}

/// One request: bytes `start..start+len` of a pack and the objects they hold, in order (those
/// the kiosk wants, and short runs of others it already has).
#[derive(Debug, Clone)]
pub struct Span {
    pub pack: String,
    pub start: u64,
    pub objects: Vec<(ObjectRef, bool)>,
}

impl Span {
    pub fn bytes(&self) -> u64 {
        self.objects.iter().map(|(r, _)| r.length).sum()
    }
}

/// The requests for the objects of `seq` (a pack's objects from its start, in order) that are
/// `Have::No`; objects that are `Have::Partial` are returned apart (resumed on their own).
pub fn plan(
    pack: &str,
    seq: &[ObjectRef],
    have: impl Fn(&ObjectRef) -> Have,
) -> (Vec<Span>, Vec<ObjectRef>) {
    let mut spans = Vec::new();
    let mut partial = Vec::new();
    let mut current: Option<Span> = None;
    let mut gap: Vec<ObjectRef> = Vec::new();
    let mut offset = 0;
    for r in seq {
        match have(r) {
            Have::No => {
                let gap_len: u64 = gap.iter().map(|g| g.length).sum();
                match current.as_mut() {
                    Some(span) if gap_len <= BRIDGE => {
                        span.objects.extend(gap.drain(..).map(|g| (g, false)));
                        span.objects.push((r.clone(), true));
                    }
                    _ => {
                        spans.extend(current.take());
                        current = Some(Span {
                            pack: pack.to_string(),
                            start: offset,
                            objects: vec![(r.clone(), true)],
                        });
                    }
                }
                gap.clear();
            }
            Have::Yes => {
                if current.is_some() {
                    gap.push(r.clone());
                }
            }
            Have::Partial => {
                spans.extend(current.take());
                gap.clear();
                partial.push(r.clone());
            }
        }
        offset += r.length;
    }
    spans.extend(current);
    (spans, partial)
}

/// Prefix of a downloads file holding a range of a pack: `range-PACKHASH-START`, the checked
/// objects of pack `PACKHASH` from byte `START` on, whole and in the pack's order.
pub(super) const RANGE_PREFIX: &str = "range-";

fn range_file(staging: &Path, pack: &str, start: u64) -> PathBuf {
    staging.join(format!("{RANGE_PREFIX}{pack}-{start}"))
}

/// The pack hash and start a downloads file name `range-PACKHASH-START` names.
pub(super) fn range_file_of(name: &str) -> Option<(&str, u64)> {
    let rest = name.strip_prefix(RANGE_PREFIX)?;
    let (pack, start) = rest.rsplit_once('-')?;
    start.parse::<u64>().ok().map(|start| (pack, start))
}

enum Stage {
    /// Append a checked object to a range's file (created, empty, by its first object).
    Append(PathBuf, Vec<u8>),
    /// The range ended: its file is closed.
    Close(PathBuf),
}

/// Writes checked objects into the downloads folder on a thread of its own, so the download
/// never waits for the disk, and one file per range, not per object: creating one file per
/// object (11,000 for 10,000 guides) took seconds on a busy ext4 disk and, done between two
/// reads, left the line idle meanwhile (10,000 guides over 8 Mbit/s: 47 s, of which 6.5 s on
/// the line); on a thread of its own the writes kept up, but deleting the 11,000 files after
/// the commit took 14.8 s of a 26.9 s sync on the development VM. A range's file is appended to object by object, each once checked, so what an
/// interrupted sync leaves is a run of whole, checked objects (and perhaps a torn tail after a
/// power cut, which the next sync's check cuts off). A full queue makes the download wait (the
/// disk is the slower one then).
struct Stager {
    tx: Option<std::sync::mpsc::SyncSender<Stage>>,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl Stager {
    fn start() -> Result<Stager, FetchError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Stage>(2048);
        let thread = std::thread::Builder::new()
            .name("sync-stage".into())
            .spawn(move || {
                let failed = |path: &Path, e: std::io::Error| {
                    format!("无法写入 {}：{e}（磁盘满了？）", path.display())
                };
                let mut open: std::collections::HashMap<PathBuf, std::fs::File> =
                    std::collections::HashMap::new();
                for stage in rx {
                    match stage {
                        Stage::Append(path, body) => {
                            if !open.contains_key(&path) {
                                let f =
                                    std::fs::File::create(&path).map_err(|e| failed(&path, e))?;
                                open.insert(path.clone(), f);
                            }
                            let file = open.get_mut(&path).expect("opened above");
                            std::io::Write::write_all(file, &body).map_err(|e| failed(&path, e))?;
                        }
                        Stage::Close(path) => {
                            open.remove(&path);
                        }
                    }
                }
                Ok(())
            })
            .map_err(|e| FetchError::Local(format!("无法启动写入线程：{e}")))?;
        Ok(Stager {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    fn send(&self, stage: Stage) -> Result<(), FetchError> {
        let tx = self.tx.as_ref().expect("not finished");
        tx.send(stage)
            .map_err(|_| FetchError::Local("下载的内容无法写入磁盘（磁盘满了？）".into()))
    }

    /// Waits until every queued object is written; the first write error, if any.
    fn finish(mut self) -> Result<(), FetchError> {
        self.tx = None;
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(Err(m))) => Err(FetchError::Local(m)),
            Some(Err(_)) => Err(FetchError::Local("写入线程意外结束".into())),
            _ => Ok(()),
        }
    }
}

impl Drop for Stager {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads the range files of pack `pack` whose start is an object boundary of `seq` (the pack's
/// objects from its start, in order) and puts every object in them that matches its signed
/// length and hash into `out`. Nothing in them is trusted: a file is read only up to its first
/// object that does not match (a power cut may leave a torn tail).
///
/// `whole`: `seq` is the whole pack (the documents are known): a file that starts at no object
/// of it is deleted, and one that holds a bad or cut object is cut back to the objects before
/// it. Otherwise (`seq` is the front of the pack, its buckets) files are only read.
fn load_ranges(
    staging: &Path,
    pack: &str,
    seq: &[ObjectRef],
    whole: bool,
    out: &mut BTreeMap<String, Vec<u8>>,
) {
    let Ok(dir) = std::fs::read_dir(staging) else {
        return;
    };
    let mut offsets = BTreeMap::new();
    let mut offset = 0u64;
    for (i, r) in seq.iter().enumerate() {
        offsets.insert(offset, i);
        offset += r.length;
    }
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(start) = range_file_of(&name)
            .filter(|(p, _)| *p == pack)
            .map(|(_, start)| start)
        else {
            continue;
        };
        let path = entry.path();
        let Some(&first) = offsets.get(&start) else {
            if whole {
                let _ = std::fs::remove_file(&path);
            }
            continue;
        };
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let mut pos = 0usize;
        for r in &seq[first..] {
            let end = pos + r.length as usize;
            let Some(body) = bytes.get(pos..end) else {
                break;
            };
            if ObjectRef::of(body) != *r {
                break;
            }
            out.entry(r.hash.clone()).or_insert_with(|| body.to_vec());
            pos = end;
        }
        if whole && pos < bytes.len() {
            if pos == 0 {
                let _ = std::fs::remove_file(&path);
            } else if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&path) {
                let _ = f.set_len(pos as u64);
            }
        }
    }
}

/// Splits the bytes of a span into objects as they arrive, checks each, keeps the wanted ones.
struct Splitter<'a> {
    staging: &'a Path,
    stager: &'a Stager,
    /// The span's range file: every checked object of the span, in order.
    file: PathBuf,
    objects: std::vec::IntoIter<(ObjectRef, bool)>,
    current: Option<(ObjectRef, bool)>,
    buf: Vec<u8>,
    out: Vec<(String, Vec<u8>)>,
}

impl Splitter<'_> {
    fn push(&mut self, mut bytes: &[u8]) -> Result<(), FetchError> {
        while !bytes.is_empty() {
            let Some((r, _)) = &self.current else {
                return Err(FetchError::Bad(
                    "服务器发来的内容包比请求的长，已拒绝".into(),
                ));
            };
            let need = r.length as usize - self.buf.len();
            let take = need.min(bytes.len());
            self.buf.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buf.len() == r.length as usize {
                self.finish_object()?;
            }
        }
        Ok(())
    }

    fn finish_object(&mut self) -> Result<(), FetchError> {
        let (r, wanted) = self.current.take().expect("an object in progress");
        let body = std::mem::take(&mut self.buf);
        if ObjectRef::of(&body) != r {
            return Err(FetchError::Bad(format!(
                "内容包里的内容对象 {} 与签名清单不符（可能被篡改），已拒绝",
                &r.hash[..12]
            )));
        }
        // Objects the kiosk had (a short run bridged) are written too: a range file holds
        // the pack's objects without gaps, so its name says where each one is.
        self.stager
            .send(Stage::Append(self.file.clone(), body.clone()))?;
        if wanted {
            self.out.push((r.hash, body));
        }
        self.current = self.objects.next();
        // Objects of length 0 do not exist (every object is a JSON value or a zstd frame).
        Ok(())
    }

    /// After a broken transfer: the wanted object cut in the middle is kept to be resumed.
    fn keep_partial(&mut self) {
        if let Some((r, true)) = &self.current {
            if !self.buf.is_empty() {
                let _ = std::fs::write(self.staging.join(format!("{}.part", r.hash)), &self.buf);
            }
        }
    }
}

async fn fetch_span(
    fetcher: &Fetcher,
    base: &Url,
    staging: &Path,
    stager: &Stager,
    span: &Span,
) -> Result<Vec<(String, Vec<u8>)>, FetchError> {
    let url = base
        .join(&format!("{}/{}", crate::publish::PACKS_DIR, span.pack))
        .map_err(|e| FetchError::Bad(format!("内容包地址不对：{e}")))?;
    let mut objects = span.objects.clone().into_iter();
    let current = objects.next();
    let mut splitter = Splitter {
        staging,
        stager,
        file: range_file(staging, &span.pack, span.start),
        objects,
        current,
        buf: Vec::new(),
        out: Vec::new(),
    };
    let result = fetcher
        .range(url, span.start, span.bytes(), |chunk| splitter.push(chunk))
        .await;
    if result.is_err() {
        splitter.keep_partial();
    }
    stager.send(Stage::Close(splitter.file.clone()))?;
    // What was checked so far is flushed to disk now and then, on a thread of its own: the
    // download never waits for it (a `syncfs` took over a second on a busy disk, between two
    // requests). A power cut costs at most the objects since the last flush: every staged file
    // is checked by hash before use, and a kill does not lose them at all.
    flush_staging_now_and_then(staging);
    result?;
    if splitter.current.is_some() {
        return Err(FetchError::Network("内容包传输中断".into()));
    }
    Ok(splitter.out)
}

/// At most one flush of the downloads folder's file system every few seconds, in the background.
fn flush_staging_now_and_then(staging: &Path) {
    use std::sync::Mutex;
    static LAST: Mutex<Option<std::time::Instant>> = Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if last.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(5)) {
        return;
    }
    *last = Some(std::time::Instant::now());
    if let Ok(dir) = std::fs::File::open(staging) {
        let _ = std::thread::Builder::new()
            .name("sync-flush".into())
            .spawn(move || rustix::fs::syncfs(&dir));
    }
}

/// What the kiosk has of `r`: loaded into `out` when it is in the database or downloaded.
fn have(
    store: &Store,
    staging: &Path,
    r: &ObjectRef,
    out: &mut BTreeMap<String, Vec<u8>>,
) -> Result<Have, Failure> {
    if out.contains_key(&r.hash) {
        return Ok(Have::Yes);
    }
    if let Some(body) = store.object(&r.hash)? {
        if body.len() as u64 == r.length {
            out.insert(r.hash.clone(), body);
            return Ok(Have::Yes);
        }
    }
    let done = staging.join(&r.hash);
    if done.exists() {
        if file_matches(&done, r) {
            let body = std::fs::read(&done)
                .map_err(|e| fail(Status::Error, format!("无法读取 {}：{e}", done.display())))?;
            out.insert(r.hash.clone(), body);
            return Ok(Have::Yes);
        }
        let _ = std::fs::remove_file(&done);
    }
    if staging.join(format!("{}.part", r.hash)).exists() {
        return Ok(Have::Partial);
    }
    Ok(Have::No)
}

/// Fetches what `plan` asks for: the spans (a few at a time) and the partial objects.
async fn fetch_planned(
    fetcher: &Fetcher,
    base: &Url,
    staging: &Path,
    spans: Vec<Span>,
    partial: Vec<ObjectRef>,
    out: &mut BTreeMap<String, Vec<u8>>,
    stage_wait: &mut f64,
) -> Result<(), Failure> {
    let failed = std::sync::atomic::AtomicBool::new(false);
    let failed = &failed;
    let writer = Stager::start()?;
    let stager = &writer;
    let mut ranges = futures::stream::iter(spans.iter())
        .map(|s| async move {
            if failed.load(std::sync::atomic::Ordering::Relaxed) {
                // No new request after a failure (a dead line would time each one out).
                return Ok(Vec::new());
            }
            let r = fetch_span(fetcher, base, staging, stager, s).await;
            if r.is_err() {
                failed.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            r
        })
        .buffer_unordered(PARALLEL_RANGES);
    // A failed range does not cancel the ones under way: what they bring is checked and kept
    // for the next sync (cancelled mid-way, their objects would be lost, and how much an
    // interrupted sync kept depended on timing). The first error is returned once they ended.
    let mut first_error = None;
    while let Some(res) = ranges.next().await {
        match res {
            Ok(objects) => out.extend(objects),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    drop(ranges);
    // Every checked object on disk (or the reason it could not be) before going on: what the
    // next attempt resumes from does not depend on how far the writer had come.
    let waiting = std::time::Instant::now();
    writer.finish()?;
    *stage_wait += waiting.elapsed().as_secs_f64();
    if let Some(e) = first_error {
        return Err(e.into());
    }
    super::fetch_objects(fetcher, base, staging, &partial, PARALLEL_RANGES, out).await
}

/// Every object of `manifest` (format 2, with packs), from the database, the downloads folder
/// or the packs. `prune` is called with every wanted hash once the buckets are known;
/// `stage_wait` grows by the time spent waiting for downloads to reach the disk.
// The sync's context (store, fetcher, base, downloads folder) and what to fetch with what:
// a struct for them would be built at this one call.
#[allow(clippy::too_many_arguments)]
pub(super) async fn collect(
    store: &Store,
    fetcher: &Fetcher,
    base: &Url,
    staging: &Path,
    manifest: &Manifest,
    dict: Option<&pack::Dictionary>,
    prune: impl FnOnce(&std::collections::HashSet<String>),
    free_check: &FreeCheck,
    stage_wait: &mut f64,
) -> Result<BTreeMap<String, Vec<u8>>, Failure> {
    let mut out = BTreeMap::new();
    // The base (one object, on its own) and the buckets (the front of every pack).
    let mut spans = Vec::new();
    let mut partial = Vec::new();
    if have(store, staging, &manifest.base, &mut out)? != Have::Yes {
        partial.push(manifest.base.clone());
    }
    for (j, p) in manifest.packs.iter().enumerate() {
        load_ranges(staging, &p.hash, manifest.pack_buckets(j), false, &mut out);
        let mut haves = BTreeMap::new();
        for b in manifest.pack_buckets(j) {
            haves.insert(b.hash.clone(), have(store, staging, b, &mut out)?);
        }
        let (s, part) = plan(&p.hash, manifest.pack_buckets(j), |r| haves[&r.hash]);
        spans.extend(s);
        partial.extend(part);
    }
    fetch_planned(fetcher, base, staging, spans, partial, &mut out, stage_wait).await?;

    // The documents.
    let rejected = |e: pack::PackError| fail(Status::Rejected, e.to_string());
    let mut seqs = Vec::new();
    let mut wanted: std::collections::HashSet<String> = std::collections::HashSet::new();
    wanted.insert(manifest.base.hash.clone());
    wanted.extend(manifest.dictionary.iter().map(|d| d.hash.clone()));
    for j in 0..manifest.packs.len() {
        let mut seq: Vec<ObjectRef> = manifest.pack_buckets(j).to_vec();
        for b in manifest.pack_buckets(j) {
            let body = out
                .get(&b.hash)
                .ok_or_else(|| fail(Status::Rejected, "内容包缺少分组对象"))?;
            seq.extend(
                pack::parse_bucket_with(body, dict)
                    .map_err(rejected)?
                    .entries
                    .into_iter()
                    .map(|e| e.object),
            );
        }
        wanted.extend(seq.iter().map(|r| r.hash.clone()));
        seqs.push(seq);
    }
    // Range files are named by their pack.
    wanted.extend(manifest.packs.iter().map(|p| p.hash.clone()));
    prune(&wanted);
    let (mut spans, mut partial, mut need) = (Vec::new(), Vec::new(), 0u64);
    for (p, seq) in manifest.packs.iter().zip(&seqs) {
        load_ranges(staging, &p.hash, seq, true, &mut out);
        let mut haves = BTreeMap::new();
        for r in seq {
            let h = have(store, staging, r, &mut out)?;
            if h != Have::Yes && !haves.contains_key(&r.hash) {
                need += r.length;
            }
            haves.insert(r.hash.clone(), h);
        }
        let (s, part) = plan(&p.hash, seq, |r| haves[&r.hash]);
        spans.extend(s);
        partial.extend(part);
    }
    free_check(staging, need)?;
    fetch_planned(fetcher, base, staging, spans, partial, &mut out, stage_wait).await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: u64, len: u64) -> ObjectRef {
        ObjectRef {
            hash: format!("{n:064}"),
            length: len,
        }
    }

    fn object(n: u8, len: usize) -> (ObjectRef, Vec<u8>) {
        let body = vec![n; len];
        (ObjectRef::of(&body), body)
    }

    #[test]
    fn range_files_give_back_their_checked_objects_and_lose_a_torn_tail() {
        let staging = tempfile::tempdir().unwrap();
        let objs: Vec<(ObjectRef, Vec<u8>)> =
            (1..=5).map(|i| object(i, 100 * i as usize)).collect();
        let seq: Vec<ObjectRef> = objs.iter().map(|(r, _)| r.clone()).collect();
        let pack = "a".repeat(64);
        assert_eq!(
            range_file_of(&format!("range-{pack}-300")),
            Some((pack.as_str(), 300))
        );
        assert_eq!(range_file_of(&pack), None);
        // Objects 1 and 2 (from byte 100), then half of object 3: a cut mid-write.
        let mut bytes = [objs[1].1.clone(), objs[2].1.clone()].concat();
        bytes.extend_from_slice(&objs[3].1[..200]);
        let file = range_file(staging.path(), &pack, 100);
        std::fs::write(&file, &bytes).unwrap();
        // A file of another pack, and one that starts inside an object.
        std::fs::write(range_file(staging.path(), &"b".repeat(64), 0), &objs[0].1).unwrap();
        let inside = range_file(staging.path(), &pack, 50);
        std::fs::write(&inside, &objs[0].1[50..]).unwrap();

        // Only the front of the pack known (its first two objects): read, nothing changed.
        let mut out = BTreeMap::new();
        load_ranges(staging.path(), &pack, &seq[..2], false, &mut out);
        assert_eq!(out.keys().collect::<Vec<_>>(), vec![&seq[1].hash]);
        assert_eq!(std::fs::metadata(&file).unwrap().len(), bytes.len() as u64);
        assert!(inside.exists());

        // The whole pack: the torn tail is cut off, the misplaced file deleted.
        let mut out = BTreeMap::new();
        load_ranges(staging.path(), &pack, &seq, true, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[&seq[2].hash], objs[2].1);
        assert_eq!(std::fs::metadata(&file).unwrap().len(), 500);
        assert!(!inside.exists());
        assert!(range_file(staging.path(), &"b".repeat(64), 0).exists());

        // A changed byte: the objects before it are kept, it and those after it are not.
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.extend_from_slice(&objs[3].1);
        bytes[250] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        let mut out = BTreeMap::new();
        load_ranges(staging.path(), &pack, &seq, true, &mut out);
        assert_eq!(out.keys().collect::<Vec<_>>(), vec![&seq[1].hash]);
        assert_eq!(std::fs::metadata(&file).unwrap().len(), 200);
        // Nothing good at all: the file goes.
        std::fs::write(&file, b"junk").unwrap();
        load_ranges(staging.path(), &pack, &seq, true, &mut BTreeMap::new());
        assert!(!file.exists());
    }

    #[test]
    fn plans_runs_bridges_short_gaps_and_leaves_partial_objects_alone() {
        let seq: Vec<ObjectRef> = (0..10).map(|i| r(i, 1000)).collect();
        let all_missing = plan("p", &seq, |_| Have::No);
        assert_eq!(all_missing.0.len(), 1);
        assert_eq!(all_missing.0[0].start, 0);
        assert_eq!(all_missing.0[0].bytes(), 10_000);

        // 0–2 present (a resumed first sync): one range from object 3 on.
        let (spans, _) = plan("p", &seq, |x| {
            if x.hash < r(3, 0).hash {
                Have::Yes
            } else {
                Have::No
            }
        });
        assert_eq!(
            (spans.len(), spans[0].start, spans[0].bytes()),
            (1, 3000, 7000)
        );

        // A short run of present objects is bridged (downloaded again, not wanted)...
        let (spans, _) = plan("p", &seq, |x| {
            if x.hash == r(5, 0).hash {
                Have::Yes
            } else {
                Have::No
            }
        });
        assert_eq!(spans.len(), 1);
        assert!(!spans[0].objects[5].1);
        // ...a long one is not.
        let big: Vec<ObjectRef> = (0..3)
            .map(|i| r(i, if i == 1 { 100_000 } else { 10 }))
            .collect();
        let (spans, _) = plan("p", &big, |x| {
            if x.hash == r(1, 0).hash {
                Have::Yes
            } else {
                Have::No
            }
        });
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[1].start, 100_010);

        // A partly downloaded object is resumed on its own, never bridged.
        let (spans, partial) = plan("p", &seq, |x| {
            if x.hash == r(4, 0).hash {
                Have::Partial
            } else {
                Have::No
            }
        });
        assert_eq!(spans.len(), 2);
        assert_eq!(partial, vec![r(4, 1000)]);
        assert_eq!(spans[1].start, 5000);
    }
}

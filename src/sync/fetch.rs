//! Getting bytes from a repository: over HTTP(S) with reqwest, or from a folder (USB stick).
//!
//! - Every read is capped: TUF metadata by tough's limits, the manifest by its signed length,
//!   objects by the length their parent declares. A server that sends more is cut off.
//! - Connect and idle-read timeouts (not a total timeout): a slow link keeps going, a dead one
//!   fails. The whole sync has a deadline on top (see `sync::run_once`).
//! - Objects resume: a `.part` file continues with `Range` when the server answers `206` from
//!   exactly that offset; otherwise it starts over. The hash is checked before the file counts.
//! - Bytes received are counted for the report and the benchmark.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use tough::{FilesystemTransport, Transport, TransportError, TransportErrorKind, TransportStream};
use url::Url;

use crate::pack::{sha256_hex, ObjectRef};

/// Where a repository is.
#[derive(Debug, Clone)]
pub enum Source {
    /// Base URL of the repository (the folder holding `metadata/`, `targets/`, `objects/`).
    Server(Url),
    /// A repository folder, e.g. on a USB stick.
    Dir(PathBuf),
}

impl Source {
    /// Parses a server address; a bare path is a folder.
    pub fn parse(s: &str) -> Result<Source, String> {
        if s.starts_with("http://") || s.starts_with("https://") {
            let mut s = s.to_string();
            if !s.ends_with('/') {
                s.push('/');
            }
            Url::parse(&s)
                .map(Source::Server)
                .map_err(|e| format!("服务器地址 {s} 不对：{e}"))
        } else {
            Ok(Source::Dir(PathBuf::from(s)))
        }
    }

    /// The base URL, as tough wants it (a folder URL ends with `/`).
    pub fn base(&self) -> Result<Url, String> {
        match self {
            Source::Server(u) => Ok(u.clone()),
            Source::Dir(d) => {
                let abs = std::fs::canonicalize(d)
                    .map_err(|e| format!("找不到内容目录 {}：{e}", d.display()))?;
                Url::from_directory_path(&abs)
                    .map_err(|_| format!("内容目录 {} 不能用", abs.display()))
            }
        }
    }
}

/// Why a fetch failed, as far as the sync status is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Could not reach the server or the connection broke: try again later.
    Network(String),
    /// The server answered with something that cannot be right (too long, wrong hash, not
    /// found where the signed metadata says it is).
    Bad(String),
    /// A local problem (disk full, permissions).
    Local(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Network(m) | FetchError::Bad(m) | FetchError::Local(m) => f.write_str(m),
        }
    }
}

/// Timeouts for HTTP.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// Longest silence while waiting for bytes.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(30),
        }
    }
}

/// A transport for tough and a downloader for objects, sharing one HTTP client and one byte
/// counter.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    pub bytes: Arc<AtomicU64>,
    /// HTTP requests sent (the benchmark reports them: each costs a round trip).
    pub requests: Arc<AtomicU64>,
    /// Set when a transport failure was the network's fault (so tough's error maps to
    /// "offline", not "rejected").
    network_failed: Arc<AtomicBool>,
}

fn describe_reqwest(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "服务器长时间没有回应（超时）".into()
    } else if e.is_connect() {
        "连不上服务器".into()
    } else {
        format!("网络传输中断：{e}")
    }
}

impl Fetcher {
    pub fn new(timeouts: Timeouts) -> Result<Fetcher, String> {
        let client = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .read_timeout(timeouts.read)
            .user_agent(concat!("banshi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("无法初始化网络：{e}"))?;
        Ok(Fetcher {
            client,
            bytes: Arc::new(AtomicU64::new(0)),
            requests: Arc::new(AtomicU64::new(0)),
            network_failed: Arc::new(AtomicBool::new(false)),
        })
    }

    pub fn network_failed(&self) -> bool {
        self.network_failed.load(Ordering::SeqCst)
    }

    fn net_err(&self, e: &reqwest::Error) -> FetchError {
        self.network_failed.store(true, Ordering::SeqCst);
        FetchError::Network(describe_reqwest(e))
    }

    /// Whether the repository at `source` answers: `Ok(description)` or why not.
    pub async fn probe(&self, source: &Source) -> Result<String, FetchError> {
        match source {
            Source::Dir(d) => {
                let ts = d.join("metadata").join("timestamp.json");
                if ts.is_file() {
                    Ok(format!("{} 可读", d.display()))
                } else {
                    Err(FetchError::Bad(format!(
                        "{} 里没有 metadata/timestamp.json",
                        d.display()
                    )))
                }
            }
            Source::Server(base) => {
                let url = base
                    .join("metadata/timestamp.json")
                    .map_err(|e| FetchError::Bad(e.to_string()))?;
                let resp = self
                    .client
                    .get(url.clone())
                    .send()
                    .await
                    .map_err(|e| self.net_err(&e))?;
                if resp.status().is_success() {
                    Ok(format!("{url} 应答正常"))
                } else {
                    Err(FetchError::Bad(format!(
                        "{url} 应答 HTTP {}",
                        resp.status().as_u16()
                    )))
                }
            }
        }
    }

    /// Streams bytes `start..start + len` of the file at `url` (a pack) into `sink`, chunk by
    /// chunk, and never more. Accepts `206` from exactly `start`, or `200` from a server that
    /// ignores ranges (the bytes before `start` are then read and dropped).
    pub async fn range(
        &self,
        url: Url,
        start: u64,
        len: u64,
        mut sink: impl FnMut(&[u8]) -> Result<(), FetchError>,
    ) -> Result<(), FetchError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = self
            .client
            .get(url.clone())
            .header(
                reqwest::header::RANGE,
                format!("bytes={start}-{}", start + len - 1),
            )
            .send()
            .await
            .map_err(|e| self.net_err(&e))?;
        let status = resp.status();
        let mut skip = if status == reqwest::StatusCode::PARTIAL_CONTENT {
            let from_start = resp
                .headers()
                .get(reqwest::header::CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with(&format!("bytes {start}-")));
            if !from_start {
                return Err(FetchError::Bad(format!(
                    "服务器给出的内容包范围不对：{url}"
                )));
            }
            0
        } else if status.is_success() {
            start
        } else if status.is_server_error() {
            self.network_failed.store(true, Ordering::SeqCst);
            return Err(FetchError::Network(format!(
                "服务器出错（HTTP {}）",
                status.as_u16()
            )));
        } else {
            return Err(FetchError::Bad(format!(
                "服务器上缺少内容包 {url}（HTTP {}）",
                status.as_u16()
            )));
        };
        let mut resp = resp;
        let mut left = len;
        while left > 0 {
            let chunk = match resp.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => return Err(self.net_err(&e)),
            };
            self.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            let mut c = &chunk[..];
            let dropped = skip.min(c.len() as u64);
            skip -= dropped;
            c = &c[dropped as usize..];
            if c.len() as u64 > left {
                if status == reqwest::StatusCode::PARTIAL_CONTENT {
                    return Err(FetchError::Bad(format!(
                        "服务器发来的内容包 {url} 比请求的长，已拒绝"
                    )));
                }
                c = &c[..left as usize];
            }
            left -= c.len() as u64;
            sink(c)?;
        }
        if left > 0 {
            self.network_failed.store(true, Ordering::SeqCst);
            return Err(FetchError::Network(format!("内容包 {url} 传输中断")));
        }
        Ok(())
    }

    /// Downloads object `r` from `base` into `dir/HASH` (via `dir/HASH.part`, resuming), checks
    /// length and hash, and returns the path.
    pub async fn object(
        &self,
        base: &Url,
        dir: &Path,
        r: &ObjectRef,
    ) -> Result<PathBuf, FetchError> {
        let done = dir.join(&r.hash);
        if done.exists() {
            if file_matches(&done, r) {
                return Ok(done);
            }
            let _ = std::fs::remove_file(&done);
        }
        let part = dir.join(format!("{}.part", r.hash));
        let url = base
            .join(&format!("objects/{}/{}", &r.hash[..2], r.hash))
            .map_err(|e| FetchError::Bad(format!("对象地址不对：{e}")))?;
        if url.scheme() == "file" {
            self.copy_file(&url, &part, r)?;
        } else {
            self.download(url, &part, r).await?;
        }
        if !file_matches(&part, r) {
            let _ = std::fs::remove_file(&part);
            return Err(FetchError::Bad(format!(
                "下载的内容对象 {} 与签名清单不符（可能被篡改），已丢弃",
                &r.hash[..12]
            )));
        }
        std::fs::rename(&part, &done)
            .map_err(|e| FetchError::Local(format!("无法保存下载的文件：{e}")))?;
        Ok(done)
    }

    fn copy_file(&self, url: &Url, part: &Path, r: &ObjectRef) -> Result<(), FetchError> {
        let path = url
            .to_file_path()
            .map_err(|_| FetchError::Bad(format!("对象地址不对：{url}")))?;
        let f = std::fs::File::open(&path)
            .map_err(|e| FetchError::Bad(format!("缺少内容对象 {}：{e}", path.display())))?;
        let mut data = Vec::new();
        // One byte more than declared tells "too long" from "exact".
        f.take(r.length + 1)
            .read_to_end(&mut data)
            .map_err(|e| FetchError::Local(format!("无法读取 {}：{e}", path.display())))?;
        if data.len() as u64 > r.length {
            return Err(FetchError::Bad(format!(
                "内容对象 {} 比签名清单声明的长，已拒绝",
                &r.hash[..12]
            )));
        }
        self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        let mut f = std::fs::File::create(part)
            .map_err(|e| FetchError::Local(format!("无法写入 {}：{e}", part.display())))?;
        // Not synced one by one: `fetch_all` makes the whole batch durable with one syncfs.
        f.write_all(&data).map_err(|e| {
            FetchError::Local(format!("无法写入 {}：{e}（磁盘满了？）", part.display()))
        })
    }

    async fn download(&self, url: Url, part: &Path, r: &ObjectRef) -> Result<(), FetchError> {
        let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
        let have = if have >= r.length { 0 } else { have };
        let mut req = self.client.get(url.clone());
        if have > 0 {
            req = req.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut resp = req.send().await.map_err(|e| self.net_err(&e))?;
        let status = resp.status();
        let resumed = have > 0
            && status == reqwest::StatusCode::PARTIAL_CONTENT
            && resp
                .headers()
                .get(reqwest::header::CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with(&format!("bytes {have}-")));
        if !(status.is_success()) {
            if status == reqwest::StatusCode::RANGE_NOT_SATISFIABLE {
                let _ = std::fs::remove_file(part);
            }
            return Err(if status.is_server_error() {
                self.network_failed.store(true, Ordering::SeqCst);
                FetchError::Network(format!("服务器出错（HTTP {}）", status.as_u16()))
            } else {
                FetchError::Bad(format!(
                    "服务器上缺少内容对象 {}（HTTP {}）",
                    &r.hash[..12],
                    status.as_u16()
                ))
            });
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(resumed)
            .write(true)
            .truncate(!resumed)
            .open(part)
            .map_err(|e| FetchError::Local(format!("无法写入 {}：{e}", part.display())))?;
        let mut len = if resumed { have } else { 0 };
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    let _ = file.sync_data();
                    return Err(self.net_err(&e));
                }
            };
            self.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            len += chunk.len() as u64;
            if len > r.length {
                drop(file);
                let _ = std::fs::remove_file(part);
                return Err(FetchError::Bad(format!(
                    "服务器发来的内容对象 {} 比签名清单声明的长，已拒绝",
                    &r.hash[..12]
                )));
            }
            file.write_all(&chunk).map_err(|e| {
                FetchError::Local(format!("无法写入 {}：{e}（磁盘满了？）", part.display()))
            })?;
        }
        // Not synced here: `fetch_all` makes the whole batch durable with one syncfs (an object
        // cut short by a power failure before that fails its hash check and is fetched again).
        Ok(())
    }
}

/// True when the file at `path` has exactly the length and hash of `r`.
pub fn file_matches(path: &Path, r: &ObjectRef) -> bool {
    match std::fs::read(path) {
        Ok(b) => b.len() as u64 == r.length && sha256_hex(&b) == r.hash,
        Err(_) => false,
    }
}

#[tough::async_trait]
impl Transport for Fetcher {
    async fn fetch(&self, url: Url) -> Result<TransportStream, TransportError> {
        let counter = self.bytes.clone();
        let count = move |b: &tough::Bytes| {
            counter.fetch_add(b.len() as u64, Ordering::Relaxed);
        };
        if url.scheme() == "file" {
            let stream = FilesystemTransport.fetch(url).await?;
            return Ok(Box::pin(stream.inspect_ok(count)));
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = self.client.get(url.clone()).send().await.map_err(|e| {
            self.net_err(&e);
            TransportError::new_with_cause(TransportErrorKind::Other, url.clone(), e)
        })?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::FORBIDDEN {
            return Err(TransportError::new(TransportErrorKind::FileNotFound, url));
        }
        if !status.is_success() {
            if status.is_server_error() {
                self.network_failed.store(true, Ordering::SeqCst);
            }
            return Err(TransportError::new_with_cause(
                TransportErrorKind::Other,
                url,
                format!("HTTP {}", status.as_u16()),
            ));
        }
        let flag = self.network_failed.clone();
        let u = url.clone();
        let stream = resp.bytes_stream().map_err(move |e| {
            flag.store(true, Ordering::SeqCst);
            TransportError::new_with_cause(
                TransportErrorKind::Other,
                u.clone(),
                describe_reqwest(&e),
            )
        });
        Ok(Box::pin(stream.inspect_ok(count)))
    }
}

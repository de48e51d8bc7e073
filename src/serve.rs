//! `banshi serve`: serves a published repository as static files over HTTP/1.1, for counties
//! without a web server (and for tests). It does what kiosks need and nothing more: GET and
//! HEAD, single `Range: bytes=N-` / `N-M` requests (resumed downloads), no directory listings,
//! nothing outside the repository folder.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

/// Worker threads answering requests.
const THREADS: usize = 4;

/// Maps a request path to a file inside `root`, refusing anything that could escape it.
pub fn resolve(root: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next()?;
    let mut out = root.to_path_buf();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let decoded = percent_decode(part)?;
        let comp = Path::new(&decoded).components().next()?;
        if decoded.contains('/') || !matches!(comp, Component::Normal(_)) || decoded.starts_with('.') {
            return None;
        }
        out.push(decoded);
    }
    out.is_file().then_some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Parses `bytes=START-` or `bytes=START-END` against a file of `len` bytes.
pub fn parse_range(value: &str, len: u64) -> Option<(u64, u64)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let start: u64 = a.trim().parse().ok()?;
    let end: u64 = if b.trim().is_empty() { len.checked_sub(1)? } else { b.trim().parse::<u64>().ok()?.min(len.checked_sub(1)?) };
    (start <= end && start < len).then_some((start, end))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn answer(root: &Path, req: Request) {
    let head = *req.method() == Method::Head;
    if !matches!(req.method(), Method::Get | Method::Head) {
        let _ = req.respond(Response::empty(StatusCode(405)));
        return;
    }
    let Some(path) = resolve(root, req.url()) else {
        let _ = req.respond(Response::empty(StatusCode(404)));
        return;
    };
    let Ok(mut file) = std::fs::File::open(&path) else {
        let _ = req.respond(Response::empty(StatusCode(404)));
        return;
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let kind = if path.extension().is_some_and(|e| e == "json") { "application/json" } else { "application/octet-stream" };
    let range = req.headers().iter().find(|h| h.field.equiv("Range")).map(|h| h.value.as_str().to_string());
    let (status, start, end) = match range {
        Some(r) => match parse_range(&r, len) {
            Some((s, e)) => (206, s, e),
            None => {
                let resp = Response::empty(StatusCode(416)).with_header(header("Content-Range", &format!("bytes */{len}")));
                let _ = req.respond(resp);
                return;
            }
        },
        None => (200, 0, len.saturating_sub(1)),
    };
    let count = if len == 0 { 0 } else { end - start + 1 };
    use std::io::Seek;
    if file.seek(std::io::SeekFrom::Start(start)).is_err() {
        let _ = req.respond(Response::empty(StatusCode(500)));
        return;
    }
    let body: Box<dyn Read + Send> = if head { Box::new(std::io::empty()) } else { Box::new(file.take(count)) };
    let mut resp = Response::new(StatusCode(status), vec![header("Content-Type", kind), header("Accept-Ranges", "bytes")], body, Some(count as usize), None);
    if status == 206 {
        resp.add_header(header("Content-Range", &format!("bytes {start}-{end}/{len}")));
    }
    // Metadata changes between versions; objects never do (they are named by hash).
    let cache = if path.components().any(|c| c.as_os_str() == "objects" || c.as_os_str() == "targets") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    resp.add_header(header("Cache-Control", cache));
    let _ = req.respond(resp);
}

/// A running server; dropping it stops accepting requests.
pub struct Serving {
    server: Arc<Server>,
    pub addr: std::net::SocketAddr,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Serving {
    pub fn join(mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// Starts serving `repo` on `listen` (e.g. `0.0.0.0:8080`; port 0 picks a free one).
pub fn start(repo: &Path, listen: &str) -> anyhow::Result<Serving> {
    let root = std::fs::canonicalize(repo).with_context(|| format!("找不到内容仓库 {}", repo.display()))?;
    if !root.join("metadata").join("timestamp.json").exists() {
        anyhow::bail!("{} 不是已发布的内容仓库（缺少 metadata/timestamp.json）。先运行 banshi publish。", root.display());
    }
    let server = Arc::new(Server::http(listen).map_err(|e| anyhow::anyhow!("无法在 {listen} 上监听：{e}"))?);
    let addr = server.server_addr().to_ip().context("不是 IP 地址")?;
    let threads = (0..THREADS)
        .map(|_| {
            let server = server.clone();
            let root = root.clone();
            std::thread::spawn(move || {
                for req in server.incoming_requests() {
                    answer(&root, req);
                }
            })
        })
        .collect();
    Ok(Serving { server, addr, threads })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-", 10), Some((0, 9)));
        assert_eq!(parse_range("bytes=4-", 10), Some((4, 9)));
        assert_eq!(parse_range("bytes=4-6", 10), Some((4, 6)));
        assert_eq!(parse_range("bytes=4-60", 10), Some((4, 9)));
        assert_eq!(parse_range("bytes=10-", 10), None);
        assert_eq!(parse_range("bytes=-5", 10), None);
        assert_eq!(parse_range("items=0-", 10), None);
    }

    #[test]
    fn paths_never_escape_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("metadata")).unwrap();
        std::fs::write(dir.path().join("metadata/timestamp.json"), "{}").unwrap();
        assert!(resolve(dir.path(), "/metadata/timestamp.json").is_some());
        assert!(resolve(dir.path(), "/metadata/timestamp.json?x=1").is_some());
        for bad in ["/../etc/passwd", "/metadata/../../etc/passwd", "/%2e%2e/etc/passwd", "/metadata/%2F..%2F..", "/.publish/x", "/metadata"] {
            assert!(resolve(dir.path(), bad).is_none(), "{bad}");
        }
    }
}

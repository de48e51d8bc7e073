//! `banshi serve`: serves a published repository as static files over HTTP/1.1, for counties
//! without a web server (and for tests). It does what kiosks need and nothing more: GET and
//! HEAD, single `Range: bytes=N-` / `N-M` requests (resumed downloads), no directory listings,
//! nothing outside the repository folder.

use std::convert::Infallible;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{
    HeaderValue, ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE,
};
use hyper::{Method, Request, Response, StatusCode};

/// Maps a request path to a file inside `root`, refusing anything that could escape it.
pub fn resolve(root: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next()?;
    let mut out = root.to_path_buf();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let decoded = percent_decode(part)?;
        let comp = Path::new(&decoded).components().next()?;
        if decoded.contains('/')
            || !matches!(comp, Component::Normal(_))
            || decoded.starts_with('.')
        {
            return None;
        }
        out.push(decoded);
    }
    out.is_file().then_some(out)
}

/// Decodes one path segment. Every `%` must start an escape of two hex digits: `%+1`, `%4`
/// or `%zz` refuse the path (a lenient decoder would read `%+1` as byte 1 or pass it on).
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let escape_ok = |i: usize| {
        b.get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    };
    if (0..b.len()).any(|i| b[i] == b'%' && !escape_ok(i)) {
        return None;
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Parses `bytes=START-` or `bytes=START-END` against a file of `len` bytes.
pub fn parse_range(value: &str, len: u64) -> Option<(u64, u64)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let start: u64 = a.trim().parse().ok()?;
    let end: u64 = if b.trim().is_empty() {
        len.checked_sub(1)?
    } else {
        b.trim().parse::<u64>().ok()?.min(len.checked_sub(1)?)
    };
    (start <= end && start < len).then_some((start, end))
}

type Reply = Response<Full<Bytes>>;

fn empty(status: StatusCode) -> Reply {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    r
}

/// Answers one request from the files under `root` (repository files are small: read whole).
pub fn answer<B>(root: &Path, req: &Request<B>) -> Reply {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return empty(StatusCode::METHOD_NOT_ALLOWED);
    }
    let Some(path) = resolve(root, req.uri().path()) else {
        return empty(StatusCode::NOT_FOUND);
    };
    let Ok(data) = std::fs::read(&path) else {
        return empty(StatusCode::NOT_FOUND);
    };
    let len = data.len() as u64;
    let range = req.headers().get(RANGE).and_then(|v| v.to_str().ok());
    let (status, start, end) = match range {
        Some(r) => match parse_range(r, len) {
            Some((s, e)) => (StatusCode::PARTIAL_CONTENT, s, e + 1),
            None => {
                let mut resp = empty(StatusCode::RANGE_NOT_SATISFIABLE);
                resp.headers_mut().insert(
                    CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes */{len}")).unwrap(),
                );
                return resp;
            }
        },
        None => (StatusCode::OK, 0, len),
    };
    let body = if head {
        Bytes::new()
    } else {
        Bytes::copy_from_slice(&data[start as usize..end as usize])
    };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    let kind = if path.extension().is_some_and(|e| e == "json") {
        "application/json"
    } else {
        "application/octet-stream"
    };
    h.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(CONTENT_LENGTH, HeaderValue::from(end - start));
    if status == StatusCode::PARTIAL_CONTENT {
        h.insert(
            CONTENT_RANGE,
            HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1)).unwrap(),
        );
    }
    // Metadata changes between versions; objects and targets never do (they are named by hash).
    let immutable = path
        .strip_prefix(root)
        .is_ok_and(|p| p.starts_with("objects") || p.starts_with("targets"));
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    resp
}

/// A running server on its own thread; dropping it stops it.
pub struct Serving {
    pub addr: std::net::SocketAddr,
    pub(crate) stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub(crate) thread: Option<std::thread::JoinHandle<()>>,
}

impl Serving {
    /// Blocks until the server stops (never, for `banshi serve`).
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Starts serving `repo` on `listen` (e.g. `0.0.0.0:8080`; port 0 picks a free one).
pub fn start(repo: &Path, listen: &str) -> anyhow::Result<Serving> {
    let root = std::fs::canonicalize(repo)
        .with_context(|| format!("找不到内容仓库 {}", repo.display()))?;
    if !root.join("metadata").join("timestamp.json").exists() {
        anyhow::bail!(
            "{} 不是已发布的内容仓库（缺少 metadata/timestamp.json）。先运行 banshi publish。",
            root.display()
        );
    }
    let listener =
        std::net::TcpListener::bind(listen).with_context(|| format!("无法在 {listen} 上监听"))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let root = Arc::new(root);
    let thread = std::thread::Builder::new()
        .name("serve".into())
        .spawn(move || {
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                loop {
                    let stream = tokio::select! {
                        _ = &mut stop_rx => break,
                        accepted = listener.accept() => match accepted {
                            Ok((s, _)) => s,
                            Err(_) => continue,
                        },
                    };
                    let _ = stream.set_nodelay(true);
                    let root = root.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req| {
                            let reply = answer(&root, &req);
                            async move { Ok::<_, Infallible>(reply) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    });
                }
            })
        })?;
    Ok(Serving {
        addr,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_are_two_hex_digits_and_utf8() {
        assert_eq!(percent_decode("%41b%2e").as_deref(), Some("Ab."));
        assert_eq!(
            percent_decode("%E4%B8%AD%e6%96%87").as_deref(),
            Some("中文")
        );
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        for bad in ["%+1", "%-1", "% 1", "%4", "%", "a%zz", "%%41", "%ff"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }

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
        for bad in [
            "/../etc/passwd",
            "/metadata/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/metadata/%2F..%2F..",
            "/.publish/x",
            "/metadata",
        ] {
            assert!(resolve(dir.path(), bad).is_none(), "{bad}");
        }
    }
}

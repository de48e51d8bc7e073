//! `banshi hub`: the HTTP side. Each request is checked in this order, cheapest first, and
//! refused at the first failure with nothing stored: size (by `Content-Length`, before reading
//! a byte of the body), headers, time, body (read up to [`MAX_BODY`]), JSON, signature, the
//! kiosk's state, its rate; then the [`Writer`] checks the nonce and stores, all in one
//! transaction, and only then is the request answered.
//!
//! With `--tls-cert`/`--tls-key` every connection is HTTPS ([`super::tls`]); a connection that
//! fails its handshake (or speaks plain HTTP to the HTTPS port) is closed on its own and the
//! accept loop goes on.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;

use super::console;
use super::kiosks::{self, KioskState};
use super::limit::Limiter;
use super::sql::{Db, DbError};
use super::tls::TlsFiles;
use super::wire::{
    self, EnrolRequest, Refusal, UploadRequest, ENROL_PATH, H_KIOSK, H_NONCE, H_SIGNATURE, H_TIME,
    MAX_BODY, MAX_SKEW_SECS, UPLOAD_PATH,
};
use super::writer::{Answer, Job, Policy, Writer};
use super::{enrol, inbox, now, Refused};

pub struct Options {
    pub listen: String,
    pub db: String,
    /// Also serve this published repository (GET/HEAD of its files).
    pub repo: Option<PathBuf>,
    /// Requests per second a kiosk may make on average, and in a burst.
    pub rate: f64,
    pub burst: u32,
    /// Requests waiting for the writer before new ones are answered `Busy`.
    pub queue: usize,
    /// Serve HTTPS with this certificate and key (none: plain HTTP).
    pub tls: Option<TlsFiles>,
    /// How long the writer keeps heartbeats, and how many kiosks may wait for approval.
    pub policy: Policy,
    /// The console's follow-up deadlines (working days and the holiday calendar).
    pub deadlines: console::workdays::Deadlines,
}

struct Hub {
    /// Read on the blocking pool, never on the runtime's thread: a query may wait for the disk
    /// or, on PostgreSQL, for the server (whose client drives a runtime of its own).
    reader: Arc<Mutex<Box<dyn Db>>>,
    writer: Writer,
    limiter: Mutex<Limiter>,
    repo: Option<PathBuf>,
    /// The county console's pages (`/console/…`), on a connection of their own.
    console: Arc<console::web::Console>,
    console_db: Arc<Mutex<Box<dyn Db>>>,
}

type Reply = Response<Full<Bytes>>;

fn json<T: Serialize>(status: u16, body: &T) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(
        serde_json::to_vec(body).expect("replies serialise"),
    )));
    *r.status_mut() = StatusCode::from_u16(status).expect("valid status");
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn refused(r: &Refused) -> Reply {
    let mut resp = json(r.refusal.status(), &r.reply());
    if let Some(secs) = r.retry_after {
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

fn empty(status: StatusCode) -> Reply {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    r
}

struct Signed {
    kiosk: String,
    time: i64,
    nonce: String,
    signature: String,
}

fn is_nonce(n: &str) -> bool {
    (8..=64).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

fn signed_headers(h: &HeaderMap) -> Result<Signed, Refused> {
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .ok_or_else(|| Refused::malformed(&format!("缺少请求头 {name}")))
    };
    let kiosk = get(wire::H_KIOSK)?;
    if !wire::is_kiosk_id(kiosk) {
        return Err(Refused::malformed(&format!("{H_KIOSK} 不是有效的终端编号")));
    }
    let time = get(H_TIME)?
        .parse::<i64>()
        .map_err(|_| Refused::malformed(&format!("{H_TIME} 要是 Unix 秒数")))?;
    let nonce = get(H_NONCE)?;
    if !is_nonce(nonce) {
        return Err(Refused::malformed(&format!(
            "{H_NONCE} 要是 8–64 个字母、数字、“-”或“_”"
        )));
    }
    let signature = get(H_SIGNATURE)?;
    if signature.len() != 128 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Refused::malformed(&format!(
            "{H_SIGNATURE} 要是 128 位十六进制的 Ed25519 签名"
        )));
    }
    Ok(Signed {
        kiosk: kiosk.to_string(),
        time,
        nonce: nonce.to_string(),
        signature: signature.to_string(),
    })
}

fn too_large() -> Refused {
    Refused::new(
        Refusal::TooLarge,
        format!(
            "请求太大（超过 {} KB），没有读取。终端每批要少发一些记录。",
            MAX_BODY / 1024
        ),
    )
}

fn bad_signature(kiosk: &str) -> Refused {
    Refused::new(
        Refusal::BadSignature,
        format!("签名不对：这个请求不是终端 {kiosk} 登记的密钥签的。请在技术员界面核对密钥指纹，与县里 banshi hub kiosks list 显示的是否一致。"),
    )
}

impl Hub {
    fn limit(&self, kiosk: &str) -> Result<(), Refused> {
        let mut l = self.limiter.lock().unwrap_or_else(|e| e.into_inner());
        l.take(kiosk, Instant::now()).map_err(|secs| Refused {
            retry_after: Some(secs),
            ..Refused::new(
                Refusal::TooMany,
                format!("终端 {kiosk} 的请求太频繁，请 {secs} 秒后再试（终端会自动等待）。"),
            )
        })
    }

    async fn api(&self, req: Request<Incoming>, path: &'static str) -> Result<Reply, Refused> {
        if let Some(len) = req.headers().get(CONTENT_LENGTH) {
            let len: u64 = len
                .to_str()
                .ok()
                .and_then(|l| l.parse().ok())
                .ok_or_else(|| Refused::malformed("Content-Length 不对"))?;
            if len > MAX_BODY as u64 {
                return Err(too_large());
            }
        }
        let s = signed_headers(req.headers())?;
        let hub_time = now();
        if (s.time - hub_time).abs() > MAX_SKEW_SECS {
            return Err(Refused {
                hub_time: Some(hub_time),
                ..Refused::new(
                    Refusal::Stale,
                    format!(
                        "终端时间与汇总服务相差超过 {} 分钟，请求作废。终端会按汇总服务的时间（hub_time）自动校正；请检查终端的时钟。",
                        MAX_SKEW_SECS / 60
                    ),
                )
            });
        }
        let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) if e.is::<LengthLimitError>() => return Err(too_large()),
            Err(_) => return Err(Refused::malformed("请求没有传完")),
        };
        let input = wire::signing_input("POST", path, &s.kiosk, s.time, &s.nonce, &body);
        let job = if path == ENROL_PATH {
            let r: EnrolRequest = serde_json::from_slice(&body)
                .map_err(|e| Refused::malformed(&format!("登记内容不是约定的 JSON（{e}）")))?;
            enrol::check_request(&r).map_err(|e| Refused::malformed(&e))?;
            if !wire::verify(&r.key, &input, &s.signature) {
                return Err(bad_signature(&s.kiosk));
            }
            self.limit(&s.kiosk)?;
            Job::Enrol {
                kiosk: s.kiosk,
                nonce: s.nonce,
                req: r,
            }
        } else {
            let (reader, id) = (self.reader.clone(), s.kiosk.clone());
            let known = tokio::task::spawn_blocking(move || {
                let mut db = reader.lock().unwrap_or_else(|e| e.into_inner());
                kiosks::get(db.as_mut(), &id)
            })
            .await
            .unwrap_or_else(|e| Err(DbError(format!("reader task: {e}"))));
            let k = match known {
                Ok(Some(k)) => k,
                Ok(None) => return Err(Refused::unknown(&s.kiosk)),
                Err(e) => {
                    log::error!("读汇总数据库失败：{e}");
                    return Err(Refused::failed());
                }
            };
            if !wire::verify(&k.public_key, &input, &s.signature) {
                return Err(bad_signature(&s.kiosk));
            }
            match k.state {
                KioskState::Approved => {}
                KioskState::Pending => return Err(Refused::pending(&s.kiosk)),
                KioskState::Revoked => return Err(Refused::revoked(&s.kiosk)),
            }
            self.limit(&s.kiosk)?;
            let r: UploadRequest = serde_json::from_slice(&body)
                .map_err(|e| Refused::malformed(&format!("上传内容不是约定的 JSON（{e}）")))?;
            let (ok, bad) = inbox::check(r).map_err(|e| Refused::malformed(&e))?;
            Job::Upload {
                kiosk: s.kiosk,
                nonce: s.nonce,
                ok,
                bad,
            }
        };
        match self.writer.submit(job).await {
            Answer::Enrolled(r) => Ok(json(200, &r)),
            Answer::Uploaded(r) => Ok(json(200, &r)),
            Answer::Refused(r) => Err(r),
        }
    }

    /// A console page: the form read (bounded), then the page made on the blocking pool.
    async fn console(&self, req: Request<Incoming>) -> Reply {
        use console::web::{self, Method as M};
        let method = match *req.method() {
            Method::GET | Method::HEAD => M::Get,
            Method::POST => M::Post,
            _ => M::Other,
        };
        let path = req.uri().path()[web::PREFIX.len()..].to_string();
        let path = if path.is_empty() {
            "/".to_string()
        } else {
            path
        };
        let query = web::parse_form(req.uri().query().unwrap_or_default().as_bytes());
        let cookies = req
            .headers()
            .get_all(hyper::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ");
        let forwarded_https = req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
        let form = if method == M::Post {
            match Limited::new(req.into_body(), web::MAX_FORM).collect().await {
                Ok(b) => web::parse_form(&b.to_bytes()),
                Err(_) => return empty(StatusCode::PAYLOAD_TOO_LARGE),
            }
        } else {
            vec![]
        };
        let request = web::Request {
            method,
            path,
            query,
            form,
            cookies,
            forwarded_https,
            now: now(),
        };
        let (db, c) = (self.console_db.clone(), self.console.clone());
        let page = tokio::task::spawn_blocking(move || {
            let mut db = db.lock().unwrap_or_else(|e| e.into_inner());
            web::handle(&c, db.as_mut(), &request)
        })
        .await;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                log::error!("控制台页面任务失败：{e}");
                return empty(StatusCode::INTERNAL_SERVER_ERROR);
            }
        };
        let mut r = Response::new(Full::new(Bytes::from(page.body)));
        *r.status_mut() = StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK);
        for (name, value) in page.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                r.headers_mut().append(name, v);
            }
        }
        r
    }

    async fn handle(&self, req: Request<Incoming>) -> Reply {
        let p = req.uri().path();
        if p == console::web::PREFIX || p.starts_with("/console/") {
            return self.console(req).await;
        }
        let path = match req.uri().path() {
            ENROL_PATH => Some(ENROL_PATH),
            UPLOAD_PATH => Some(UPLOAD_PATH),
            _ => None,
        };
        match path {
            Some(_) if req.method() != Method::POST => empty(StatusCode::METHOD_NOT_ALLOWED),
            Some(path) => match self.api(req, path).await {
                Ok(r) => r,
                Err(r) => refused(&r),
            },
            None => match &self.repo {
                Some(root) => crate::serve::answer(root, &req),
                None => empty(StatusCode::NOT_FOUND),
            },
        }
    }
}

/// A running hub on its own thread (the same handle as `banshi serve`'s); dropping it stops
/// accepting connections, `join` blocks until it stops.
pub type Running = crate::serve::Serving;

/// How long a connection may take to finish its TLS handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// Answers one connection (plain or TLS) with HTTP/1.1.
async fn serve<IO>(hub: Arc<Hub>, io: IO)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let hub = hub.clone();
        async move { Ok::<_, Infallible>(hub.handle(req).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(io), service)
        .await;
}

/// What a plain-HTTP client on the HTTPS port is told (in the hub's JSON refusal shape, so a
/// kiosk configured with `http://` shows it), before the connection is closed.
fn plain_on_tls_port() -> Vec<u8> {
    let body = serde_json::to_vec(
        &Refused::new(
            Refusal::Malformed,
            "汇总服务只接受 HTTPS，这个请求是明文 HTTP。请把 kiosk.toml 的 hub 写成 https:// 开头的地址。"
                .into(),
        )
        .reply(),
    )
    .expect("replies serialise");
    let mut out = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend(body);
    out
}

/// One HTTPS connection: a plain-HTTP request is answered with [`plain_on_tls_port`], a
/// failed or slow handshake just closes it.
async fn serve_tls(hub: Arc<Hub>, stream: tokio::net::TcpStream, tls: tokio_rustls::TlsAcceptor) {
    use tokio::io::AsyncWriteExt;
    let mut first = [0u8; 1];
    // A TLS connection starts with a handshake record (0x16).
    match tokio::time::timeout(HANDSHAKE, stream.peek(&mut first)).await {
        Ok(Ok(1)) if first[0] != 0x16 => {
            let mut stream = stream;
            let _ = stream.write_all(&plain_on_tls_port()).await;
            let _ = stream.shutdown().await;
            return;
        }
        Ok(Ok(1)) => {}
        _ => return,
    }
    match tokio::time::timeout(HANDSHAKE, tls.accept(stream)).await {
        Ok(Ok(s)) => serve(hub, s).await,
        Ok(Err(e)) => log::debug!("TLS 握手失败：{e}"),
        Err(_) => log::debug!("TLS 握手超时"),
    }
}

/// Opens the database, binds and serves on a thread of its own.
pub fn start(opts: Options) -> anyhow::Result<Running> {
    let tls = match &opts.tls {
        Some(files) => Some(tokio_rustls::TlsAcceptor::from(super::tls::load(files)?)),
        None => None,
    };
    let repo = match &opts.repo {
        Some(r) => {
            let root = std::fs::canonicalize(r)
                .with_context(|| format!("找不到内容仓库 {}", r.display()))?;
            if !root.join("metadata").join("timestamp.json").exists() {
                anyhow::bail!(
                    "{} 不是已发布的内容仓库（缺少 metadata/timestamp.json）。先运行 banshi publish。",
                    root.display()
                );
            }
            Some(root)
        }
        None => None,
    };
    let writer = Writer::start(super::db::open(&opts.db)?, opts.queue, opts.policy)?;
    let console = Arc::new(console::web::Console::new(
        tls.is_some(),
        repo.clone(),
        opts.deadlines.clone(),
    ));
    let hub = Arc::new(Hub {
        console,
        console_db: Arc::new(Mutex::new(super::db::open(&opts.db)?)),
        reader: Arc::new(Mutex::new(super::db::open(&opts.db)?)),
        writer,
        limiter: Mutex::new(Limiter::new(opts.rate, opts.burst)),
        repo,
    });
    let listener = std::net::TcpListener::bind(&opts.listen)
        .with_context(|| format!("无法在 {} 上监听", opts.listen))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    if tls.is_none() && !addr.ip().is_loopback() {
        log::warn!(
            "汇总服务在 {addr} 上用明文 HTTP 接收（评价里可能有电话号码）：请在前面放 HTTPS 反向代理（nginx、Caddy），或加 --tls-cert 和 --tls-key 让汇总服务自己用 HTTPS。"
        );
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listener = {
        let _inside = rt.enter();
        tokio::net::TcpListener::from_std(listener)?
    };
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let lights = (hub.console_db.clone(), hub.console.clone());
    let thread = std::thread::Builder::new()
        .name("hub".into())
        .spawn(move || {
            rt.block_on(async move {
                // The fleet's lights, refreshed in the background (console::lights) so the
                // fleet page rarely has any left to judge; ends with the runtime.
                tokio::spawn(async move {
                    loop {
                        let (db, c) = (lights.0.clone(), lights.1.clone());
                        let done = tokio::task::spawn_blocking(move || {
                            let mut db = db.lock().unwrap_or_else(|e| e.into_inner());
                            let newest = c.newest_version(db.as_mut());
                            console::lights::refresh(db.as_mut(), newest, now())
                        })
                        .await;
                        if let Ok(Err(e)) = done {
                            log::warn!("没能更新终端状态灯（下一轮再试）：{e}");
                        }
                        tokio::time::sleep(console::lights::REFRESH_EVERY).await;
                    }
                });
                loop {
                    let stream = tokio::select! {
                        _ = &mut stop_rx => break,
                        accepted = listener.accept() => match accepted {
                            Ok((s, _)) => s,
                            Err(_) => {
                                // Out of file descriptors, say: wait a moment, do not spin.
                                tokio::time::sleep(Duration::from_millis(50)).await;
                                continue;
                            }
                        },
                    };
                    let _ = stream.set_nodelay(true);
                    let hub = hub.clone();
                    match &tls {
                        Some(tls) => tokio::spawn(serve_tls(hub, stream, tls.clone())),
                        None => tokio::spawn(serve(hub, stream)),
                    };
                }
            })
        })?;
    Ok(Running {
        addr,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}

/// `banshi hub`: starts, prints `listening on ADDR` on stdout, and serves until killed.
pub fn run(opts: Options) -> anyhow::Result<()> {
    let db = super::db::describe(&opts.db);
    let scheme = if opts.tls.is_some() { "https" } else { "http" };
    let running = start(opts)?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", running.addr)?;
        out.flush()?;
    }
    log::info!(
        "汇总服务在 {scheme}://{} 上接收终端上传（数据库 {db}）",
        running.addr
    );
    running.join();
    Ok(())
}

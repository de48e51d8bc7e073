//! `banshi bench` part for sync: a generated county published to a repository and served by
//! `banshi serve` on 127.0.0.1; one full sync into an empty kiosk, then one guide changed and
//! an incremental sync. Prints seconds, bytes, requests and the apply time of each.
//!
//! With a simulated line (`--line-mbit`, `--line-rtt-ms`) every connection goes through a
//! loopback proxy of our own ([`LineProxy`]) that delays and rate-limits both directions, and
//! the same line also carries one download of the published version as a single `tar.gz`
//! (made with the system's `tar -czf`, gzip's default level): the yardstick the first sync is
//! compared with.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::publish::{self, keys};
use crate::sync::{run_once_with, Fetcher, Options, Source, Status, Timeouts};

/// A simulated village line: a rate in each direction and a round trip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub mbit: f64,
    pub rtt_ms: u64,
}

impl Line {
    fn one_way(&self) -> Duration {
        Duration::from_micros(self.rtt_ms * 500)
    }

    /// How long `bytes` occupy the line.
    fn serialise(&self, bytes: usize) -> Duration {
        Duration::from_secs_f64(bytes as f64 * 8.0 / (self.mbit * 1e6))
    }
}

/// The two directions of the line, each shared by every connection (one router, one cable):
/// when each becomes free.
struct LineState {
    line: Line,
    free_at: [Mutex<Instant>; 2],
}

impl LineState {
    /// Puts `bytes` on direction `dir` after whatever is queued there; returns when they arrive.
    fn send(&self, dir: usize, bytes: usize) -> Instant {
        let mut free = self.free_at[dir].lock().unwrap();
        let start = (*free).max(Instant::now());
        *free = start + self.line.serialise(bytes);
        *free + self.line.one_way()
    }
}

/// A TCP proxy on 127.0.0.1 in front of `upstream`: each new connection waits one round trip
/// (the TCP handshake), then bytes in both directions are queued on the shared line (rate) and
/// delivered half a round trip after they left it. TCP's own slow start is not simulated.
pub struct LineProxy {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LineProxy {
    pub fn start(upstream: SocketAddr, line: Line) -> anyhow::Result<LineProxy> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let state = Arc::new(LineState {
            line,
            free_at: [Mutex::new(Instant::now()), Mutex::new(Instant::now())],
        });
        let thread = std::thread::Builder::new()
            .name("bench-line".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    let listener = TcpListener::from_std(std_listener).expect("listener");
                    loop {
                        tokio::select! {
                            _ = &mut stopped => break,
                            accepted = listener.accept() => {
                                let Ok((client, _)) = accepted else { continue };
                                tokio::spawn(connection(client, upstream, state.clone()));
                            }
                        }
                    }
                });
            })?;
        Ok(LineProxy {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for LineProxy {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn connection(client: TcpStream, upstream: SocketAddr, state: Arc<LineState>) {
    tokio::time::sleep(state.line.one_way() * 2).await;
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    tokio::join!(
        pump(cr, sw, state.clone(), 0),
        pump(sr, cw, state.clone(), 1)
    );
}

/// Copies one direction through the line.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    state: Arc<LineState>,
    dir: usize,
) {
    // A bounded queue: the sender is held back (TCP flow control) once 256 KB are in flight.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Instant, Vec<u8>)>(64);
    let writer = async move {
        while let Some((at, bytes)) = rx.recv().await {
            tokio::time::sleep_until(at.into()).await;
            if to.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    };
    let reader = async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let at = state.send(dir, n);
            if tx.send((at, buf[..n].to_vec())).await.is_err() {
                break;
            }
        }
    };
    tokio::join!(reader, writer);
}

/// Downloads `url` whole with a fresh client (a new connection, as curl would); returns bytes
/// and seconds.
fn download(url: &str) -> anyhow::Result<(u64, f64)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let t = Instant::now();
        let client = reqwest::Client::builder().build()?;
        let mut resp = client.get(url).send().await?.error_for_status()?;
        let mut n = 0u64;
        while let Some(c) = resp.chunk().await? {
            n += c.len() as u64;
        }
        Ok((n, t.elapsed().as_secs_f64()))
    })
}

/// The published version as one `tar.gz` in `dir`, as a county would put it on a web server.
fn archive(repo: &Path, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let status = std::process::Command::new("tar")
        .arg("-czf")
        .arg(dir.join("county.tar.gz"))
        .arg("-C")
        .arg(repo)
        .args([
            publish::METADATA_DIR,
            publish::TARGETS_DIR,
            publish::OBJECTS_DIR,
        ])
        .status()?;
    anyhow::ensure!(status.success(), "tar failed");
    Ok(())
}

/// The same content as plain JSON objects (a format-1 repository: no per-object compression)
/// in one `tar.gz` in `dir`: gzip then compresses across documents, which flatters the archive,
/// so this is the stricter yardstick (the "one compressed download of the content").
fn archive_plain(content: &crate::model::Content, dir: &Path) -> anyhow::Result<()> {
    let plain = dir.join("plain");
    let packed = crate::pack::pack_format(content, 1);
    for (hash, body) in &packed.objects {
        let path = publish::object_path(&plain, hash);
        std::fs::create_dir_all(path.parent().expect("objects/HH"))?;
        std::fs::write(path, body)?;
    }
    std::fs::write(plain.join("manifest.json"), &packed.manifest_bytes)?;
    let status = std::process::Command::new("tar")
        .arg("-czf")
        .arg(dir.join("county-plain.tar.gz"))
        .arg("-C")
        .arg(&plain)
        .args([publish::OBJECTS_DIR, "manifest.json"])
        .status()?;
    anyhow::ensure!(status.success(), "tar failed");
    std::fs::remove_dir_all(&plain)?;
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub fn run(items: usize, line: Option<Line>) -> anyhow::Result<serde_json::Value> {
    let root = tempfile::tempdir()?;
    let keys_dir = root.path().join("keys");
    let repo = root.path().join("repo");
    let kiosk = root.path().join("kiosk");
    keys::keygen(
        &keys_dir,
        &keys::KeygenOptions {
            root_expires_days: 30,
            force: false,
        },
    )?;
    let mut content = crate::sample::generated(items);
    let t = Instant::now();
    let first = publish::publish_content(Some(&content), &keys_dir, &repo, 30)?;
    let publish_s = t.elapsed().as_secs_f64();
    // The yardstick, beside the repository (not among the files a kiosk reads).
    archive(&repo, &repo)?;
    archive_plain(&content, &repo)?;
    let served = crate::serve::start(&repo, "127.0.0.1:0")?;
    let proxy = match line {
        Some(l) => Some(LineProxy::start(served.addr, l)?),
        None => None,
    };
    let repo_addr = proxy.as_ref().map_or(served.addr, |p| p.addr);
    let archive_addr = repo_addr;
    let (archive_bytes, archive_s) = download(&format!("http://{archive_addr}/county.tar.gz"))?;
    let (plain_bytes, plain_s) = download(&format!("http://{archive_addr}/county-plain.tar.gz"))?;

    let trust = std::fs::read(keys_dir.join(keys::ROOT_JSON))?;
    let opts = Options::new(
        Source::parse(&format!("http://{repo_addr}/")).map_err(anyhow::Error::msg)?,
        kiosk.clone(),
        Some(trust),
    );
    let measure = |what: &str| -> anyhow::Result<serde_json::Value> {
        let fetcher = Fetcher::new(Timeouts::default()).map_err(anyhow::Error::msg)?;
        let t = Instant::now();
        let r = run_once_with(&opts, &fetcher);
        let seconds = t.elapsed().as_secs_f64();
        if r.status != Status::Updated {
            anyhow::bail!("{what} sync ended {:?}: {:?}", r.status, r.error);
        }
        Ok(serde_json::json!({
            "seconds": round3(seconds),
            "bytes": r.bytes_downloaded,
            "requests": fetcher.requests.load(Ordering::Relaxed),
            "apply_seconds": round3(r.apply_seconds),
            "phases": r.phases,
            "time_vs_archive": round3(seconds / archive_s),
            "bytes_vs_archive": round3(r.bytes_downloaded as f64 / archive_bytes as f64),
            "time_vs_plain_archive": round3(seconds / plain_s),
            "bytes_vs_plain_archive": round3(r.bytes_downloaded as f64 / plain_bytes as f64),
        }))
    };
    let full = measure("full")?;
    content.items[items / 2].consult_phone = "0739-0000000".into();
    let second = publish::publish_content(Some(&content), &keys_dir, &repo, 30)?;
    let incremental = measure("incremental")?;
    let share =
        incremental["bytes"].as_f64().unwrap_or(0.0) / full["bytes"].as_f64().unwrap_or(1.0);
    let db_path = kiosk.join(crate::store::DB_FILE);
    let db_bytes = std::fs::metadata(&db_path)?.len();
    let wal_bytes = std::fs::metadata(kiosk.join(format!("{}-wal", crate::store::DB_FILE)))
        .map_or(0, |m| m.len());
    // Where the database's bytes are (SQLite's dbstat table, when compiled in).
    let tables: serde_json::Value = (|| -> rusqlite::Result<serde_json::Value> {
        let conn = rusqlite::Connection::open(&db_path)?;
        let mut st = conn.prepare(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut m = serde_json::Map::new();
        for row in rows {
            let (name, bytes) = row?;
            m.insert(name, bytes.into());
        }
        Ok(m.into())
    })()
    .unwrap_or(serde_json::Value::Null);
    eprintln!(
        "sync {items} guides, line {}: archive {archive_bytes} B {archive_s:.2} s, plain-JSON archive {plain_bytes} B {plain_s:.2} s; first {} B {} s {} requests apply {} s (×{} archive time, ×{} plain archive time); incremental {} B {} s {} requests",
        line.map_or("loopback".to_string(), |l| format!("{} Mbit/s {} ms", l.mbit, l.rtt_ms)),
        full["bytes"], full["seconds"], full["requests"], full["apply_seconds"],
        full["time_vs_archive"], full["time_vs_plain_archive"],
        incremental["bytes"], incremental["seconds"], incremental["requests"],
    );
    Ok(serde_json::json!({
        "items": items,
        "documents": first.documents,
        "line": line.map(|l| serde_json::json!({"mbit": l.mbit, "rtt_ms": l.rtt_ms})),
        "publish_seconds": round3(publish_s),
        // Format 3: the dictionary object's size (0: none), part of the first sync's bytes.
        "dictionary_bytes": first
            .dictionary
            .as_ref()
            .and_then(|h| std::fs::metadata(publish::object_path(&repo, h)).ok())
            .map_or(0, |m| m.len()),
        "objects_rewritten_for_one_change": second.objects_written,
        "archive": {"bytes": archive_bytes, "seconds": round3(archive_s)},
        "plain_archive": {"bytes": plain_bytes, "seconds": round3(plain_s)},
        "full": full,
        "incremental_one_guide": incremental,
        "incremental_share_percent": (share * 10000.0).round() / 100.0,
        "kiosk_db_bytes": db_bytes,
        "kiosk_wal_bytes": wal_bytes,
        "kiosk_db_tables": tables,
    }))
}

//! The county host's operations (`packaging/county/`): the re-signing service run exactly as its
//! unit says, `banshi serve` as its unit says, `banshi doctor --repo` warning from 7 days before
//! expiry, the units checked by `systemd-analyze verify`, and the nginx example served by a real
//! nginx when one is installed. Every test makes its own keys and repository.

mod common;
use common::{banshi, text};

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const UNIT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/county");
const KEYS: &str = "/etc/banshi/keys";
const REPO: &str = "/srv/banshi-repo";

/// A county host: keys (without root.key, kept offline as the README says) and a repository
/// holding the sample county, signed for `days`.
struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    fn new(days: u32) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let host = Host { dir };
        common::keygen_and_publish_sample(
            &host.keys(),
            &host.repo(),
            &["--expires-days", &days.to_string()],
        );
        std::fs::remove_file(Path::new(&host.keys()).join("root.key")).unwrap();
        host
    }
    fn keys(&self) -> String {
        self.dir.path().join("keys").display().to_string()
    }
    fn repo(&self) -> String {
        self.dir.path().join("repo").display().to_string()
    }
    fn doctor(&self) -> Output {
        banshi(&["doctor", "--repo", &self.repo()])
    }
    /// A unit's command line with this host's folders and the binary under test.
    fn command(&self, line: &str) -> Vec<String> {
        line.split_whitespace()
            .map(|w| match w {
                "/usr/bin/banshi" => env!("CARGO_BIN_EXE_banshi").to_string(),
                KEYS => self.keys(),
                REPO => self.repo(),
                "0.0.0.0:8080" => "127.0.0.1:0".to_string(),
                w => w.to_string(),
            })
            .collect()
    }
}

/// The value of `key=` in a unit file (the first line).
fn unit_value(unit: &str, key: &str) -> String {
    let text = std::fs::read_to_string(Path::new(UNIT_DIR).join(unit)).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{unit} has no {key}="))
        .to_string()
}

fn run(cmd: &[String]) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(&cmd[0])
        .args(&cmd[1..])
        .env_remove("BANSHI_CONFIG")
        .env("HOME", home.path())
        .output()
        .unwrap()
}

#[test]
fn doctor_repo_warns_from_seven_days_before_expiry() {
    let fresh = Host::new(30);
    let o = fresh.doctor();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("[通过] 发布仓库有效期"), "{}", text(&o));

    let soon = Host::new(6);
    let o = soon.doctor();
    assert!(!o.status.success(), "6 days left must fail: {}", text(&o));
    assert!(text(&o).contains("只剩"), "{}", text(&o));
    assert!(
        text(&o).contains("banshi publish --refresh"),
        "says what to do: {}",
        text(&o)
    );
    let o = banshi(&["doctor", "--repo", &soon.repo(), "--json"]);
    let checks: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(checks[0]["ok"], false);

    let o = Host::new(8).doctor();
    assert!(o.status.success(), "8 days left is fine: {}", text(&o));

    // Expired (the date in the signed metadata moved back, as time would).
    let ts = Path::new(&fresh.repo()).join("metadata/timestamp.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&ts).unwrap()).unwrap();
    v["signed"]["expires"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&ts, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = fresh.doctor();
    assert!(!o.status.success());
    assert!(text(&o).contains("已于"), "{}", text(&o));

    let o = banshi(&[
        "doctor",
        "--repo",
        &fresh.dir.path().join("none").display().to_string(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("banshi publish"), "{}", text(&o));
}

#[test]
fn the_refresh_unit_re_signs_without_the_root_key_and_its_check_passes() {
    let host = Host::new(3);
    assert!(!host.doctor().status.success(), "3 days left: a warning");
    let before = std::fs::read(Path::new(&host.repo()).join("metadata/timestamp.json")).unwrap();

    let o = run(&host.command(&unit_value("banshi-refresh.service", "ExecStart")));
    assert!(o.status.success(), "ExecStart as written: {}", text(&o));
    let o = run(&host.command(&unit_value("banshi-refresh.service", "ExecStartPost")));
    assert!(
        o.status.success(),
        "ExecStartPost (doctor) after it: {}",
        text(&o)
    );
    assert!(
        text(&o).contains("还有 29 天") || text(&o).contains("还有 30 天"),
        "{}",
        text(&o)
    );
    let after = std::fs::read(Path::new(&host.repo()).join("metadata/timestamp.json")).unwrap();
    assert_ne!(before, after, "timestamp.json re-signed");

    // Kiosks accept the re-signed repository.
    let kiosk = tempfile::tempdir().unwrap();
    let o = banshi(&[
        "sync",
        "--from",
        &host.repo(),
        "--trust",
        &format!("{}/root.json", host.keys()),
        "--data-dir",
        &kiosk.path().display().to_string(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["status"], "updated", "{r}");

    // The paths the unit writes are the ones it may write.
    assert_eq!(unit_value("banshi-refresh.service", "ReadWritePaths"), REPO);
    assert_eq!(
        unit_value("banshi-refresh.service", "ConditionPathExists"),
        format!("{REPO}/metadata/timestamp.json")
    );
}

/// Starts `banshi serve` as its unit says (on 127.0.0.1, a free port) and returns it with its
/// address.
fn serve_as_unit(host: &Host) -> (std::process::Child, String) {
    let cmd = host.command(&unit_value("banshi-serve.service", "ExecStart"));
    let mut child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .env_remove("BANSHI_CONFIG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("serve prints its address: {line}"))
        .trim_end_matches('/')
        .to_string();
    (child, addr)
}

/// One HTTP/1.1 request; the response head (lower-case header names) and body.
fn get(addr: &str, path: &str, extra: &str) -> (String, Vec<u8>) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: banshi.example.gov.cn\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&all[..end]).to_lowercase();
    (head, all[end + 4..].to_vec())
}

#[test]
fn the_serve_unit_serves_the_repository_as_written() {
    let host = Host::new(30);
    let (mut child, addr) = serve_as_unit(&host);
    let (head, body) = get(&addr, "/metadata/timestamp.json", "");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(
        body,
        std::fs::read(Path::new(&host.repo()).join("metadata/timestamp.json")).unwrap()
    );
    let (head, _) = get(&addr, "/metadata/", "");
    assert!(!head.starts_with("http/1.1 200"), "no listing: {head}");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A root for `systemd-analyze verify`: this system's units, the county units, and a stand-in
/// binary (verify checks that ExecStart is executable).
fn verify_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    // `cp -a`: the folder holds symlinks (aliases, masked units) that must stay symlinks.
    let lib = root.path().join("usr/lib/systemd");
    std::fs::create_dir_all(&lib).unwrap();
    let o = Command::new("cp")
        .args(["-a", "/usr/lib/systemd/system"])
        .arg(&lib)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let etc = root.path().join("etc/systemd/system");
    std::fs::create_dir_all(&etc).unwrap();
    for unit in [
        "banshi-refresh.service",
        "banshi-refresh.timer",
        "banshi-serve.service",
    ] {
        std::fs::copy(Path::new(UNIT_DIR).join(unit), etc.join(unit)).unwrap();
    }
    let bin = root.path().join("usr/bin/banshi");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::write(&bin, "#!/bin/sh\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    root
}

#[test]
fn the_county_units_pass_systemd_analyze_verify() {
    if !Path::new("/usr/lib/systemd/system").is_dir()
        || Command::new("systemd-analyze")
            .arg("--version")
            .output()
            .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs systemd-analyze (package systemd)"
        );
        eprintln!("skipped: no systemd-analyze on this machine");
        return;
    }
    let root = verify_root();
    for unit in [
        "banshi-refresh.service",
        "banshi-refresh.timer",
        "banshi-serve.service",
    ] {
        let o = Command::new("systemd-analyze")
            .args(["verify", &format!("--root={}", root.path().display()), unit])
            .output()
            .unwrap();
        assert!(o.status.success(), "{unit}: {}", text(&o));
        assert_eq!(text(&o).trim(), "", "{unit} warns");
    }
    // And it does catch a mistake (a misspelt key), so the clean result above means something.
    let etc = root.path().join("etc/systemd/system/banshi-serve.service");
    let unit = std::fs::read_to_string(&etc).unwrap();
    std::fs::write(&etc, unit.replace("RestartSec=", "RestartSecs=")).unwrap();
    let o = Command::new("systemd-analyze")
        .args([
            "verify",
            &format!("--root={}", root.path().display()),
            "banshi-serve.service",
        ])
        .output()
        .unwrap();
    assert!(text(&o).contains("RestartSecs"), "{}", text(&o));
}

/// The nginx example, served by a real nginx on 127.0.0.1 (skipped without nginx; CI installs
/// none): no listing, one byte range, no-cache metadata, immutable objects, nothing else served.
#[test]
fn the_nginx_example_serves_ranges_and_the_right_cache_headers() {
    // BANSHI_TEST_NGINX: an nginx binary not installed system-wide (e.g. unpacked from the
    // Debian package with `dpkg -x`).
    let Some(nginx) = std::env::var_os("BANSHI_TEST_NGINX")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/usr/sbin/nginx", "/usr/bin/nginx"].map(PathBuf::from))
        .find(|p| p.exists())
    else {
        eprintln!("skipped: nginx is not installed");
        return;
    };
    let host = Host::new(30);
    std::fs::create_dir_all(Path::new(&host.repo()).join(".publish")).unwrap();
    std::fs::write(Path::new(&host.repo()).join(".publish/secret"), "x").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = tempfile::tempdir().unwrap();
    let site = std::fs::read_to_string(Path::new(UNIT_DIR).join("nginx-banshi.conf"))
        .unwrap()
        .replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
        .replace("listen [::]:80;", "")
        .replace(REPO, &host.repo())
        .replace(
            "/var/log/nginx/banshi.access.log",
            &run.path().join("access.log").display().to_string(),
        );
    std::fs::write(run.path().join("site.conf"), site).unwrap();
    let conf = format!(
        "daemon off; pid {dir}/nginx.pid; error_log {dir}/error.log;\n\
         events {{}}\n\
         http {{ client_body_temp_path {dir}; proxy_temp_path {dir}; fastcgi_temp_path {dir}; \
         uwsgi_temp_path {dir}; scgi_temp_path {dir}; access_log off; include {dir}/site.conf; }}\n",
        dir = run.path().display()
    );
    std::fs::write(run.path().join("nginx.conf"), conf).unwrap();
    let conf = run.path().join("nginx.conf").display().to_string();
    let o = Command::new(&nginx)
        .args(["-t", "-p", &run.path().display().to_string(), "-c", &conf])
        .output()
        .unwrap();
    assert!(o.status.success(), "nginx -t: {}", text(&o));
    let mut child = Command::new(&nginx)
        .args(["-p", &run.path().display().to_string(), "-c", &conf])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let up = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(&addr).is_ok()
    });
    assert!(up, "nginx did not start");

    let (head, body) = get(&addr, "/metadata/timestamp.json", "");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("cache-control: no-cache"), "{head}");
    assert!(body.starts_with(b"{"));
    // A pack (format 2), or an object: both immutable, named by their hash.
    let pack = ["packs", "objects"]
        .iter()
        .find_map(|d| first_file(&Path::new(&host.repo()).join(d)))
        .expect("a pack or an object");
    let pack = pack
        .strip_prefix(host.repo())
        .unwrap()
        .display()
        .to_string();
    let (head, body) = get(&addr, &format!("/{pack}"), "Range: bytes=10-19\r\n");
    assert!(head.starts_with("http/1.1 206"), "{head}");
    assert!(head.contains("immutable"), "{head}");
    let whole = std::fs::read(Path::new(&host.repo()).join(&pack)).unwrap();
    assert_eq!(body, whole[10..20]);
    for hidden in [
        "/",
        "/metadata/",
        "/packs/",
        "/.publish/secret",
        "/../keys/publish.key",
    ] {
        let (head, _) = get(&addr, hidden, "");
        assert!(
            head.starts_with("http/1.1 404")
                || head.starts_with("http/1.1 403")
                || head.starts_with("http/1.1 400"),
            "{hidden}: {head}"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

fn first_file(dir: &Path) -> Option<PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    entries.into_iter().find_map(|p| {
        if p.is_dir() {
            first_file(&p)
        } else {
            (std::fs::metadata(&p).ok()?.len() > 20).then_some(p)
        }
    })
}

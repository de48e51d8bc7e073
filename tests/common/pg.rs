//! A real PostgreSQL server for one test: Debian's `postgresql` binaries, a fresh cluster in a
//! temporary folder, reachable only over a Unix socket in that folder (no TCP port), stopped
//! and removed when dropped. PostgreSQL refuses to run as root, so under root (CI) the cluster
//! belongs to the `postgres` user the Debian package creates.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PgServer {
    child: Child,
    dir: tempfile::TempDir,
}

/// `initdb` and `postgres` from Debian's packages (newest version first), or from PATH.
fn bin(name: &str) -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.flatten()
                .map(|e| e.path().join("bin").join(name))
                .collect()
        })
        .unwrap_or_default();
    versions.retain(|p| p.exists());
    versions.sort();
    if let Some(p) = versions.pop() {
        return p;
    }
    let on_path = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match on_path {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "PostgreSQL's {name} was not found: the PostgreSQL tests need Debian's postgresql \
             package. Run packaging/dev/setup.sh (it installs it)."
        ),
    }
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// `program args…`, as the `postgres` user when the tests run as root. `setpriv` execs in
/// place, so the child's pid is the server's own and a signal reaches it directly.
fn command(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--",
        ])
        .arg(program);
        c
    } else {
        Command::new(program)
    }
}

impl PgServer {
    pub fn start() -> PgServer {
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let out = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "chown to the postgres user (made by Debian's postgresql package): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let data = dir.path().join("data");
        let out = command(&bin("initdb"))
            .args([
                "--no-sync",
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
            ])
            .args(["--locale=C", "-D"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut server = PgServer {
            child: spawn(dir.path()),
            dir,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while banshi::hub::pg::PgDb::open(&self.url("postgres")).is_err() {
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not start within 60 s: {}",
                self.log()
            );
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("PostgreSQL stopped ({status}): {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the server (fast shutdown: every connection is cut) and starts it again on the
    /// same data, as after a restart of the database machine's service.
    pub fn restart(&mut self) {
        self.stop();
        self.child = spawn(self.dir.path());
        self.wait_ready();
    }

    /// The URL of database `name` (over the Unix socket in the server's folder).
    pub fn url(&self, name: &str) -> String {
        let socket = self.dir.path().to_str().unwrap().replace('/', "%2F");
        format!("postgres://postgres@{socket}/{name}")
    }

    /// Makes database `name` and returns its URL.
    pub fn database(&self, name: &str) -> String {
        use banshi::hub::sql::Db;
        let mut admin = banshi::hub::pg::PgDb::open(&self.url("postgres")).unwrap();
        admin.batch(&format!("CREATE DATABASE {name}")).unwrap();
        self.url(name)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl PgServer {
    fn stop(&mut self) {
        // SIGINT: PostgreSQL's fast shutdown (SIGKILL would leave its shared memory behind).
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `postgres` on the cluster in `dir/data`, its socket in `dir`, its log appended to
/// `dir/server.log`.
fn spawn(dir: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .unwrap();
    command(&bin("postgres"))
        .arg("-D")
        .arg(dir.join("data"))
        .arg("-k")
        .arg(dir)
        .args(["-c", "listen_addresses=", "-c", "max_connections=200"])
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("postgres starts")
}

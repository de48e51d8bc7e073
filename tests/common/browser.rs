//! A real browser for the console tests: Debian's `chromedriver` started on a free loopback port
//! and headless `chromium` driven over W3C WebDriver. The client is the handful of WebDriver
//! endpoints the tests use, over reqwest (already a dependency) — a WebDriver crate would add
//! dozens of crates to the test build for the same eight calls. Both processes are stopped on
//! drop; every wait is bounded.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

/// Whether this machine has the browser (CI installs it; a developer may not have).
pub fn available() -> bool {
    std::path::Path::new("/usr/bin/chromedriver").exists()
        && std::path::Path::new("/usr/bin/chromium").exists()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless chromium window of `width`×`height`.
    pub fn start(width: u32, height: u32) -> Browser {
        let port = free_port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts (packaging/dev/setup.sh installs chromium-driver)");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _inside = rt.enter();
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        drop(_inside);
        let profile = tempfile::tempdir().unwrap();
        let mut b = Browser {
            driver,
            rt,
            http,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready =
                b.rt.block_on(async { b.http.get(format!("{}/status", b.base)).send().await })
                    .is_ok();
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start in 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--lang=zh-CN", "--hide-scrollbars", "--force-device-scale-factor=1",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", b._profile.path().display()),
                ],
            },
        }}});
        let v = b.call(reqwest::Method::POST, "/session", Some(caps));
        b.session = v["sessionId"].as_str().expect("a session id").to_string();
        b
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        match self.try_call(method.clone(), path, body) {
            Ok(v) => v,
            Err(e) => panic!("WebDriver {method} {path}: {e}"),
        }
    }

    /// A WebDriver command; its error (status and reply) when it failed.
    fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = format!("{}{}", self.base, path);
        let fut = async {
            let mut req = self.http.request(method.clone(), &url);
            let body = match (&body, &method) {
                (Some(b), _) => Some(b.to_string()),
                (None, &reqwest::Method::POST) => Some("{}".to_string()),
                _ => None,
            };
            if let Some(b) = body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b);
            }
            let r = req.send().await.expect("chromedriver answers");
            let status = r.status();
            let bytes = r.bytes().await.expect("a WebDriver reply");
            let v: Value = serde_json::from_slice(&bytes).expect("WebDriver JSON");
            (status, v)
        };
        let (status, v) = self.rt.block_on(fut);
        if status.is_success() {
            Ok(v["value"].clone())
        } else {
            Err(format!("{status} {v}"))
        }
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn goto(&self, url: &str) {
        self.call(
            reqwest::Method::POST,
            &self.s("/url"),
            Some(json!({ "url": url })),
        );
    }

    pub fn url(&self) -> String {
        self.call(reqwest::Method::GET, &self.s("/url"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            &self.s("/window/rect"),
            Some(json!({"width": width, "height": height})),
        );
    }

    /// The first element matching a CSS selector.
    pub fn find(&self, css: &str) -> String {
        let v = self.call(
            reqwest::Method::POST,
            &self.s("/element"),
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    pub fn count(&self, css: &str) -> usize {
        self.call(
            reqwest::Method::POST,
            &self.s("/elements"),
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call(
            reqwest::Method::POST,
            &self.s(&format!("/element/{e}/clear")),
            None,
        );
        self.call(
            reqwest::Method::POST,
            &self.s(&format!("/element/{e}/value")),
            Some(json!({ "text": text })),
        );
    }

    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.call(
            reqwest::Method::POST,
            &self.s(&format!("/element/{e}/click")),
            None,
        );
    }

    /// Picks the option with `value` in a `<select>`.
    pub fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"));
    }

    /// The visible text of the page's body.
    pub fn text(&self) -> String {
        let e = self.find("body");
        self.call(
            reqwest::Method::GET,
            &self.s(&format!("/element/{e}/text")),
            None,
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Waits (up to 10 s) until the page's text contains `needle` — a click that submits a
    /// form may return before the next page is there; the text then.
    pub fn wait_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // Between two pages there may be no body yet: try again.
            let t = self
                .try_call(
                    reqwest::Method::POST,
                    &self.s("/execute/sync"),
                    Some(json!({"script": "return document.body ? document.body.innerText : ''", "args": []})),
                )
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            if t.contains(needle) {
                return t;
            }
            assert!(Instant::now() < deadline, "no {needle:?} on the page: {t}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits (up to 10 s) until the address ends with `suffix`.
    pub fn wait_url(&self, suffix: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self
                .try_call(reqwest::Method::GET, &self.s("/url"), None)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let ready = self
                .try_call(
                    reqwest::Method::POST,
                    &self.s("/execute/sync"),
                    Some(json!({"script": "return document.readyState", "args": []})),
                )
                .ok()
                .is_some_and(|v| v == "complete");
            if url.ends_with(suffix) && ready {
                return;
            }
            assert!(Instant::now() < deadline, "still at {url}, not …{suffix}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs a script in the page (the test's own doing: the console itself ships none).
    pub fn script(&self, js: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            &self.s("/execute/sync"),
            Some(json!({"script": js, "args": []})),
        )
    }

    /// The page as PNG, grown first to show the whole document (up to 4000 px).
    pub fn screenshot(&self, path: &std::path::Path, width: u32) {
        // Measured at the final width (text wraps differently), then grown to fit.
        self.resize(width, 800);
        let h = self
            .script("return Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.getBoundingClientRect().bottom) + 140)")
            .as_u64()
            .unwrap_or(800)
            .clamp(300, 4000) as u32;
        self.resize(width, h);
        let b64 = self.call(reqwest::Method::GET, &self.s("/screenshot"), None);
        let png = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            b64.as_str().expect("base64 PNG"),
        )
        .expect("a PNG in base64");
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.base, self.session);
            let _ = self.rt.block_on(async {
                tokio::time::timeout(Duration::from_secs(10), self.http.delete(url).send()).await
            });
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

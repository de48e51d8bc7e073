//! The console's HTTP in plain values: a [`Request`] in, a [`Response`] out, over one database
//! connection. `hub::server` turns hyper's request into a [`Request`] (body read, at most
//! [`MAX_FORM`] bytes) and runs [`handle`] on the blocking pool; tests call [`handle`] directly.
//!
//! Every page but the login page and the style sheet needs a live session; every POST needs
//! the session's CSRF token in its `csrf` field (the login form a token of its own, in a
//! short-lived cookie); what a role may not do is answered 403 with the reason.

use std::path::PathBuf;
use std::sync::Mutex;

use super::accounts::{AccountError, Role};
use super::sessions::{self, Session};
use crate::hub::sql::{Db, DbError};

/// Largest form body read.
pub const MAX_FORM: usize = 64 * 1024;
/// Where the console lives on the hub.
pub const PREFIX: &str = "/console";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Other,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// The path under [`PREFIX`], starting with `/` (`/fleet`, `/kiosk/K1`).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    /// The `Cookie` header.
    pub cookies: String,
    /// Reached over HTTPS through the county's front end (`X-Forwarded-Proto: https`): cookies
    /// are then `Secure` too. (Believing it can only make cookies stricter.)
    pub forwarded_https: bool,
    /// Unix seconds.
    pub now: i64,
}

impl Request {
    pub fn get(path: &str, now: i64) -> Request {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        Request {
            method: Method::Get,
            path: path.to_string(),
            query: parse_form(query.as_bytes()),
            form: vec![],
            cookies: String::new(),
            forwarded_https: false,
            now,
        }
    }

    pub fn post(path: &str, form: &[(&str, &str)], now: i64) -> Request {
        Request {
            method: Method::Post,
            form: form
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Request::get(path, now)
        }
    }

    pub fn with_cookies(mut self, cookies: &str) -> Request {
        self.cookies = cookies.to_string();
        self
    }

    /// Whether cookies must be `Secure`: the hub serves HTTPS itself or behind a front end.
    pub fn secure(&self, console: &Console) -> bool {
        console.secure || self.forwarded_https
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

/// `a=1&b=%E4%B8%AD` → pairs (also the query string).
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

impl Response {
    pub fn html(status: u16, body: String) -> Response {
        Response {
            status,
            headers: vec![
                ("Content-Type", "text/html; charset=utf-8".into()),
                ("Cache-Control", "no-store".into()),
                ("Content-Security-Policy", CSP.into()),
                ("X-Content-Type-Options", "nosniff".into()),
                ("Referrer-Policy", "same-origin".into()),
                ("X-Frame-Options", "DENY".into()),
            ],
            body: body.into_bytes(),
        }
    }

    pub fn file(content_type: &str, body: Vec<u8>, download: Option<&str>) -> Response {
        let mut headers = vec![
            ("Content-Type", content_type.to_string()),
            ("Cache-Control", "no-store".into()),
            ("X-Content-Type-Options", "nosniff".into()),
        ];
        if let Some(name) = download {
            headers.push((
                "Content-Disposition",
                format!(
                    "attachment; filename=\"export\"; filename*=UTF-8''{}",
                    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
                ),
            ));
        }
        Response {
            status: 200,
            headers,
            body,
        }
    }

    /// 303 to `to` (a path under the console).
    pub fn redirect(to: &str) -> Response {
        Response {
            status: 303,
            headers: vec![
                ("Location", to.to_string()),
                ("Cache-Control", "no-store".into()),
            ],
            body: vec![],
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn set_cookie(mut self, value: String) -> Response {
        self.headers.push(("Set-Cookie", value));
        self
    }
}

/// What the console knows besides the database.
pub struct Console {
    /// HTTPS: cookies are `Secure`.
    pub secure: bool,
    /// The published repository the hub serves (`--repo`), for the content page and the
    /// newest content version.
    pub repo: Option<PathBuf>,
    /// What was last read of the published repository, read again when it changes.
    pub published: Mutex<super::published::Cache>,
    /// Follow-up deadlines of 差评 and suggestions.
    pub deadlines: super::workdays::Deadlines,
}

impl Console {
    pub fn new(
        secure: bool,
        repo: Option<PathBuf>,
        deadlines: super::workdays::Deadlines,
    ) -> Console {
        Console {
            secure,
            repo,
            published: Mutex::new(super::published::Cache::default()),
            deadlines,
        }
    }

    /// The published repository as read now; after a publish, the guide → department mapping
    /// is stored again first (so cases of a guide that moved follow it).
    pub fn published(
        &self,
        db: &mut dyn Db,
    ) -> Option<std::sync::Arc<super::published::Published>> {
        let repo = self.repo.as_ref()?;
        let mut cache = self.published.lock().unwrap_or_else(|e| e.into_inner());
        let (p, changed) = cache.get_changed(repo);
        if changed {
            if let Err(e) = super::departments::refresh(db, repo) {
                log::warn!("没能从发布仓库更新部门对照：{e:#}");
            }
        }
        p
    }

    /// The newest published content version, when the hub serves a repository.
    pub fn newest_version(&self, db: &mut dyn Db) -> Option<i64> {
        self.published(db).and_then(|p| p.content_version)
    }
}

/// Why a page could not be served.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("{0}")]
    Other(String),
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> PageError {
        PageError::Other(format!("{e:#}"))
    }
}

pub type PageResult = Result<Response, PageError>;

/// The logged-in user's context for a page.
pub struct Ctx<'a> {
    pub console: &'a Console,
    pub session: Session,
    pub req: &'a Request,
}

impl Ctx<'_> {
    pub fn role(&self) -> Role {
        self.session.user.role
    }

    /// 403 unless the user has `role` (admin has every role's rights).
    pub fn require(&self, role: Role, what: &str) -> Result<(), Response> {
        let ok = match role {
            Role::Admin => self.role() == Role::Admin,
            Role::Staff => matches!(self.role(), Role::Admin | Role::Staff),
            Role::Viewer => true,
        };
        if ok {
            Ok(())
        } else {
            Err(super::pages::message(
                403,
                "没有权限",
                &format!(
                    "{what}要{}账号。你的账号是“{}”，请找管理员。",
                    role.name(),
                    self.role().name()
                ),
            ))
        }
    }
}

/// The login form's own CSRF cookie (there is no session yet).
pub const LOGIN_COOKIE: &str = "banshi_login";

pub fn handle(console: &Console, db: &mut dyn Db, req: &Request) -> Response {
    match route(console, db, req) {
        Ok(r) => r,
        Err(e) => {
            log::error!("控制台页面 {} 出错：{e}", req.path);
            super::pages::message(
                500,
                "出错了",
                &format!("汇总服务读写数据库时出错：{e}。请稍后刷新；一直这样请联系技术员查看汇总服务的日志。"),
            )
        }
    }
}

fn route(console: &Console, db: &mut dyn Db, req: &Request) -> PageResult {
    use super::pages;
    match (req.method, req.path.as_str()) {
        (Method::Get, "/static/console.css") => {
            return Ok(Response {
                status: 200,
                headers: vec![
                    ("Content-Type", "text/css; charset=utf-8".into()),
                    ("Cache-Control", "max-age=3600".into()),
                    ("X-Content-Type-Options", "nosniff".into()),
                ],
                body: pages::CSS.as_bytes().to_vec(),
            })
        }
        (Method::Get, "/static/regular.otf") => return Ok(font(crate::fonts::glyphs::REGULAR)),
        (Method::Get, "/static/bold.otf") => return Ok(font(crate::fonts::glyphs::BOLD)),
        (Method::Get, "/login") => return Ok(pages::login::form(console, req)),
        (Method::Post, "/login") => return pages::login::submit(console, db, req),
        (Method::Other, _) => {
            return Ok(pages::message(
                405,
                "不支持",
                "这个地址只能打开或提交表单。",
            ))
        }
        _ => {}
    }
    let token = req.cookie(sessions::COOKIE);
    let session = match token {
        Some(t) => sessions::get(db, t, req.now)?,
        None => None,
    };
    let Some(session) = session else {
        if req.method == Method::Post {
            return Ok(pages::message(
                403,
                "请重新登录",
                "登录已过期（30 分钟没有操作会自动退出），刚才的提交没有保存。请重新登录后再做一次。",
            ));
        }
        return Ok(Response::redirect(&format!("{PREFIX}/login")));
    };
    if req.method == Method::Post && !session.csrf_ok(req.field("csrf")) {
        return Ok(pages::message(
            403,
            "提交被拒绝",
            "这个表单缺少有效的安全码（可能页面打开太久或来自别的网站），没有保存。请回到页面刷新后再提交。",
        ));
    }
    if (req.method, req.path.as_str()) == (Method::Post, "/logout") {
        if let Some(t) = token {
            sessions::close(db, t)?;
        }
        return Ok(Response::redirect(&format!("{PREFIX}/login"))
            .set_cookie(sessions::clear_cookie(req.secure(console))));
    }
    let ctx = Ctx {
        console,
        session,
        req,
    };
    let parts: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let r = match (req.method, parts.as_slice()) {
        (Method::Get, [""]) => Ok(Response::redirect(&format!("{PREFIX}/fleet"))),
        (Method::Get, ["fleet"]) => pages::fleet::list(&ctx, db),
        (Method::Get, ["kiosk", id]) => pages::fleet::kiosk(&ctx, db, id),
        (Method::Get, ["kiosk", id, "revoke"]) => pages::fleet::confirm_revoke(&ctx, db, id),
        (Method::Post, ["kiosk", id, action]) => pages::fleet::act(&ctx, db, id, action),
        (Method::Get, ["enrol"]) => pages::fleet::enrolment(&ctx, db, None),
        (Method::Post, ["enrol", "code"]) => pages::fleet::issue_code(&ctx, db),
        (Method::Get, ["ratings"]) => pages::feedback::ratings(&ctx, db),
        (Method::Get, ["suggestions"]) => pages::feedback::suggestions(&ctx, db),
        (Method::Get, ["cases", id]) => pages::feedback::detail(&ctx, db, id),
        (Method::Post, ["cases", id]) => pages::feedback::advance(&ctx, db, id),
        (Method::Get, ["export", file]) => pages::feedback::export(&ctx, db, file),
        (Method::Get, ["searches"]) => pages::searches::page(&ctx, db),
        (Method::Get, ["content"]) => pages::content::page(&ctx, db),
        _ => Ok(pages::message(
            404,
            "没有这个页面",
            "地址不对或这条记录不存在。请从上面的菜单进入。",
        )),
    }?;
    Ok(r)
}

/// One of the kiosk's own embedded fonts (GB 2312 and the sample's characters), the pages'
/// last fallback for a browser without a Chinese font; cached for a day.
fn font(bytes: &'static [u8]) -> Response {
    Response {
        status: 200,
        headers: vec![
            ("Content-Type", "font/otf".into()),
            ("Cache-Control", "max-age=86400".into()),
            ("X-Content-Type-Options", "nosniff".into()),
        ],
        body: bytes.to_vec(),
    }
}

/// Logs a user in: a session cookie and a redirect, or the form again with why.
pub(super) fn logged_in(
    console: &Console,
    db: &mut dyn Db,
    req: &Request,
    user: &str,
) -> PageResult {
    let token = sessions::open(db, user, req.now)?;
    Ok(Response::redirect(&format!("{PREFIX}/fleet"))
        .set_cookie(sessions::set_cookie(&token, req.secure(console)))
        .set_cookie(login_cookie("", req.secure(console), 0)))
}

/// The login form's CSRF cookie (`max_age` 0 clears it).
pub(super) fn login_cookie(value: &str, secure: bool, max_age: i64) -> String {
    format!(
        "{LOGIN_COOKIE}={value}; Path={PREFIX}/login; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

pub(super) fn login_token(req: &Request) -> Option<&str> {
    req.cookie(LOGIN_COOKIE)
}

pub(super) fn with_cookie(r: Response, cookie: String) -> Response {
    r.set_cookie(cookie)
}

//! The login page: a form with a CSRF token of its own (a short-lived cookie the form must
//! repeat, as there is no session yet), then the account check with its lock-out.

use askama::Template;

use super::render;
use crate::hub::console::accounts::{self, Login};
use crate::hub::console::web::{self, Console, PageResult, Request, Response};
use crate::hub::sql::Db;

#[derive(Template)]
#[template(path = "login.html")]
struct Page<'a> {
    token: &'a str,
    name: &'a str,
    error: Option<&'a str>,
}

fn random() -> String {
    let mut b = [0u8; 24];
    aws_lc_rs::rand::fill(&mut b).expect("the system's random source");
    hex::encode(b)
}

/// The form, with a fresh token.
pub fn form(console: &Console, req: &Request) -> Response {
    form_with(req, None, 200, req.secure(console))
}

fn form_with(req: &Request, error: Option<&str>, status: u16, secure: bool) -> Response {
    let token = random();
    let name = req.field("name").unwrap_or_default();
    let page = render(&Page {
        token: &token,
        name,
        error,
    });
    web::with_cookie(
        Response::html(status, page),
        web::login_cookie(&token, secure, 30 * 60),
    )
}

pub fn submit(console: &Console, db: &mut dyn Db, req: &Request) -> PageResult {
    let token_ok = match (web::login_token(req), req.field("csrf")) {
        (Some(c), Some(f)) => {
            !c.is_empty()
                && aws_lc_rs::constant_time::verify_slices_are_equal(c.as_bytes(), f.as_bytes())
                    .is_ok()
        }
        _ => false,
    };
    if !token_ok {
        return Ok(form_with(
            req,
            Some("登录表单已过期或不是从本页提交的，请再输入一次。"),
            403,
            req.secure(console),
        ));
    }
    let name = req.field("name").unwrap_or_default().trim();
    let password = req.field("password").unwrap_or_default();
    match accounts::login(db, name, password, req.now)? {
        Login::Ok(user) => web::logged_in(console, db, req, &user.name),
        Login::Wrong { left } => {
            let text = match left {
                Some(n) if n <= 2 => format!("账号或密码不对。再错 {n} 次账号会锁定 15 分钟。"),
                _ => "账号或密码不对。".to_string(),
            };
            Ok(form_with(req, Some(&text), 401, req.secure(console)))
        }
        Login::Locked { until } => {
            let mins = ((until - req.now) + 59) / 60;
            Ok(form_with(
                req,
                Some(&format!(
                    "密码连续输错太多次，账号已锁定，请 {mins} 分钟后再试，或请技术员用 banshi hub user unlock 解锁。"
                )),
                423,
                req.secure(console),
            ))
        }
    }
}

//! Console sessions (issue 12): a random token in an HttpOnly, SameSite=Strict cookie (Secure
//! when the hub serves HTTPS); the database keeps only its SHA-256, so a copy of the database
//! opens no session. Each session has its own CSRF token, which every form carries and every
//! POST must return. A session ends at logout, after [`IDLE_SECS`] without a request, after
//! [`MAX_SECS`] in all, or when its account's password changes or the account is removed.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{digest, SHA256};

use super::accounts::{self, AccountError, User};
use crate::hub::sql::Db;

/// The cookie's name.
pub const COOKIE: &str = "banshi_console";
/// A session unused this long ends.
pub const IDLE_SECS: i64 = 30 * 60;
/// No session lasts longer than a working day.
pub const MAX_SECS: i64 = 12 * 60 * 60;

/// A session found by its token.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user: User,
    pub csrf: String,
}

fn random_hex() -> String {
    let mut b = [0u8; 32];
    aws_lc_rs::rand::fill(&mut b).expect("the system's random source");
    hex::encode(b)
}

fn token_hash(token: &str) -> String {
    hex::encode(digest(&SHA256, token.as_bytes()))
}

/// Opens a session for `user` (after a good login); the token for the cookie.
pub fn open(db: &mut dyn Db, user: &str, now: i64) -> Result<String, AccountError> {
    let token = random_hex();
    db.exec(
        "INSERT INTO console_session (token_hash, user_name, csrf, created_at, last_seen)
         VALUES ($1, $2, $3, $4, $4)",
        &[
            token_hash(&token).into(),
            user.into(),
            random_hex().into(),
            now.into(),
        ],
    )?;
    // Ended sessions go when new ones come (a few staff: no separate clean-up needed).
    db.exec(
        "DELETE FROM console_session WHERE last_seen < $1 OR created_at < $2",
        &[(now - IDLE_SECS).into(), (now - MAX_SECS).into()],
    )?;
    Ok(token)
}

/// The live session for a cookie's token, its idle clock restarted; `None` when there is no
/// such session or it ended.
pub fn get(db: &mut dyn Db, token: &str, now: i64) -> Result<Option<Session>, AccountError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let hash = token_hash(token);
    let Some(row) = db.row(
        "SELECT user_name, csrf, created_at, last_seen FROM console_session WHERE token_hash = $1",
        &[hash.as_str().into()],
    )?
    else {
        return Ok(None);
    };
    let (name, csrf, created, seen) = (row.text(0), row.text(1), row.int(2), row.int(3));
    if seen < now - IDLE_SECS || created < now - MAX_SECS {
        close(db, token)?;
        return Ok(None);
    }
    let Some(user) = accounts::get(db, &name)? else {
        close(db, token)?;
        return Ok(None);
    };
    db.exec(
        "UPDATE console_session SET last_seen = $2 WHERE token_hash = $1",
        &[hash.into(), now.into()],
    )?;
    Ok(Some(Session { user, csrf }))
}

/// Ends the session (logout).
pub fn close(db: &mut dyn Db, token: &str) -> Result<(), AccountError> {
    db.exec(
        "DELETE FROM console_session WHERE token_hash = $1",
        &[token_hash(token).into()],
    )?;
    Ok(())
}

impl Session {
    /// Whether a form's CSRF field is this session's token (in constant time).
    pub fn csrf_ok(&self, field: Option<&str>) -> bool {
        field.is_some_and(|f| verify_slices_are_equal(f.as_bytes(), self.csrf.as_bytes()).is_ok())
    }
}

/// The `Set-Cookie` value that gives the browser `token` (`secure` under HTTPS).
pub fn set_cookie(token: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={MAX_SECS}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that makes the browser forget the session.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session token in a request's `Cookie` header, if any.
pub fn token_from_cookies(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::console::accounts::{add, set_password, Role};

    #[test]
    fn a_session_lives_while_used_and_ends_for_every_reason_it_should() {
        let (_dir, mut db) = crate::hub::sqlite::scratch();
        let db: &mut dyn Db = &mut db;
        add(db, "li", Role::Viewer, None, "a-long-password", 0).unwrap();

        let t = open(db, "li", 1000).unwrap();
        assert_eq!(t.len(), 64);
        let stored = db
            .row("SELECT token_hash FROM console_session", &[])
            .unwrap()
            .unwrap()
            .text(0);
        assert_ne!(stored, t, "only the token's hash is stored");
        let s = get(db, &t, 1000 + IDLE_SECS - 1).unwrap().unwrap();
        assert_eq!(s.user.name, "li");
        assert!(s.csrf_ok(Some(&s.csrf)));
        assert!(!s.csrf_ok(None));
        assert!(!s.csrf_ok(Some("")));
        assert!(!s.csrf_ok(Some(&s.csrf[1..])));
        // Used within the idle time: still alive, the idle clock restarted.
        assert!(get(db, &t, 1000 + 2 * IDLE_SECS - 2).unwrap().is_some());
        // Idle too long: gone.
        assert!(get(db, &t, 1000 + 4 * IDLE_SECS).unwrap().is_none());
        // Never longer than MAX_SECS, however busy.
        let t = open(db, "li", 10_000).unwrap();
        let mut now = 10_000;
        while now < 10_000 + MAX_SECS {
            assert!(get(db, &t, now).unwrap().is_some());
            now += IDLE_SECS / 2;
        }
        assert!(get(db, &t, 10_001 + MAX_SECS).unwrap().is_none());
        // Logout; a new password; garbage tokens.
        let t = open(db, "li", 50_000).unwrap();
        close(db, &t).unwrap();
        assert!(get(db, &t, 50_001).unwrap().is_none());
        let t = open(db, "li", 50_000).unwrap();
        set_password(db, "li", "another-long-one").unwrap();
        assert!(get(db, &t, 50_001).unwrap().is_none());
        assert!(get(db, "not-a-token", 50_001).unwrap().is_none());
        assert!(get(db, &"0".repeat(64), 50_001).unwrap().is_none());
    }

    #[test]
    fn cookies_are_http_only_same_site_and_secure_under_https() {
        let c = set_cookie("abc", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!set_cookie("abc", false).contains("Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
        assert_eq!(
            token_from_cookies("a=1; banshi_console=tok; b=2"),
            Some("tok")
        );
        assert_eq!(token_from_cookies("banshi_consoleX=1"), None);
    }
}

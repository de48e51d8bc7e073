//! County staff accounts for the console (issue 12): a name, a role (admin, staff, viewer), an
//! optional department (a department's staff see and handle only its ratings and suggestions),
//! and a password stored as PBKDF2-HMAC-SHA256 (aws-lc-rs, already in the tree) with a random
//! salt. After [`LOCK_AFTER`] wrong passwords in a row the account is locked for [`LOCK_SECS`];
//! a right password resets the count. Made and changed on the hub host with
//! `banshi hub user …`, never over the web.

use std::num::NonZeroU32;

use aws_lc_rs::pbkdf2;
use serde::Serialize;

use crate::hub::sql::{Db, DbError, Row, Value};

/// PBKDF2 rounds for new passwords (OWASP's figure for PBKDF2-HMAC-SHA256). The count is
/// stored with each hash, so raising it later keeps old passwords working.
pub const ITERATIONS: u32 = 600_000;
/// Wrong passwords in a row before the account is locked.
pub const LOCK_AFTER: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_SECS: i64 = 15 * 60;
/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

const SCHEME: &str = "pbkdf2-sha256";
const HASH_LEN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including approving and revoking kiosks and issuing enrolment codes.
    Admin,
    /// Follows up ratings and suggestions (of their department, when they have one).
    Staff,
    /// Reads, changes nothing.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    /// The role's name as staff read it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Staff => "办理人员",
            Role::Viewer => "只读",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub department: Option<String>,
    pub created_at: i64,
    /// Wrong passwords in a row.
    pub failures: i64,
    pub locked_until: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("账号 {0} 已经有了。改密码用 banshi hub user passwd {0}。")]
    Exists(String),
    #[error("没有账号 {0}。banshi hub user list 列出所有账号。")]
    Unknown(String),
    #[error("账号名“{0}”不行：1 到 32 个字，不能有空格、引号或控制字符。")]
    BadName(String),
    #[error("部门代码“{0}”不行：写内容里部门的代码（字母、数字、- 或 _）。")]
    BadDepartment(String),
    #[error("密码太短：至少 {MIN_PASSWORD} 个字符。")]
    ShortPassword,
    #[error("密码不能和账号名一样。")]
    NameAsPassword,
}

/// What a login attempt found.
#[derive(Debug, Clone, PartialEq)]
pub enum Login {
    Ok(User),
    /// Wrong name or password (the two are not told apart); `left` tries before the lock
    /// when the name exists.
    Wrong {
        left: Option<i64>,
    },
    /// Locked until this time (unix seconds): even the right password waits.
    Locked {
        until: i64,
    },
}

fn check_name(name: &str) -> Result<(), AccountError> {
    let ok = (1..=32).contains(&name.chars().count())
        && !name.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '&')
        });
    if ok {
        Ok(())
    } else {
        Err(AccountError::BadName(name.to_string()))
    }
}

fn check_department(d: &str) -> Result<(), AccountError> {
    let ok = !d.is_empty()
        && d.len() <= 64
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(AccountError::BadDepartment(d.to_string()))
    }
}

fn check_password(name: &str, password: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(AccountError::ShortPassword);
    }
    if password == name {
        return Err(AccountError::NameAsPassword);
    }
    Ok(())
}

/// `pbkdf2-sha256$ROUNDS$SALT$HASH` (hex) for `password`.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).expect("the system's random source");
    let rounds = NonZeroU32::new(ITERATIONS).expect("non-zero");
    let mut out = [0u8; HASH_LEN];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        &salt,
        password.as_bytes(),
        &mut out,
    );
    format!(
        "{SCHEME}${ITERATIONS}${}${}",
        hex::encode(salt),
        hex::encode(out)
    )
}

/// Whether `password` matches `stored` (in constant time; a malformed hash matches nothing).
pub fn verify_password(stored: &str, password: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(SCHEME), Some(rounds), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let (Some(rounds), Ok(salt), Ok(hash)) = (
        rounds.parse().ok().and_then(NonZeroU32::new),
        hex::decode(salt),
        hex::decode(hash),
    ) else {
        return false;
    };
    !hash.is_empty()
        && pbkdf2::verify(
            pbkdf2::PBKDF2_HMAC_SHA256,
            rounds,
            &salt,
            password.as_bytes(),
            &hash,
        )
        .is_ok()
}

const COLUMNS: &str = "name, role, department, created_at, failures, locked_until";

fn from_row(r: &Row) -> User {
    User {
        name: r.text(0),
        role: Role::parse(&r.text(1)).unwrap_or(Role::Viewer),
        department: r.opt_text(2),
        created_at: r.int(3),
        failures: r.int(4),
        locked_until: r.opt_int(5),
    }
}

pub fn get(db: &mut dyn Db, name: &str) -> Result<Option<User>, AccountError> {
    let sql = format!("SELECT {COLUMNS} FROM console_user WHERE name = $1");
    Ok(db.row(&sql, &[name.into()])?.as_ref().map(from_row))
}

pub fn list(db: &mut dyn Db) -> Result<Vec<User>, AccountError> {
    let sql = format!("SELECT {COLUMNS} FROM console_user ORDER BY name");
    Ok(db.query(&sql, &[])?.iter().map(from_row).collect())
}

pub fn add(
    db: &mut dyn Db,
    name: &str,
    role: Role,
    department: Option<&str>,
    password: &str,
    now: i64,
) -> Result<User, AccountError> {
    check_name(name)?;
    if let Some(d) = department {
        check_department(d)?;
    }
    check_password(name, password)?;
    let hash = hash_password(password);
    let added = db.exec(
        "INSERT INTO console_user (name, role, department, password, created_at, failures)
         VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (name) DO NOTHING",
        &[
            name.into(),
            role.as_str().into(),
            department.into(),
            hash.into(),
            now.into(),
        ],
    )?;
    if added == 0 {
        return Err(AccountError::Exists(name.to_string()));
    }
    get(db, name)?.ok_or_else(|| AccountError::Unknown(name.to_string()))
}

/// A new password; unlocks the account and ends its sessions.
pub fn set_password(db: &mut dyn Db, name: &str, password: &str) -> Result<(), AccountError> {
    check_password(name, password)?;
    let hash = hash_password(password);
    db.transaction(|db| {
        let n = db.exec(
            "UPDATE console_user SET password = $2, failures = 0, locked_until = NULL
             WHERE name = $1",
            &[name.into(), hash.into()],
        )?;
        if n == 0 {
            return Err(AccountError::Unknown(name.to_string()));
        }
        db.exec(
            "DELETE FROM console_session WHERE user_name = $1",
            &[name.into()],
        )?;
        Ok(())
    })
}

/// Removes the account and its sessions.
pub fn remove(db: &mut dyn Db, name: &str) -> Result<(), AccountError> {
    db.transaction(|db| {
        db.exec(
            "DELETE FROM console_session WHERE user_name = $1",
            &[name.into()],
        )?;
        if db.exec("DELETE FROM console_user WHERE name = $1", &[name.into()])? == 0 {
            return Err(AccountError::Unknown(name.to_string()));
        }
        Ok(())
    })
}

/// Lifts a lock-out before its time.
pub fn unlock(db: &mut dyn Db, name: &str) -> Result<(), AccountError> {
    let n = db.exec(
        "UPDATE console_user SET failures = 0, locked_until = NULL WHERE name = $1",
        &[name.into()],
    )?;
    if n == 0 {
        return Err(AccountError::Unknown(name.to_string()));
    }
    Ok(())
}

/// Checks a login and counts it: a wrong password adds a failure (the [`LOCK_AFTER`]th locks
/// the account), a right one clears them. An unknown name costs the same time as a known one.
pub fn login(db: &mut dyn Db, name: &str, password: &str, now: i64) -> Result<Login, AccountError> {
    let row = db.row(
        "SELECT password, failures, locked_until FROM console_user WHERE name = $1",
        &[name.into()],
    )?;
    let Some(row) = row else {
        // The same work as a real check (one PBKDF2 against a hash made once), so the time
        // taken does not tell names apart.
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let _ = verify_password(
            DUMMY.get_or_init(|| hash_password("not-a-password")),
            password,
        );
        return Ok(Login::Wrong { left: None });
    };
    let (stored, failures, locked_until) = (row.text(0), row.int(1), row.opt_int(2));
    if let Some(until) = locked_until.filter(|&u| u > now) {
        return Ok(Login::Locked { until });
    }
    // A lock that ran out starts the count again.
    let failures = if locked_until.is_some() { 0 } else { failures };
    if verify_password(&stored, password) {
        db.exec(
            "UPDATE console_user SET failures = 0, locked_until = NULL WHERE name = $1",
            &[name.into()],
        )?;
        return Ok(match get(db, name)? {
            Some(u) => Login::Ok(u),
            None => Login::Wrong { left: None },
        });
    }
    let failures = failures + 1;
    let lock: Value = if failures >= LOCK_AFTER {
        (now + LOCK_SECS).into()
    } else {
        Value::Null
    };
    db.exec(
        "UPDATE console_user SET failures = $2, locked_until = $3 WHERE name = $1",
        &[name.into(), failures.into(), lock.clone()],
    )?;
    Ok(match lock {
        Value::Int(until) => Login::Locked { until },
        _ => Login::Wrong {
            left: Some(LOCK_AFTER - failures),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::sqlite::SqliteDb;

    fn db() -> (tempfile::TempDir, SqliteDb) {
        crate::hub::sqlite::scratch()
    }

    #[test]
    fn passwords_are_salted_hashes_that_verify_only_themselves() {
        let a = hash_password("correct horse");
        let b = hash_password("correct horse");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("pbkdf2-sha256$600000$"));
        assert!(!a.contains("correct"));
        assert!(verify_password(&a, "correct horse"));
        assert!(!verify_password(&a, "correct horsf"));
        assert!(!verify_password("plain", "plain"));
        assert!(!verify_password("pbkdf2-sha256$0$00$00", ""));
        assert!(!verify_password("pbkdf2-sha256$1000$zz$00", ""));
    }

    #[test]
    fn accounts_are_checked_when_made() {
        let (_dir, mut db) = db();
        let db: &mut dyn Db = &mut db;
        let u = add(
            db,
            "王芳",
            Role::Staff,
            Some("minzheng"),
            "绿色的山和水1234",
            100,
        )
        .unwrap();
        assert_eq!(
            (u.role, u.department.as_deref()),
            (Role::Staff, Some("minzheng"))
        );
        assert!(matches!(
            add(db, "王芳", Role::Admin, None, "another-password", 100),
            Err(AccountError::Exists(_))
        ));
        assert!(matches!(
            add(db, "a b", Role::Admin, None, "long-enough-1", 100),
            Err(AccountError::BadName(_))
        ));
        assert!(matches!(
            add(db, "li", Role::Admin, Some("民政"), "long-enough-1", 100),
            Err(AccountError::BadDepartment(_))
        ));
        assert!(matches!(
            add(db, "li", Role::Admin, None, "short", 100),
            Err(AccountError::ShortPassword)
        ));
        assert!(matches!(
            add(db, "administrator", Role::Admin, None, "administrator", 100),
            Err(AccountError::NameAsPassword)
        ));
        assert_eq!(list(db).unwrap().len(), 1);
    }

    #[test]
    fn five_wrong_passwords_lock_the_account_for_a_while() {
        let (_dir, mut db) = db();
        let db: &mut dyn Db = &mut db;
        add(db, "admin", Role::Admin, None, "right-password", 0).unwrap();
        assert!(matches!(
            login(db, "admin", "right-password", 10).unwrap(),
            Login::Ok(_)
        ));
        for i in 1..LOCK_AFTER {
            assert_eq!(
                login(db, "admin", "wrong", 20).unwrap(),
                Login::Wrong {
                    left: Some(LOCK_AFTER - i)
                }
            );
        }
        let until = 30 + LOCK_SECS;
        assert_eq!(
            login(db, "admin", "wrong", 30).unwrap(),
            Login::Locked { until }
        );
        // Locked: even the right password waits.
        assert_eq!(
            login(db, "admin", "right-password", 40).unwrap(),
            Login::Locked { until }
        );
        // After the lock, the right password works and clears the count.
        assert!(matches!(
            login(db, "admin", "right-password", until + 1).unwrap(),
            Login::Ok(_)
        ));
        assert_eq!(get(db, "admin").unwrap().unwrap().failures, 0);
        // Unknown names are answered like wrong passwords, and count nowhere.
        assert_eq!(
            login(db, "nobody", "x", 50).unwrap(),
            Login::Wrong { left: None }
        );
        // unlock lifts a lock early; a new password does too.
        for _ in 0..LOCK_AFTER {
            login(db, "admin", "wrong", until + 2).unwrap();
        }
        assert!(matches!(
            login(db, "admin", "right-password", until + 3).unwrap(),
            Login::Locked { .. }
        ));
        unlock(db, "admin").unwrap();
        assert!(matches!(
            login(db, "admin", "right-password", until + 3).unwrap(),
            Login::Ok(_)
        ));
        set_password(db, "admin", "a-new-password").unwrap();
        assert!(matches!(
            login(db, "admin", "right-password", until + 4).unwrap(),
            Login::Wrong { .. }
        ));
        assert!(matches!(
            login(db, "admin", "a-new-password", until + 5).unwrap(),
            Login::Ok(_)
        ));
        remove(db, "admin").unwrap();
        assert!(matches!(remove(db, "admin"), Err(AccountError::Unknown(_))));
    }
}

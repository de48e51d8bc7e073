//! `banshi hub user`: county staff accounts for the console, made on the hub host (never over
//! the web). Passwords are read from the terminal without echo (asked twice), or as the first
//! line of stdin when it is not a terminal (scripts).

use std::io::BufRead;

use anyhow::{bail, Context};
use clap::Subcommand;

use crate::hub::console::accounts::{self, Role};
use crate::hub::{self, db};

#[derive(Subcommand, Clone)]
pub enum UserAction {
    /// Every account with its role, department and lock state.
    List,
    /// A new account (the password is asked for).
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Department code from the content (e.g. minzheng): staff of a department see and
        /// handle only its ratings and suggestions.
        #[arg(long)]
        department: Option<String>,
    },
    /// A new password for an account (ends its sessions, lifts a lock-out).
    Passwd { name: String },
    /// Lift a lock-out after too many wrong passwords.
    Unlock { name: String },
    /// Remove an account (and end its sessions).
    Remove { name: String },
}

/// A password from the terminal (twice, without echo) or from stdin's first line.
fn read_password(name: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !rustix::termios::isatty(&stdin) {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("读不到密码（标准输入）")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let ask = |prompt: &str| -> anyhow::Result<String> {
        eprint!("{prompt}");
        let old = rustix::termios::tcgetattr(&stdin)?;
        let mut quiet = old.clone();
        quiet.local_modes.remove(rustix::termios::LocalModes::ECHO);
        rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &quiet)?;
        let mut line = String::new();
        let read = stdin.lock().read_line(&mut line);
        rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &old)?;
        eprintln!();
        read?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    let first = ask(&format!(
        "账号 {name} 的密码（至少 {} 个字符）：",
        accounts::MIN_PASSWORD
    ))?;
    if ask("再输一遍：")? != first {
        bail!("两次输入的密码不一样，什么也没有改。");
    }
    Ok(first)
}

pub fn run(action: UserAction, url: &str, json: bool) -> anyhow::Result<()> {
    let mut db = db::open(url)?;
    let db = db.as_mut();
    match action {
        UserAction::List => {
            let users = accounts::list(db)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
                return Ok(());
            }
            if users.is_empty() {
                println!("还没有账号。用 banshi hub user add 名字 --role admin 建第一个管理员。");
            }
            let now = hub::now();
            for u in users {
                let locked = match u.locked_until {
                    Some(t) if t > now => format!("  已锁定到 {}", hub::report::time(t)),
                    _ => String::new(),
                };
                println!(
                    "{}  {}  部门 {}{locked}",
                    u.name,
                    u.role.name(),
                    u.department.as_deref().unwrap_or("全部")
                );
            }
        }
        UserAction::Add {
            name,
            role,
            department,
        } => {
            let password = read_password(&name)?;
            let u = accounts::add(
                db,
                &name,
                role,
                department.as_deref(),
                &password,
                hub::now(),
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&u)?);
            } else {
                println!("已建账号 {}（{}）。", u.name, u.role.name());
            }
        }
        UserAction::Passwd { name } => {
            let password = read_password(&name)?;
            accounts::set_password(db, &name, &password)?;
            println!("账号 {name} 的密码已改，它已登录的地方都要重新登录。");
        }
        UserAction::Unlock { name } => {
            accounts::unlock(db, &name)?;
            println!("账号 {name} 已解锁。");
        }
        UserAction::Remove { name } => {
            accounts::remove(db, &name)?;
            println!("账号 {name} 已删除。");
        }
    }
    Ok(())
}

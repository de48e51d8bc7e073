//! `banshi hub`: the county hub (issue 11) — run it, approve and revoke kiosks, issue one-time
//! enrolment codes, report what the kiosks sent, and (`hub user`) the console's staff accounts.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};

use crate::hub::{self, codes, db, kiosks, report};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct HubArgs {
    #[command(subcommand)]
    pub command: Option<HubCommand>,
    #[command(flatten)]
    pub serve: ServeHubArgs,
}

#[derive(Args)]
pub struct ServeHubArgs {
    /// Address to listen on (plain HTTP unless --tls-cert/--tls-key: then put it behind the
    /// county's HTTPS front end).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: String,
    /// Serve HTTPS with this certificate chain (PEM; the server's own certificate first).
    #[arg(long, value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM, without a passphrase).
    #[arg(long, value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
    /// The database: sqlite:PATH (one file).
    #[arg(long, required = true)]
    pub db: Option<String>,
    /// Also serve this published repository (what `banshi serve` does), so a county runs one
    /// service.
    #[arg(long)]
    pub repo: Option<PathBuf>,
    /// Requests per second one kiosk may make on average.
    #[arg(long, default_value_t = 1.0)]
    pub kiosk_rate: f64,
    /// Requests one kiosk may make at once before the average applies.
    #[arg(long, default_value_t = 30)]
    pub kiosk_burst: u32,
    /// Requests waiting to be written before the hub answers 503 (busy).
    #[arg(long, default_value_t = hub::writer::QUEUE)]
    pub queue: usize,
    /// Days heartbeats are kept (by when the hub received them).
    #[arg(long, default_value_t = hub::prune::HEARTBEAT_DAYS, value_parser = clap::value_parser!(u32).range(1..))]
    pub keep_heartbeat_days: u32,
    /// Kiosks that may wait for approval (enrolled without a code); beyond it new ones get 503.
    #[arg(long, default_value_t = hub::writer::MAX_PENDING, value_parser = clap::value_parser!(i64).range(0..))]
    pub max_pending: i64,
    /// Working days the console gives staff to follow up a 差评 or a suggestion.
    #[arg(long, default_value_t = hub::console::workdays::CASE_DAYS)]
    pub case_days: u32,
    /// The year's public holidays and 调休 working days (TOML, see
    /// packaging/county/holidays-2026.toml); without it only weekends are days off.
    #[arg(long, value_name = "TOML")]
    pub holidays: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum HubCommand {
    /// The kiosks that enrolled: list (the default), approve ID, revoke ID.
    Kiosks {
        #[command(subcommand)]
        action: Option<KioskAction>,
        /// The hub's database: sqlite:PATH.
        #[arg(long, global = true)]
        db: Option<String>,
        #[arg(long, global = true)]
        json: bool,
    },
    /// Issue a one-time enrolment code for a kiosk in REGION (printed alone on stdout).
    Code {
        /// 12-digit region code the kiosk must stand in (a county's code covers its towns and
        /// villages).
        #[arg(long)]
        region: String,
        /// Last day the code may be used (YYYY-MM-DD).
        #[arg(long)]
        expires: String,
        #[arg(long)]
        db: String,
    },
    /// County staff accounts for the console: list (the default), add, passwd, unlock, remove.
    User {
        #[command(subcommand)]
        action: Option<super::hub_user::UserAction>,
        /// The hub's database: sqlite:PATH or postgres://….
        #[arg(long, global = true)]
        db: Option<String>,
        #[arg(long, global = true)]
        json: bool,
    },
    /// Delete what is past its keeping time now (the running hub does it every minute).
    Prune {
        /// Days heartbeats are kept (use the running hub's value).
        #[arg(long, default_value_t = hub::prune::HEARTBEAT_DAYS, value_parser = clap::value_parser!(u32).range(1..))]
        keep_heartbeat_days: u32,
        #[arg(long)]
        db: String,
    },
    /// What the kiosks sent: fleet, ratings, suggestions, searches.
    Report {
        what: ReportKind,
        #[arg(long)]
        json: bool,
        /// Ratings as CSV for the provincial 好差评 system (columns in the README).
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Only records the kiosks wrote on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        db: String,
    },
}

#[derive(Subcommand, Clone)]
pub enum KioskAction {
    /// Every kiosk with its state, key fingerprint and last contact.
    List,
    /// Let a pending (or revoked) kiosk upload.
    Approve { id: String },
    /// Refuse everything from this kiosk from now on.
    Revoke { id: String },
}

#[derive(ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Fleet,
    Ratings,
    Suggestions,
    Searches,
}

pub fn hub(args: HubArgs) -> anyhow::Result<()> {
    match args.command {
        None => {
            let s = args.serve;
            let tls = match (s.tls_cert, s.tls_key) {
                (Some(cert), Some(key)) => Some(hub::tls::TlsFiles { cert, key }),
                (None, None) => None,
                (Some(_), None) => bail!(
                    "只写了 --tls-cert，没有 --tls-key：要用 HTTPS，请同时写证书（--tls-cert）和它的私钥（--tls-key）；都不写则是明文 HTTP。"
                ),
                (None, Some(_)) => bail!(
                    "只写了 --tls-key，没有 --tls-cert：要用 HTTPS，请同时写证书（--tls-cert）和它的私钥（--tls-key）；都不写则是明文 HTTP。"
                ),
            };
            hub::server::run(hub::server::Options {
                listen: s.listen,
                db: need_db(s.db)?,
                repo: s.repo,
                rate: s.kiosk_rate,
                burst: s.kiosk_burst,
                queue: s.queue.max(1),
                tls,
                deadlines: hub::console::workdays::Deadlines::new(
                    s.case_days,
                    s.holidays.as_deref(),
                )
                .map_err(anyhow::Error::msg)?,
                policy: hub::writer::Policy {
                    keep_heartbeat_days: s.keep_heartbeat_days,
                    max_pending: s.max_pending,
                    ..hub::writer::Policy::default()
                },
            })
        }
        Some(HubCommand::Kiosks { action, db, json }) => {
            kiosks_cmd(action.unwrap_or(KioskAction::List), &need_db(db)?, json)
        }
        Some(HubCommand::User { action, db, json }) => super::hub_user::run(
            action.unwrap_or(super::hub_user::UserAction::List),
            &need_db(db)?,
            json,
        ),
        Some(HubCommand::Code {
            region,
            expires,
            db,
        }) => code(&region, &expires, &db),
        Some(HubCommand::Prune {
            keep_heartbeat_days,
            db,
        }) => prune_cmd(keep_heartbeat_days, &db),
        Some(HubCommand::Report {
            what,
            json,
            csv,
            since,
            db,
        }) => report_cmd(what, json, csv, since.as_deref(), &db),
    }
}

/// The `--db` a command needs (optional in clap only because it is a global flag there).
fn need_db(db: Option<String>) -> anyhow::Result<String> {
    db.ok_or_else(|| {
        anyhow!(
            "要用 --db 指定汇总数据库，例如 --db sqlite:/var/lib/banshi-hub/hub.db 或 postgres://用户@主机/库名"
        )
    })
}

fn when(t: Option<i64>) -> String {
    t.map(report::time).unwrap_or_else(|| "—".into())
}

fn kiosks_cmd(action: KioskAction, url: &str, json: bool) -> anyhow::Result<()> {
    let mut db = db::open(url)?;
    let db = db.as_mut();
    let changed = match action {
        KioskAction::List => {
            let list = kiosks::list(db)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                println!("还没有终端登记。");
            }
            for k in list {
                let hb = k.heartbeat.as_ref();
                let field = |name: &str| {
                    hb.and_then(|h| h.get(name))
                        .and_then(|v| v.as_str())
                        .unwrap_or("—")
                        .to_string()
                };
                println!(
                    "{}  {}  指纹 {}  {}  区划 {}  最后联系 {}  软件 {}  内容 {}",
                    k.id,
                    k.state.name(),
                    k.fingerprint,
                    k.hall.as_deref().unwrap_or("—"),
                    k.region.as_deref().unwrap_or("—"),
                    when(k.last_seen),
                    field("app_version"),
                    field("content_version"),
                );
            }
            return Ok(());
        }
        KioskAction::Approve { id } => {
            let k = kiosks::approve(db, &id, hub::now())?;
            println!(
                "已批准终端 {}（密钥指纹 {}）。请确认它与终端技术员界面上显示的指纹一致。",
                k.id, k.fingerprint
            );
            k
        }
        KioskAction::Revoke { id } => {
            let k = kiosks::revoke(db, &id, hub::now())?;
            println!("已停用终端 {}：汇总服务不再接收它的任何内容。", k.id);
            k
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&changed)?);
    }
    Ok(())
}

fn code(region: &str, expires: &str, url: &str) -> anyhow::Result<()> {
    let mut db = db::open(url)?;
    let code = codes::issue(db.as_mut(), region, expires, hub::now()).map_err(|e| match e {
        codes::CodeError::Db(e) => anyhow!(e),
        e => anyhow!("--region/--expires：{e}"),
    })?;
    println!("{code}");
    eprintln!(
        "这是区划 {region} 内一台终端的一次性登记码，{expires} 前有效。写进终端 kiosk.toml 的 enrol_code；用过一次即作废。汇总服务只保存它的摘要，丢了请重新发一个。"
    );
    Ok(())
}

fn prune_cmd(keep_heartbeat_days: u32, url: &str) -> anyhow::Result<()> {
    let mut db = db::open(url)?;
    let p = hub::prune::all(db.as_mut(), keep_heartbeat_days, hub::now())?;
    println!(
        "已清理：心跳 {} 条（保留 {keep_heartbeat_days} 天），原始记录 {} 条（保留 {} 天），待批准终端 {} 台（{} 天没有联系），过期 nonce {} 条。",
        p.heartbeats,
        p.inbox,
        hub::prune::INBOX_DAYS,
        p.pending,
        hub::prune::PENDING_DAYS,
        p.nonces
    );
    Ok(())
}

fn report_cmd(
    what: ReportKind,
    json: bool,
    csv: bool,
    since: Option<&str>,
    url: &str,
) -> anyhow::Result<()> {
    if let Some(s) = since {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| anyhow!("--since {s} 不对：写成 年-月-日，例如 2026-12-01。"))?;
    }
    if csv && what != ReportKind::Ratings {
        bail!("--csv 只用于 ratings（好差评导出）；其他报告用 --json。");
    }
    let mut db = db::open(url)?;
    let db = db.as_mut();
    let mut out = std::io::stdout().lock();
    match what {
        ReportKind::Fleet => print(&mut out, &report::fleet(db)?, json, |r| {
            let received: Vec<String> =
                r.received.iter().map(|(k, n)| format!("{k} {n}")).collect();
            format!(
                "{}  {}  最后联系 {}  收到 {}  拒收 {}",
                r.kiosk.id,
                r.state_name,
                r.last_seen_time.as_deref().unwrap_or("—"),
                if received.is_empty() {
                    "无".into()
                } else {
                    received.join("，")
                },
                r.rejected
            )
        }),
        ReportKind::Ratings if csv => {
            let rows = report::ratings(db, since)?;
            Ok(out.write_all(&report::ratings_csv(&rows)?)?)
        }
        ReportKind::Ratings => print(&mut out, &report::ratings(db, since)?, json, |r| {
            format!(
                "{}  {}-{}  {}  {}  {}",
                r.at,
                r.kiosk,
                r.seq,
                r.guide.as_deref().unwrap_or("大厅"),
                r.level_name,
                r.reasons.join("；")
            )
        }),
        ReportKind::Suggestions => print(&mut out, &report::suggestions(db, since)?, json, |r| {
            format!(
                "{}  {}-{}  {}  {}  {}",
                r.at,
                r.kiosk,
                r.seq,
                r.topic,
                r.about.as_deref().unwrap_or("—"),
                if r.phone.is_some() {
                    "留了电话"
                } else {
                    ""
                }
            )
        }),
        ReportKind::Searches => print(&mut out, &report::searches(db, since)?, json, |r| {
            format!(
                "{}  {} 次（{} 次什么也没找到）  {} 台终端  最近 {}",
                r.query, r.times, r.found_nothing, r.kiosks, r.last_at
            )
        }),
    }
}

/// A report's rows: pretty JSON, or one line each.
fn print<T: serde::Serialize>(
    out: &mut impl Write,
    rows: &[T],
    json: bool,
    line: impl Fn(&T) -> String,
) -> anyhow::Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(rows)?)?;
    } else {
        for r in rows {
            writeln!(out, "{}", line(r))?;
        }
    }
    Ok(())
}

//! The county hub (issue 11): where kiosks send residents' ratings and suggestions, unanswered
//! searches, usage counts and heartbeats, each stored exactly once. [`wire`] is the protocol
//! both sides share; the rest is the hub:
//!
//! - [`server`]: `POST /v1/enrol` and `/v1/upload` over hyper; every refusal stores nothing.
//! - [`writer`]: the one writer thread, group commit, `Busy` when its queue is full.
//! - [`prune`]: what is kept how long (run by the writer, and by `banshi hub prune`).
//! - [`enrol`], [`inbox`]: what an enrolment and an upload do to the database.
//! - [`kiosks`], [`codes`], [`report`]: the county's side (approve, revoke, codes, reports).
//! - [`limit`]: a token bucket per kiosk.
//! - [`tls`]: `--tls-cert`/`--tls-key`, HTTPS inside the hub.
//! - [`sql`] (the storage interface), [`schema`] (numbered migrations), the backends [`sqlite`]
//!   and [`pg`] (PostgreSQL), and [`db`] (which one `--db` names).

pub mod bench;
pub mod codes;
pub mod console;
pub mod db;
pub mod enrol;
pub mod inbox;
pub mod kiosks;
pub mod limit;
pub mod pg;
pub mod prune;
pub mod report;
pub mod schema;
pub mod server;
pub mod sql;
pub mod sqlite;
pub mod tls;
pub mod wire;
pub mod writer;

use wire::{ErrorReply, Refusal};

/// The hub's clock (unix seconds).
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A refusal with its message (and, where it applies, when to retry or the hub's time).
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub refusal: Refusal,
    pub message: String,
    pub retry_after: Option<u64>,
    pub hub_time: Option<i64>,
}

impl Refused {
    pub fn new(refusal: Refusal, message: String) -> Refused {
        Refused {
            refusal,
            message,
            retry_after: None,
            hub_time: None,
        }
    }

    pub fn malformed(detail: &str) -> Refused {
        Refused::new(
            Refusal::Malformed,
            format!("请求格式不对：{detail}。请把终端软件升级到与汇总服务相配的版本。"),
        )
    }

    pub fn unknown(kiosk: &str) -> Refused {
        Refused::new(
            Refusal::UnknownKiosk,
            format!("汇总服务不认识终端 {kiosk}：请先登记（kiosk.toml 里写 hub 和 enrol_code，或等县里批准）。"),
        )
    }

    pub fn pending(kiosk: &str) -> Refused {
        Refused::new(
            Refusal::Pending,
            format!("终端 {kiosk} 还没有获批准，请县里运行 banshi hub kiosks approve {kiosk}。内容留在终端上，批准后自动上传。"),
        )
    }

    pub fn revoked(kiosk: &str) -> Refused {
        Refused::new(
            Refusal::Revoked,
            format!("终端 {kiosk} 已被县里停用，汇总服务不再接收它的内容。请联系县政务服务中心。"),
        )
    }

    pub fn busy() -> Refused {
        Refused {
            retry_after: Some(2),
            ..Refused::new(
                Refusal::Busy,
                "汇总服务正忙，请稍后再试（终端会自动重试）。".into(),
            )
        }
    }

    /// The database failed: nothing was stored; the kiosk retries as when busy.
    pub fn failed() -> Refused {
        Refused {
            retry_after: Some(10),
            ..Refused::new(
                Refusal::Busy,
                "汇总服务的数据库暂时写不进去，什么也没有保存；终端会自动重试。请县里查看汇总服务的日志。".into(),
            )
        }
    }

    pub fn reply(&self) -> ErrorReply {
        ErrorReply {
            error: self.refusal,
            message: self.message.clone(),
            hub_time: self.hub_time,
        }
    }
}

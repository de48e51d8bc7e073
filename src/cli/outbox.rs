//! `banshi outbox status|flush`: what the kiosk has not yet sent to the county hub, and sending
//! it now — what a technician runs after enrolling a kiosk.
//!
//! Exit codes of `flush`: 0 everything sent; 3 the hub is unreachable or busy (nothing lost,
//! the kiosk retries by itself); 4 the county has not approved this kiosk yet; 5 the hub
//! refused (revoked, wrong enrolment code, key mismatch …); 1 anything else (no hub configured,
//! outbox or key unusable).

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::{config, ContentArgs};
use crate::outbox::Outbox;
use crate::uplink::device::DeviceKey;
use crate::uplink::heartbeat::Screen;
use crate::uplink::worker::Link;
use crate::uplink::Outcome;

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// Records waiting per kind, the oldest, drops at the cap, the last upload's result.
    Status(OutboxArgs),
    /// A fresh heartbeat, then send everything now.
    Flush(OutboxArgs),
}

#[derive(Args)]
pub struct OutboxArgs {
    #[command(flatten)]
    pub content: ContentArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct StatusReport {
    kiosk: String,
    hub: Option<String>,
    device_key: Option<String>,
    approved: bool,
    #[serde(flatten)]
    status: crate::outbox::Status,
}

pub fn run(cmd: OutboxCommand) -> ExitCode {
    let result = match cmd {
        OutboxCommand::Status(a) => status(&a).map(|()| ExitCode::SUCCESS),
        OutboxCommand::Flush(a) => flush(&a),
    };
    result.unwrap_or_else(|e| {
        log::error!("{e:#}");
        ExitCode::FAILURE
    })
}

fn status(args: &OutboxArgs) -> anyhow::Result<()> {
    let config = config(&args.content)?;
    let data = config.data_dir();
    let outbox = Outbox::open(&data, &config.kiosk_id)?;
    let key = DeviceKey::load(&data)?;
    let approved = outbox
        .meta(crate::uplink::keys::APPROVED)?
        .is_some_and(|v| !v.is_empty());
    let report = StatusReport {
        kiosk: config.kiosk_id.clone(),
        hub: config.hub.clone(),
        device_key: key.map(|k| k.fingerprint()),
        approved,
        status: outbox.status()?,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("终端编号：{}", report.kiosk);
    println!(
        "县里汇总：{}",
        report.hub.as_deref().unwrap_or("未配置（记录只存在本机）")
    );
    println!(
        "设备指纹：{}",
        report
            .device_key
            .as_deref()
            .unwrap_or("还没有（终端第一次上报时生成）")
    );
    let s = &report.status;
    if s.pending.is_empty() {
        println!("待送出：无");
    }
    for (kind, n) in &s.pending {
        println!("待送出 {}：{n} 条", kind_name(kind));
    }
    if let Some(o) = &s.oldest {
        println!("最早一条：{o}");
    }
    for (kind, n) in &s.dropped {
        println!("因发件箱满丢弃的 {}：{n} 条", kind_name(kind));
    }
    if let Some(l) = &s.last_upload {
        println!("上次上报：{l}");
    }
    Ok(())
}

fn kind_name(kind: &str) -> &str {
    match kind {
        "rating" => "评价",
        "suggestion" => "建议",
        "miss" => "没找到的搜索",
        "usage" => "使用次数",
        "heartbeat" => "心跳",
        other => other,
    }
}

fn flush(args: &OutboxArgs) -> anyhow::Result<ExitCode> {
    let config = config(&args.content)?;
    if config.hub.is_none() {
        anyhow::bail!(
            "kiosk.toml 里没有配置 hub：请写 hub = \"https://县里的汇总服务地址/\"（和 kiosk_id、需要时 enrol_code）"
        );
    }
    let mut link = Link::try_open(&config).map_err(anyhow::Error::msg)?;
    link.put_heartbeat(&config, &Screen::default());
    let outcome = link.flush()?;
    let waiting = link.outbox().status()?.waiting();
    if args.json {
        #[derive(Serialize)]
        struct Flushed<'a> {
            #[serde(flatten)]
            outcome: &'a Outcome,
            waiting: i64,
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&Flushed {
                outcome: &outcome,
                waiting
            })?
        );
    } else {
        println!("{}；还有 {waiting} 条待送出", outcome.describe());
    }
    Ok(ExitCode::from(match outcome {
        Outcome::Sent { .. } => 0,
        Outcome::Unreachable { .. } => 3,
        Outcome::Pending { .. } => 4,
        Outcome::Refused { .. } => 5,
    }))
}

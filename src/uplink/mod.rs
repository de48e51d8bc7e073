//! The kiosk's side of issue 11: sending the outbox (`crate::outbox`) to the county hub.
//!
//! - [`device`]: the kiosk's own Ed25519 key, made at first start; every request is signed
//!   with it (`hub::wire`).
//! - [`client`]: signed requests, refusals and back-off requests as [`client::HubError`].
//! - [`flush`] (here): enrol if needed, then send batches oldest first until the outbox is
//!   empty; each batch's acknowledged (and rejected) records are deleted in one transaction.
//!   A lost answer means the batch is sent again and the hub stores it once ((kiosk, seq) is
//!   unique there), so a kill at any moment loses and doubles nothing.
//! - [`heartbeat`]: what the kiosk says of itself every few minutes.
//! - [`worker`]: the background thread of the running kiosk (interval, back-off with jitter,
//!   never on the UI thread).

pub mod client;
pub mod device;
pub mod heartbeat;
pub mod worker;

use std::time::Duration;

use serde::Serialize;

use crate::hub::wire::{self, EnrolReply, EnrolRequest, EnrolState, Refusal, UploadReply};
use crate::outbox::{Outbox, OutboxError};
use client::{HubClient, HubError};

/// Outbox meta keys the uploader keeps.
pub mod keys {
    /// "<hub address> <key fingerprint>" once the hub approved this kiosk with this key.
    pub const APPROVED: &str = "hub_approved";
    /// Seconds to add to the local clock when signing (learnt from the hub).
    pub const SKEW: &str = "hub_skew";
}

/// Checks a configured hub address: `https://…`, or `http://` to this machine only (tests, a
/// hub on the kiosk itself); a trailing slash is added so paths join below it.
pub fn hub_url(s: &str) -> Result<url::Url, String> {
    let mut url = url::Url::parse(s.trim()).map_err(|_| "不是网址".to_string())?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => {}
        "http" if loopback => {}
        "http" => {
            return Err(
                "评价和建议要加密传输：请写 https:// 开头的地址（http 只能用于本机 127.0.0.1）"
                    .into(),
            )
        }
        _ => return Err("要写 https://县里的汇总服务地址/".into()),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("地址里不能有 ? 或 #".into());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// What this kiosk says of itself when it enrols.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub code: Option<String>,
    pub hall: Option<String>,
    pub region: Option<String>,
}

/// How a flush ended (what `banshi outbox flush --json` prints and the technician screen says).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// Everything waiting was sent (and acknowledged or rejected by the hub).
    Sent { records: usize, rejected: usize },
    /// The hub is not reachable, or asked to come back later; nothing is lost.
    Unreachable {
        message: String,
        sent: usize,
        #[serde(skip)]
        retry_after: Option<Duration>,
    },
    /// The county has not approved this kiosk yet.
    Pending { message: String },
    /// The hub refused (revoked, unknown, wrong code, key mismatch …); the records stay.
    Refused {
        refusal: Refusal,
        message: String,
        sent: usize,
    },
}

impl Outcome {
    /// One line for the technician screen and the outbox's `last_upload`.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Sent {
                records,
                rejected: 0,
            } => format!("已送出 {records} 条"),
            Outcome::Sent { records, rejected } => {
                format!("已送出 {records} 条，其中 {rejected} 条被县里退回（格式不对）")
            }
            Outcome::Unreachable { message, .. } => message.clone(),
            Outcome::Pending { message } => format!("等县里批准本终端：{message}"),
            Outcome::Refused { message, .. } => format!("县里拒收：{message}"),
        }
    }

    pub fn is_sent(&self) -> bool {
        matches!(self, Outcome::Sent { .. })
    }
}

fn approval_tag(client_base: &str, key: &device::DeviceKey) -> String {
    format!("{client_base} {}", key.fingerprint())
}

fn from_error(e: HubError, sent: usize) -> Outcome {
    match e {
        HubError::Refused {
            refusal: Refusal::Busy | Refusal::TooMany,
            message,
            retry_after,
        } => Outcome::Unreachable {
            message: format!("县里的汇总服务正忙：{message}"),
            sent,
            retry_after,
        },
        HubError::Refused {
            refusal: Refusal::Pending,
            message,
            ..
        } => Outcome::Pending { message },
        HubError::Refused {
            refusal, message, ..
        } => Outcome::Refused {
            refusal,
            message,
            sent,
        },
        e @ (HubError::Unreachable(_) | HubError::Protocol(_)) => Outcome::Unreachable {
            message: e.to_string(),
            sent,
            retry_after: None,
        },
    }
}

/// Enrols if this key is not known approved by this hub, then sends everything waiting.
pub async fn flush(
    client: &HubClient,
    hub: &str,
    outbox: &mut Outbox,
    who: &Identity,
) -> Result<Outcome, OutboxError> {
    let outcome = flush_inner(client, hub, outbox, who).await?;
    outbox.set_meta(keys::SKEW, &client.skew().to_string())?;
    let when = chrono::Local::now().format("%Y-%m-%d %H:%M");
    outbox.set_meta("last_upload", &format!("{when} {}", outcome.describe()))?;
    Ok(outcome)
}

async fn flush_inner(
    client: &HubClient,
    hub: &str,
    outbox: &mut Outbox,
    who: &Identity,
) -> Result<Outcome, OutboxError> {
    let tag = approval_tag(hub, client.key());
    let mut enrolled = outbox.meta(keys::APPROVED)?.as_deref() == Some(tag.as_str());
    let mut sent = 0;
    let mut rejected = 0;
    // Bounded: everything waiting now, in batches, plus a few rounds for records written
    // meanwhile and one re-enrolment.
    let waiting = outbox.status()?.waiting();
    let rounds = waiting as usize / wire::MAX_BATCH + 3;
    let mut re_enrolled = false;
    for _ in 0..rounds {
        if !enrolled {
            let request = EnrolRequest {
                key: client.key().public_hex().to_string(),
                code: who.code.clone(),
                hall: who.hall.clone(),
                region: who.region.clone(),
            };
            match client
                .post::<_, EnrolReply>(wire::ENROL_PATH, &request)
                .await
            {
                Ok(EnrolReply {
                    state: EnrolState::Approved,
                    ..
                }) => {
                    outbox.set_meta(keys::APPROVED, &tag)?;
                    enrolled = true;
                }
                Ok(EnrolReply { message, .. }) => return Ok(Outcome::Pending { message }),
                Err(e) => return Ok(from_error(e, sent)),
            }
        }
        let batch = outbox.batch(wire::MAX_BATCH)?;
        if batch.is_empty() {
            return Ok(Outcome::Sent {
                records: sent,
                rejected,
            });
        }
        let request = wire::UploadRequest {
            records: batch
                .iter()
                .map(|s| wire::WireRecord {
                    seq: s.seq,
                    at: s.at.clone(),
                    record: s.record.clone(),
                })
                .collect(),
        };
        match client
            .post::<_, UploadReply>(wire::UPLOAD_PATH, &request)
            .await
        {
            Ok(reply) => {
                let asked: std::collections::HashSet<i64> = batch.iter().map(|s| s.seq).collect();
                let mut done: Vec<i64> = reply
                    .ack
                    .iter()
                    .copied()
                    .filter(|s| asked.contains(s))
                    .collect();
                let acked = done.len();
                for r in reply.rejected.iter().filter(|r| asked.contains(&r.seq)) {
                    log::warn!("县里退回了第 {} 条记录：{}", r.seq, r.why);
                    done.push(r.seq);
                    rejected += 1;
                }
                if done.is_empty() {
                    return Ok(Outcome::Unreachable {
                        message: "县里的汇总服务没有确认任何记录：请检查 hub 地址".into(),
                        sent,
                        retry_after: None,
                    });
                }
                outbox.acknowledge(&done, "")?;
                sent += acked;
            }
            // The hub forgot this kiosk or it was approved under another key: enrol again once.
            Err(HubError::Refused {
                refusal: Refusal::UnknownKiosk | Refusal::Pending,
                ..
            }) if !re_enrolled => {
                outbox.set_meta(keys::APPROVED, "")?;
                enrolled = false;
                re_enrolled = true;
            }
            Err(e) => {
                if let HubError::Refused {
                    refusal: Refusal::Revoked | Refusal::UnknownKiosk | Refusal::Pending,
                    ..
                } = e
                {
                    outbox.set_meta(keys::APPROVED, "")?;
                }
                return Ok(from_error(e, sent));
            }
        }
    }
    Ok(Outcome::Sent {
        records: sent,
        rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_addresses_must_be_https_except_to_this_machine() {
        assert_eq!(
            hub_url("https://hub.example.gov.cn/banshi")
                .unwrap()
                .as_str(),
            "https://hub.example.gov.cn/banshi/"
        );
        assert!(hub_url("http://127.0.0.1:8080").is_ok());
        assert!(hub_url("http://localhost:8080/").is_ok());
        assert!(hub_url("http://[::1]:9/").is_ok());
        assert!(hub_url("http://hub.example.gov.cn/")
            .unwrap_err()
            .contains("https"));
        assert!(hub_url("ftp://x/").is_err());
        assert!(hub_url("hub.example").is_err());
        assert!(hub_url("https://x/?a=1").is_err());
    }
}

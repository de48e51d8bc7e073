//! `POST /v1/enrol`, decided: a new kiosk with a valid one-time code is approved at once and the
//! code is used up; without a code it waits for the county (`pending`), unless too many wait
//! already (`--max-pending`: then 503 `busy`, retry in an hour). Runs inside the
//! writer's transaction, so a refusal leaves nothing behind.

use super::codes;
use super::kiosks::{self, KioskState};
use super::sql::{Db, DbResult};
use super::wire::{EnrolReply, EnrolRequest, EnrolState, Refusal};
use super::Refused;

fn bad_code(message: String) -> Refused {
    Refused::new(Refusal::BadCode, message)
}

/// Checks `code` for a kiosk in `region` and marks it used by `kiosk`.
fn use_code(
    db: &mut dyn Db,
    kiosk: &str,
    code: &str,
    region: Option<&str>,
    now: i64,
    today: &str,
) -> DbResult<Result<(), Refused>> {
    let hash = codes::hash(code);
    let Some(row) = db.row(
        "SELECT region, expires, used_by FROM enrol_code WHERE hash = $1",
        &[hash.as_str().into()],
    )?
    else {
        return Ok(Err(bad_code(
            "登记码不对：请核对 kiosk.toml 里的 enrol_code，或请县里用 banshi hub code 重新发一个。"
                .into(),
        )));
    };
    let (code_region, expires) = (row.text(0), row.text(1));
    if let Some(by) = row.opt_text(2) {
        return Ok(Err(bad_code(format!(
            "这个登记码已被终端 {by} 用过，一个码只能用一次。请县里重新发一个。"
        ))));
    }
    if expires.as_str() < today {
        return Ok(Err(bad_code(format!(
            "这个登记码 {expires} 已过期。请县里重新发一个。"
        ))));
    }
    match region {
        None => {
            return Ok(Err(bad_code(format!(
                "登记码是给区划 {code_region} 的，但终端没有设置 region。请在 kiosk.toml 里写本机的 12 位区划代码。"
            ))))
        }
        Some(r) if !codes::region_contains(&code_region, r) => {
            return Ok(Err(bad_code(format!(
                "登记码是给区划 {code_region} 的，终端的区划是 {r}，不在其内。请核对 kiosk.toml 的 region，或请县里发对应地区的码。"
            ))))
        }
        Some(_) => {}
    }
    db.exec(
        "UPDATE enrol_code SET used_by = $1, used_at = $2 WHERE hash = $3 AND used_by IS NULL",
        &[kiosk.into(), now.into(), hash.into()],
    )?;
    Ok(Ok(()))
}

fn approved(kiosk: &str) -> EnrolReply {
    EnrolReply {
        state: EnrolState::Approved,
        message: format!("终端 {kiosk} 已登记并获批准，可以上传。"),
    }
}

fn pending(kiosk: &str) -> EnrolReply {
    EnrolReply {
        state: EnrolState::Pending,
        message: format!(
            "终端 {kiosk} 已登记，等县里批准（banshi hub kiosks approve {kiosk}）。批准前上传的内容留在终端上，不会丢。"
        ),
    }
}

/// How long a kiosk refused by the pending cap waits before asking again (seconds).
pub const PENDING_FULL_RETRY: u64 = 3600;

/// A new kiosk without a code while `waiting` kiosks already wait for approval: 503 `busy`
/// with `Retry-After`, so the kiosk backs off and asks again later; nothing is stored.
fn pending_full(kiosk: &str, waiting: i64) -> Refused {
    Refused {
        retry_after: Some(PENDING_FULL_RETRY),
        ..Refused::new(
            Refusal::Busy,
            format!(
                "汇总服务已有 {waiting} 台终端在等县里批准，暂不接受新的待批准终端 {kiosk}。请县里先用 banshi hub kiosks list 处理待批准的终端，或给本终端发一次性登记码（kiosk.toml 的 enrol_code）；终端一小时后自动再试。"
            ),
        )
    }
}

/// Decides an enrolment whose signature (by `req.key`) was verified. A new kiosk without a
/// code is refused while `max_pending` kiosks wait for approval.
pub fn enrol(
    db: &mut dyn Db,
    kiosk: &str,
    req: &EnrolRequest,
    now: i64,
    today: &str,
    max_pending: i64,
) -> DbResult<Result<EnrolReply, Refused>> {
    let code = req.code.as_deref().filter(|c| !c.trim().is_empty());
    if let Some(k) = kiosks::get(db, kiosk)? {
        if k.public_key != req.key {
            return Ok(Err(Refused::new(
                Refusal::KeyMismatch,
                format!(
                    "终端编号 {kiosk} 已用另一把密钥（指纹 {}）登记过。若终端重装过，请改用新的 kiosk_id，或请县里处理。",
                    k.fingerprint
                ),
            )));
        }
        return Ok(match k.state {
            KioskState::Revoked => Err(Refused::revoked(kiosk)),
            KioskState::Approved => Ok(approved(kiosk)),
            KioskState::Pending => match code {
                None => {
                    // Still there: kept from the pruning of pending kiosks not heard from.
                    db.exec(
                        "UPDATE kiosk SET last_seen = $2, light = NULL WHERE id = $1",
                        &[kiosk.into(), now.into()],
                    )?;
                    Ok(pending(kiosk))
                }
                Some(code) => match use_code(db, kiosk, code, k.region.as_deref(), now, today)? {
                    Err(r) => Err(r),
                    Ok(()) => {
                        db.exec(
                            "UPDATE kiosk SET state = 'approved', approved_at = $2, light = NULL WHERE id = $1",
                            &[kiosk.into(), now.into()],
                        )?;
                        Ok(approved(kiosk))
                    }
                },
            },
        });
    }
    let state = match code {
        None => {
            let waiting = db
                .row("SELECT COUNT(*) FROM kiosk WHERE state = 'pending'", &[])?
                .map_or(0, |r| r.int(0));
            if waiting >= max_pending {
                return Ok(Err(pending_full(kiosk, waiting)));
            }
            KioskState::Pending
        }
        Some(code) => match use_code(db, kiosk, code, req.region.as_deref(), now, today)? {
            Err(r) => return Ok(Err(r)),
            Ok(()) => KioskState::Approved,
        },
    };
    let approved_at = (state == KioskState::Approved).then_some(now);
    db.exec(
        "INSERT INTO kiosk (id, public_key, state, hall, region, enrolled_at, approved_at, last_seen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $6)",
        &[
            kiosk.into(),
            req.key.as_str().into(),
            state.as_str().into(),
            req.hall.as_deref().into(),
            req.region.as_deref().into(),
            now.into(),
            approved_at.into(),
        ],
    )?;
    Ok(Ok(if state == KioskState::Approved {
        approved(kiosk)
    } else {
        pending(kiosk)
    }))
}

/// What an enrolment request must look like before its signature is checked.
pub fn check_request(req: &EnrolRequest) -> Result<(), String> {
    if req.key.len() != 64 || hex::decode(&req.key).is_err() {
        return Err("key 要是 64 位十六进制的 Ed25519 公钥".into());
    }
    if let Some(r) = &req.region {
        if !codes::is_region(r) {
            return Err(format!("region {r} 不是 12 位区划代码"));
        }
    }
    if let Some(h) = &req.hall {
        if h.chars().count() > 100 || h.chars().any(char::is_control) {
            return Err("hall 太长或含控制字符".into());
        }
    }
    if req.code.as_ref().is_some_and(|c| c.len() > 64) {
        return Err("enrol_code 太长".into());
    }
    Ok(())
}

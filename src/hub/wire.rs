//! The kiosk → county hub protocol (issue 11): what both sides agree on, in one place.
//!
//! HTTP/1.1, JSON bodies, two requests:
//! - `POST /v1/enrol` with [`EnrolRequest`]: a kiosk introduces its device key. Answer
//!   [`EnrolReply`]: `approved` (a valid one-time code came with it, or the county approved it
//!   earlier) or `pending` (the county must run `banshi hub kiosks approve ID`).
//! - `POST /v1/upload` with [`UploadRequest`]: a batch of outbox records. Answer
//!   [`UploadReply`]: every sequence number the hub now holds (stored now or already before —
//!   a resent batch is harmless), and the records it will never take (`rejected`, with why).
//!   The kiosk deletes both from its outbox.
//!
//! Every request is signed by the kiosk's Ed25519 device key (see [`signing_input`]) and carries
//! the headers [`H_KIOSK`], [`H_TIME`], [`H_NONCE`], [`H_SIGNATURE`]. The hub refuses, storing
//! nothing, with the status and [`ErrorReply::error`] code named in [`Refusal`].
//!
//! Clock skew: village kiosks may have wrong clocks. A `stale` refusal carries the hub's time
//! ([`ErrorReply::hub_time`]); the kiosk keeps the difference and signs with corrected time.

use serde::{Deserialize, Serialize};

pub const ENROL_PATH: &str = "/v1/enrol";
pub const UPLOAD_PATH: &str = "/v1/upload";

pub const H_KIOSK: &str = "x-banshi-kiosk";
pub const H_TIME: &str = "x-banshi-time";
pub const H_NONCE: &str = "x-banshi-nonce";
pub const H_SIGNATURE: &str = "x-banshi-signature";

/// Largest request body the hub reads (bytes); larger ones are refused with 413 unread.
pub const MAX_BODY: usize = 1024 * 1024;
/// Records a kiosk puts in one upload (well under [`MAX_BODY`] at the records' bounded sizes).
pub const MAX_BATCH: usize = 500;
/// How far a request's time may be from the hub's (seconds, either way).
pub const MAX_SKEW_SECS: i64 = 300;

/// The exact bytes a request's signature covers: a fixed label, the method, the path, the
/// kiosk id, the time, the nonce and the SHA-256 of the body, one per line.
pub fn signing_input(
    method: &str,
    path: &str,
    kiosk: &str,
    time: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body);
    format!(
        "banshi-hub-v1\n{method}\n{path}\n{kiosk}\n{time}\n{nonce}\n{}",
        hex::encode(digest.as_ref())
    )
    .into_bytes()
}

/// Checks an Ed25519 signature (hex) by a public key (hex, 32 bytes) over `input`.
pub fn verify(public_key_hex: &str, input: &[u8], signature_hex: &str) -> bool {
    use aws_lc_rs::signature::{UnparsedPublicKey, ED25519};
    let (Ok(key), Ok(sig)) = (hex::decode(public_key_hex), hex::decode(signature_hex)) else {
        return false;
    };
    key.len() == 32
        && UnparsedPublicKey::new(&ED25519, key)
            .verify(input, &sig)
            .is_ok()
}

/// A public key's fingerprint as people compare it (technician screen, doctor, hub list):
/// the first 8 bytes of its SHA-256, in four groups of four hex digits.
pub fn fingerprint(public_key_hex: &str) -> String {
    let bytes = hex::decode(public_key_hex).unwrap_or_default();
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bytes);
    let h = hex::encode(&d.as_ref()[..8]);
    format!("{}-{}-{}-{}", &h[0..4], &h[4..8], &h[8..12], &h[12..16])
}

/// Kiosk ids as configured (`kiosk_id`): 1–64 of ASCII letters, digits, `-`, `_`, `.`.
pub fn is_kiosk_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The device key's public half, hex (32 bytes). The request is signed with it.
    pub key: String,
    /// A one-time enrolment code from `banshi hub code`, when the technician configured one.
    #[serde(default)]
    pub code: Option<String>,
    /// What the kiosk's config says of itself, for the county's list.
    #[serde(default)]
    pub hall: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolState {
    Approved,
    Pending,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolReply {
    pub state: EnrolState,
    /// For the technician screen, in Chinese.
    pub message: String,
}

/// One outbox record on the wire (`outbox::Stored` without the kiosk id, which the signed
/// header carries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRecord {
    pub seq: i64,
    /// When the kiosk wrote it (RFC 3339, the kiosk's clock).
    pub at: String,
    /// The record itself: `outbox::Record` as JSON (tagged by `kind`).
    pub record: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub records: Vec<WireRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    pub seq: i64,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UploadReply {
    /// Sequence numbers the hub holds (new and earlier duplicates alike).
    pub ack: Vec<i64>,
    /// Records the hub will never store (they fail `Record::check` or are of an unknown kind);
    /// kept in the hub's rejected list for the county, deleted by the kiosk.
    #[serde(default)]
    pub rejected: Vec<Rejected>,
}

/// Why the hub refused a request; it stored nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// 400: not JSON, wrong shape, missing or malformed headers.
    Malformed,
    /// 401: the signature does not verify with the kiosk's key.
    BadSignature,
    /// 401: the time is more than [`MAX_SKEW_SECS`] from the hub's.
    Stale,
    /// 403: no kiosk with this id, or uploads before enrolment.
    UnknownKiosk,
    /// 403: the county has not approved this kiosk yet.
    Pending,
    /// 403: the county revoked this kiosk.
    Revoked,
    /// 403: the enrolment code is wrong, used, expired or for another region.
    BadCode,
    /// 409: this kiosk id is enrolled with another key.
    KeyMismatch,
    /// 409: this nonce was seen already.
    Replayed,
    /// 413: body over [`MAX_BODY`].
    TooLarge,
    /// 429: more requests than a kiosk fairly makes; retry after `Retry-After`.
    TooMany,
    /// 503: the hub is busy; retry after `Retry-After`.
    Busy,
}

impl Refusal {
    pub fn status(self) -> u16 {
        match self {
            Refusal::Malformed => 400,
            Refusal::BadSignature | Refusal::Stale => 401,
            Refusal::UnknownKiosk | Refusal::Pending | Refusal::Revoked | Refusal::BadCode => 403,
            Refusal::KeyMismatch | Refusal::Replayed => 409,
            Refusal::TooLarge => 413,
            Refusal::TooMany => 429,
            Refusal::Busy => 503,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorReply {
    pub error: Refusal,
    /// What happened and what to do, in Chinese (shown on the technician screen).
    pub message: String,
    /// The hub's time (unix seconds), on `stale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_time: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};

    #[test]
    fn a_signature_covers_every_part_of_the_request() {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let key = hex::encode(pair.public_key().as_ref());
        let input = signing_input("POST", UPLOAD_PATH, "k1", 1000, "n1", b"{}");
        let sig = hex::encode(pair.sign(&input).as_ref());
        assert!(verify(&key, &input, &sig));
        for other in [
            signing_input("GET", UPLOAD_PATH, "k1", 1000, "n1", b"{}"),
            signing_input("POST", ENROL_PATH, "k1", 1000, "n1", b"{}"),
            signing_input("POST", UPLOAD_PATH, "k2", 1000, "n1", b"{}"),
            signing_input("POST", UPLOAD_PATH, "k1", 1001, "n1", b"{}"),
            signing_input("POST", UPLOAD_PATH, "k1", 1000, "n2", b"{}"),
            signing_input("POST", UPLOAD_PATH, "k1", 1000, "n1", b"{ }"),
        ] {
            assert!(!verify(&key, &other, &sig));
        }
        assert!(!verify("zz", &input, &sig));
        assert!(!verify(&key, &input, "00"));
        assert_eq!(fingerprint(&key).len(), 19);
    }

    #[test]
    fn kiosk_ids_are_plain_ascii() {
        assert!(is_kiosk_id("county-hall-01"));
        assert!(!is_kiosk_id(""));
        assert!(!is_kiosk_id("大厅1"));
        assert!(!is_kiosk_id("a b"));
        assert!(!is_kiosk_id(&"a".repeat(65)));
    }

    #[test]
    fn refusals_have_their_status_codes_and_snake_case_names() {
        let r = ErrorReply {
            error: Refusal::BadSignature,
            message: "签名不对".into(),
            hub_time: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"error":"bad_signature","message":"签名不对"}"#
        );
        assert_eq!(Refusal::TooMany.status(), 429);
        assert_eq!(Refusal::Replayed.status(), 409);
    }
}

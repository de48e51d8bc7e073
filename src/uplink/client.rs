//! Talking to the county hub: signed `POST`s (see `hub::wire`), with the hub's refusals and
//! back-off requests turned into [`HubError`]s the uploader acts on.

use std::path::Path;
use std::time::Duration;

use crate::hub::wire::{self, ErrorReply, Refusal};

use super::device::DeviceKey;

#[derive(Debug, Clone, PartialEq)]
pub enum HubError {
    /// No answer (no route, refused, timed out, cut off) or a server error: try again later.
    Unreachable(String),
    /// The hub answered and said no; it stored nothing.
    Refused {
        refusal: Refusal,
        message: String,
        retry_after: Option<Duration>,
    },
    /// The hub answered something this kiosk does not understand (a wrong address?).
    Protocol(String),
}

impl std::fmt::Display for HubError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HubError::Unreachable(e) => write!(f, "连不上县里的汇总服务（{e}），稍后自动重试"),
            HubError::Refused { message, .. } => write!(f, "县里的汇总服务拒收：{message}"),
            HubError::Protocol(e) => write!(
                f,
                "县里的汇总服务回答的内容看不懂（{e}）：请检查 kiosk.toml 里的 hub 地址"
            ),
        }
    }
}

pub struct HubClient {
    http: reqwest::Client,
    base: url::Url,
    kiosk: String,
    key: DeviceKey,
    /// Seconds to add to this machine's clock (learnt from a `stale` refusal).
    skew: std::cell::Cell<i64>,
}

/// The CA certificates in `path` (config `hub_ca`), with what is wrong named.
pub fn read_ca(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| {
        format!(
            "无法读取 hub_ca = \"{}\"（{e}）：请把县里汇总服务证书的 CA（PEM 文件）放到这里。",
            path.display()
        )
    })?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
        format!(
            "hub_ca = \"{}\" 里的证书损坏：请重新复制县里发的 CA 证书（PEM）。",
            path.display()
        )
    })?;
    if certs.is_empty() {
        return Err(format!(
            "hub_ca = \"{}\" 里没有证书（-----BEGIN CERTIFICATE-----）：这里要写县里汇总服务证书的 CA（PEM），不是私钥。",
            path.display()
        ));
    }
    Ok(certs)
}

impl HubClient {
    /// A client for the hub at `base`; with `ca`, only that CA is trusted for its certificate
    /// (config `hub_ca`), else the system's CA store.
    pub fn new(
        base: url::Url,
        kiosk: &str,
        key: DeviceKey,
        skew: i64,
        ca: Option<&Path>,
    ) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(Duration::from_secs(60))
            .user_agent(concat!("banshi/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = ca {
            builder = builder.tls_certs_only(read_ca(ca)?);
        }
        let http = builder
            .build()
            .map_err(|e| format!("无法准备网络连接：{e}"))?;
        Ok(HubClient {
            http,
            base,
            kiosk: kiosk.to_string(),
            key,
            skew: std::cell::Cell::new(skew),
        })
    }

    pub fn key(&self) -> &DeviceKey {
        &self.key
    }

    /// The clock correction in use (kept by the caller across runs).
    pub fn skew(&self) -> i64 {
        self.skew.get()
    }

    /// `POST path` with `body` signed; the answer parsed as `T`. A `stale` refusal that says
    /// the hub's time is retried once with the clock corrected.
    pub async fn post<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, HubError> {
        let bytes = serde_json::to_vec(body).expect("requests serialise");
        let skew = self.skew.get();
        match self.post_once(path, &bytes).await {
            Err(HubError::Refused {
                refusal: Refusal::Stale,
                ..
            }) if self.skew.get() != skew => self.post_once(path, &bytes).await,
            other => other,
        }
        .and_then(|answer| {
            serde_json::from_slice(&answer).map_err(|e| HubError::Protocol(e.to_string()))
        })
    }

    async fn post_once(&self, path: &str, body: &[u8]) -> Result<Vec<u8>, HubError> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| HubError::Protocol(e.to_string()))?;
        let time = chrono::Utc::now().timestamp() + self.skew.get();
        let mut nonce = [0u8; 16];
        aws_lc_rs::rand::fill(&mut nonce)
            .map_err(|_| HubError::Unreachable("随机数不可用".into()))?;
        let nonce = hex::encode(nonce);
        let signature = self.key.sign(&wire::signing_input(
            "POST",
            path,
            &self.kiosk,
            time,
            &nonce,
            body,
        ));
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(wire::H_KIOSK, &self.kiosk)
            .header(wire::H_TIME, time.to_string())
            .header(wire::H_NONCE, nonce)
            .header(wire::H_SIGNATURE, signature)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| HubError::Unreachable(describe(&e)))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let answer = response
            .bytes()
            .await
            .map_err(|e| HubError::Unreachable(describe(&e)))?;
        if status.is_success() {
            return Ok(answer.to_vec());
        }
        match serde_json::from_slice::<ErrorReply>(&answer) {
            Ok(reply) => {
                if let (Refusal::Stale, Some(hub)) = (reply.error, reply.hub_time) {
                    self.skew.set(hub - chrono::Utc::now().timestamp());
                }
                Err(HubError::Refused {
                    refusal: reply.error,
                    message: reply.message,
                    retry_after,
                })
            }
            // A proxy's or server's own error page: treat 5xx as "try later".
            Err(_) if status.is_server_error() => {
                Err(HubError::Unreachable(format!("服务器错误 {status}")))
            }
            Err(_) => Err(HubError::Protocol(format!("HTTP {status}"))),
        }
    }
}

fn describe(e: &reqwest::Error) -> String {
    // A certificate the kiosk does not trust: say so (and what to do), not just "no connection".
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        let text = inner.to_string();
        if text.contains("certificate") {
            return format!(
                "汇总服务的 HTTPS 证书不被信任（{text}）：若县里用自己的 CA，请在 kiosk.toml 写 hub_ca = \"CA 证书的路径\"；并核对 hub 地址与证书上的名字一致"
            );
        }
        src = inner.source();
    }
    if e.is_timeout() {
        "超时".into()
    } else if e.is_connect() {
        "无法建立连接".into()
    } else {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            s = format!("{s}: {inner}");
            src = inner.source();
        }
        s
    }
}

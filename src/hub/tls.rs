//! `banshi hub --tls-cert PEM --tls-key PEM`: HTTPS inside the hub (rustls on aws-lc-rs, the
//! provider the rest of the tree uses), for a county without an HTTPS front end. Every way the
//! two files can be wrong is named with the file and what to do, before the hub listens.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

/// The certificate chain and private key the hub serves HTTPS with.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn read(path: &Path, what: &str, flag: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "文件不存在".to_string(),
            std::io::ErrorKind::PermissionDenied => {
                "没有权限读取（运行汇总服务的用户要能读它；打包的 banshi-hub 服务请用 LoadCredential= 交给它，见 README）"
                    .to_string()
            }
            _ => e.to_string(),
        };
        anyhow::anyhow!("{flag} {}：无法读取{what}，{why}。", path.display())
    })
}

fn pem_problem(e: &pem::Error) -> String {
    match e {
        pem::Error::NoItemsFound => "里面没有 PEM 块".into(),
        other => format!("PEM 格式损坏（{other:?}）"),
    }
}

/// Reads and checks `files`; the server side of rustls, offering HTTP/1.1.
pub fn load(files: &TlsFiles) -> anyhow::Result<Arc<ServerConfig>> {
    let (cert_path, key_path) = (files.cert.display(), files.key.display());
    let cert_pem = read(&files.cert, "证书", "--tls-cert")?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            anyhow::anyhow!(
                "--tls-cert {cert_path}：{}。这里要写 PEM 格式的证书（以 -----BEGIN CERTIFICATE----- 开头，中间证书接在后面）。",
                pem_problem(&e)
            )
        })?;
    if chain.is_empty() {
        let hint = if PrivateKeyDer::from_pem_slice(&cert_pem).is_ok() {
            "这个文件是私钥，不是证书：--tls-cert 和 --tls-key 是否写反了？"
        } else {
            "这里要写 PEM 格式的证书（以 -----BEGIN CERTIFICATE----- 开头）。"
        };
        bail!("--tls-cert {cert_path}：找不到证书（-----BEGIN CERTIFICATE-----）。{hint}");
    }
    let key_pem = read(&files.key, "私钥", "--tls-key")?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        let hint = if matches!(e, pem::Error::NoItemsFound)
            && CertificateDer::pem_slice_iter(&key_pem).any(|c| c.is_ok())
        {
            "这个文件是证书，不是私钥：--tls-cert 和 --tls-key 是否写反了？"
        } else {
            "这里要写与证书配对的 PEM 私钥（-----BEGIN PRIVATE KEY-----、BEGIN RSA PRIVATE KEY 或 BEGIN EC PRIVATE KEY；不能有口令）。"
        };
        anyhow::anyhow!(
            "--tls-key {key_path}：找不到私钥（{}）。{hint}",
            pem_problem(&e)
        )
    })?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS 设置出错：{e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => anyhow::anyhow!(
                "--tls-key {key_path} 与 --tls-cert {cert_path} 不配对：私钥不是这张证书的。请用同一次生成或申请的证书和私钥（证书文件里第一张要是本服务器自己的证书）。"
            ),
            rustls::Error::General(m) => anyhow::anyhow!(
                "--tls-key {key_path}：这种私钥用不了（{m}）。请用 RSA、ECDSA（P-256/P-384）或 Ed25519 私钥。"
            ),
            other => anyhow::anyhow!(
                "--tls-cert {cert_path}：证书用不了（{other}）。请检查它是否完整、是否为本服务器的证书。"
            ),
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, cert: &str, key: &str) -> TlsFiles {
        let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&c, cert).unwrap();
        std::fs::write(&k, key).unwrap();
        TlsFiles { cert: c, key: k }
    }

    fn err(f: &TlsFiles) -> String {
        format!("{:#}", load(f).unwrap_err())
    }

    #[test]
    fn each_wrong_file_is_named_with_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let missing = TlsFiles {
            cert: dir.path().join("nope.pem"),
            key: dir.path().join("key.pem"),
        };
        let e = err(&missing);
        assert!(
            e.contains("--tls-cert") && e.contains("nope.pem") && e.contains("不存在"),
            "{e}"
        );

        let f = files(dir.path(), "hello", "hello");
        let e = err(&f);
        assert!(
            e.contains("cert.pem") && e.contains("BEGIN CERTIFICATE"),
            "{e}"
        );

        let broken = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let f = files(dir.path(), broken, "x");
        let e = err(&f);
        assert!(e.contains("cert.pem") && e.contains("损坏"), "{e}");
    }
}

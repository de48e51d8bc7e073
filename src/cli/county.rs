//! The county's side of sync: signing keys (`keygen`), publishing a content folder as a signed
//! repository (`publish`) and serving it over HTTP where the county has no web server (`serve`).

use std::path::PathBuf;

use clap::Args;

#[derive(Args)]
pub struct KeygenArgs {
    /// Folder for the keys (root.key, publish.key: keep them secret) and root.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Overwrite existing keys (every kiosk then needs the new root.json).
    #[arg(long)]
    pub force: bool,
    /// Replace the keys in OUT with new ones; kiosks follow without reinstalling.
    #[arg(long, conflicts_with = "force")]
    pub rotate: bool,
    /// How long the trust anchor is valid.
    #[arg(long, default_value_t = 3650)]
    pub root_expires_days: i64,
}

#[derive(Args)]
pub struct PublishArgs {
    /// The authored content folder (see docs/authoring.md).
    #[arg(long)]
    pub source: Option<PathBuf>,
    /// The keys folder from `banshi keygen`.
    #[arg(long)]
    pub keys: PathBuf,
    /// The repository folder to write or update (serve it as static files).
    #[arg(long)]
    pub out: PathBuf,
    /// Days until kiosks treat this version as expired unless it is re-signed.
    #[arg(long, default_value_t = 30)]
    pub expires_days: i64,
    /// Re-sign the current content with a new expiry, without --source.
    #[arg(long, conflicts_with = "source")]
    pub refresh: bool,
    /// Train a new compression dictionary on this content instead of keeping the repository's:
    /// every object changes once, so every kiosk downloads the whole county once more.
    #[arg(long, conflicts_with = "refresh")]
    pub new_dictionary: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ServeArgs {
    #[arg(long)]
    pub repo: PathBuf,
    /// Address to listen on, e.g. 0.0.0.0:8080.
    #[arg(long, default_value = "0.0.0.0:8080")]
    pub listen: String,
}

pub fn keygen(args: &KeygenArgs) -> anyhow::Result<()> {
    let KeygenArgs {
        out,
        force,
        rotate,
        root_expires_days,
    } = args;
    let (force, rotate, root_expires_days) = (*force, *rotate, *root_expires_days);
    use crate::publish::keys;
    if rotate {
        let v = keys::rotate(out, root_expires_days)?;
        println!(
            "已更换密钥：{} 现在是第 {v} 版信任根（新旧根密钥共同签名）。下次 banshi publish 后，终端会自动改用新密钥；旧的 publish.key 已作废。",
            out.join(keys::ROOT_JSON).display()
        );
    } else {
        keys::keygen(
            out,
            &keys::KeygenOptions {
                root_expires_days,
                force,
            },
        )?;
        println!(
            "已生成签名密钥：{dir}/root.key 和 {dir}/publish.key（只有本人可读，务必保密并备份；root.key 平时请离线保存）。\n信任根：{dir}/root.json，安装到每台终端的 /etc/banshi/root.json。",
            dir = out.display()
        );
    }
    Ok(())
}

pub fn publish(args: PublishArgs) -> anyhow::Result<()> {
    let PublishArgs {
        source,
        keys,
        out,
        expires_days,
        refresh,
        new_dictionary,
        json,
    } = args;
    let opts = crate::publish::PublishOptions {
        source,
        keys,
        out,
        expires_days,
        refresh,
    };
    let p = crate::publish::publish_with(&opts, new_dictionary)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&p)?);
    } else {
        println!(
            "已发布第 {} 版：{} 份文档，新写入 {} 个对象（{} 字节），沿用 {} 个；有效期至 {}。\n内容摘要：{}",
            p.version, p.documents, p.objects_written, p.bytes_written, p.objects_reused, p.expires, p.digest
        );
        if p.dictionary_trained {
            println!(
                "已训练新的压缩字典：所有对象都换了一遍，各终端下次同步会重新下载全部内容一次。"
            );
        }
    }
    Ok(())
}

pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let repo = &args.repo;
    let s = crate::serve::start(repo, &args.listen)?;
    log::info!(
        "正在 http://{} 提供 {} （Ctrl+C 停止）",
        s.addr,
        repo.display()
    );
    s.join();
    Ok(())
}

//! Content work for county staff and technicians: what content is in use (`status`), checking
//! an authored folder (`validate`), making it the kiosk's content (`import`), searching as the
//! kiosk does (`search`) and the searches that found nothing (`report searches`).

use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::{Args, Subcommand};

use super::{config, open_store, ContentArgs};
use crate::source;
use crate::store::Store;

#[derive(Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub content: ContentArgs,
    /// Print JSON for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ValidateArgs {
    /// The content folder (see docs/authoring.md).
    pub dir: PathBuf,
    /// Print JSON for scripts: {"ok", "problems": [{file, field, message}], "warnings": [...],
    /// "summary"}; the exit code is non-zero when there are problems, as without --json.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The content folder (see docs/authoring.md).
    pub dir: PathBuf,
    #[command(flatten)]
    pub content: ContentArgs,
}

#[derive(Args)]
pub struct SearchArgs {
    pub query: String,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Print JSON for scripts.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub content: ContentArgs,
}

#[derive(Subcommand)]
pub enum Report {
    /// Searches on this kiosk that found nothing (query and time only), most frequent first.
    Searches {
        #[command(flatten)]
        content: ContentArgs,
        #[arg(long)]
        json: bool,
    },
}

/// `banshi report …`.
pub fn report(what: Report) -> anyhow::Result<()> {
    match what {
        Report::Searches { content, json } => report_searches(&content, json),
    }
}

pub fn status(args: &StatusArgs) -> anyhow::Result<()> {
    let json = args.json;
    let config = config(&args.content)?;
    let store = open_store(&args.content, &config)?;
    let counts = store.counts()?;
    let version: i64 = store
        .meta("content_version")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let value = serde_json::json!({
        "content_version": version,
        "county": store.meta("county_name")?,
        "items": counts.items,
        "notices": counts.notices,
        "departments": counts.departments,
        "regions": counts.regions,
        "imported_at": store.meta("imported_at")?,
        "database": store.path().display().to_string(),
        "region": config.region,
        "kiosk_id": config.kiosk_id,
        "sync_version": store.meta(crate::sync::keys::VERSION)?.and_then(|v| v.parse::<u64>().ok()),
        "last_sync": store.meta(crate::sync::keys::LAST_SYNC)?,
        "last_sync_status": store.meta(crate::sync::keys::LAST_STATUS)?,
        "last_sync_error": store.meta(crate::sync::keys::LAST_ERROR)?.filter(|e| !e.is_empty()),
        "expires": store.meta(crate::sync::keys::EXPIRES)?,
        "content_digest": store.meta("content_digest")?,
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!(
            "内容：{} 第 {version} 版，事项 {} 项，公开信息 {} 条，部门 {} 个，区划 {} 个\n数据库：{}",
            value["county"].as_str().unwrap_or(""),
            counts.items,
            counts.notices,
            counts.departments,
            counts.regions,
            store.path().display()
        );
    }
    Ok(())
}

pub fn validate(args: &ValidateArgs) -> anyhow::Result<()> {
    let files = source::read_dir_files(&args.dir).map_err(|e| anyhow!("{e}"));
    if args.json {
        let (warnings, loaded) = match files {
            Ok(files) => (
                source::glyphs::warnings(&files),
                source::load_files(files).map_err(|p| p.0),
            ),
            Err(e) => (
                Vec::new(),
                Err(vec![source::Problem {
                    file: args.dir.display().to_string(),
                    field: String::new(),
                    message: e.to_string(),
                }]),
            ),
        };
        let summary = loaded.as_ref().ok().map(|c| {
            serde_json::json!({
                "county": c.county.name,
                "content_version": c.county.content_version,
                "items": c.items.len(),
                "notices": c.notices.len(),
                "departments": c.departments.len(),
            })
        });
        let problems = loaded.as_ref().err().cloned().unwrap_or_default();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "ok": problems.is_empty(),
                "problems": problems,
                "warnings": warnings,
                "summary": summary,
            }))?
        );
        if !problems.is_empty() {
            anyhow::bail!("内容有 {} 处错误", problems.len());
        }
        return Ok(());
    }
    let files = files?;
    let warnings = source::glyphs::warnings(&files);
    let content = source::load_files(files).map_err(|e| anyhow!("{e}"))?;
    if !warnings.is_empty() {
        println!("提醒（不影响导入）：");
        for w in &warnings {
            println!("  - {w}");
        }
    }
    println!(
        "内容检查通过：{} 第 {} 版，事项 {} 项，公开信息 {} 条，部门 {} 个。",
        content.county.name,
        content.county.content_version,
        content.items.len(),
        content.notices.len(),
        content.departments.len()
    );
    Ok(())
}

pub fn import(args: &ImportArgs) -> anyhow::Result<()> {
    let content = source::load_dir(&args.dir).map_err(|e| anyhow!("{e}"))?;
    let config = config(&args.content)?;
    let path = config.data_dir().join(crate::store::DB_FILE);
    Store::create(&path, &content)?;
    println!(
        "已导入 {} 第 {} 版（{} 项事项）到 {}",
        content.county.name,
        content.county.content_version,
        content.items.len(),
        path.display()
    );
    Ok(())
}

pub fn search(args: &SearchArgs) -> anyhow::Result<()> {
    let SearchArgs {
        query,
        limit,
        json,
        content,
    } = args;
    let (limit, json) = (*limit, *json);
    let config = config(content)?;
    let store = open_store(content, &config)?;
    let index = crate::search::SearchIndex::build(store.search_docs()?);
    let body = |q: &str| store.search_body(q);
    let results = index.search(query, limit, Some(&body));
    if json {
        println!("{}", serde_json::to_string_pretty(&results.hits)?);
    } else if results.hits.is_empty() {
        println!("没有找到“{query}”。");
    } else {
        for h in &results.hits {
            let kind = match h.kind {
                crate::search::Kind::Guide => "办事指南",
                crate::search::Kind::Notice => "政务公开",
            };
            let step = if h.step.is_exact() {
                String::new()
            } else {
                format!("  [{}]", h.step.label())
            };
            println!("{:>5}  {kind}  {}  ({}){step}", h.score, h.title, h.id);
        }
    }
    Ok(())
}

fn report_searches(args: &ContentArgs, json: bool) -> anyhow::Result<()> {
    let config = config(args)?;
    let log = crate::search::log::SearchLog::open(&config.data_dir())
        .with_context(|| format!("无法打开 {} 里的搜索记录", config.data_dir().display()))?;
    let report = log.report()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.is_empty() {
        println!("还没有“搜不到”或“纠错后才找到”的记录。");
    } else {
        let (missed, forgiven): (Vec<_>, Vec<_>) = report.iter().partition(|m| m.step.is_none());
        if !missed.is_empty() {
            println!("居民搜索过、但没有找到结果的词（可考虑加为事项别名）：");
            for m in missed {
                println!("{:>4} 次  {}  （最近：{}）", m.count, m.query, m.last);
            }
        }
        if !forgiven.is_empty() {
            println!("居民打错、经纠错才找到结果的词（常见的可加为事项别名）：");
            for m in forgiven {
                let step = m
                    .step
                    .as_deref()
                    .and_then(crate::search::index::Step::parse)
                    .map_or("纠错", |s| s.label());
                println!(
                    "{:>4} 次  {}  （{step}；最近：{}）",
                    m.count, m.query, m.last
                );
            }
        }
    }
    Ok(())
}

//! `banshi bench`: figures a technician can use to judge a kiosk board. Each measurement starts
//! a fresh `banshi bench-child` process, so start-up and memory are those of a real kiosk start.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use clap::Args;
use serde::Serialize;
use slint::ComponentHandle;

use crate::config::Config;
use crate::kiosk::nav::Route;
use crate::store::{ItemFilter, Store};
use crate::ui::headless::Screen;
use crate::ui::KioskUi;

/// Pinyin queries typed key by key in the search benchmark: full spellings, initials, mixed,
/// fuzzy, and digits.
const SEARCH_QUERIES: &[&str] = &[
    "shenfenzheng",
    "sfz",
    "shenfz",
    "shebao",
    "sbk",
    "hukouben",
    "huzhao",
    "dibao",
    "jiehun",
    "lihun",
    "yingyezhizhao",
    "yyzz",
    "ylbx",
    "yanglaobaoxian",
    "jiazhao",
    "zhunshengzheng",
    "zsz",
    "fangchanzheng",
    "canjiz",
    "senfenzen",
    "zuanxue",
    "nihun",
    "cusheng",
    "lvyou",
    "luyou",
    "guoqing",
    "gengdibutie",
    "yibao",
    "fapiao",
    "2026",
    // one slip each (swapped, missing, extra, wrong letter): the forgiving step runs
    "shenfenzhneg",
    "hukoubne",
    "shenfnzheng",
    "hukkouben",
    "jiazhso",
    "yingyezhizaho",
    "yangloabaoxian",
];

/// Typed queries that find nothing even with one slip forgiven: the forgiving step runs on
/// every key after the last one that found something, and finds nothing.
const NOTHING_QUERIES: &[&str] = &[
    "shenfenzhengqqx",
    "jiehundengjixqz",
    "yingyezhizhaoqqq",
    "shebaokazzxq",
    "hukouqxzv",
    "zhunshengqqq",
];

#[derive(Args, Clone)]
pub struct BenchArgs {
    /// Sizes of generated counties to measure besides the sample county.
    #[arg(long, value_delimiter = ',', default_value = "10000")]
    items: Vec<usize>,
    /// Guides in the generated county for the search benchmark.
    #[arg(long, default_value_t = 100_000)]
    search_items: usize,
    /// Guides in the generated county for the sync benchmark (0 skips it).
    #[arg(long, default_value_t = 10_000)]
    sync_items: usize,
    /// Sync benchmark over a simulated line: its rate in Mbit/s in each direction (0: straight
    /// over loopback).
    #[arg(long, default_value_t = 0.0)]
    line_mbit: f64,
    /// Sync benchmark over a simulated line: its round trip in milliseconds.
    #[arg(long, default_value_t = 0)]
    line_rtt_ms: u64,
    /// Kiosk starts per county (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Print JSON (the default output is JSON too; the flag is accepted for scripts).
    #[arg(long)]
    json: bool,
    /// Measure only this part: `kiosk` (start-up, redraw, memory per county), `search`,
    /// `sync`, `print` (the 一次性告知单), `convert` (the spreadsheet route), `speech` (朗读:
    /// first sound, real-time factor) or `hub` (the county hub on SQLite or, with `--hub-db`,
    /// PostgreSQL: records/s, ack time, the kiosk outbox's cost per record); `console` (a
    /// year of ratings and cases in the hub's database, then the console's reads timed; only
    /// when asked for).
    #[arg(long, value_enum)]
    only: Option<Part>,
    /// Hub benchmark: simulated kiosks, requests in flight, seconds of sustained load, and
    /// records each kiosk sends after a day offline (the backlog drain).
    #[arg(long, default_value_t = 500)]
    hub_kiosks: usize,
    #[arg(long, default_value_t = 32)]
    hub_concurrency: usize,
    #[arg(long, default_value_t = 10)]
    hub_seconds: u64,
    #[arg(long, default_value_t = 300)]
    hub_backlog: usize,
    /// Hub benchmark: requests per second in the sustained phase (0: as fast as answered).
    #[arg(long, default_value_t = 0.0)]
    hub_rate: f64,
    /// Hub benchmark on PostgreSQL: the URL of an empty database made for it
    /// (default: a SQLite file in a temporary folder).
    #[arg(long)]
    hub_db: Option<String>,
    /// Console benchmark (`--only console`): kiosks, days of ratings, ratings per kiosk and
    /// day (10,000 × 365 × 10 ≈ 36.5 million), per cent of them 差评 (cases), timed runs per
    /// query. On PostgreSQL with `--hub-db`.
    #[arg(long, default_value_t = 10_000)]
    console_kiosks: usize,
    #[arg(long, default_value_t = 365)]
    console_days: u32,
    #[arg(long, default_value_t = 10)]
    console_per_day: usize,
    #[arg(long, default_value_t = 2.0)]
    console_bad_pct: f64,
    #[arg(long, default_value_t = 200)]
    console_samples: usize,
    /// Keep the console benchmark's SQLite file (its path is printed).
    #[arg(long)]
    console_keep: bool,
    /// Time the console's reads on a database a kept run made (a SQLite file or
    /// `postgres://…`) instead of generating one.
    #[arg(long)]
    console_reuse: Option<String>,
    /// Items in the generated workbook for the convert benchmark (0 skips it).
    #[arg(long, default_value_t = 2_000)]
    convert_items: usize,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Kiosk,
    Search,
    Sync,
    Print,
    Convert,
    Speech,
    Hub,
    Console,
}

#[derive(Args, Clone)]
pub struct ChildArgs {
    #[arg(long)]
    data_dir: PathBuf,
}

#[derive(Serialize, serde::Deserialize, Debug, Clone, Default)]
struct ChildReport {
    redraw_home_ms: f64,
    redraw_guide_ms: f64,
    redraw_list_ms: f64,
    open_guide_ms: f64,
    open_largest_list_ms: f64,
    first_search_ms: f64,
    largest_list_ms: f64,
    largest_list_rows: usize,
    peak_rss_mb: f64,
    rss_anon_mb: f64,
    rss_file_mb: f64,
}

#[derive(Serialize, Debug)]
struct CountyReport {
    county: String,
    items: i64,
    notices: i64,
    db_mb: f64,
    import_ms: f64,
    startup_ms: f64,
    startup_ms_runs: Vec<f64>,
    redraw_ms: Redraw,
    open_guide_ms: f64,
    open_largest_list_ms: f64,
    first_search_ms: f64,
    largest_list_ms: f64,
    largest_list_rows: usize,
    peak_rss_mb: f64,
    /// At the end of the run: the heap and other private memory, and the pages of the
    /// executable (code, embedded fonts) and other files mapped in. The file part depends on
    /// the page cache (a freshly built or copied binary maps more), so compare builds by the
    /// anonymous part or after the binary has been read the same way.
    rss_anon_mb: f64,
    rss_file_mb: f64,
}

#[derive(Serialize, Debug)]
struct Redraw {
    home: f64,
    long_guide: f64,
    largest_list: f64,
}

fn ms(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let root = std::env::temp_dir().join(format!("banshi-bench-{}", std::process::id()));
    let exe = std::env::current_exe()?;
    let mut counties = Vec::new();
    if args.only.is_none() || args.only == Some(Part::Kiosk) {
        counties.push(("sample".to_string(), crate::sample::sample()));
        for n in &args.items {
            counties.push((format!("generated-{n}"), crate::sample::generated(*n)));
        }
    }
    let mut reports = Vec::new();
    for (name, content) in counties {
        let dir = root.join(&name);
        let path = dir.join(crate::store::DB_FILE);
        let t = Instant::now();
        Store::create(&path, &content)?;
        let import_ms = ms(t);
        let db_mb = std::fs::metadata(&path)?.len() as f64 / 1_048_576.0;
        let mut startups = Vec::new();
        let mut last = ChildReport::default();
        for _ in 0..args.runs.max(1) {
            let t = Instant::now();
            let mut child = Command::new(&exe)
                .args(["bench-child", "--data-dir"])
                .arg(&dir)
                .stdout(Stdio::piped())
                .spawn()
                .context("cannot start bench-child")?;
            let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
            let first = lines.next().transpose()?.unwrap_or_default();
            if first.trim() != "first-frame" {
                return Err(anyhow!("bench-child did not render a first frame: {first}"));
            }
            startups.push(ms(t));
            let report = lines.next().transpose()?.unwrap_or_default();
            last = serde_json::from_str(&report)
                .with_context(|| format!("bench-child printed {report}"))?;
            child.wait()?;
        }
        reports.push(CountyReport {
            county: name,
            items: content.items.len() as i64,
            notices: content.notices.len() as i64,
            db_mb: (db_mb * 100.0).round() / 100.0,
            import_ms,
            startup_ms: median(startups.clone()),
            startup_ms_runs: startups,
            redraw_ms: Redraw {
                home: last.redraw_home_ms,
                long_guide: last.redraw_guide_ms,
                largest_list: last.redraw_list_ms,
            },
            open_guide_ms: last.open_guide_ms,
            open_largest_list_ms: last.open_largest_list_ms,
            first_search_ms: last.first_search_ms,
            largest_list_ms: last.largest_list_ms,
            largest_list_rows: last.largest_list_rows,
            peak_rss_mb: last.peak_rss_mb,
            rss_anon_mb: last.rss_anon_mb,
            rss_file_mb: last.rss_file_mb,
        });
    }
    let _ = std::fs::remove_dir_all(&root);
    let wanted = |p: Part| args.only.is_none() || args.only == Some(p);
    let search = wanted(Part::Search).then(|| search_bench(args.search_items));
    let sync = if wanted(Part::Sync) && args.sync_items > 0 {
        let line = (args.line_mbit > 0.0).then_some(crate::sync::bench::Line {
            mbit: args.line_mbit,
            rtt_ms: args.line_rtt_ms,
        });
        Some(crate::sync::bench::run(args.sync_items, line)?)
    } else {
        None
    };
    let print = wanted(Part::Print).then(print_bench).transpose()?;
    let convert = if wanted(Part::Convert) && args.convert_items > 0 {
        Some(convert_bench(args.convert_items)?)
    } else {
        None
    };
    let speech = wanted(Part::Speech).then(speech_bench);
    let hub = if wanted(Part::Hub) {
        Some(crate::hub::bench::run(
            args.hub_kiosks,
            args.hub_concurrency,
            args.hub_seconds,
            args.hub_backlog,
            args.hub_rate,
            args.hub_db.as_deref(),
        )?)
    } else {
        None
    };
    let console = if args.only == Some(Part::Console) {
        Some(crate::hub::console::bench::run(
            &crate::hub::console::bench::Options {
                kiosks: args.console_kiosks,
                days: args.console_days,
                per_day: args.console_per_day,
                bad_pct: args.console_bad_pct,
                samples: args.console_samples,
                db: args.hub_db.clone(),
                keep: args.console_keep,
                reuse: args.console_reuse.clone(),
            },
        )?)
    } else {
        None
    };
    let out = serde_json::json!({
        "size": "1920x1080",
        "renderer": "software",
        "targets": {"startup_ms": 150, "peak_rss_mb": 60, "search_keystroke_p99_ms": 5},
        "counties": reports,
        "search": search,
        "sync": sync,
        "print": print,
        "convert": convert,
        "speech": speech,
        "hub": hub,
        "console": console,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

#[derive(Args, Clone)]
pub struct ConvertChildArgs {
    /// `convert`: workbook → content folder (validated); `publish`: content folder → repository.
    #[arg(long)]
    step: String,
    #[arg(long)]
    input: PathBuf,
    #[arg(long)]
    out: PathBuf,
    /// The signing keys (for `publish`).
    #[arg(long)]
    keys: Option<PathBuf>,
}

/// One measured step of the spreadsheet route in a process of its own (so its peak memory is
/// its own): prints `{"seconds", "peak_rss_mb"}`.
pub fn convert_child(args: ConvertChildArgs) -> anyhow::Result<()> {
    let t = Instant::now();
    match args.step.as_str() {
        "convert" => {
            let layout = crate::sheet::layout::Layout::default_layout();
            let book = crate::sheet::read::read(&args.input).map_err(|e| anyhow!(e))?;
            let c =
                crate::sheet::convert::convert(&book, &layout, None).map_err(|e| anyhow!("{e}"))?;
            crate::sheet::folder::write(&args.out, &c.files, false).map_err(|e| anyhow!(e))?;
            // Then validated as written, as `banshi convert` does.
            crate::source::load_dir(&args.out).map_err(|e| anyhow!("{e}"))?;
        }
        "publish" => {
            let keys = args.keys.clone().context("--keys")?;
            crate::publish::publish(&crate::publish::PublishOptions {
                source: Some(args.input.clone()),
                keys,
                out: args.out.clone(),
                expires_days: 30,
                refresh: false,
            })?;
        }
        other => return Err(anyhow!("unknown step {other}")),
    }
    let out = serde_json::json!({"seconds": (t.elapsed().as_secs_f64() * 100.0).round() / 100.0, "peak_rss_mb": peak_rss_mb()});
    println!("{out}");
    Ok(())
}

/// The spreadsheet route on a generated county of `items` items: the workbook `export` writes,
/// converted and validated (one process), then published (another), each with its wall time and
/// peak memory.
fn convert_bench(items: usize) -> anyhow::Result<serde_json::Value> {
    let dir = tempfile::tempdir()?;
    let content = crate::sample::generated(items);
    let workbook = dir.path().join("bench.xlsx");
    let t = Instant::now();
    crate::sheet::export::write(
        &content,
        &crate::sheet::layout::Layout::default_layout(),
        &workbook,
    )
    .map_err(|e| anyhow!(e))?;
    let export_s = t.elapsed().as_secs_f64();
    let keys = dir.path().join("keys");
    crate::publish::keys::keygen(
        &keys,
        &crate::publish::keys::KeygenOptions {
            root_expires_days: 365,
            force: false,
        },
    )?;
    let exe = std::env::current_exe()?;
    let step = |step: &str, input: &Path, out: &Path| -> anyhow::Result<serde_json::Value> {
        let o = Command::new(&exe)
            .args(["bench-convert-child", "--step", step, "--input"])
            .arg(input)
            .arg("--out")
            .arg(out)
            .arg("--keys")
            .arg(&keys)
            .output()?;
        if !o.status.success() {
            return Err(anyhow!(
                "bench-convert-child {step}: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        Ok(serde_json::from_slice(&o.stdout)?)
    };
    let folder = dir.path().join("content");
    let convert = step("convert", &workbook, &folder)?;
    let publish = step("publish", &folder, &dir.path().join("repo"))?;
    Ok(serde_json::json!({
        "items": items,
        "notices": content.notices.len(),
        "workbook_mb": (std::fs::metadata(&workbook)?.len() as f64 / 1_048_576.0 * 100.0).round() / 100.0,
        "export_seconds": (export_s * 100.0).round() / 100.0,
        "convert_and_validate": convert,
        "publish": publish,
    }))
}

/// Search over a generated county: index build time and memory, and the latency of every
/// keystroke when the queries are typed one key at a time as on the kiosk keyboard.
/// Times each query is typed in the search benchmark (see `search_bench`).
const KEYSTROKE_ROUNDS: usize = 3;

fn search_bench(items: usize) -> serde_json::Value {
    use crate::search::SearchIndex;
    // Memory: growth of this process from before the documents exist to after the index is
    // built (documents included: they are what the index keeps).
    // The sample county's search documents repeated with numbered titles, as
    // `sample::generated` numbers its copies (a 100,000-item store would take minutes to fill).
    let base = crate::store::Store::in_memory(&crate::sample::sample())
        .and_then(|s| s.search_docs())
        .expect("the sample county loads");
    let rss_before = rss_mb();
    let (guides, notices): (Vec<_>, Vec<_>) = base
        .iter()
        .partition(|d| d.kind == Some(crate::search::Kind::Guide));
    let numbered = |list: &[&crate::search::Doc], n: usize| -> Vec<crate::search::Doc> {
        (0..n)
            .map(|i| {
                let mut d = list[i % list.len()].clone();
                (d.id, d.title) = crate::sample::numbered(&d.id, &d.title, i / list.len());
                d
            })
            .collect()
    };
    let mut docs = numbered(&guides, items);
    docs.extend(numbered(&notices, (items / 10).max(notices.len())));
    let n_docs = docs.len();
    let t = Instant::now();
    let index = SearchIndex::build(docs);
    let build_ms = ms(t);
    let index_mb = rss_mb() - rss_before;
    let (typed, full) = type_queries(&index, SEARCH_QUERIES);
    let keystrokes: Vec<f64> = typed.iter().map(|k| k.ms).collect();
    let slip_keys: Vec<f64> = typed.iter().filter(|k| k.slip).map(|k| k.ms).collect();
    let (typed, nothing_full) = type_queries(&index, NOTHING_QUERIES);
    // The keys after which the slip step ran and found nothing.
    let nothing_keys: Vec<f64> = typed
        .iter()
        .filter(|k| k.keys >= crate::search::index::SLIP_MIN_KEYS && k.total == 0)
        .map(|k| k.ms)
        .collect();
    let stats = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        let at =
            |p: f64| (v[((v.len() - 1) as f64 * p).round() as usize] * 1000.0).round() / 1000.0;
        serde_json::json!({"count": v.len(), "p50": at(0.5), "p99": at(0.99), "max": at(1.0)})
    };
    let handwriting = handwriting_bench();
    serde_json::json!({
        "documents": n_docs,
        "build_ms": build_ms,
        "index_mb": (index_mb * 10.0).round() / 10.0,
        "keystroke_ms": stats(keystrokes),
        "keystroke_rounds": KEYSTROKE_ROUNDS,
        "whole_query_ms": stats(full),
        "slip_found_keystroke_ms": stats(slip_keys),
        "forgiving_nothing_keystroke_ms": stats(nothing_keys),
        "forgiving_nothing_whole_query_ms": stats(nothing_full),
        "handwriting_model_load_ms": handwriting.as_ref().map(|(load, _)| (load * 10.0).round() / 10.0),
        "handwriting_samples": crate::handwriting::samples::samples().len(),
        "handwriting_stroke_ms": handwriting.map(|(_, strokes)| stats(strokes)),
    })
}

/// The printed slip of the sample's longest guide, every situation: the time to lay it out and
/// draw it with the kiosk's fonts and to encode it for the printer (median of 10), its size.
fn print_bench() -> anyhow::Result<serde_json::Value> {
    use crate::print::escpos::Paper;
    let store = Store::in_memory(&crate::sample::sample())?;
    let scope = store.scope(None)?;
    let id = store
        .longest_item()?
        .ok_or_else(|| anyhow!("内容里没有事项"))?;
    let today = chrono::Local::now().date_naive();
    let mut out = serde_json::Map::new();
    for (name, paper) in [("58mm", Paper::Mm58), ("80mm", Paper::Mm80)] {
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..10 {
            let t = Instant::now();
            last = Some(crate::print::guide_slip(
                &store, &scope, &id, None, paper, today,
            )?);
            times.push(ms(t));
        }
        let slip = last.expect("ran");
        out.insert(
            name.into(),
            serde_json::json!({
                "guide": id,
                "slip_ms": median(times),
                "dots_high": slip.rendered.image.height(),
                "bytes": slip.bytes.len(),
            }),
        );
    }
    Ok(serde_json::Value::Object(out))
}

/// Opening Zinnia's model (the file as the page cache has it: warm after the first run) and
/// recognition after every stroke of the sample characters (each timed as the median of
/// `KEYSTROKE_ROUNDS`); None when Zinnia or its model is missing.
fn handwriting_bench() -> Option<(f64, Vec<f64>)> {
    use crate::handwriting::{samples, Recognizer, CANDIDATES};
    let t = Instant::now();
    let recognizer = Recognizer::open_default().ok()?;
    let load_ms = ms(t);
    let mut times = Vec::new();
    for (_, strokes) in samples::samples() {
        for n in 1..=strokes.len() {
            let mut rounds: Vec<f64> = (0..KEYSTROKE_ROUNDS)
                .map(|_| {
                    let t = Instant::now();
                    let _ = recognizer.recognize(&strokes[..n], samples::PAD, CANDIDATES);
                    ms(t)
                })
                .collect();
            rounds.sort_by(|a, b| a.total_cmp(b));
            times.push(rounds[rounds.len() / 2]);
        }
    }
    Some((load_ms, times))
}

/// One keystroke of the search benchmark: its median time, the keys typed so far, what the
/// answer found and whether a slip found its best non-exact hit.
struct Keystroke {
    ms: f64,
    keys: usize,
    total: usize,
    slip: bool,
}

/// Types each of `queries` key by key (`KEYSTROKE_ROUNDS` times) and searches it at once:
/// every keystroke, and each whole query's time.
fn type_queries(
    index: &crate::search::SearchIndex,
    queries: &[&str],
) -> (Vec<Keystroke>, Vec<f64>) {
    use crate::search::Typing;
    let mut keystrokes = Vec::new();
    let mut full = Vec::new();
    for q in queries {
        // Each query is typed KEYSTROKE_ROUNDS times; a keystroke's figure is the median of its
        // rounds, so one pause of this process by the scheduler (another program on the board)
        // does not count as the cost of a key.
        let mut rounds: Vec<Vec<f64>> = vec![Vec::new(); q.len()];
        let mut answers = vec![(0, false); q.len()];
        for _ in 0..KEYSTROKE_ROUNDS {
            let mut typing = Typing::new(50);
            for (i, &b) in q.as_bytes().iter().enumerate() {
                let t = Instant::now();
                typing.push(index, b);
                rounds[i].push(t.elapsed().as_secs_f64() * 1000.0);
                answers[i] = typing.answer().map_or((0, false), |a| {
                    (
                        a.total,
                        a.forgiven == Some(crate::search::index::Step::Slip),
                    )
                });
                if std::env::var_os("BANSHI_BENCH_TRACE").is_some() {
                    eprintln!(
                        "{q} {} {:.2} ms {} hits {:?}",
                        typing.query(),
                        rounds[i].last().unwrap(),
                        typing.answer().map_or(0, |a| a.total),
                        typing.answer().and_then(|a| a.forgiven)
                    );
                }
            }
        }
        for (i, mut r) in rounds.into_iter().enumerate() {
            r.sort_by(|a, b| a.total_cmp(b));
            keystrokes.push(Keystroke {
                ms: r[r.len() / 2],
                keys: i + 1,
                total: answers[i].0,
                slip: answers[i].1,
            });
        }
        let t = Instant::now();
        let _ = index.search(q, 50, None);
        full.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (keystrokes, full)
}

/// Current resident memory of this process (VmRSS), in MiB.
fn rss_mb() -> f64 {
    proc_status_mb("VmRSS:")
}

/// Peak resident memory of this process (VmHWM), in MiB.
pub fn peak_rss_mb() -> f64 {
    round1(proc_status_mb("VmHWM:"))
}

fn round1(mb: f64) -> f64 {
    (mb * 10.0).round() / 10.0
}

fn proc_status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// One kiosk start: render the first frame at 1920×1080 as soon as possible, say so, then
/// measure redraws and queries.
pub fn child(args: ChildArgs) -> anyhow::Result<()> {
    crate::fonts::ensure_fontconfig(&args.data_dir)?;
    let mut screen = Screen::install(1920, 1080)?;
    let store = Store::open(&args.data_dir.join(crate::store::DB_FILE))?;
    let ui = KioskUi::new(store, Config::default())?;
    ui.window.show()?;
    screen.render();
    println!("first-frame");

    let redraw = |screen: &mut Screen| {
        let n = 10;
        let t = Instant::now();
        for _ in 0..n {
            screen.render();
        }
        ms(t) / n as f64
    };
    let redraw_home_ms = redraw(&mut screen);
    let guide = longest_guide(&ui)?;
    let t = Instant::now();
    ui.open(Route::Guide(guide));
    let open_guide_ms = ms(t);
    screen.render();
    let redraw_guide_ms = redraw(&mut screen);
    // The largest list: the query alone, then opening it on screen (query + models) and drawing.
    let (largest, largest_list_ms, largest_list_rows) = ui.with_store(|store, scope| -> anyhow::Result<(String, f64, usize)> {
        let id: String = store.conn().query_row(
            "SELECT life_event FROM item_life_event GROUP BY life_event ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| r.get(0),
        )?;
        let t = Instant::now();
        let list = store.item_list(scope, &ItemFilter::LifeEvent(id.clone()))?.unwrap_or_default();
        Ok((id, ms(t), list.items.len()))
    })?;
    let t = Instant::now();
    ui.open(Route::List(ItemFilter::LifeEvent(largest)));
    let open_largest_list_ms = ms(t);
    screen.render();
    let redraw_list_ms = redraw(&mut screen);
    // The first search right after start-up: opening the keyboard builds the search index
    // (normally done in the background 3 s after start); typing waits for it.
    let t = Instant::now();
    ui.open(Route::Search);
    ui.type_search("sfz");
    let first_search_ms = ms(t);
    screen.render();
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let report = ChildReport {
        first_search_ms,
        redraw_home_ms: round(redraw_home_ms),
        redraw_guide_ms: round(redraw_guide_ms),
        redraw_list_ms: round(redraw_list_ms),
        open_guide_ms,
        open_largest_list_ms,
        largest_list_ms,
        largest_list_rows,
        peak_rss_mb: peak_rss_mb(),
        rss_anon_mb: round1(proc_status_mb("RssAnon:")),
        rss_file_mb: round1(proc_status_mb("RssFile:")),
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// The guide with the most materials (the longest page); used for screenshots and benchmarks.
pub fn longest_guide(ui: &KioskUi) -> anyhow::Result<String> {
    ui.with_store(|store, _| store.longest_item())?
        .ok_or_else(|| anyhow!("内容里没有事项"))
}

/// The guide with the most material situations (the gallery's situation question).
pub fn guide_with_most_situations(ui: &KioskUi) -> anyhow::Result<String> {
    ui.with_store(|store, _| {
        store.conn().query_row(
            "SELECT item FROM material_group GROUP BY item ORDER BY count(*) DESC, item LIMIT 1",
            [],
            |r| r.get::<_, String>(0),
        )
    })
    .map_err(|e| anyhow!("内容里没有带材料的事项：{e}"))
}

/// The gallery's pages: (file name stem, page name).
pub fn gallery_pages(ui: &KioskUi) -> Vec<(String, String)> {
    let guide = longest_guide(ui).unwrap_or_default();
    let (category, department, notice) = ui
        .with_store(|store, _| -> rusqlite::Result<(String, String, String)> {
            let q = |sql: &str| store.conn().query_row(sql, [], |r| r.get::<_, String>(0));
            Ok((
                q("SELECT life_event FROM item_life_event GROUP BY life_event ORDER BY count(*) DESC LIMIT 1")?,
                q("SELECT department FROM item GROUP BY department ORDER BY count(*) DESC LIMIT 1")?,
                q("SELECT id FROM notice ORDER BY length(body) DESC LIMIT 1")?,
            ))
        })
        .unwrap_or_default();
    vec![
        ("home".into(), "home".into()),
        ("category".into(), format!("category:{category}")),
        ("department".into(), format!("department:{department}")),
        ("guide".into(), format!("guide:{guide}")),
        ("guide-print".into(), "guide-print".into()),
        ("guide-reading".into(), format!("reading:{guide}")),
        ("notices".into(), "notices".into()),
        ("notice".into(), format!("notice:{notice}")),
        ("search".into(), "search:sfz".into()),
        ("search-handwriting".into(), "search-handwriting".into()),
        ("idle-warning".into(), "idle-warning".into()),
        ("pin".into(), "pin".into()),
        ("technician".into(), "technician".into()),
        ("touch-test".into(), "touch-test".into()),
        ("rate".into(), format!("rate:{guide}")),
        ("rate-details".into(), format!("rate-details:{guide}")),
        ("rate-thanks".into(), format!("rate-thanks:{guide}")),
        ("rate-failed".into(), format!("rate-failed:{guide}")),
        ("suggest".into(), format!("suggest:{guide}")),
    ]
}

/// 朗读 on the sample county's longest guide with the configured voice (espeak-ng by default):
/// the time from pressing 朗读 to the first segment handed to the player (the reading
/// synthesises the first sentence, plays it, and makes the rest meanwhile), what reading the
/// whole guide first would cost instead, one engine start, and the real-time factor (synthesis
/// time / audio length). Without a sound card the player is `Silent`: the figure stops where
/// `aplay` would start.
fn speech_bench() -> serde_json::Value {
    use crate::kiosk::read_aloud::guide_segments;
    use crate::speech::{output, reader, Speech};
    let config = crate::config::Config::discover(None)
        .map(|(c, _)| c)
        .unwrap_or_default();
    let speech = match Speech::for_rendering(&config.speech) {
        Ok(s) => s,
        Err(e) => return serde_json::json!({ "error": e }),
    };
    let store = match crate::store::Store::in_memory(&crate::sample::sample()) {
        Ok(s) => s,
        Err(e) => return serde_json::json!({ "error": e.to_string() }),
    };
    let guide = store.scope(None).ok().and_then(|scope| {
        let id = store.longest_item().ok()??;
        store.guide(&scope, &id).ok()?
    });
    let Some(guide) = guide else {
        return serde_json::json!({ "error": "no guide" });
    };
    let texts: Vec<String> = guide_segments(&guide).into_iter().map(|s| s.text).collect();
    let ms = |d: Duration| (d.as_secs_f64() * 10_000.0).round() / 10.0;
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut first = Vec::new();
    for _ in 0..7 {
        let reading = reader::Reading::start(&speech, texts.clone(), 0);
        let end = Instant::now() + Duration::from_secs(30);
        let sound = loop {
            if let Some(t) = reading.progress().first_sound {
                break Some(t);
            }
            if Instant::now() > end {
                break None;
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        reading.stop();
        if let Some(t) = sound {
            first.push(ms(t));
        }
    }
    let mut starts = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let _ = speech.voice.synthesize("一");
        starts.push(ms(t.elapsed()));
    }
    let t = Instant::now();
    let whole = reader::render(&speech, &texts);
    let synthesis = t.elapsed();
    let audio = whole.as_ref().map(|w| w.duration()).unwrap_or_default();
    serde_json::json!({
        "voice": speech.voice.describe(),
        "guide": guide.id,
        "segments": texts.len(),
        "sound_card": output::sound_output(std::path::Path::new("/")).is_ok(),
        "target_first_sound_ms": 300,
        "first_sound_ms": if first.is_empty() { serde_json::Value::Null } else { median(first).into() },
        "first_sound_if_whole_guide_first_ms": ms(synthesis),
        "engine_start_one_syllable_ms": median(starts),
        "audio_s": (audio.as_secs_f64() * 10.0).round() / 10.0,
        "synthesis_s": (synthesis.as_secs_f64() * 100.0).round() / 100.0,
        "real_time_factor": if audio.is_zero() { 0.0 } else { (synthesis.as_secs_f64() / audio.as_secs_f64() * 1000.0).round() / 1000.0 },
        "error": whole.err(),
    })
}

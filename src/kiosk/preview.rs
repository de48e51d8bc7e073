//! `banshi preview DIR` without UI: watches an authored content folder and says, whenever a file
//! in it changes, what the kiosk window must show — the content, or the validator's problems with
//! file and line. The UI (`ui::preview`) polls [`Preview::poll`] every [`POLL`].
//!
//! Watching is a poll of every file's modification time and size (no inotify crate): a county
//! folder of 2,000 items is 2,000 `stat` calls, a few milliseconds, so a change shows within
//! `POLL` plus the time to load the folder.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::model::Content;
use crate::source::{self, locate, Problem};

/// How often the folder is looked at.
pub const POLL: Duration = Duration::from_millis(300);

/// A problem as the preview shows it: where (file and line) and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewProblem {
    /// File relative to the folder, e.g. `items/gongan/x.toml`.
    pub file: String,
    /// 1-based line in that file, when the field (or the parse error) could be placed.
    pub line: Option<usize>,
    pub field: String,
    /// The validator's message, in Chinese.
    pub message: String,
}

impl PreviewProblem {
    /// "items/gongan/x.toml 第 6 行 · name" — what the screen shows above the message.
    pub fn place(&self) -> String {
        let mut s = self.file.clone();
        if let Some(l) = self.line {
            s.push_str(&format!(" 第 {l} 行"));
        }
        if !self.field.is_empty() {
            s.push_str(&format!(" · {}", self.field));
        }
        s
    }
}

/// What the preview window shows after a load.
#[derive(Debug, Clone)]
pub enum Reload {
    Content(Box<Content>),
    Problems(Vec<PreviewProblem>),
}

/// The summary line above the problems: "发现 3 处问题，改好并保存后这里会自动刷新。"
pub fn problems_title(n: usize) -> String {
    format!("发现 {n} 处问题，改好并保存后这里会自动刷新")
}

/// One file's modification time and size.
type Stamp = (PathBuf, Option<SystemTime>, u64);

/// A content folder being previewed.
pub struct Preview {
    dir: PathBuf,
    stamps: Option<Vec<Stamp>>,
}

impl Preview {
    pub fn new(dir: &Path) -> Preview {
        Preview {
            dir: dir.to_path_buf(),
            stamps: None,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads the folder if any file in it was added, removed or changed since the last call (and
    /// on the first call); `None` when nothing changed.
    pub fn poll(&mut self) -> Option<Reload> {
        let now = stamps(&self.dir);
        if self.stamps.as_ref() == Some(&now) {
            return None;
        }
        self.stamps = Some(now);
        Some(load(&self.dir))
    }
}

/// Every file below `dir` with its modification time and size, sorted by path.
fn stamps(dir: &Path) -> Vec<Stamp> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            match e.metadata() {
                Ok(m) if m.is_dir() => todo.push(path),
                Ok(m) => out.push((path, m.modified().ok(), m.len())),
                Err(_) => out.push((path, None, 0)),
            }
        }
    }
    out.sort();
    out
}

/// Loads `dir` as `banshi validate` does; every problem placed at its file and line.
pub fn load(dir: &Path) -> Reload {
    match source::load_dir(dir) {
        Ok(content) => Reload::Content(Box::new(content)),
        Err(problems) => Reload::Problems(problems.0.into_iter().map(|p| place(dir, p)).collect()),
    }
}

fn place(dir: &Path, p: Problem) -> PreviewProblem {
    let line = locate::line_in_message(&p.message).or_else(|| {
        let text = std::fs::read_to_string(dir.join(&p.file)).ok()?;
        locate::line_of(&text, &p.field)
    });
    // The line is shown in front of the message already; "第 N 行：" is not repeated.
    let message = match locate::line_in_message(&p.message) {
        Some(_) => p
            .message
            .split_once('：')
            .map(|(_, m)| m.to_string())
            .unwrap_or(p.message),
        None => p.message,
    };
    PreviewProblem {
        file: p.file,
        line,
        field: p.field,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
        copy(&root, dir.path());
        dir
    }

    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap().flatten() {
            if e.path().is_dir() {
                copy(&e.path(), &to.join(e.file_name()));
            } else {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }

    const ITEM: &str = "items/gongan/gongan-sfz-huanling.toml";

    fn edit(dir: &Path, f: impl Fn(&str) -> String) {
        let path = dir.join(ITEM);
        let text = std::fs::read_to_string(&path).unwrap();
        let new = f(&text);
        assert_ne!(new, text, "the edit changed nothing");
        std::fs::write(path, new).unwrap();
    }

    fn content(r: Option<Reload>) -> Box<Content> {
        match r {
            Some(Reload::Content(c)) => c,
            other => panic!("expected content, got {other:?}"),
        }
    }

    fn problems(r: Option<Reload>) -> Vec<PreviewProblem> {
        match r {
            Some(Reload::Problems(p)) => p,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn loads_at_first_then_only_when_a_file_changes() {
        let d = sample_folder();
        let mut p = Preview::new(d.path());
        let c = content(p.poll());
        assert!(c.items.iter().any(|i| i.name == "居民身份证换领"));
        assert!(p.poll().is_none(), "nothing changed");
        edit(d.path(), |t| {
            t.replacen("居民身份证换领", "居民身份证换领（新）", 1)
        });
        let c = content(p.poll());
        assert!(c.items.iter().any(|i| i.name == "居民身份证换领（新）"));
        assert!(p.poll().is_none());
    }

    #[test]
    fn a_new_or_removed_file_counts_as_a_change() {
        let d = sample_folder();
        let mut p = Preview::new(d.path());
        content(p.poll());
        let extra = d.path().join("items/gongan/extra.toml");
        std::fs::write(&extra, "id = ").unwrap();
        let found = problems(p.poll());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].file, "items/gongan/extra.toml");
        assert_eq!(found[0].line, Some(1), "the parse error's line");
        assert!(!found[0].message.starts_with("第 "), "{}", found[0].message);
        std::fs::remove_file(&extra).unwrap();
        content(p.poll());
    }

    #[test]
    fn a_problem_is_placed_at_its_file_and_line_then_fixed() {
        let d = sample_folder();
        let mut p = Preview::new(d.path());
        content(p.poll());
        edit(d.path(), |t| {
            t.replacen("name = \"居民身份证换领\"", "name = \"\"", 1)
        });
        let found = problems(p.poll());
        let text = std::fs::read_to_string(d.path().join(ITEM)).unwrap();
        let want = text.lines().position(|l| l == "name = \"\"").map(|i| i + 1);
        let name = found
            .iter()
            .find(|x| x.file == ITEM && x.field == "name")
            .unwrap_or_else(|| panic!("{found:?}"));
        assert_eq!(name.line, want);
        assert!(name.message.contains("不能为空"), "{}", name.message);
        assert_eq!(
            name.place(),
            format!("{ITEM} 第 {} 行 · name", want.unwrap())
        );
        edit(d.path(), |t| {
            t.replacen("name = \"\"", "name = \"居民身份证换领\"", 1)
        });
        content(p.poll());
    }

    #[test]
    fn a_missing_folder_is_a_problem_not_a_panic() {
        let d = tempfile::tempdir().unwrap();
        let mut p = Preview::new(&d.path().join("nothing"));
        let found = problems(p.poll());
        assert!(found[0].message.contains("找不到"), "{found:?}");
        assert!(p.poll().is_none());
    }
}

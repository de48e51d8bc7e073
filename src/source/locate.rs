//! Where in a TOML file a problem's field is written: the line number an author looks for in
//! the editor (`banshi preview` shows it beside each problem). Best effort over the text as
//! authors write it (`[[material_group.material]]` headers, `key = value` lines, inline tables);
//! parse errors already carry their line in the message ("第 N 行：").

/// The 1-based line holding `field` (e.g. `material_group[1].material[0].name`, `fee[0]`,
/// `promised_limit.value`, `name`) in `text`, or the line of the deepest part found; `None` when
/// not even the first part is there (or `field` is empty).
pub fn line_of(text: &str, field: &str) -> Option<usize> {
    if field.is_empty() {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let segments: Vec<(&str, Option<usize>)> = field.split('.').map(segment).collect();
    let mut from = 0; // the line index the next part is searched from
    let mut found = None;
    let mut path = String::new();
    for (n, &(name, index)) in segments.iter().enumerate() {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(name);
        let last = n + 1 == segments.len();
        // An array of tables: the index-th `[[path]]` header from here on.
        if let Some(i) = index {
            let header = format!("[[{path}]]");
            if let Some(at) = lines
                .iter()
                .enumerate()
                .skip(from)
                .filter(|(_, l)| l.trim() == header)
                .map(|(at, _)| at)
                .nth(i)
            {
                from = at + 1;
                found = Some(at + 1);
                continue;
            }
        }
        // A table of its own: `[path]`.
        if !last && index.is_none() {
            let header = format!("[{path}]");
            if let Some(at) = lines.iter().skip(from).position(|l| l.trim() == header) {
                from += at + 1;
                found = Some(from);
                continue;
            }
        }
        // A key (`name = …`, or an inline table or list holding the rest of the field), before
        // the next table header.
        let key = lines
            .iter()
            .enumerate()
            .skip(from)
            .take_while(|(_, l)| !is_header(l))
            .find(|(_, l)| is_key_line(l, name))
            .map(|(at, _)| at);
        match key {
            Some(at) => {
                found = Some(at + 1);
                // The rest is inside this value (an inline table or a list): look for its keys
                // on this line and the following ones only.
                from = at;
            }
            None => {
                // `inner = …` inside an inline table on the line found so far stays that line.
                if found.is_some_and(|l| {
                    lines
                        .get(l - 1)
                        .is_some_and(|line| contains_key(line, name))
                }) {
                    continue;
                }
                return found;
            }
        }
    }
    found
}

/// `[table]` or `[[array.of.tables]]`.
fn is_header(line: &str) -> bool {
    let l = line.trim();
    l.starts_with('[') && l.ends_with(']') && !l.contains(['"', ','])
}

/// `name[3]` → ("name", Some(3)); `name` → ("name", None).
fn segment(s: &str) -> (&str, Option<usize>) {
    match s.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
        None => (s, None),
    }
}

/// A line assigning `name` (`name = …`, `name=…`, `"name" = …`).
fn is_key_line(line: &str, name: &str) -> bool {
    let l = line.trim_start();
    let rest = l
        .strip_prefix(name)
        .or_else(|| l.strip_prefix(&format!("\"{name}\"")));
    rest.is_some_and(|r| r.trim_start().starts_with('='))
}

/// `name =` somewhere in the line (inside an inline table).
fn contains_key(line: &str, name: &str) -> bool {
    line.match_indices(name).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + name.len()..].trim_start();
        before.is_none_or(|c| c == '{' || c == ',' || c.is_whitespace()) && after.starts_with('=')
    })
}

/// The line a parse error names at the start of its message ("第 12 行：…").
pub fn line_in_message(message: &str) -> Option<usize> {
    let rest = message.strip_prefix("第 ")?;
    let (n, rest) = rest.split_once(' ')?;
    rest.starts_with("行").then(|| n.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEM: &str = r#"id = "x"
name = ""
promised_limit = { value = 1, unit = "工作日" }
conditions = [
  "甲",
]

[village]
mode = "代办"

[[village.override]]
region = "439021001000"
mode = "直办"

[[material_group]]
situation = "本人"

[[material_group.material]]
name = "身份证"

[[material_group]]
situation = "委托"

[[material_group.material]]
name = "身份证"

[[material_group.material]]
name = ""
copies = 1

[[fee]]
name = "工本费"
amount_fen = 2000
"#;

    #[test]
    fn finds_top_level_keys_tables_and_arrays_of_tables() {
        assert_eq!(line_of(ITEM, "name"), Some(2));
        assert_eq!(line_of(ITEM, "conditions[0]"), Some(4));
        assert_eq!(line_of(ITEM, "village.mode"), Some(9));
        assert_eq!(line_of(ITEM, "village.override[0].mode"), Some(13));
        assert_eq!(line_of(ITEM, "material_group[1].situation"), Some(22));
        assert_eq!(
            line_of(ITEM, "material_group[1].material[1].name"),
            Some(28)
        );
        assert_eq!(line_of(ITEM, "fee[0].amount_fen"), Some(33));
        assert_eq!(line_of(ITEM, "fee[0]"), Some(31));
    }

    #[test]
    fn a_key_inside_an_inline_table_is_its_line() {
        assert_eq!(line_of(ITEM, "promised_limit.value"), Some(3));
        assert_eq!(line_of(ITEM, "promised_limit"), Some(3));
    }

    #[test]
    fn a_missing_key_gives_the_deepest_part_found_or_nothing() {
        // `copies` missing in the first material: its header's line.
        assert_eq!(
            line_of(ITEM, "material_group[0].material[0].copies"),
            Some(18)
        );
        assert_eq!(line_of(ITEM, "summary"), None);
        assert_eq!(line_of(ITEM, ""), None);
    }

    #[test]
    fn reads_the_line_of_a_parse_error() {
        assert_eq!(line_in_message("第 12 行：应当是整数"), Some(12));
        assert_eq!(line_in_message("缺少这个文件"), None);
    }
}

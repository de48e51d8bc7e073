//! Body text search for Chinese queries, in SQLite FTS5. Chinese has no spaces, so text is
//! stored as overlapping two-character tokens (plus the last character of each run alone):
//! 1-, 2- and longer queries all match, with no false matches across punctuation.

use super::{is_han, normalize};

/// The token stream for `text`: `办身份证。` → `办身 身份 份证 证`.
pub fn tokens(text: &str) -> String {
    let text = normalize(text);
    let mut out = String::with_capacity(text.len() * 2);
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_run = |run: &mut Vec<char>, out: &mut String| {
        for i in 0..run.len() {
            out.push(run[i]);
            if let Some(&n) = run.get(i + 1) {
                out.push(n);
            }
            out.push(' ');
        }
        run.clear();
    };
    for c in text.chars() {
        if is_han(c) {
            if !word.is_empty() {
                out.push_str(&word);
                out.push(' ');
                word.clear();
            }
            run.push(c);
        } else {
            flush_run(&mut run, &mut out);
            if c.is_alphanumeric() {
                word.push(c);
            } else if !word.is_empty() {
                out.push_str(&word);
                out.push(' ');
                word.clear();
            }
        }
    }
    flush_run(&mut run, &mut out);
    out.push_str(&word);
    out.trim_end().to_string()
}

/// The FTS5 MATCH expression for a query, or None when it has nothing to search.
pub fn match_expr(query: &str) -> Option<String> {
    // Words separated by spaces must all occur, anywhere.
    let q: String = query
        .split_whitespace()
        .map(normalize)
        .collect::<Vec<_>>()
        .join(" ");
    let mut parts = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush = |run: &mut Vec<char>, word: &mut String, parts: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => parts.push(format!("\"{}\" *", run[0])),
            _ => {
                let grams: Vec<String> = run.windows(2).map(|w| w.iter().collect()).collect();
                parts.push(format!("\"{}\"", grams.join(" ")));
            }
        }
        run.clear();
        if !word.is_empty() {
            parts.push(format!("\"{word}\" *"));
            word.clear();
        }
    };
    for c in q.chars() {
        if is_han(c) {
            if !word.is_empty() {
                flush(&mut Vec::new(), &mut word, &mut parts);
            }
            run.push(c);
        } else if c.is_alphanumeric() {
            if !run.is_empty() {
                flush(&mut run, &mut String::new(), &mut parts);
            }
            word.push(c);
        } else {
            flush(&mut run, &mut word, &mut parts);
        }
    }
    flush(&mut run, &mut word, &mut parts);
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_overlapping_pairs() {
        assert_eq!(
            tokens("办身份证。带户口本"),
            "办身 身份 份证 证 带户 户口 口本 本"
        );
        assert_eq!(tokens("A4纸 2份"), "a4 纸 2 份");
        assert_eq!(
            tokens("養老"),
            "养老 老",
            "Traditional is indexed as Simplified"
        );
    }

    #[test]
    fn queries_of_every_length() {
        assert_eq!(match_expr("证").unwrap(), "\"证\" *");
        assert_eq!(match_expr("社保").unwrap(), "\"社保\"");
        assert_eq!(match_expr("身份证").unwrap(), "\"身份 份证\"");
        assert_eq!(
            match_expr("身份证 补领").unwrap(),
            "\"身份 份证\" AND \"补领\""
        );
        assert!(match_expr("。，").is_none());
    }
}

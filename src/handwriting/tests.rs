//! Recognition of the constructed strokes of `samples` against Debian's model. Skipped with a
//! note when the library or model is not installed
//! (`apt-get install libzinnia0 tegaki-zinnia-simplified-chinese`), except under CI.

use super::samples::{samples, PAD};
use super::*;

fn recognizer() -> Option<Recognizer> {
    match Recognizer::open_default() {
        Ok(r) => Some(r),
        // Under CI, setup.sh installs the library and model: a skip there would hide a broken
        // install step, so it fails instead.
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but handwriting cannot load: {e}")
        }
        Err(e) => {
            eprintln!("handwriting tests skipped: {e}");
            None
        }
    }
}

#[test]
fn constructed_characters_are_recognised_within_the_top_five() {
    let Some(r) = recognizer() else { return };
    let mut misses = Vec::new();
    let mut slowest = std::time::Duration::ZERO;
    for (ch, s) in samples() {
        // After every stroke, as the pad asks; the whole character is what is checked.
        for n in 1..=s.len() {
            let t = std::time::Instant::now();
            let got = r.recognize(&s[..n], PAD, CANDIDATES);
            slowest = slowest.max(t.elapsed());
            assert!(got.len() <= CANDIDATES);
            if n == s.len() {
                let top: Vec<&str> = got.iter().map(|c| c.text.as_str()).collect();
                if !top.iter().take(5).any(|t| t == &ch) {
                    misses.push(format!("{ch}: {top:?}"));
                }
                assert!(
                    got.windows(2).all(|w| w[0].score >= w[1].score),
                    "best first"
                );
            }
        }
    }
    eprintln!("slowest recognition after a stroke: {slowest:?}");
    assert!(
        misses.is_empty(),
        "not in the top 5:\n{}",
        misses.join("\n")
    );
}

#[test]
fn at_least_thirty_distinct_service_name_characters_are_sampled() {
    let all = samples();
    let mut chars: Vec<&str> = all.iter().map(|(c, _)| *c).collect();
    chars.sort_unstable();
    chars.dedup();
    assert_eq!(chars.len(), all.len(), "a character sampled twice");
    assert!(all.len() >= 30, "only {} characters", all.len());
    // The characters the issue names, but 医 and 老 (see samples.rs for why).
    for ch in "身份证户口社保养低残婚驾房".chars() {
        assert!(
            chars.contains(&ch.to_string().as_str()),
            "{ch} is not sampled"
        );
    }
    for (ch, strokes) in &all {
        assert!(
            strokes
                .iter()
                .flatten()
                .all(|&(x, y)| (0.0..=PAD).contains(&x) && (0.0..=PAD).contains(&y)),
            "{ch} leaves the pad"
        );
    }
}

#[test]
fn empty_and_odd_input_give_no_candidates() {
    let Some(r) = recognizer() else { return };
    assert!(r.recognize(&[], 100.0, 10).is_empty());
    assert!(r.recognize(&[Vec::new()], 100.0, 10).is_empty());
    assert!(r
        .recognize(&[vec![(1.0, 1.0), (2.0, 2.0)]], 0.0, 10)
        .is_empty());
    assert!(r
        .recognize(&[vec![(1.0, 1.0), (2.0, 2.0)]], 100.0, 0)
        .is_empty());
    // Points far outside the pad are clamped, not refused.
    let got = r.recognize(&[vec![(-50.0, 50.0), (500.0, 50.0)]], 100.0, 3);
    assert!(got.len() <= 3);
}

#[test]
fn a_missing_model_is_named() {
    let e = Recognizer::open(Path::new("/nonexistent/model"))
        .err()
        .unwrap();
    assert!(matches!(e, Error::ModelMissing(_)));
    assert!(e.to_string().contains("tegaki-zinnia-simplified-chinese"));
}

#[test]
fn a_missing_model_is_neither_available_nor_opened() {
    let missing = Path::new("/nonexistent/banshi/handwriting.model");
    let e = available(missing).unwrap_err();
    assert!(e.contains("tegaki-zinnia-simplified-chinese"), "{e}");
    assert!(shared(missing).is_err());
}

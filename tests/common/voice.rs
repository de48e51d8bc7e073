//! A county's "own voice" for tests: a real program run as `[speech] engine = "command"` runs
//! one (text on stdin, WAV on stdout, the model path as an argument), making 5 ms of sound per
//! byte of text, quickly and without espeak-ng.

use std::path::{Path, PathBuf};

const SCRIPT: &str = r#"#!/bin/sh
# Test voice: refuses a missing model like a real one, then 40 samples (5 ms) per byte of text.
[ -f "$1" ] || { echo "no model $1" >&2; exit 3; }
n=$(wc -c)
bytes=$((n * 80))
le() { v=$1; i=0; out=""; while [ $i -lt $2 ]; do out="$out\\$(printf '%03o' $((v & 255)))"; v=$((v >> 8)); i=$((i + 1)); done; printf "$out"; }
printf 'RIFF'; le $((36 + bytes)) 4; printf 'WAVEfmt '; le 16 4; le 1 2; le 1 2; le 8000 4; le 16000 4; le 2 2; le 16 2
printf 'data'; le $bytes 4
head -c $bytes /dev/zero | tr '\0' '\020'
"#;

/// Writes the voice and its "model" into `dir`; returns the `[speech] command` template and
/// the model path.
pub fn install(dir: &Path) -> (String, PathBuf) {
    let script = dir.join("test-voice.sh");
    std::fs::write(&script, SCRIPT).unwrap();
    let model = dir.join("test-voice.model");
    std::fs::write(&model, b"weights").unwrap();
    (format!("sh {} {{model}}", script.display()), model)
}

//! The printed 一次性告知单: what a receipt printer would get, decoded back into the picture it
//! would print and compared with the slip as drawn; the command line writes the same bytes.

use banshi::print::{self, escpos, escpos::Paper};
use banshi::store::Store;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

fn dark(img: &image::GrayImage) -> usize {
    img.pixels().filter(|p| p[0] < 128).count()
}

#[test]
fn the_printer_gets_exactly_the_slip_as_drawn_on_both_paper_widths() {
    let store = Store::in_memory(&banshi::sample::sample()).unwrap();
    let scope = store.scope(None).unwrap();
    let id = store.longest_item().unwrap().unwrap();
    for paper in [Paper::Mm58, Paper::Mm80] {
        let out = print::guide_slip(&store, &scope, &id, None, paper, today()).unwrap();
        assert!(
            out.rendered.missing.is_empty(),
            "{:?}",
            out.rendered.missing
        );
        let img = &out.rendered.image;
        assert_eq!(img.width(), paper.dots());
        let printed = escpos::decode(&out.bytes).unwrap();
        assert_eq!(printed.image, escpos::as_printed(img));
        assert!(printed.cut);
        // A real slip: several hundred dots long, with ink on a good share of its rows.
        assert!(img.height() > 600, "{paper:?}: {} dots", img.height());
        assert!(
            dark(&printed.image) > 5_000,
            "{paper:?}: {} dark dots",
            dark(&printed.image)
        );
    }
}

#[test]
fn one_situation_prints_only_its_materials_and_a_wrong_one_is_named() {
    let store = Store::in_memory(&banshi::sample::sample()).unwrap();
    let scope = store.scope(None).unwrap();
    // A guide with several situations.
    let content = banshi::sample::sample();
    let item = content
        .items
        .iter()
        .find(|i| i.material_group.len() > 1)
        .expect("the sample has a guide with several situations");
    let all = print::guide_slip(&store, &scope, &item.id, None, Paper::Mm58, today()).unwrap();
    let one = print::guide_slip(&store, &scope, &item.id, Some(0), Paper::Mm58, today()).unwrap();
    assert!(one.rendered.image.height() < all.rendered.image.height());
    let n = item.material_group.len();
    let err = print::guide_slip(&store, &scope, &item.id, Some(n), Paper::Mm58, today())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains(&format!("只有 {n} 种情形")), "{err}");
    let err = print::guide_slip(&store, &scope, "no-such-guide", None, Paper::Mm58, today())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("no-such-guide"), "{err}");
}

#[test]
fn the_command_line_writes_the_printer_bytes_and_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("slip.bin");
    let png = dir.path().join("slip.png");
    let run = |width: &str, out: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_banshi"))
            .args([
                "print",
                "--guide",
                "gongan-chusheng-dengji",
                "--width",
                width,
                "--out",
            ])
            .arg(out)
            .arg("--png")
            .arg(&png)
            .arg("--data-dir")
            .arg(&data)
            .env("BANSHI_CONFIG", "/nonexistent-banshi-test.toml")
            .output()
            .unwrap()
    };
    let ok = run("58", &out);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let printed = escpos::decode(&std::fs::read(&out).unwrap()).unwrap();
    let picture = image::open(&png).unwrap().to_luma8();
    assert_eq!(printed.image, escpos::as_printed(&picture));
    assert_eq!(picture.width(), 384);

    let bad = run("76", &out);
    assert!(!bad.status.success());
    let msg = String::from_utf8_lossy(&bad.stderr);
    assert!(msg.contains("58 或 80"), "{msg}");

    // A printer that is not there (here: a device path in a folder that does not exist).
    let gone = run("58", &dir.path().join("no-such-folder/lp0"));
    assert!(!gone.status.success());
    let msg = String::from_utf8_lossy(&gone.stderr);
    assert!(msg.contains("打印机没连上"), "{msg}");
}

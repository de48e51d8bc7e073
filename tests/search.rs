//! Searching the sample county the way residents type: every query form, with the expected
//! service or notice within the top 3.

use banshi::sample::sample;
use banshi::search::index::Step;
use banshi::search::{SearchIndex, Split, Typing};
use banshi::store::Store;

fn setup() -> (Store, SearchIndex) {
    let store = Store::in_memory(&sample()).unwrap();
    let index = SearchIndex::build(store.search_docs().unwrap());
    (store, index)
}

/// (query, expected id within the top 3, what the query exercises)
const QUERIES: &[(&str, &str, &str)] = &[
    // Chinese, including 1- and 2-character queries
    ("婚", "minzheng-jiehun-dengji", "1 character"),
    ("护", "gongan-huzhao-qianfa", "1 character"),
    ("社保", "renshe-sbk-shenling", "2 characters, alias"),
    ("护照", "gongan-huzhao-qianfa", "2 characters"),
    ("低保", "minzheng-dibao-shenpi", "2 characters, alias"),
    ("转学", "jiaoyu-ywjy-zhuanxue", "2 characters"),
    ("农机", "nongye-nongji-gouzhi-butie", "2 characters"),
    ("身份证", "gongan-sfz-huanling", "title contains"),
    ("营业执照", "shichang-gtgsh-sheli", "alias"),
    ("出生证", "weijian-csyxzm-shouqian", "alias"),
    ("失业金", "renshe-shiye-baoxianjin", "alias"),
    ("宅基地", "nongye-zhaijidi-jianfang-shenpi", "title"),
    ("残疾证", "canlian-canjirenzheng-xinban", "alias"),
    ("发票", "shuiwu-xinban-shouci-lingpiao", "title"),
    ("指纹", "gongan-sfz-huanling", "body text only"),
    // colloquial names kept as aliases
    ("准生证", "weijian-shengyu-dengji", "synonym"),
    ("房产证", "budongchan-cunliangfang-zhuanyi", "synonym"),
    ("户口本", "gongan-hukou-toukao-qianru", "synonym"),
    ("驾照", "gongan-jiazhao-qiman-huanzheng", "synonym"),
    ("新农合", "yibao-cxjm-canbao", "synonym"),
    // Traditional characters
    ("養老保險", "renshe-cxjm-yanglao-canbao", "Traditional"),
    ("身分證", "gongan-sfz-huanling", "Traditional variant word"),
    ("護照", "gongan-huzhao-qianfa", "Traditional"),
    ("駕照", "gongan-jiazhao-qiman-huanzheng", "Traditional"),
    ("離婚", "minzheng-lihun-dengji", "Traditional"),
    // full pinyin
    ("shenfenzheng", "gongan-sfz-huanling", "full pinyin"),
    ("huzhao", "gongan-huzhao-qianfa", "full pinyin"),
    ("shebao", "renshe-sbk-shenling", "full pinyin"),
    ("dibao", "minzheng-dibao-shenpi", "full pinyin"),
    ("lihun", "minzheng-lihun-dengji", "full pinyin"),
    ("jiazhao", "gongan-jiazhao-qiman-huanzheng", "full pinyin"),
    ("yingyezhizhao", "shichang-gtgsh-sheli", "full pinyin"),
    (
        "yinhang",
        "budongchan-diya-dengji",
        "polyphonic 行 read hang",
    ),
    ("zhongliang", "nongye-gengdi-dili-butie", "polyphonic 种"),
    (
        "zhongdu",
        "canlian-liangxiang-butie",
        "polyphonic 重 read zhong",
    ),
    (
        "changshou",
        "minzheng-gaoling-jintie",
        "polyphonic 长 read chang",
    ),
    // initials
    ("sfz", "gongan-sfz-huanling", "initials"),
    ("hz", "gongan-huzhao-qianfa", "initials"),
    ("sbk", "renshe-sbk-shenling", "initials"),
    ("db", "minzheng-dibao-shenpi", "initials"),
    ("jhdj", "minzheng-jiehun-dengji", "initials"),
    ("yyzz", "shichang-gtgsh-sheli", "initials"),
    ("ylbx", "renshe-cxjm-yanglao-canbao", "initials"),
    ("zsz", "weijian-shengyu-dengji", "initials of an alias"),
    // mixed
    ("shenfz", "gongan-sfz-huanling", "mixed"),
    (
        "hukouben",
        "gongan-hukou-toukao-qianru",
        "full pinyin of an alias",
    ),
    ("shebaok", "renshe-sbk-shenling", "mixed"),
    ("jiaz", "gongan-jiazhao-qiman-huanzheng", "mixed"),
    ("canjiz", "canlian-canjirenzheng-xinban", "mixed"),
    // ü typed as v or u
    ("lvyou", "gongan-huzhao-qianfa", "ü as v"),
    ("luyou", "gongan-huzhao-qianfa", "ü as u"),
    // common pinyin confusions (fuzzy)
    ("senfenzen", "gongan-sfz-huanling", "s/sh en/eng"),
    ("zuanxue", "jiaoyu-ywjy-zhuanxue", "z/zh"),
    ("nihun", "minzheng-lihun-dengji", "n/l"),
    ("cusheng", "gongan-chusheng-dengji", "c/ch"),
    ("yannaobaoxian", "renshe-cxjm-yanglao-canbao", "an/ang n/l"),
    ("shipinjinyin", "shichang-shipin-jingying-xuke", "in/ing"),
    // notices: title, 文号, 索引号
    ("国庆", "n2026-0003", "notice title"),
    ("guoqing", "n2026-0003", "notice title in pinyin"),
    ("青政办发", "n2026-0004", "文号"),
    ("2026-00031", "n2026-0001", "索引号"),
    // forgiving: same-sound character, one wrong character, one slip in pinyin
    ("身分证", "gongan-sfz-huanling", "same sound 分/份"),
    (
        "驾使证",
        "gongan-jiazhao-qiman-huanzheng",
        "same sound 使/驶",
    ),
    (
        "户口薄",
        "gongan-hukou-toukao-qianru",
        "one wrong character 薄/簿",
    ),
    ("结昏登记", "minzheng-jiehun-dengji", "same sound 昏/婚"),
    ("shenfenzhneg", "gongan-sfz-huanling", "letters swapped"),
    (
        "hukoubne",
        "gongan-hukou-toukao-qianru",
        "letters swapped at the end",
    ),
    ("shenfnzheng", "gongan-sfz-huanling", "letter missing"),
    ("hukkouben", "gongan-hukou-toukao-qianru", "letter doubled"),
    ("jiazhso", "gongan-jiazhao-qiman-huanzheng", "wrong letter"),
    (
        "yingyezhizaho",
        "shichang-gtgsh-sheli",
        "letters swapped, long",
    ),
];

#[test]
fn every_query_form_finds_its_service_in_the_top_three() {
    let (store, index) = setup();
    let body = |q: &str| store.search_body(q);
    let mut failures = Vec::new();
    for (query, expected, what) in QUERIES {
        let r = index.search(query, 3, Some(&body));
        if !r.hits.iter().any(|h| h.id == *expected) {
            let got: Vec<String> = r
                .hits
                .iter()
                .map(|h| format!("{} ({})", h.id, h.score))
                .collect();
            failures.push(format!(
                "{query:?} [{what}]: expected {expected}, got {got:?}"
            ));
        }
    }
    assert!(QUERIES.len() >= 71);
    assert!(
        failures.is_empty(),
        "{} of {} queries failed:\n{}",
        failures.len(),
        QUERIES.len(),
        failures.join("\n")
    );
}

#[test]
fn exact_beats_prefix_beats_contains_beats_pinyin_beats_fuzzy() {
    let (_store, index) = setup();
    let score = |q: &str, id: &str| {
        index
            .search(q, 100, None)
            .hits
            .into_iter()
            .find(|h| h.id == id)
            .map(|h| h.score)
    };
    let sfz = "gongan-sfz-huanling";
    let exact_alias = score("身分證", sfz).unwrap();
    let contains = score("身份证", sfz).unwrap();
    let full = score("shenfenzheng", sfz).unwrap();
    let initials = score("sfz", sfz).unwrap();
    let fuzzy = score("senfenzen", sfz).unwrap();
    assert!(
        exact_alias > contains && contains > full && full > initials && initials > fuzzy,
        "{exact_alias} {contains} {full} {initials} {fuzzy}"
    );
    // Fuzzy matches rank below every exact pinyin match of the same query.
    let r = index.search("zuanxue", 20, None);
    let exact_best = index.search("zhuanxue", 1, None).hits[0].score;
    assert!(r.hits.iter().all(|h| h.score < exact_best));
}

#[test]
fn ties_go_to_the_more_popular_service() {
    let (_store, index) = setup();
    let r = index.search("社保", 10, None);
    let c = sample();
    let pop = |id: &str| c.items.iter().find(|i| i.id == id).unwrap().popularity;
    for w in r.hits.windows(2) {
        if w[0].score == w[1].score {
            assert!(
                pop(&w[0].id) >= pop(&w[1].id),
                "{} before {}",
                w[0].id,
                w[1].id
            );
        }
    }
}

#[test]
fn typing_key_by_key_gives_the_same_answers_as_searching_at_once() {
    let (_store, index) = setup();
    for (query, _, _) in QUERIES
        .iter()
        .filter(|(q, _, _)| q.bytes().all(|b| b.is_ascii_lowercase()))
    {
        let mut typing = Typing::new(10);
        for b in query.bytes() {
            typing.push(&index, b);
        }
        let typed: Vec<_> = typing
            .answer()
            .unwrap()
            .hits
            .iter()
            .map(|h| (h.id.clone(), h.score))
            .collect();
        let direct: Vec<_> = index
            .search(query, 10, None)
            .hits
            .iter()
            .map(|h| (h.id.clone(), h.score))
            .collect();
        assert_eq!(typed, direct, "{query}");
        typing.pop();
        assert_eq!(typing.query(), query[..query.len() - 1]);
    }
}

#[test]
fn keys_that_lead_nowhere_are_known() {
    let (_store, index) = setup();
    use banshi::search::index::key_bit;
    let r = index.search("sfz", 10, None);
    // 身份证 → "sfzh…" continues; nothing continues with "sfzq".
    assert!(r.next & key_bit(b'h') != 0);
    assert!(r.next & key_bit(b'q') == 0);
    // Nothing exactly: only the slip step (a wrong last letter) finds 身份证.
    let sfzq = index.search("sfzq", 10, None);
    assert!(sfzq.hits.iter().all(|h| h.step == Step::Slip), "{sfzq:?}");
    // Every key marked as leading somewhere really does.
    for key in (b'a'..=b'z').chain(b'0'..=b'9') {
        let longer = format!("sh{}", key as char);
        let found = !index.search(&longer, 1, None).hits.is_empty();
        let marked = index.search("sh", 1, None).next & key_bit(key) != 0;
        assert_eq!(found, marked, "key {} after sh", key as char);
    }
}

#[test]
fn nothing_found_and_odd_input_are_handled() {
    let (_store, index) = setup();
    assert!(index.search("", 10, None).hits.is_empty());
    assert!(index.search("   ", 10, None).hits.is_empty());
    assert!(index.search("qqqqqq", 10, None).hits.is_empty());
    assert!(index.search(&"a".repeat(500), 10, None).hits.is_empty());
    assert!(index.search("！？。", 10, None).hits.is_empty());
}

#[test]
fn typing_equals_searching_at_once_over_a_larger_county() {
    let index = SearchIndex::build(numbered_county(1500));
    let mut rnd = random(0x2545_f491_4f6c_dd1d);
    for _ in 0..300 {
        let query = random_query(&mut rnd, 1);
        let mut typing = Typing::new(20);
        for n in 1..=query.len() {
            let typed = typing.push(&index, query[n - 1]).unwrap().clone();
            let q = std::str::from_utf8(&query[..n]).unwrap();
            let direct = index.search(q, 20, None);
            let hits = |r: &banshi::search::Results| {
                r.hits
                    .iter()
                    .map(|h| (h.id.clone(), h.score))
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                (hits(&typed), typed.total, typed.next),
                (hits(&direct), direct.total, direct.next),
                "{q}"
            );
        }
    }
}

#[test]
fn keystrokes_shared_between_threads_give_the_same_answers() {
    // A county large enough that the second key extends over 20,000 fields, typed with one
    // thread and with the work cut into 2 and 3 runs (down to small sets of fields).
    let docs = numbered_county(30_000);
    let mut one = SearchIndex::build(docs.clone());
    one.set_split(Split {
        threads: 1,
        min_fields: 1,
    });
    let splits = [
        Split {
            threads: 2,
            min_fields: 10_000,
        },
        Split {
            threads: 2,
            min_fields: 1,
        },
        Split {
            threads: 3,
            min_fields: 1,
        },
    ];
    let mut index = SearchIndex::build(docs);
    let mut rnd = random(0x9e37_79b9_7f4a_7c15);
    let mut queries: Vec<Vec<u8>> = [&b"shenfenzheng"[..], b"zhunshengzheng", b"jiehun", b"sbk"]
        .iter()
        .map(|q| q.to_vec())
        .collect();
    queries.extend((0..60).map(|_| random_query(&mut rnd, 2)));
    let mut widest = 0;
    for split in splits {
        index.set_split(split);
        for query in &queries {
            let (mut single, mut shared) = (Typing::new(20), Typing::new(20));
            for (n, &key) in query.iter().enumerate() {
                let a = single.push(&one, key).unwrap();
                let b = shared.push(&index, key).unwrap();
                if n == 1 {
                    widest = widest.max(a.matched.len());
                }
                let hits = |r: &banshi::search::Results| {
                    r.hits
                        .iter()
                        .map(|h| (h.id.clone(), h.score))
                        .collect::<Vec<_>>()
                };
                let q = String::from_utf8_lossy(&query[..=n]);
                assert_eq!(
                    (hits(a), a.total, a.next),
                    (hits(b), b.total, b.next),
                    "{q} {split:?}"
                );
                assert!(
                    a.matched == b.matched && a.frontier == b.frontier,
                    "{q} {split:?}"
                );
            }
        }
    }
    assert!(
        widest > 20_000,
        "the second key extends only {widest} fields"
    );
}

/// The sample's documents copied with numbered titles (as the benchmark does), `n` in all, so
/// fields are shared by many documents and many fields match the first keys.
fn numbered_county(n: usize) -> Vec<banshi::search::Doc> {
    let store = Store::in_memory(&sample()).unwrap();
    let base = store.search_docs().unwrap();
    (0..n)
        .map(|i| {
            let mut d = base[i % base.len()].clone();
            (d.id, d.title) = banshi::sample::numbered(&d.id, &d.title, i / base.len());
            d
        })
        .collect()
}

/// A small repeatable random number source: `rnd(m)` is below m.
fn random(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |m| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    }
}

/// A typed query of `min` to `min + 7` keys, mostly common pinyin letters.
fn random_query(rnd: &mut impl FnMut(u64) -> u64, min: usize) -> Vec<u8> {
    let common = b"shzngaeiuoyjx";
    let all = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let len = min + rnd(8) as usize;
    (0..len)
        .map(|_| {
            if rnd(10) < 7 {
                common[rnd(13) as usize]
            } else {
                all[rnd(36) as usize]
            }
        })
        .collect()
}

/// A county written from scratch for the forgiving steps (not the sample): rare and variant
/// characters in village names, services sharing a character, same-sounding words.
fn unseen_county() -> SearchIndex {
    let doc = |id: &str, title: &str, popularity: i64| banshi::search::Doc {
        kind: Some(banshi::search::Kind::Guide),
        id: id.into(),
        title: title.into(),
        popularity,
        ..Default::default()
    };
    SearchIndex::build(vec![
        doc("village-ji", "𠮷利村便民服务站", 10),
        doc("village-wan", "大塆村村务公开", 10),
        doc("stop", "利𡌶村集体土地", 10),
        doc("marry", "结婚登记", 5000),
        doc("marry-card", "补领婚姻登记证", 300),
        doc("divorce-cert", "离婚证明开具", 800),
        doc("idcard", "居民身份证申领", 9000),
        doc("idcard-word", "身分证明书开具", 10),
        doc("pension", "城乡居民养老保险参保登记", 4000),
        doc("medical", "医疗救助申请", 100),
        doc("ledger", "集体经济组织成员名簿变更", 50),
        doc("minor", "未成年人救助保护", 50),
    ])
}

fn ids(r: &banshi::search::Results) -> Vec<(&str, Step)> {
    r.hits.iter().map(|h| (h.id.as_str(), h.step)).collect()
}

#[test]
fn variant_and_rare_characters_are_found_both_ways() {
    let index = unseen_county();
    for q in ["吉利村", "𠮷利村", "jilicun", "jlc"] {
        let r = index.search(q, 3, None);
        assert_eq!(
            r.hits.first().map(|h| h.id.as_str()),
            Some("village-ji"),
            "{q}"
        );
        assert_eq!(r.hits[0].step, Step::Exact, "{q}");
    }
    for q in ["大湾村", "大塆村", "dawancun", "dwc"] {
        let r = index.search(q, 3, None);
        assert_eq!(
            r.hits.first().map(|h| h.id.as_str()),
            Some("village-wan"),
            "{q}"
        );
    }
}

#[test]
fn a_character_without_a_reading_is_not_jumped_across() {
    let index = unseen_county();
    // 利𡌶村: 𡌶 has no reading, so "licun" must not read 利 and 村 as neighbours.
    for q in ["licun", "lc", "lcjt"] {
        let r = index.search(q, 10, None);
        assert!(!r.hits.iter().any(|h| h.id == "stop"), "{q}: {:?}", ids(&r));
    }
    // Read from the other side of it, or in Chinese, it is found.
    assert_eq!(index.search("cunjiti", 3, None).hits[0].id, "stop");
    assert_eq!(index.search("利𡌶村", 3, None).hits[0].id, "stop");
}

#[test]
fn one_character_queries_put_the_most_used_service_first() {
    let index = unseen_county();
    let r = index.search("婚", 3, None);
    assert_eq!(
        ids(&r),
        vec![
            ("marry", Step::Exact),
            ("divorce-cert", Step::Exact),
            ("marry-card", Step::Exact)
        ]
    );
    // A title starting with the character still comes first.
    let r = index.search("利", 2, None);
    assert_eq!(r.hits[0].id, "stop", "{:?}", ids(&r));
}

#[test]
fn same_sound_characters_rank_below_exact_matches() {
    let index = unseen_county();
    // 身分证 is exactly in 身分证明书 (a different word) and sounds like 身份证.
    let r = index.search("身分证", 5, None);
    assert_eq!(
        ids(&r),
        vec![("idcard-word", Step::Exact), ("idcard", Step::SameSound)]
    );
    assert_eq!(r.forgiven, Some(Step::SameSound));
    // 养老保现 (现 for 险): same sound, found although nothing matches exactly.
    let r = index.search("养老保现", 3, None);
    assert_eq!(ids(&r), vec![("pension", Step::SameSound)]);
    // 一 character alone is never matched by sound (every homophone would be found).
    assert!(index.search("昏", 5, None).hits.is_empty());
}

#[test]
fn one_wrong_character_only_when_nothing_better_is_found() {
    let index = unseen_county();
    // 末 for 未 (look-alike, different sound): one character wrong of four.
    let r = index.search("末成年人", 3, None);
    assert_eq!(ids(&r), vec![("minor", Step::WrongChar)]);
    assert_eq!(r.forgiven, Some(Step::WrongChar));
    // Two characters are too few to guess one of them.
    assert!(index.search("末成", 3, None).hits.is_empty());
    // 名薄 for 名簿: 簿 is also read bó, so this one is the same sound.
    let r = index.search("成员名薄", 3, None);
    assert_eq!(ids(&r), vec![("ledger", Step::SameSound)]);
    // Something found exactly: no wrong-character guesses at all.
    let r = index.search("结婚登记", 10, None);
    assert!(
        r.hits.iter().all(|h| h.step != Step::WrongChar),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn one_slip_in_pinyin_is_forgiven_below_exact_matches() {
    let index = unseen_county();
    for (q, id) in [
        ("jeihundengji", "marry"),  // swapped
        ("jiehundngji", "marry"),   // missing
        ("jiehunndengji", "marry"), // extra
        ("jiehundenhji", "marry"),  // wrong
        ("yangloabaoxian", "pension"),
        ("yiliaojiuzhi", "medical"), // wrong last letter
    ] {
        let r = index.search(q, 3, None);
        assert_eq!(
            r.hits.first().map(|h| (h.id.as_str(), h.step)),
            Some((id, Step::Slip)),
            "{q}: {:?}",
            ids(&r)
        );
        assert_eq!(r.forgiven, Some(Step::Slip));
        // Typed key by key: the same answer.
        let mut typing = Typing::new(3);
        q.bytes().for_each(|b| {
            typing.push(&index, b);
        });
        assert_eq!(ids(typing.answer().unwrap()), ids(&r), "{q} typed");
    }
    // Two slips are not forgiven; the first letter is taken as typed; short queries are not
    // guessed at.
    for q in ["jeihundnegji", "xiehundengji", "jhx"] {
        assert!(index.search(q, 3, None).hits.is_empty(), "{q}");
    }
    // An exact match is never pushed down: it stays first, the slip's finds after it.
    let r = index.search("jiehundengji", 10, None);
    assert_eq!(ids(&r)[0], ("marry", Step::Exact));
    assert!(r.hits.iter().skip(1).all(|h| h.score < r.hits[0].score));
}

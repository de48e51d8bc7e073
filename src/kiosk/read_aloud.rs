//! Read-aloud (朗读) without UI: what a guide or notice reads, in the order the screen shows it,
//! cut into segments (a sentence or a line each, so the first sounds at once), each tagged with
//! the screen block it belongs to (the block the screen highlights and scrolls into view); and
//! the reading's states: idle → reading(i) → paused(i) → reading(i) … → idle.
//!
//! Pausing stops the sound at once; continuing starts the paused segment again from its
//! beginning (a resident hears a whole sentence, never half a phone number). Stopping, leaving
//! the page (Back, Home, another page) and the idle reset all end the reading (`ui::session`).

use crate::kiosk::wording as w;
use crate::speech::reader::{Progress, Reading};
use crate::speech::Speech;
use crate::store::{GuideView, NoticeView};

/// The guide screen's blocks, top to bottom (`ui/pages/guide.slint` compares
/// `ReadAloud.block` with these numbers).
pub mod guide_block {
    pub const TITLE: i32 = 0;
    pub const PHONES: i32 = 1;
    pub const VILLAGE: i32 = 2;
    pub const CONDITIONS: i32 = 3;
    pub const MATERIALS: i32 = 4;
    pub const PLACE: i32 = 5;
    pub const STEPS: i32 = 6;
    pub const LIMITS: i32 = 7;
    pub const RESULT: i32 = 8;
    pub const FAQ: i32 = 9;
    pub const BASIS: i32 = 10;
}

/// The notice screen's blocks: title, catalogue card, summary, then paragraph n is `BODY + n`.
pub mod notice_block {
    pub const TITLE: i32 = 0;
    pub const FACTS: i32 = 1;
    pub const SUMMARY: i32 = 2;
    pub const BODY: i32 = 3;
}

/// One piece read at a time: the text as shown, and the block it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub block: i32,
    pub text: String,
}

#[derive(Default)]
struct Segments(Vec<Segment>);

impl Segments {
    fn add(&mut self, block: i32, text: impl AsRef<str>) {
        let text = text.as_ref().trim();
        if !text.is_empty() {
            self.0.push(Segment {
                block,
                text: text.to_string(),
            });
        }
    }

    /// Long paragraphs are read sentence by sentence, so each sounds soon after the previous.
    fn sentences(&mut self, block: i32, text: &str) {
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if matches!(c, '。' | '！' | '？' | '；' | '\n') {
                let end = i + c.len_utf8();
                self.add(block, &text[start..end]);
                start = end;
            }
        }
        self.add(block, &text[start..]);
    }
}

/// A guide as its screen shows it (`ui/pages/guide.slint`, filled by `ui::convert::guide`).
pub fn guide_segments(g: &GuideView) -> Vec<Segment> {
    use guide_block::*;
    let mut s = Segments::default();
    s.add(TITLE, &g.name);
    s.add(TITLE, w::guide_subtitle(g));
    s.add(
        TITLE,
        format!(
            "{}，{}，{}。",
            g.visits,
            w::promise(&g.promised_limit),
            w::fee_summary(g)
        ),
    );
    s.sentences(TITLE, &g.summary);
    s.add(
        PHONES,
        format!(
            "咨询电话：{}。投诉电话：{}。",
            g.consult_phone, g.complaint_phone
        ),
    );
    if let Some(v) = &g.village {
        s.add(
            VILLAGE,
            format!("{}。{}", w::village_meaning(&v.meaning, v.town), v.note),
        );
        s.add(
            VILLAGE,
            format!(
                "找谁：{}",
                w::village_who(&v.place.assistant, &v.place.phone)
            ),
        );
        s.add(
            VILLAGE,
            format!(
                "在哪里：{}",
                w::village_where(&v.place.service_room, &v.place.hours)
            ),
        );
    }
    s.add(CONDITIONS, "谁可以办。");
    for c in &g.conditions {
        s.sentences(CONDITIONS, c);
    }
    s.add(MATERIALS, "要带的材料。");
    let several = g.materials.len() > 1;
    if several {
        s.add(
            MATERIALS,
            "按您的情况，选下面其中一种，带齐那一组的全部材料。",
        );
    }
    for (i, grp) in g.materials.iter().enumerate() {
        s.add(
            MATERIALS,
            w::material_group_title(i, several, &grp.situation),
        );
        for m in &grp.materials {
            s.add(
                MATERIALS,
                format!(
                    "{}，{}，{}。{}",
                    m.name,
                    m.necessity,
                    w::material_detail(m),
                    w::material_note(&m.note)
                ),
            );
        }
    }
    s.add(PLACE, format!("去哪里办。地点：{}。", g.place));
    for win in &g.windows {
        s.add(PLACE, format!("窗口：{win}。"));
    }
    s.add(PLACE, format!("时间：{}。", g.hours));
    // The address itself is for the phone: read what it is for, not its letters. An item that
    // cannot be done online has no QR code to scan.
    if !g.online_url.is_empty() {
        s.add(PLACE, "网上办：扫二维码在手机上办理。");
    }
    if g.express {
        s.add(PLACE, "快递：办好的证件可以寄到家。");
    }
    s.add(STEPS, "办理步骤。");
    for (i, st) in g.steps.iter().enumerate() {
        s.add(STEPS, format!("第{}步，{}。", i + 1, w::step_title(st)));
        s.sentences(STEPS, &st.description);
    }
    s.add(LIMITS, "多久办好，收不收费。");
    s.add(
        LIMITS,
        format!(
            "承诺时限：{}。法定时限：{}。",
            g.promised_limit, g.legal_limit
        ),
    );
    if !g.limit_note.is_empty() {
        s.add(LIMITS, format!("说明：{}", g.limit_note));
    }
    s.add(
        LIMITS,
        format!("跑动次数：{}。办件类型：{}。", g.visits, g.handle_type),
    );
    s.add(LIMITS, format!("{}。", w::fee_summary(g)));
    for f in &g.fees {
        s.add(LIMITS, format!("{}：{}", f.name, w::fee_text(f)));
    }
    s.add(RESULT, format!("办好后拿到什么：{}", g.result));
    if !g.faq.is_empty() {
        s.add(FAQ, "常见问题。");
    }
    for (q, a) in &g.faq {
        s.add(FAQ, w::faq_question(q));
        s.sentences(FAQ, &w::faq_answer(a));
    }
    s.add(BASIS, "办理依据。");
    for b in &g.legal_basis {
        s.add(BASIS, b);
    }
    s.0
}

/// A notice as its screen shows it (`ui/pages/notice.slint`).
pub fn notice_segments(n: &NoticeView) -> Vec<Segment> {
    use notice_block::*;
    let mut s = Segments::default();
    s.add(TITLE, &n.title);
    s.add(FACTS, format!("发布机构：{}。", n.publisher));
    if !n.doc_no.is_empty() {
        s.add(FACTS, format!("文号：{}。", n.doc_no));
    }
    s.add(FACTS, format!("发布日期：{}。", n.published));
    s.sentences(SUMMARY, &w::notice_summary(&n.summary));
    let paragraphs = n.body.split('\n').map(str::trim).filter(|p| !p.is_empty());
    for (i, p) in paragraphs.enumerate() {
        s.sentences(BODY + i as i32, p);
    }
    s.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Idle,
    /// Reading segment i (or about to: its sound is being made).
    Reading(usize),
    Paused(usize),
}

/// The 朗读 control of the page shown.
pub struct ReadAloud {
    speech: Result<Speech, String>,
    segments: Vec<Segment>,
    state: State,
    job: Option<Reading>,
    /// The last reading's error (voice or sound failed), for the message bar.
    error: Option<String>,
}

impl ReadAloud {
    /// `speech`: the voice and player, or why this kiosk cannot read aloud.
    pub fn new(speech: Result<Speech, String>) -> ReadAloud {
        ReadAloud {
            speech,
            segments: Vec::new(),
            state: State::Idle,
            job: None,
            error: None,
        }
    }

    /// Whether the 朗读 button is shown.
    pub fn available(&self) -> bool {
        self.speech.is_ok()
    }

    /// Why not, when it is not.
    pub fn unavailable_reason(&self) -> Option<&str> {
        self.speech.as_ref().err().map(String::as_str)
    }

    pub fn speech(&self) -> Option<&Speech> {
        self.speech.as_ref().ok()
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// The block being read (highlighted), if any.
    pub fn block(&self) -> Option<i32> {
        match self.state {
            State::Reading(i) | State::Paused(i) => self.segments.get(i).map(|s| s.block),
            State::Idle => None,
        }
    }

    /// Starts reading `segments` from the first.
    pub fn start(&mut self, segments: Vec<Segment>) {
        self.stop();
        if self.speech.is_err() || segments.is_empty() {
            return;
        }
        self.segments = segments;
        self.run_from(0);
    }

    pub fn pause(&mut self) {
        if let State::Reading(i) = self.poll() {
            self.halt();
            self.state = State::Paused(i);
        }
    }

    /// Continues a paused reading from the start of the paused segment.
    pub fn resume(&mut self) {
        if let State::Paused(i) = self.state {
            self.run_from(i);
        }
    }

    pub fn stop(&mut self) {
        self.halt();
        self.state = State::Idle;
        self.segments.clear();
    }

    /// Follows the reading threads: the segment now sounding, the end, an error.
    pub fn poll(&mut self) -> State {
        let Some(job) = &self.job else {
            return self.state;
        };
        let Progress {
            playing,
            done,
            error,
            ..
        } = job.progress();
        if let (State::Reading(_), Some(i)) = (self.state, playing) {
            self.state = State::Reading(i);
        }
        if done {
            if error.is_some() {
                self.error = error;
            }
            self.stop();
        }
        self.state
    }

    /// The last error, once.
    pub fn take_error(&mut self) -> Option<String> {
        self.error.take()
    }

    fn run_from(&mut self, i: usize) {
        let Ok(speech) = &self.speech else { return };
        let texts = self.segments.iter().map(|s| s.text.clone()).collect();
        self.job = Some(Reading::start(speech, texts, i));
        self.state = State::Reading(i);
    }

    fn halt(&mut self) {
        if let Some(job) = self.job.take() {
            job.stop();
        }
    }
}

impl Drop for ReadAloud {
    fn drop(&mut self) {
        self.halt();
    }
}

#[cfg(test)]
mod tests;

//! 评价 (好差评) and 意见建议 without UI: the steps a resident goes through, what each step
//! lets them do, and the one outbox record it ends in. The screen (`ui::pages::feedback`) only
//! shows a `Flow` and passes taps on; nothing here knows Slint.
//!
//! Rating: Rate (one of the five national levels; a 差评 needs at least one reason from the
//! county's set) → Details (办件编号 and a phone number for a return call, both optional; the
//! phone only after the consent sentence) → Sending → Thanks or Failed.
//! Suggestion: Suggest (a topic, what it is about — pre-filled with the guide being read,
//! editable only by clearing — and the same optional phone) → Sending → Thanks or Failed.
//!
//! The phone number is only ever shown masked ([`mask_phone`]) and only on these steps.

use crate::model::RatingSet;
use crate::outbox::record::{is_phone, SUGGESTION_TOPICS};
use crate::outbox::{Level, Rating, Record, Subject, Suggestion};

/// The one sentence of consent shown before the phone pad.
pub const CONSENT: &str = "留下电话，表示您同意工作人员打这个电话回访您；号码只用于回访。";
/// Digits of a 办件编号 at most (the outbox takes 40).
pub const CASE_NO_MAX: usize = 30;
/// Digits of a phone number at most (a landline with area code has up to 12).
pub const PHONE_MAX: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Rate,
    Details,
    Suggest,
    Sending,
    Thanks,
    Failed,
}

/// Which box the digit pad types into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    None,
    CaseNo,
    Phone,
}

/// Why the outbox did not take a submission (the resident is told; reading goes on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotTaken {
    /// Too many ratings and suggestions waiting (the kiosk has been offline for long).
    Full,
    /// The outbox file could not be opened or written (details go to the technician's log).
    Broken,
}

#[derive(Debug, Clone)]
pub struct Flow {
    /// What is rated; `None`: a suggestion.
    subject: Option<Subject>,
    set: RatingSet,
    step: Step,
    level: Option<Level>,
    reasons: Vec<bool>,
    case_no: String,
    consent: bool,
    phone: String,
    field: Field,
    topic: Option<usize>,
    about: Option<String>,
    not_taken: Option<NotTaken>,
}

impl Flow {
    /// 评价这项服务 (`Subject::Guide`) or 评价本大厅服务 (`Subject::Hall`), with the indicator set
    /// the content carries.
    pub fn rate(subject: Subject, set: RatingSet) -> Flow {
        let reasons = vec![false; set.reasons.len()];
        Flow {
            subject: Some(subject),
            set,
            step: Step::Rate,
            level: None,
            reasons,
            case_no: String::new(),
            consent: false,
            phone: String::new(),
            field: Field::None,
            topic: None,
            about: None,
            not_taken: None,
        }
    }

    /// 意见建议, about `about` (the guide being read) when there is one.
    pub fn suggest(about: Option<String>) -> Flow {
        Flow {
            step: Step::Suggest,
            subject: None,
            about: about.filter(|a| !a.trim().is_empty()),
            ..Flow::rate(Subject::Hall, RatingSet::builtin())
        }
    }

    pub fn step(&self) -> Step {
        self.step
    }

    pub fn is_rating(&self) -> bool {
        self.subject.is_some()
    }

    pub fn subject(&self) -> Option<&Subject> {
        self.subject.as_ref()
    }

    pub fn set(&self) -> &RatingSet {
        &self.set
    }

    /// The level chosen, 0-based (0 = 非常满意), if any.
    pub fn level(&self) -> Option<usize> {
        self.level.map(|l| usize::from(u8::from(l)) - 1)
    }

    /// Whether the level chosen is a 差评 (reasons shown and required).
    pub fn is_bad(&self) -> bool {
        self.level.is_some_and(Level::is_bad)
    }

    pub fn reasons_chosen(&self) -> &[bool] {
        &self.reasons
    }

    pub fn case_no(&self) -> &str {
        &self.case_no
    }

    pub fn consented(&self) -> bool {
        self.consent
    }

    pub fn has_phone(&self) -> bool {
        !self.phone.is_empty()
    }

    /// The phone number as the screen shows it: masked.
    pub fn phone_shown(&self) -> String {
        mask_phone(&self.phone)
    }

    pub fn field(&self) -> Field {
        self.field
    }

    pub fn topic(&self) -> Option<usize> {
        self.topic
    }

    pub fn about(&self) -> Option<&str> {
        self.about.as_deref()
    }

    pub fn not_taken(&self) -> Option<&NotTaken> {
        self.not_taken.as_ref()
    }

    /// Picks level `i` (0 = 非常满意 … 4 = 非常不满意). Reasons stay only for a 差评.
    pub fn choose_level(&mut self, i: usize) {
        if self.step != Step::Rate {
            return;
        }
        let Some(level) = i
            .checked_add(1)
            .and_then(|n| u8::try_from(n).ok())
            .and_then(Level::new)
        else {
            return;
        };
        self.level = Some(level);
        if !level.is_bad() {
            self.reasons.iter_mut().for_each(|r| *r = false);
        }
    }

    /// Turns reason `i` on or off (only for a 差评).
    pub fn toggle_reason(&mut self, i: usize) {
        if self.step == Step::Rate && self.is_bad() {
            if let Some(r) = self.reasons.get_mut(i) {
                *r = !*r;
            }
        }
    }

    /// What still keeps the rating from going on (`None`: 下一步 may be pressed).
    pub fn rate_missing(&self) -> Option<&'static str> {
        match self.level {
            None => Some("请先选一个评价。"),
            Some(l) if l.is_bad() && !self.reasons.contains(&true) => {
                Some("选了“不满意”或“非常不满意”，请至少选一个原因。")
            }
            _ => None,
        }
    }

    /// 下一步 from Rate: to the details, when nothing is missing.
    pub fn go_on(&mut self) -> bool {
        if self.step == Step::Rate && self.rate_missing().is_none() {
            self.step = Step::Details;
            self.field = Field::CaseNo;
            true
        } else {
            false
        }
    }

    /// Back one step; `false` when the flow should close (from its first step, Thanks or Failed).
    pub fn back(&mut self) -> bool {
        match self.step {
            Step::Details => {
                self.step = Step::Rate;
                self.field = Field::None;
                true
            }
            // A submission under way is not interrupted.
            Step::Sending => true,
            _ => false,
        }
    }

    /// Taps on a box: the 办件编号 always, the phone only after consent.
    pub fn focus(&mut self, field: Field) {
        if !self.typing_step() {
            return;
        }
        match field {
            Field::CaseNo if self.is_rating() => self.field = Field::CaseNo,
            Field::Phone if self.consent => self.field = Field::Phone,
            Field::None => self.field = Field::None,
            _ => {}
        }
    }

    /// The resident agrees to the consent sentence: the phone pad opens.
    pub fn give_consent(&mut self) {
        if self.typing_step() {
            self.consent = true;
            self.field = Field::Phone;
        }
    }

    /// 不留电话: consent withdrawn, the number forgotten.
    pub fn withdraw_consent(&mut self) {
        if self.typing_step() {
            self.consent = false;
            self.phone.clear();
            if self.field == Field::Phone {
                self.field = if self.is_rating() {
                    Field::CaseNo
                } else {
                    Field::None
                };
            }
        }
    }

    /// Whether the digit pad is shown: only while a box it may type into is chosen.
    pub fn pad_shown(&self) -> bool {
        self.typing_step()
            && match self.field {
                Field::CaseNo => true,
                Field::Phone => self.consent,
                Field::None => false,
            }
    }

    fn typing_step(&self) -> bool {
        matches!(self.step, Step::Details | Step::Suggest)
    }

    /// A digit from the pad into the chosen box (bounded).
    pub fn digit(&mut self, d: char) {
        if !d.is_ascii_digit() || !self.pad_shown() {
            return;
        }
        let (text, max) = match self.field {
            Field::CaseNo => (&mut self.case_no, CASE_NO_MAX),
            Field::Phone => (&mut self.phone, PHONE_MAX),
            Field::None => return,
        };
        if text.len() < max {
            text.push(d);
        }
    }

    /// 删除 on the pad: the last digit of the chosen box.
    pub fn delete(&mut self) {
        if !self.pad_shown() {
            return;
        }
        match self.field {
            Field::CaseNo => self.case_no.pop(),
            Field::Phone => self.phone.pop(),
            Field::None => None,
        };
    }

    /// Picks suggestion topic `i` (of [`SUGGESTION_TOPICS`]).
    pub fn choose_topic(&mut self, i: usize) {
        if self.step == Step::Suggest && i < SUGGESTION_TOPICS.len() {
            self.topic = Some(i);
        }
    }

    /// 清除: the pre-filled "about" goes (it cannot be edited otherwise, nor typed back).
    pub fn clear_about(&mut self) {
        if self.step == Step::Suggest {
            self.about = None;
        }
    }

    /// What still keeps 提交 from working (`None`: it may be pressed).
    pub fn submit_missing(&self) -> Option<&'static str> {
        match self.step {
            Step::Details => {}
            Step::Suggest if self.topic.is_none() => return Some("请先选建议的类别。"),
            Step::Suggest => {}
            _ => return Some(""),
        }
        if !self.phone.is_empty() && !is_phone(&self.phone) {
            return Some(
                "电话号码还不完整：手机号 11 位，座机号要带区号。不想留电话就按“不留电话”。",
            );
        }
        None
    }

    /// The record this flow ends in, when everything needed is there.
    pub fn record(&self) -> Option<Record> {
        if self.submit_missing().is_some() {
            return None;
        }
        let phone = (!self.phone.is_empty()).then(|| self.phone.clone());
        let record = match &self.subject {
            Some(subject) => Record::Rating(Rating {
                subject: subject.clone(),
                level: self.level?,
                reasons: if self.is_bad() {
                    self.set
                        .reasons
                        .iter()
                        .zip(&self.reasons)
                        .filter(|(_, on)| **on)
                        .map(|(r, _)| r.clone())
                        .collect()
                } else {
                    Vec::new()
                },
                indicator_set: self.set.version.clone(),
                case_no: (!self.case_no.is_empty()).then(|| self.case_no.clone()),
                phone,
            }),
            None => Record::Suggestion(Suggestion {
                topic: SUGGESTION_TOPICS[self.topic?].to_string(),
                about: self.about.clone(),
                phone,
            }),
        };
        record.check().ok().map(|()| record)
    }

    /// 提交: the record to write (the flow now waits for [`Flow::sent`]), or `None` when
    /// something is missing.
    pub fn submit(&mut self) -> Option<Record> {
        let record = self.record()?;
        self.step = Step::Sending;
        self.field = Field::None;
        Some(record)
    }

    /// The outbox's answer: thanks, or why it was not taken. The phone number is forgotten
    /// either way (it is in the outbox now, or the resident is told to go to a window).
    pub fn sent(&mut self, result: Result<(), NotTaken>) {
        if self.step != Step::Sending {
            return;
        }
        self.phone.clear();
        match result {
            Ok(()) => self.step = Step::Thanks,
            Err(e) => {
                self.not_taken = Some(e);
                self.step = Step::Failed;
            }
        }
    }
}

/// A phone number as screens show it: the first three digits and the last four, the middle
/// four as stars (13812345678 → 138****5678). While typing, the digits that will be hidden are
/// stars already.
pub fn mask_phone(phone: &str) -> String {
    phone
        .chars()
        .enumerate()
        .map(|(i, c)| if (3..7).contains(&i) { '*' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating() -> Flow {
        Flow::rate(
            Subject::Guide {
                id: "gongan-sfz".into(),
            },
            RatingSet::builtin(),
        )
    }

    #[test]
    fn a_bad_rating_needs_a_reason_before_it_goes_on() {
        let mut f = rating();
        assert_eq!(f.rate_missing(), Some("请先选一个评价。"));
        assert!(!f.go_on());
        f.choose_level(3); // 不满意
        assert!(f.is_bad());
        assert!(f.rate_missing().unwrap().contains("至少选一个原因"));
        assert!(!f.go_on(), "no reason yet");
        f.toggle_reason(3); // 等太久
        assert!(f.go_on());
        assert_eq!(f.step(), Step::Details);
        let Some(Record::Rating(r)) = f.submit() else {
            panic!("a rating")
        };
        assert_eq!(r.level.name(), "不满意");
        assert_eq!(r.reasons, vec!["等太久".to_string()]);
        assert_eq!(r.indicator_set, "banshi-builtin-1");
        assert_eq!((r.case_no, r.phone), (None, None));
        assert_eq!(f.step(), Step::Sending);
    }

    #[test]
    fn reasons_belong_to_bad_ratings_only() {
        let mut f = rating();
        f.toggle_reason(0);
        assert!(!f.reasons_chosen().contains(&true), "no level: no reasons");
        f.choose_level(usize::MAX); // nothing
        assert_eq!(f.level(), None);
        f.choose_level(4);
        f.toggle_reason(0);
        f.toggle_reason(6);
        f.toggle_reason(6); // off again
        f.choose_level(0); // changed to 非常满意: reasons go
        assert!(!f.reasons_chosen().contains(&true));
        assert!(f.go_on());
        let Some(Record::Rating(r)) = f.submit() else {
            panic!()
        };
        assert!(r.reasons.is_empty());
        assert_eq!(r.level.name(), "非常满意");
    }

    #[test]
    fn the_phone_pad_opens_only_after_consent_and_shows_the_number_masked() {
        let mut f = rating();
        f.choose_level(1);
        f.go_on();
        assert_eq!(f.field(), Field::CaseNo, "the case number box first");
        for d in "2026001".chars() {
            f.digit(d);
        }
        f.focus(Field::Phone);
        assert_eq!(f.field(), Field::CaseNo, "no phone box before consent");
        f.give_consent();
        assert_eq!(f.field(), Field::Phone);
        assert!(f.pad_shown());
        for d in "1381234567".chars() {
            f.digit(d);
        }
        assert_eq!(f.phone_shown(), "138****567");
        assert!(f.submit_missing().unwrap().contains("不完整"));
        assert!(f.submit().is_none(), "a partial number is not sent");
        f.digit('8');
        f.digit('9'); // 12th digit: a mobile number is never 12, the check refuses it
        assert!(f.submit_missing().is_some());
        f.delete();
        assert_eq!(f.phone_shown(), "138****5678");
        assert_eq!(
            f.case_no(),
            "2026001",
            "the pad typed into the phone box only"
        );
        let Some(Record::Rating(r)) = f.submit() else {
            panic!()
        };
        assert_eq!(r.phone.as_deref(), Some("13812345678"));
        assert_eq!(r.case_no.as_deref(), Some("2026001"));
        f.sent(Ok(()));
        assert_eq!(f.step(), Step::Thanks);
        assert_eq!(f.phone_shown(), "", "forgotten once written");
    }

    #[test]
    fn withdrawing_consent_forgets_the_number() {
        let mut f = Flow::suggest(Some("居民身份证换领".into()));
        assert!(!f.pad_shown());
        f.give_consent();
        f.digit('1');
        f.withdraw_consent();
        assert!(!f.has_phone() && !f.pad_shown());
        f.digit('1');
        assert!(!f.has_phone(), "no pad, no digits");
    }

    #[test]
    fn a_suggestion_needs_a_topic_and_about_can_only_be_cleared() {
        let mut f = Flow::suggest(Some("居民身份证换领".into()));
        assert_eq!(f.step(), Step::Suggest);
        assert!(!f.is_rating());
        assert_eq!(f.submit_missing(), Some("请先选建议的类别。"));
        f.choose_topic(9);
        assert!(f.submit().is_none());
        f.choose_topic(0);
        assert_eq!(f.about(), Some("居民身份证换领"));
        f.clear_about();
        assert_eq!(f.about(), None);
        let Some(Record::Suggestion(s)) = f.submit() else {
            panic!()
        };
        assert_eq!(
            s,
            Suggestion {
                topic: "办事指南".into(),
                about: None,
                phone: None
            }
        );
        f.sent(Err(NotTaken::Full));
        assert_eq!(f.step(), Step::Failed);
        assert_eq!(f.not_taken(), Some(&NotTaken::Full));
    }

    #[test]
    fn back_walks_the_steps_then_closes() {
        let mut f = rating();
        f.choose_level(2);
        f.go_on();
        assert!(f.back());
        assert_eq!(f.step(), Step::Rate);
        assert_eq!(f.level(), Some(2), "the choice is kept");
        assert!(!f.back(), "from the first step: close");
        assert!(!Flow::suggest(None).back());
    }

    #[test]
    fn a_county_set_gives_its_reasons_and_version() {
        let set = RatingSet {
            version: "湖南-2024".into(),
            levels: RatingSet::LEVELS.iter().map(|l| l.to_string()).collect(),
            reasons: vec!["窗口人员不在岗".into(), "其他".into()],
        };
        let mut f = Flow::rate(Subject::Hall, set);
        assert_eq!(f.reasons_chosen().len(), 2);
        f.choose_level(4);
        f.toggle_reason(0);
        f.go_on();
        let Some(Record::Rating(r)) = f.submit() else {
            panic!()
        };
        assert_eq!(r.subject, Subject::Hall);
        assert_eq!(r.reasons, vec!["窗口人员不在岗".to_string()]);
        assert_eq!(r.indicator_set, "湖南-2024");
    }

    #[test]
    fn masking_hides_the_middle_four() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("073968123456"), "073****23456");
        assert_eq!(mask_phone("138"), "138");
        assert_eq!(mask_phone("13812"), "138**");
        assert_eq!(mask_phone(""), "");
    }
}

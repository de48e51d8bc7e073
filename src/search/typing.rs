//! A search typed key by key on the kiosk keyboard. Each key extends the previous answer's
//! partial matches instead of searching everything again; backspace returns to the previous
//! answer at once. When the keys find little, one slip is forgiven (`SearchIndex::forgive`),
//! from the answers to the shorter prefixes kept here.

use super::index::{Results, SearchIndex};

#[derive(Debug, Default)]
pub struct Typing {
    keys: Vec<u8>,
    /// `answers[i]` answers the first `i + 1` keys.
    answers: Vec<Results>,
    limit: usize,
}

impl Typing {
    pub fn new(limit: usize) -> Typing {
        Typing {
            keys: Vec::new(),
            answers: Vec::new(),
            limit,
        }
    }

    /// Types `key` (a–z or 0–9; others are ignored) and returns the new answer.
    pub fn push(&mut self, index: &SearchIndex, key: u8) -> Option<&Results> {
        let key = key.to_ascii_lowercase();
        if !key.is_ascii_alphanumeric() || self.keys.len() >= super::index::MAX_SPELLED {
            return self.answers.last();
        }
        self.keys.push(key);
        let within = self.answers.last();
        let mut answer = index.search_spelled(&self.keys, within, self.limit);
        // One slip forgiven when the keys find little (`answers` holds every shorter prefix).
        index.forgive(&self.keys, &self.answers, &mut answer, self.limit);
        self.answers.push(answer);
        self.answers.last()
    }

    /// Removes the last key.
    pub fn pop(&mut self) -> Option<&Results> {
        self.keys.pop();
        self.answers.pop();
        self.answers.last()
    }

    pub fn clear(&mut self) {
        self.keys.clear();
        self.answers.clear();
    }

    pub fn query(&self) -> String {
        String::from_utf8_lossy(&self.keys).into_owned()
    }

    pub fn answer(&self) -> Option<&Results> {
        self.answers.last()
    }
}

//! Technician PIN attempts: how many wrong PINs in a row, and how long the PIN pad stays locked.
//!
//! Rules:
//! - 5 wrong PINs in a row lock the pad for 60 s; each further round of 5 wrong PINs locks it
//!   twice as long as the last lock, up to 1 hour. A right PIN clears everything.
//! - An attempt is counted, and saved, *before* the PIN is checked, so cutting the power during
//!   a check cannot undo it; a right PIN then clears the count.
//! - The state lives in `DATA/technician-pin.state` (temp file, fsync, rename), so a restart
//!   does not reset it. A file that cannot be read or parsed counts as locked for the longest time.
//! - Times are wall-clock seconds (a lock must survive a restart). A clock set back never makes a
//!   lock last longer than its length: the lock is re-anchored at the earlier time.
//!
//! Pure apart from `load`/`save`: every decision takes the time as an argument.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const STATE_FILE: &str = "technician-pin.state";
/// Wrong PINs allowed before a lock.
pub const TRIES_PER_ROUND: u32 = 5;
/// The first lock, in seconds; each further one doubles.
pub const FIRST_LOCK: u64 = 60;
/// The longest lock, in seconds.
pub const MAX_LOCK: u64 = 3600;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinLock {
    /// Wrong PINs since the last lock or right PIN.
    failures: u32,
    /// Locks since the last right PIN.
    locks: u32,
    /// The current lock: (start, length) in seconds since the Unix epoch / seconds.
    lock: Option<(u64, u64)>,
    /// The saved state could not be read: locked for the longest time.
    damaged: bool,
}

/// Whether a PIN may be checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open { tries_left: u32 },
    Locked { secs_left: u64, damaged: bool },
}

/// The length of the `n`th lock (n ≥ 1).
pub fn lock_length(n: u32) -> u64 {
    FIRST_LOCK
        .saturating_mul(1u64 << n.saturating_sub(1).min(32))
        .min(MAX_LOCK)
}

impl PinLock {
    /// The state after a state file that could not be read: locked for the longest time, and
    /// every later round of wrong PINs too.
    pub fn damaged(now: u64) -> PinLock {
        PinLock {
            failures: 0,
            locks: 32,
            lock: Some((now, MAX_LOCK)),
            damaged: true,
        }
    }

    fn path(dir: &Path) -> PathBuf {
        dir.join(STATE_FILE)
    }

    /// Reads the state saved in `dir`; no file means no attempts yet. The flag says the file
    /// could not be read and the state is the longest lock: save it, so that the lock runs
    /// from now instead of starting again at every read.
    pub fn load(dir: &Path, now: u64) -> (PinLock, bool) {
        match std::fs::read(Self::path(dir)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (PinLock::default(), false),
            Ok(bytes) => match serde_json::from_slice::<PinLock>(&bytes) {
                Ok(state) if state.lock.is_none_or(|(_, len)| len <= MAX_LOCK) => (state, false),
                _ => (PinLock::damaged(now), true),
            },
            Err(_) => (PinLock::damaged(now), true),
        }
    }

    /// Loads the state in `dir`, applies `f`, and saves the state if it changed (or the file
    /// was unreadable). The save's outcome comes back beside `f`'s.
    pub fn update<T>(
        dir: &Path,
        now: u64,
        f: impl FnOnce(&mut PinLock) -> T,
    ) -> (T, std::io::Result<()>) {
        let (mut state, damaged) = PinLock::load(dir, now);
        let before = state.clone();
        let out = f(&mut state);
        let saved = if damaged || state != before {
            state.save(dir)
        } else {
            Ok(())
        };
        (out, saved)
    }

    /// Saves the state in `dir` atomically (`atomic::write`, mode 0600). Strictly durable: if
    /// the folder cannot be fsynced the save fails, and then no PIN is checked.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        crate::atomic::write(
            &Self::path(dir),
            &bytes,
            0o600,
            crate::atomic::Durability::Strict,
        )
    }

    /// Whether a PIN may be checked at `now`. Ends a lock that has run out, and re-anchors a
    /// lock whose start lies in the future (the clock was set back), so it never lasts longer
    /// than its length. Save the state when it changed.
    pub fn gate(&mut self, now: u64) -> Gate {
        if let Some((start, len)) = self.lock {
            let start = start.min(now);
            if now >= start.saturating_add(len) {
                self.lock = None;
                self.damaged = false;
            } else {
                self.lock = Some((start, len));
                return Gate::Locked {
                    secs_left: start + len - now,
                    damaged: self.damaged,
                };
            }
        }
        Gate::Open {
            tries_left: TRIES_PER_ROUND - self.failures.min(TRIES_PER_ROUND),
        }
    }

    /// Counts an attempt as wrong before the PIN is checked (save, then check). The attempt
    /// that completes a round starts the next lock. Refused while locked.
    pub fn begin_attempt(&mut self, now: u64) -> Result<(), Gate> {
        if let gate @ Gate::Locked { .. } = self.gate(now) {
            return Err(gate);
        }
        self.failures += 1;
        if self.failures >= TRIES_PER_ROUND {
            self.failures = 0;
            self.locks = self.locks.saturating_add(1);
            self.lock = Some((now, lock_length(self.locks)));
        }
        Ok(())
    }

    /// The PIN was right: no attempts, no lock.
    pub fn succeeded(&mut self) {
        *self = PinLock::default();
    }
}

/// A wait in words: "1 小时", "2 分 5 秒", "45 秒".
pub fn wait_text(secs: u64) -> String {
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s} 秒"),
        (0, m, 0) => format!("{m} 分钟"),
        (0, m, s) => format!("{m} 分 {s} 秒"),
        (h, 0, 0) => format!("{h} 小时"),
        (h, m, _) => format!("{h} 小时 {m} 分"),
    }
}

/// What the PIN pad says about a gate.
pub fn gate_text(gate: Gate) -> String {
    match gate {
        Gate::Open { tries_left } if tries_left < TRIES_PER_ROUND => format!("PIN 不对。还可以再试 {tries_left} 次，之后会锁定。"),
        Gate::Open { .. } => String::new(),
        Gate::Locked { secs_left, damaged: false } => {
            format!("PIN 错误次数太多，已锁定。请 {}后再试。", wait_text(secs_left))
        }
        Gate::Locked { secs_left, damaged: true } => format!(
            "PIN 尝试记录（数据目录里的 {STATE_FILE}）无法读取，为安全起见按最长时间锁定。请 {}后再试。",
            wait_text(secs_left)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_800_000_000;

    fn fail_round(s: &mut PinLock, now: u64) {
        for _ in 0..TRIES_PER_ROUND {
            s.begin_attempt(now).unwrap();
        }
    }

    #[test]
    fn five_wrong_lock_for_a_minute_then_doubling_up_to_an_hour() {
        let mut s = PinLock::default();
        for i in 0..4 {
            s.begin_attempt(T).unwrap();
            assert_eq!(s.gate(T), Gate::Open { tries_left: 4 - i });
        }
        s.begin_attempt(T).unwrap();
        assert_eq!(
            s.gate(T),
            Gate::Locked {
                secs_left: 60,
                damaged: false
            }
        );
        assert_eq!(
            s.begin_attempt(T + 59),
            Err(Gate::Locked {
                secs_left: 1,
                damaged: false
            }),
            "refused while locked"
        );
        assert_eq!(s.gate(T + 60), Gate::Open { tries_left: 5 });
        let mut now = T + 60;
        for expected in [120, 240, 480, 960, 1920, 3600, 3600] {
            fail_round(&mut s, now);
            assert_eq!(
                s.gate(now),
                Gate::Locked {
                    secs_left: expected,
                    damaged: false
                }
            );
            now += expected;
        }
    }

    #[test]
    fn a_right_pin_clears_everything() {
        let mut s = PinLock::default();
        fail_round(&mut s, T);
        s.gate(T + 60);
        s.begin_attempt(T + 60).unwrap();
        s.succeeded();
        assert_eq!(s, PinLock::default());
        fail_round(&mut s, T + 100);
        assert_eq!(
            s.gate(T + 100),
            Gate::Locked {
                secs_left: 60,
                damaged: false
            },
            "back to the first lock's length"
        );
    }

    #[test]
    fn a_clock_set_back_never_lengthens_the_lock() {
        let mut s = PinLock::default();
        fail_round(&mut s, T);
        // A day back: the lock starts again from the new time, no longer than its length.
        let back = T - 86_400;
        assert_eq!(
            s.gate(back + 10),
            Gate::Locked {
                secs_left: 60,
                damaged: false
            }
        );
        assert_eq!(
            s.gate(back + 40),
            Gate::Locked {
                secs_left: 30,
                damaged: false
            }
        );
        assert_eq!(s.gate(back + 70), Gate::Open { tries_left: 5 });
        // Forward again: nothing left either.
        assert_eq!(s.gate(T + 5), Gate::Open { tries_left: 5 });
    }

    #[test]
    fn state_survives_save_and_load_and_a_garbled_file_is_the_longest_lock() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            PinLock::load(dir.path(), T),
            (PinLock::default(), false),
            "no file: no attempts"
        );
        let mut s = PinLock::default();
        s.begin_attempt(T).unwrap();
        s.begin_attempt(T).unwrap();
        s.save(dir.path()).unwrap();
        let (mut back, damaged) = PinLock::load(dir.path(), T);
        assert_eq!((&back, damaged), (&s, false));
        assert_eq!(back.gate(T), Gate::Open { tries_left: 3 });
        assert!(
            !dir.path().join(format!("{STATE_FILE}.tmp")).exists(),
            "the temp file was renamed"
        );

        for garbage in [
            &b"{\"failures\": 2"[..],
            b"\xff\xfe",
            b"",
            b"{\"failures\":0,\"locks\":0,\"lock\":[1,999999],\"damaged\":false}",
        ] {
            std::fs::write(dir.path().join(STATE_FILE), garbage).unwrap();
            let (mut g, damaged) = PinLock::load(dir.path(), T);
            assert!(damaged);
            assert_eq!(
                g.gate(T),
                Gate::Locked {
                    secs_left: MAX_LOCK,
                    damaged: true
                },
                "{garbage:?}"
            );
            assert_eq!(
                g.begin_attempt(T + 10),
                Err(Gate::Locked {
                    secs_left: MAX_LOCK - 10,
                    damaged: true
                })
            );
            assert!(gate_text(g.gate(T)).contains("无法读取"));
        }
        // A folder where the file should be cannot be read either.
        let odd = tempfile::tempdir().unwrap();
        std::fs::create_dir(odd.path().join(STATE_FILE)).unwrap();
        assert!(matches!(
            PinLock::load(odd.path(), T).0.gate(T),
            Gate::Locked { damaged: true, .. }
        ));
    }

    #[test]
    fn a_garbled_file_is_replaced_so_its_lock_runs_out() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(STATE_FILE), "garbage").unwrap();
        let (gate, saved) = PinLock::update(dir.path(), T, |s| s.gate(T));
        saved.unwrap();
        assert_eq!(
            gate,
            Gate::Locked {
                secs_left: MAX_LOCK,
                damaged: true
            }
        );
        let (gate, _) = PinLock::update(dir.path(), T + 1800, |s| s.gate(T + 1800));
        assert_eq!(
            gate,
            Gate::Locked {
                secs_left: MAX_LOCK - 1800,
                damaged: true
            },
            "the lock did not start again"
        );
        let (gate, _) = PinLock::update(dir.path(), T + MAX_LOCK, |s| s.gate(T + MAX_LOCK));
        assert_eq!(
            gate,
            Gate::Open {
                tries_left: TRIES_PER_ROUND
            }
        );
        // Counting an attempt saves it before any check.
        let (begun, saved) =
            PinLock::update(dir.path(), T + MAX_LOCK, |s| s.begin_attempt(T + MAX_LOCK));
        assert!(begun.is_ok() && saved.is_ok());
        assert_eq!(
            PinLock::load(dir.path(), T + MAX_LOCK).0.gate(T + MAX_LOCK),
            Gate::Open {
                tries_left: TRIES_PER_ROUND - 1
            }
        );
    }

    #[test]
    fn waits_read_naturally() {
        assert_eq!(wait_text(45), "45 秒");
        assert_eq!(wait_text(60), "1 分钟");
        assert_eq!(wait_text(125), "2 分 5 秒");
        assert_eq!(wait_text(3600), "1 小时");
        assert_eq!(gate_text(Gate::Open { tries_left: 5 }), "");
        assert!(gate_text(Gate::Open { tries_left: 2 }).contains("2 次"));
        assert!(gate_text(Gate::Locked {
            secs_left: 61,
            damaged: false
        })
        .contains("1 分 1 秒"));
    }
}

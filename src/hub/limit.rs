//! A fair rate per kiosk: a token bucket each (a burst of `burst` requests, refilled at `rate`
//! per second). Charged only after a request's signature verified, so nobody can use up
//! another kiosk's share by sending in its name.

use std::collections::HashMap;
use std::time::Instant;

pub struct Limiter {
    rate: f64,
    burst: f64,
    buckets: HashMap<String, (f64, Instant)>,
}

impl Limiter {
    pub fn new(rate: f64, burst: u32) -> Limiter {
        Limiter {
            rate: rate.max(0.001),
            burst: f64::from(burst.max(1)),
            buckets: HashMap::new(),
        }
    }

    /// Takes one token for `kiosk`: `Err(seconds)` to wait when there is none.
    pub fn take(&mut self, kiosk: &str, now: Instant) -> Result<(), u64> {
        if self.buckets.len() > 500_000 {
            // Forget buckets that have refilled anyway (bounded memory under any load).
            let (rate, burst) = (self.rate, self.burst);
            self.buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (rate, burst) = (self.rate, self.burst);
        let (tokens, at) = self
            .buckets
            .entry(kiosk.to_string())
            .or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_rate_per_kiosk() {
        let mut l = Limiter::new(2.0, 3);
        let t = Instant::now();
        for _ in 0..3 {
            assert!(l.take("a", t).is_ok());
        }
        assert_eq!(l.take("a", t), Err(1));
        assert!(l.take("b", t).is_ok(), "another kiosk has its own bucket");
        assert!(l.take("a", t + Duration::from_millis(500)).is_ok());
        assert!(l.take("a", t + Duration::from_millis(500)).is_err());
        let mut slow = Limiter::new(0.1, 1);
        assert!(slow.take("a", t).is_ok());
        assert_eq!(slow.take("a", t), Err(10));
    }
}

//! A token bucket: how many messages a connection may send, sustained and
//! in a burst.

use std::time::Instant;

/// Refills `rate` tokens a second up to `burst`; each message takes one.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate: u32, burst: u32, now: Instant) -> Self {
        let burst = f64::from(burst.max(1));
        TokenBucket { rate: f64::from(rate), burst, tokens: burst, last: now }
    }

    /// Take a token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A full bucket allows exactly the burst, then refills at the rate.
    #[test]
    fn burst_then_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(10, 5, t0);
        assert_eq!((0..8).filter(|_| b.try_take(t0)).count(), 5);
        let t1 = t0 + Duration::from_millis(300);
        assert_eq!((0..8).filter(|_| b.try_take(t1)).count(), 3);
        let t2 = t1 + Duration::from_secs(60);
        assert_eq!((0..8).filter(|_| b.try_take(t2)).count(), 5);
    }
}

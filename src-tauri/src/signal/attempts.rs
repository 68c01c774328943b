//! Wrong passcodes per source address: a guesser who opens a new
//! connection after each refusal still runs out of guesses.
//!
//! Each connection may already make only `passcode_attempts` wrong guesses
//! before it is closed; this bounds the guesses of a whole machine. Every
//! address has a bucket of `passcode_attempts_per_ip` guesses that refills
//! one guess per `passcode_refill`; while it is empty, joins that would test
//! a passcode are refused with `too_many_attempts` without testing it, so
//! waiting is the only way on. IPv6 addresses count by /64, the block one
//! machine can pick addresses from at will.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most addresses remembered. Past it, forgotten first are those whose
/// bucket has refilled; if all are still draining, newcomers share one
/// bucket, so a flood of addresses cannot grow this without bound.
const MAX_SOURCES: usize = 4096;

/// Wrong-passcode budgets by source address.
pub struct PasscodeAttempts {
    burst: f64,
    refill: Duration,
    sources: Mutex<HashMap<Source, Budget>>,
}

/// An address as counted: IPv4 whole, IPv6 by its /64; `Overflow` is the
/// shared bucket of sources past [`MAX_SOURCES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    V4(u32),
    V6(u64),
    Overflow,
}

impl From<IpAddr> for Source {
    fn from(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Source::V4(v4.into()),
            IpAddr::V6(v6) => Source::V6((u128::from(v6) >> 64) as u64),
        }
    }
}

/// Wrong guesses spent, as of `at`; they come back one per `refill`.
#[derive(Debug, Clone, Copy)]
struct Budget {
    spent: f64,
    at: Instant,
}

impl PasscodeAttempts {
    pub fn new(per_source: u32, refill: Duration) -> Self {
        PasscodeAttempts {
            burst: f64::from(per_source.max(1)),
            refill: refill.max(Duration::from_millis(1)),
            sources: Mutex::new(HashMap::new()),
        }
    }

    /// May `ip` test a passcode now?
    pub fn may_try(&self, ip: IpAddr, now: Instant) -> bool {
        let sources = self.lock();
        let source = self.source(&sources, ip.into());
        sources.get(&source).is_none_or(|b| self.spent(b, now) + 1.0 <= self.burst)
    }

    /// `ip` guessed wrong.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let mut sources = self.lock();
        if sources.len() >= MAX_SOURCES {
            sources.retain(|_, b| self.spent(b, now) > 0.0);
        }
        let source = self.source(&sources, ip.into());
        let budget = sources.entry(source).or_insert(Budget { spent: 0.0, at: now });
        let spent = self.spent(budget, now) + 1.0;
        *budget = Budget { spent, at: now };
    }

    /// How long until `ip` may guess again.
    pub fn wait(&self, ip: IpAddr, now: Instant) -> Duration {
        let sources = self.lock();
        let source = self.source(&sources, ip.into());
        let over = sources.get(&source).map_or(0.0, |b| self.spent(b, now) + 1.0 - self.burst);
        self.refill.mul_f64(over.max(0.0))
    }

    fn source(&self, sources: &HashMap<Source, Budget>, source: Source) -> Source {
        if sources.len() >= MAX_SOURCES && !sources.contains_key(&source) {
            Source::Overflow
        } else {
            source
        }
    }

    fn spent(&self, budget: &Budget, now: Instant) -> f64 {
        let back = now.saturating_duration_since(budget.at).as_secs_f64() / self.refill.as_secs_f64();
        (budget.spent - back).max(0.0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Source, Budget>> {
        // Plain counters: a panic elsewhere leaves nothing worth stopping for.
        self.sources.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source gets its burst of wrong guesses, then one per refill period.
    #[test]
    fn burst_then_one_per_refill() {
        let t0 = Instant::now();
        let ip: IpAddr = "192.168.1.9".parse().unwrap();
        let a = PasscodeAttempts::new(3, Duration::from_secs(10));
        for _ in 0..3 {
            assert!(a.may_try(ip, t0));
            a.failed(ip, t0);
        }
        assert!(!a.may_try(ip, t0));
        assert_eq!(a.wait(ip, t0), Duration::from_secs(10));
        assert!(!a.may_try(ip, t0 + Duration::from_secs(9)));
        assert!(a.may_try(ip, t0 + Duration::from_secs(10)));
        // Another machine is not affected.
        assert!(a.may_try("192.168.1.10".parse().unwrap(), t0));
    }

    /// Every address of one IPv6 /64 shares a budget; v4-mapped is v4.
    #[test]
    fn ipv6_counts_by_prefix() {
        let t0 = Instant::now();
        let a = PasscodeAttempts::new(1, Duration::from_secs(60));
        a.failed("fd00:1:2:3::1".parse().unwrap(), t0);
        assert!(!a.may_try("fd00:1:2:3:ffff::9".parse().unwrap(), t0));
        assert!(a.may_try("fd00:1:2:4::1".parse().unwrap(), t0));
        a.failed("10.0.0.1".parse().unwrap(), t0);
        assert!(!a.may_try("::ffff:10.0.0.1".parse().unwrap(), t0));
    }

    /// A flood of addresses stays within the table's bound.
    #[test]
    fn table_is_bounded() {
        let t0 = Instant::now();
        let a = PasscodeAttempts::new(2, Duration::from_secs(60));
        for i in 0..(MAX_SOURCES as u32 + 100) {
            a.failed(IpAddr::V4(i.into()), t0);
        }
        assert!(a.lock().len() <= MAX_SOURCES + 1);
    }
}

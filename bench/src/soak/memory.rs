//! Whether the server's memory grew while the churn stayed the same.
//!
//! After the warm-up (the first fifth of the run: allocator arenas, socket
//! buffers and the room map reach their working size) the samples are split
//! into thirds and the median RSS of the last third is compared with the
//! first's. A median, because one sample jumps with whatever happens to be
//! queued at that moment, and 16 samples of 10 s ride over that; a leak does
//! not: the run makes tens of thousands of joins, so even a few hundred
//! bytes kept per session moves the median steadily. The tolerance (10 % plus
//! 2 MiB) is for the allocator keeping freed pages, which is not a leak.

/// RSS samples after warm-up are compared in thirds; this is the verdict.
pub struct Verdict {
    pub warm_mib: f64,
    pub end_mib: f64,
    pub limit_mib: f64,
}

impl Verdict {
    pub fn grew(&self) -> bool {
        self.end_mib > self.limit_mib
    }
}

/// `samples` are (seconds since start, RSS KiB); `None` if too few to judge.
pub fn judge(samples: &[(f64, u64)], warmup_secs: f64) -> Option<Verdict> {
    let warm: Vec<u64> = samples.iter().filter(|(t, _)| *t >= warmup_secs).map(|(_, k)| *k).collect();
    let third = warm.len() / 3;
    if third == 0 {
        return None;
    }
    let warm_mib = median(&warm[..third]) / 1024.0;
    let end_mib = median(&warm[warm.len() - third..]) / 1024.0;
    Some(Verdict { warm_mib, end_mib, limit_mib: warm_mib * 1.10 + 2.0 })
}

fn median(kib: &[u64]) -> f64 {
    let mut v = kib.to_vec();
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flat memory with one spike passes; steady growth fails.
    #[test]
    fn spike_passes_growth_fails() {
        let flat: Vec<(f64, u64)> = (0..30).map(|i| (i as f64 * 10.0, if i == 25 { 90_000 } else { 40_000 })).collect();
        assert!(!judge(&flat, 60.0).unwrap().grew());
        let growing: Vec<(f64, u64)> = (0..30).map(|i| (i as f64 * 10.0, 40_000 + i * 1_000)).collect();
        assert!(judge(&growing, 60.0).unwrap().grew());
        assert!(judge(&growing[..3], 0.0).unwrap().end_mib > 0.0);
        assert!(judge(&growing[..2], 0.0).is_none());
    }
}

//! When a failed delivery is tried again: exponential backoff with full
//! jitter, capped per attempt, for 24 hours after the event; then it is
//! given up.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The delay before the second attempt (before jitter).
    pub base: Duration,
    /// No single wait is longer than this.
    pub max_delay: Duration,
    /// Attempts stop this long after the event.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::seconds(10),
            max_delay: Duration::hours(1),
            give_up_after: Duration::hours(24),
        }
    }
}

impl RetryPolicy {
    /// When attempt `attempt + 1` runs, after attempt `attempt` (1-based)
    /// failed at `now`; `None` once the event is older than the window.
    /// The wait is drawn from [d/2, d] with d = min(base·2^(attempt-1), max):
    /// spread out, so a target that comes back is not hit by every retry at once.
    pub fn next_attempt(
        &self,
        attempt: u32,
        event_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let exp = attempt.saturating_sub(1).min(30);
        let base_ms = self.base.num_milliseconds().max(1);
        let d = base_ms
            .saturating_mul(1_i64 << exp)
            .min(self.max_delay.num_milliseconds().max(1));
        let wait = rand::thread_rng().gen_range(d / 2..=d);
        let at = now + Duration::milliseconds(wait);
        (at <= event_at + self.give_up_after).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_within_their_jitter_and_stop_after_a_day() {
        let p = RetryPolicy::default();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for attempt in 1..=8u32 {
            let d = (10_000_i64 << (attempt - 1)).min(3_600_000);
            let next = p.next_attempt(attempt, t0, t0).unwrap();
            let ms = (next - t0).num_milliseconds();
            assert!((d / 2..=d).contains(&ms), "attempt {attempt}: {ms} ms");
        }
        let late = t0 + Duration::hours(23) + Duration::minutes(59);
        assert_eq!(p.next_attempt(20, t0, late), None);
        // The whole schedule, from the first failure: about a day of attempts.
        let (mut now, mut attempt) = (t0, 1);
        while let Some(next) = p.next_attempt(attempt, t0, now) {
            now = next;
            attempt += 1;
        }
        assert!((20..70).contains(&attempt), "{attempt} attempts");
        assert!(now - t0 > Duration::hours(22));
    }
}

//! Sign-in throttling: after too many failures for one email or from one
//! client address within a window, further attempts are refused until the
//! window has passed. In memory, per node (documented in the README).

use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

pub struct SignInThrottle {
    per_email: Mutex<HashMap<String, Window>>,
    per_ip: Mutex<HashMap<String, Window>>,
    pub max_per_email: u32,
    pub max_per_ip: u32,
    pub window: Duration,
}

#[derive(Clone, Copy)]
struct Window {
    started: DateTime<Utc>,
    failures: u32,
}

/// Beyond this many tracked keys, expired windows are swept.
const SWEEP_AT: usize = 10_000;

impl Default for SignInThrottle {
    fn default() -> Self {
        SignInThrottle {
            per_email: Mutex::default(),
            per_ip: Mutex::default(),
            max_per_email: 5,
            max_per_ip: 50,
            window: Duration::minutes(15),
        }
    }
}

impl SignInThrottle {
    pub fn check(&self, email_key: &str, ip: &str, now: DateTime<Utc>) -> Result<()> {
        let email_wait = Self::wait(
            &self.per_email,
            email_key,
            self.max_per_email,
            self.window,
            now,
        );
        let ip_wait = Self::wait(&self.per_ip, ip, self.max_per_ip, self.window, now);
        match email_wait.max(ip_wait) {
            Some(secs) => Err(Error::RateLimited {
                retry_after_secs: secs,
            }),
            None => Ok(()),
        }
    }

    /// Count a failure; returns the email's failures in its current window.
    pub fn failed(&self, email_key: &str, ip: &str, now: DateTime<Utc>) -> u32 {
        Self::bump(&self.per_ip, ip, self.window, now);
        Self::bump(&self.per_email, email_key, self.window, now)
    }

    /// A correct password clears the email's failures (not the address's).
    pub fn succeeded(&self, email_key: &str) {
        if let Ok(mut m) = self.per_email.lock() {
            m.remove(email_key);
        }
    }

    fn wait(
        map: &Mutex<HashMap<String, Window>>,
        key: &str,
        max: u32,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Option<u64> {
        let m = map.lock().ok()?;
        let w = m.get(key)?;
        let ends = w.started + window;
        (w.failures >= max && ends > now).then(|| (ends - now).num_seconds().max(1) as u64)
    }

    fn bump(
        map: &Mutex<HashMap<String, Window>>,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> u32 {
        let Ok(mut m) = map.lock() else { return 0 };
        if m.len() >= SWEEP_AT {
            m.retain(|_, w| w.started + window > now);
        }
        let w = m.entry(key.to_owned()).or_insert(Window {
            started: now,
            failures: 0,
        });
        if w.started + window <= now {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures += 1;
        w.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_reopens_after_the_window() {
        let t = SignInThrottle::default();
        let now = Utc::now();
        for _ in 0..5 {
            assert!(t.check("a@x", "1.1.1.1", now).is_ok());
            t.failed("a@x", "1.1.1.1", now);
        }
        assert!(matches!(
            t.check("a@x", "2.2.2.2", now),
            Err(Error::RateLimited { .. })
        ));
        assert!(
            t.check("b@x", "1.1.1.1", now).is_ok(),
            "other emails from the same address still pass"
        );
        assert!(t
            .check("a@x", "1.1.1.1", now + Duration::minutes(16))
            .is_ok());
    }
}

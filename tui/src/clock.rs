//! Time as the app shows it: "now" and the local time zone are injectable so that frames in
//! tests are the same on every machine and every day.

use chrono::{DateTime, FixedOffset, Local, Utc};

/// Where "now" and the local offset come from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fixed_now: Option<DateTime<Utc>>,
    fixed_offset: Option<FixedOffset>,
}

impl Clock {
    /// The system clock and the system's local time zone.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A frozen clock in UTC (tests).
    pub fn fixed(now: DateTime<Utc>) -> Clock {
        Clock {
            fixed_now: Some(now),
            fixed_offset: FixedOffset::east_opt(0),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }

    /// `2026-11-21 10:05` in local time.
    pub fn local(&self, t: DateTime<Utc>) -> String {
        match self.fixed_offset {
            Some(off) => t.with_timezone(&off).format("%Y-%m-%d %H:%M").to_string(),
            None => t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// A short age: `now`, `42s`, `5m`, `3h`, `2d`.
    pub fn age(&self, t: DateTime<Utc>) -> String {
        let secs = (self.now() - t).num_seconds().max(0);
        match secs {
            0..=9 => "now".into(),
            10..=59 => format!("{secs}s"),
            60..=3599 => format!("{}m", secs / 60),
            3600..=86_399 => format!("{}h", secs / 3600),
            _ => format!("{}d", secs / 86_400),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
        let c = Clock::fixed(now);
        assert_eq!(c.age(now), "now");
        assert_eq!(c.age(now - chrono::Duration::minutes(5)), "5m");
        assert_eq!(c.age(now - chrono::Duration::hours(3)), "3h");
        assert_eq!(c.age(now - chrono::Duration::days(2)), "2d");
        assert_eq!(c.local(now), "2026-11-21 12:00");
    }
}

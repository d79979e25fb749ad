//! Small text helpers for fixed-width cells.

use jiff::Timestamp;
use jiff::tz::TimeZone;

pub use crate::model::text::{fit, fit_middle, fit_tail, short_resource, width};

/// How long ago, in the largest whole unit: `<1m`, `5m`, `3h`, `2d`, `6w`.
pub fn age(now: Timestamp, then: Timestamp) -> String {
    let seconds = now.as_second() - then.as_second();
    match seconds {
        s if s < 60 => "<1m".to_string(),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s if s < 86_400 * 14 => format!("{}d", s / 86_400),
        s => format!("{}w", s / (86_400 * 7)),
    }
}

/// `2026-01-15 09:12:03 UTC` in the chosen time zone.
pub fn datetime(t: Timestamp, tz: &TimeZone) -> String {
    let zoned = t.to_zoned(tz.clone());
    format!(
        "{} {}",
        zoned.strftime("%Y-%m-%d %H:%M:%S"),
        zone_name(tz, &zoned)
    )
}

/// `09:12 UTC`.
pub fn clock(t: Timestamp, tz: &TimeZone) -> String {
    let zoned = t.to_zoned(tz.clone());
    format!("{} {}", zoned.strftime("%H:%M"), zone_name(tz, &zoned))
}

fn zone_name(tz: &TimeZone, zoned: &jiff::Zoned) -> String {
    if tz.iana_name() == Some("UTC") || *tz == TimeZone::UTC {
        "UTC".into()
    } else {
        zoned.strftime("%Z").to_string()
    }
}

/// `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `950`, `20k`, `1.2M`: a count in four characters or fewer.
pub fn compact(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..10_000 => format!("{:.1}k", n as f64 / 1e3).replace(".0k", "k"),
        10_000..1_000_000 => format!("{}k", n / 1_000),
        1_000_000..10_000_000 => format!("{:.1}M", n as f64 / 1e6).replace(".0M", "M"),
        _ => format!("{}M", n / 1_000_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_by_display_width() {
        assert_eq!(fit("hello", 5), "hello");
        assert_eq!(fit("hello world", 6), "hello…");
        assert_eq!(fit("漢字漢字", 5), "漢字…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit("abc", 1), "…");
    }

    #[test]
    fn ages_and_numbers() {
        let now: Timestamp = "2026-01-15T12:00:00Z".parse().expect("time");
        let ago = |s: i64| {
            age(
                now,
                Timestamp::from_second(now.as_second() - s).expect("time"),
            )
        };
        assert_eq!(ago(5), "<1m");
        assert_eq!(ago(300), "5m");
        assert_eq!(ago(7200), "2h");
        assert_eq!(ago(86_400 * 3), "3d");
        assert_eq!(ago(86_400 * 30), "4w");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
        let compacts = [0, 999, 1_000, 1_250, 20_000, 999_999, 1_500_000, 25_000_000];
        assert_eq!(
            compacts.map(compact),
            ["0", "999", "1k", "1.2k", "20k", "999k", "1.5M", "25M"]
        );
        assert_eq!(clock(now, &TimeZone::UTC), "12:00 UTC");
    }

    #[test]
    fn short_resources() {
        assert_eq!(
            short_resource("arn:aws:ec2:us-east-1:1:instance/i-0abc"),
            "i-0abc"
        );
        assert_eq!(short_resource("arn:aws:s3:::my-bucket"), "my-bucket");
        assert_eq!(short_resource("AKIAEXAMPLE"), "AKIAEXAMPLE");
        assert_eq!(
            short_resource("arn:aws:lambda:us-east-1:1:function:mailer"),
            "mailer"
        );
        assert_eq!(
            short_resource("arn:aws:s3:::bucket/exports/x.csv"),
            "bucket"
        );
        assert_eq!(short_resource("AWS::::Account:123456789012"), "account");
    }
}

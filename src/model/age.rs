//! Ages — how far back — in the one grammar every part of picket reads them: the filter's
//! `age<2w`, `--since 1h30m`, `:query 36h …`, `audit --since 7d`.
//!
//! ```text
//! age  = part { [" "] part }        1h30m, 1d 12h, 2w
//! part = digits [" "] unit
//! unit = s | sec | second(s) | m | min | minute(s) | h | hr | hour(s) | d | day(s) | w | week(s)
//! ```
//!
//! Units ignore case. Arithmetic is checked: an age longer than [`MAX_DAYS`] is an error with a
//! message, never a wrapped number or a time before the calendar's start.

use jiff::{SignedDuration, Timestamp};

/// The longest age accepted: a century. Every record picket reads is younger (AWS itself dates
/// from 2006), and `now - age` stays far inside the range of a timestamp.
pub const MAX_DAYS: i64 = 36_525;
const MAX_SECONDS: i64 = MAX_DAYS * 86_400;

/// What the messages suggest.
pub const EXAMPLES: &str = "90m, 24h, 7d, 2w or 1h30m";

/// Reads an age; the error says what is wrong with `text`, quoting it.
pub fn parse(text: &str) -> Result<SignedDuration, String> {
    let not_an_age = || format!("'{text}' is not an age like {EXAMPLES}");
    let too_long = || format!("'{text}' is longer than {MAX_DAYS} days (a century)");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(not_an_age());
    }
    let mut seconds: i64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(not_an_age());
        }
        let (number, after) = rest.split_at(digits);
        let after = after.trim_start();
        let letters = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, after) = after.split_at(letters);
        let scale = unit_seconds(unit).ok_or_else(not_an_age)?;
        // Leading zeros aside, a number of more than 12 digits is over the limit in any unit.
        let significant = number.trim_start_matches('0');
        if significant.len() > 12 {
            return Err(too_long());
        }
        let number: i64 = match significant {
            "" => 0,
            digits => digits.parse().map_err(|_| too_long())?,
        };
        seconds = number
            .checked_mul(scale)
            .and_then(|part| seconds.checked_add(part))
            .filter(|total| *total <= MAX_SECONDS)
            .ok_or_else(too_long)?;
        rest = after.trim_start();
    }
    Ok(SignedDuration::from_secs(seconds))
}

fn unit_seconds(unit: &str) -> Option<i64> {
    let seconds = match unit.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        "w" | "wk" | "wks" | "week" | "weeks" => 604_800,
        _ => return None,
    };
    Some(seconds)
}

/// `now - age`, saturating at the earliest timestamp rather than panicking.
pub fn before(now: Timestamp, age: SignedDuration) -> Timestamp {
    now.checked_sub(age).unwrap_or(Timestamp::MIN)
}

/// `time + span`, saturating at the latest timestamp (times in records can be anything).
pub fn after(time: Timestamp, span: SignedDuration) -> Timestamp {
    time.checked_add(span).unwrap_or(if span.is_negative() {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> i64 {
        parse(text)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .as_secs()
    }

    #[test]
    fn single_units_in_every_spelling() {
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("15m"), 900);
        assert_eq!(secs("90m"), 5_400);
        assert_eq!(secs("24h"), 86_400);
        assert_eq!(secs("7d"), 604_800);
        assert_eq!(secs("2w"), 1_209_600);
        assert_eq!(secs("2 hours"), 7_200);
        assert_eq!(secs("3 Days"), 259_200);
        assert_eq!(secs(" 5MIN "), 300);
        assert_eq!(secs("0s"), 0);
        assert_eq!(secs("007m"), 420);
    }

    #[test]
    fn compound_ages_add_up() {
        assert_eq!(secs("1h30m"), 5_400);
        assert_eq!(secs("1d12h"), 129_600);
        assert_eq!(secs("1h 30m"), 5_400);
        assert_eq!(secs("1w2d3h4m5s"), 604_800 + 172_800 + 10_800 + 240 + 5);
    }

    #[test]
    fn what_is_not_an_age_says_so() {
        for bad in [
            "",
            "  ",
            "m",
            "10",
            "yesterday",
            "1h30",
            "1.5h",
            "-1h",
            "1y",
            "h1",
            "1h-",
            "PT1H",
            "1h,30m",
            "１h",
        ] {
            let e = parse(bad).expect_err(bad);
            assert!(e.contains("is not an age like 90m"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn huge_ages_are_refused_not_wrapped() {
        let e = parse("5000000d").expect_err("five million days");
        assert_eq!(e, "'5000000d' is longer than 36525 days (a century)");
        for huge in [
            "36526d",
            "99999999999999999w",
            "9223372036854775807s",
            "99999999999999999999999999999999s",
            "36525d1s",
            "5219w",
        ] {
            assert!(
                parse(huge).expect_err(huge).contains("longer than"),
                "{huge}"
            );
        }
        assert_eq!(secs("36525d"), MAX_SECONDS);
        assert_eq!(secs("000000000000000000000000001s"), 1);
    }

    #[test]
    fn shifting_a_time_saturates_at_the_calendar_edges() {
        let now: Timestamp = "2026-01-15T12:00:00Z".parse().expect("time");
        let century = parse("36525d").expect("a century");
        assert_eq!(
            before(now, century).to_string(),
            "1926-01-15T12:00:00Z",
            "a century back is well inside the calendar"
        );
        assert_eq!(before(Timestamp::MIN, century), Timestamp::MIN);
        let margin = SignedDuration::from_mins(15);
        assert_eq!(after(Timestamp::MAX, margin), Timestamp::MAX);
        assert_eq!(after(Timestamp::MIN, -margin), Timestamp::MIN);
        assert_eq!(after(now, margin).to_string(), "2026-01-15T12:15:00Z");
    }
}

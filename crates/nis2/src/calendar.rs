//! Brussels local time and Belgian public holidays.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// The zone every deadline is shown in.
pub fn brussels() -> TimeZone {
    // The tz database is bundled into the binary (jiff feature `tzdb-bundle-always`), so this
    // cannot fail on a host without /usr/share/zoneinfo.
    TimeZone::get("Europe/Brussels").unwrap_or(TimeZone::UTC)
}

/// `ts` on the Brussels wall clock.
pub fn in_brussels(ts: Timestamp) -> Zoned {
    ts.to_zoned(brussels())
}

/// Formats an instant as Brussels local time with its offset, e.g.
/// `2025-03-31 23:30 +02:00`.
pub fn show(ts: Timestamp) -> String {
    in_brussels(ts).strftime("%Y-%m-%d %H:%M %:z").to_string()
}

/// Easter Sunday of `year` (Gregorian computus, anonymous algorithm).
pub fn easter(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // month is 3 or 4 and day 1..=31 by construction.
    Date::new(year, month as i8, day as i8).expect("computus yields a valid date")
}

/// The ten legal public holidays of Belgium in `year`: New Year, Easter Monday, Labour Day,
/// Ascension, Whit Monday, National Day, Assumption, All Saints, Armistice, Christmas.
pub fn belgian_holidays(year: i16) -> [Date; 10] {
    let easter = easter(year);
    let shift = |days: i32| {
        easter
            .checked_add(jiff::Span::new().days(days))
            .expect("within the civil calendar")
    };
    let fixed = |month: i8, day: i8| Date::new(year, month, day).expect("fixed holiday");
    [
        fixed(1, 1),
        shift(1),
        fixed(5, 1),
        shift(39),
        shift(50),
        fixed(7, 21),
        fixed(8, 15),
        fixed(11, 1),
        fixed(11, 11),
        fixed(12, 25),
    ]
}

/// Whether `date` is a Saturday, a Sunday or a Belgian public holiday.
pub fn is_non_working_day(date: Date) -> bool {
    use jiff::civil::Weekday;
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
        || belgian_holidays(date.year()).contains(&date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_dates() {
        assert_eq!(easter(2024), date(2024, 3, 31));
        assert_eq!(easter(2025), date(2025, 4, 20));
        assert_eq!(easter(2026), date(2026, 4, 5));
        assert_eq!(easter(2027), date(2027, 3, 28));
    }

    #[test]
    fn holidays_2026() {
        let h = belgian_holidays(2026);
        assert!(h.contains(&date(2026, 4, 6))); // Easter Monday
        assert!(h.contains(&date(2026, 5, 14))); // Ascension
        assert!(h.contains(&date(2026, 5, 25))); // Whit Monday
        assert!(h.contains(&date(2026, 7, 21)));
        assert!(is_non_working_day(date(2026, 11, 11)));
        assert!(is_non_working_day(date(2026, 11, 28))); // Saturday
        assert!(!is_non_working_day(date(2026, 11, 25)));
    }

    #[test]
    fn shows_offset() {
        let ts: Timestamp = "2025-03-31T21:30:00Z".parse().unwrap();
        assert_eq!(show(ts), "2025-03-31 23:30 +02:00");
    }
}

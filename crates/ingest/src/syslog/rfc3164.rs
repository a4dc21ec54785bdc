//! RFC 3164 ("BSD syslog"): `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`, and the variants
//! senders really write: an RFC 3339 timestamp in place of the BSD one (rsyslog's forward
//! format), a year after the day, milliseconds, no hostname.
//!
//! BSD timestamps carry neither zone nor year: they are read in the listener's zone
//! (default Europe/Brussels, DST handled by jiff) and given the year that puts them at most
//! one day in the future.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};

use super::{Header, ParseContext, priority};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses an RFC 3164 message. A message without a priority is an error (kept whole by the
/// caller); one whose header does not follow the priority keeps its priority and is flagged.
pub(crate) fn parse<'a>(text: &'a str, context: &ParseContext) -> Result<Header<'a>, String> {
    let (pri, rest) = priority(text).ok_or_else(|| {
        format!(
            "no <PRI> at the start of {:?}",
            text.chars().take(24).collect::<String>()
        )
    })?;
    let mut header = Header {
        priority: Some(pri),
        ..Header::default()
    };
    let Some((timestamp, rest)) = timestamp(rest, context) else {
        header.bad_header = Some(format!(
            "no timestamp after <{pri}>: expected 'Mmm dd hh:mm:ss' or RFC 3339"
        ));
        header.message = rest;
        return Ok(header);
    };
    header.timestamp = timestamp;
    if timestamp.is_none() {
        header.bad_header = Some("timestamp names a time that does not exist".into());
    }
    let rest = rest.trim_start_matches(' ');
    // HOSTNAME, unless the first word is already the tag ("sshd[42]:" or "sshd:").
    let first_end = rest.find(' ').unwrap_or(rest.len());
    let first = &rest[..first_end];
    let rest = if first.is_empty() || first.ends_with(':') || first.contains('[') {
        rest
    } else {
        header.hostname = Some(first);
        rest[first_end..].strip_prefix(' ').unwrap_or("")
    };
    let (tag, pid, message) = tag(rest);
    header.appname = tag;
    header.procid = pid;
    header.message = message;
    Ok(header)
}

/// The timestamp at the start of `text`, and what follows it. `Some((None, _))` when the
/// layout fits but the time does not exist (e.g. Feb 30).
fn timestamp<'a>(text: &'a str, context: &ParseContext) -> Option<(Option<Timestamp>, &'a str)> {
    // RFC 3339, as rsyslog's RSYSLOG_ForwardFormat writes it.
    if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        let end = text.find(' ').unwrap_or(text.len());
        let at = text[..end].parse::<Timestamp>().ok()?;
        return Some((Some(at), &text[end..]));
    }
    let month = MONTHS.iter().position(|m| text.starts_with(m))? as i8 + 1;
    let rest = text.get(3..)?.strip_prefix(' ')?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest); // "Nov  5"
    let day_end = rest.find(' ')?;
    let day: i8 = rest[..day_end].parse().ok()?;
    let mut rest = &rest[day_end + 1..];
    let mut year = None;
    if let Some(candidate) = rest.get(..5)
        && candidate.ends_with(' ')
        && candidate[..4].bytes().all(|b| b.is_ascii_digit())
    {
        year = candidate[..4].parse::<i16>().ok();
        rest = &rest[5..];
    }
    let time_end = rest.find(' ').unwrap_or(rest.len());
    let clock = &rest[..time_end];
    if clock.len() < 8 || clock.as_bytes()[2] != b':' || clock.as_bytes()[5] != b':' {
        return None;
    }
    let time: Time = clock.parse().ok()?;
    let rest = &rest[time_end..];
    let at = |year: i16| -> Option<Timestamp> {
        let date = Date::new(year, month, day).ok()?;
        let local = DateTime::from_parts(date, time);
        context
            .timezone
            .to_ambiguous_zoned(local)
            .compatible()
            .ok()
            .map(|z| z.timestamp())
    };
    let resolved = match year {
        Some(year) => at(year),
        None => {
            let this_year = context.now.to_zoned(context.timezone.clone()).year();
            match at(this_year) {
                // More than a day ahead: it was sent last year (December read in January).
                Some(t) if t.as_second() > context.now.as_second() + 86_400 => at(this_year - 1),
                other => other,
            }
        }
    };
    Some((resolved, rest))
}

/// `TAG[PID]: MSG` or `TAG: MSG`; anything else is all message.
fn tag(text: &str) -> (Option<&str>, Option<&str>, &str) {
    let word_end = text.find(' ').unwrap_or(text.len());
    let word = &text[..word_end];
    let Some(head) = word.strip_suffix(':') else {
        return (None, None, text);
    };
    let message = text[word_end..]
        .strip_prefix(' ')
        .unwrap_or(&text[word_end..]);
    match head.split_once('[') {
        // One `[PID]` closing the word: `a[1]b[2]:` is no tag.
        Some((name, pid))
            if pid.ends_with(']')
                && !name.is_empty()
                && !pid[..pid.len() - 1].contains(['[', ']']) =>
        {
            (Some(name), Some(&pid[..pid.len() - 1]), message)
        }
        Some(_) => (None, None, text),
        None if head.is_empty() => (None, None, text),
        None => (Some(head), None, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syslog::tests::context;

    fn ts(s: &str) -> Option<Timestamp> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn classic_with_zone_and_dst() {
        let h = parse(
            "<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
            &context(),
        )
        .unwrap();
        assert_eq!(h.priority, Some(34));
        assert_eq!(h.hostname, Some("mymachine"));
        assert_eq!(h.appname, Some("su"));
        assert_eq!(h.message, "'su root' failed");
        // October in Brussels is summer time (+02:00).
        assert_eq!(h.timestamp, ts("2026-10-11T20:14:15Z"));
        let h = parse("<13>Nov  5 08:00:00 web01 sshd[4242]: Accepted", &context()).unwrap();
        assert_eq!(h.timestamp, ts("2026-11-05T07:00:00Z"));
        assert_eq!(h.procid, Some("4242"));
    }

    #[test]
    fn year_is_inferred_backwards_across_new_year() {
        let mut ctx = context();
        ctx.now = "2027-01-01T00:30:00Z".parse().unwrap();
        let h = parse("<13>Dec 31 23:59:00 h app: x", &ctx).unwrap();
        assert_eq!(h.timestamp, ts("2026-12-31T22:59:00Z"));
    }

    #[test]
    fn vendor_variants() {
        let ctx = context();
        let h = parse(
            "<13>2026-11-25T10:00:00.123+01:00 host app[1]: forward format",
            &ctx,
        )
        .unwrap();
        assert_eq!(h.timestamp, ts("2026-11-25T09:00:00.123Z"));
        assert_eq!(h.hostname, Some("host"));
        let h = parse("<13>Nov 25 2025 10:00:00 fw01 kernel: with year", &ctx).unwrap();
        assert_eq!(h.timestamp, ts("2025-11-25T09:00:00Z"));
        let h = parse("<13>Nov 25 10:00:00.250 fw01 kernel: millis", &ctx).unwrap();
        assert_eq!(h.timestamp, ts("2026-11-25T09:00:00.25Z"));
        let h = parse("<13>Nov 25 10:00:00 sshd[7]: no hostname", &ctx).unwrap();
        assert_eq!(h.hostname, None);
        assert_eq!(h.appname, Some("sshd"));
        assert_eq!(h.message, "no hostname");
        let h = parse("<13>Nov 25 10:00:00 host just a message", &ctx).unwrap();
        assert_eq!(h.appname, None);
        assert_eq!(h.message, "just a message");
    }

    /// Found by the `syslog_3164` fuzz target: `sshd[1]x[2]:` gave the pid `1]x[2`.
    #[test]
    fn a_tag_has_one_pid_in_brackets() {
        let h = parse("<13>Nov 25 10:00:00 h sshd[1]x[2]: text", &context()).unwrap();
        assert_eq!((h.appname, h.procid), (None, None));
        assert_eq!(h.message, "sshd[1]x[2]: text");
        let h = parse("<13>Nov 25 10:00:00 h sshd[[1]: text", &context()).unwrap();
        assert_eq!((h.appname, h.procid), (None, None));
        let h = parse("<13>Nov 25 10:00:00 h sshd[]: text", &context()).unwrap();
        assert_eq!(
            (h.appname, h.procid, h.message),
            (Some("sshd"), Some(""), "text")
        );
    }

    #[test]
    fn bad_headers_keep_the_priority() {
        let h = parse("<13>garbage here", &context()).unwrap();
        assert_eq!(h.priority, Some(13));
        assert_eq!(h.message, "garbage here");
        assert!(h.bad_header.is_some());
        let h = parse("<13>Feb 30 10:00:00 h a: x", &context()).unwrap();
        assert!(h.bad_header.is_some());
        assert!(parse("no pri", &context()).is_err());
    }
}

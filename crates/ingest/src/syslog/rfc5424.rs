//! RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{Header, priority};

/// Parses a message whose priority is followed by version `1`. An error names the part that
/// does not fit; the caller keeps the message whole.
pub(crate) fn parse(text: &str) -> Result<Header<'_>, String> {
    let (pri, rest) = priority(text).ok_or("no <PRI> at the start")?;
    let rest = rest.strip_prefix("1 ").ok_or("version is not 1")?;
    let mut header = Header {
        priority: Some(pri),
        version: Some(1),
        ..Header::default()
    };
    let (timestamp, rest) = token(rest).ok_or("header ends before the timestamp")?;
    if timestamp != "-" {
        match timestamp.parse::<Timestamp>() {
            Ok(at) => header.timestamp = Some(at),
            Err(_) => {
                header.bad_header = Some(format!(
                    "timestamp {timestamp:?} is not RFC 3339 (e.g. 2026-11-25T10:00:00.000+01:00)"
                ))
            }
        }
    }
    let (hostname, rest) = token(rest).ok_or("header ends before the hostname")?;
    let (appname, rest) = token(rest).ok_or("header ends before the app-name")?;
    let (procid, rest) = token(rest).ok_or("header ends before the procid")?;
    let (msgid, rest) = token_or_end(rest).ok_or("header ends before the msgid")?;
    header.hostname = nil(hostname);
    header.appname = nil(appname);
    header.procid = nil(procid);
    header.msgid = nil(msgid);
    let rest = if rest.is_empty() {
        rest
    } else if let Some(after) = rest.strip_prefix('-') {
        after
    } else if rest.starts_with('[') {
        let (sd, after) = structured_data(rest)?;
        header.structured_data = Some(sd);
        after
    } else {
        return Err(format!(
            "structured data must be '-' or start with '[', found {:?}",
            rest.chars().take(20).collect::<String>()
        ));
    };
    let message = match rest.strip_prefix(' ') {
        Some(message) => message,
        None if rest.is_empty() => "",
        None => return Err("no space between the structured data and the message".into()),
    };
    header.message = message.strip_prefix('\u{feff}').unwrap_or(message);
    Ok(header)
}

fn nil(value: &str) -> Option<&str> {
    (value != "-").then_some(value)
}

/// The next space-terminated token and what follows the space.
fn token(text: &str) -> Option<(&str, &str)> {
    let end = text.find(' ')?;
    (end > 0).then(|| (&text[..end], &text[end + 1..]))
}

/// Like [`token`], but the header may end right after it (no structured data, no message).
fn token_or_end(text: &str) -> Option<(&str, &str)> {
    match text.find(' ') {
        Some(0) => None,
        Some(end) => Some((&text[..end], &text[end + 1..])),
        None if !text.is_empty() => Some((text, "")),
        None => None,
    }
}

/// `[id param="value" ...][id2 ...]`: elements by id, each an object of its parameters.
fn structured_data(mut text: &str) -> Result<(Map<String, Value>, &str), String> {
    let mut out = Map::new();
    while let Some(inner) = text.strip_prefix('[') {
        let id_end = inner
            .find([' ', ']'])
            .ok_or("structured data element is not closed by ']'")?;
        let id = &inner[..id_end];
        if id.is_empty() || id.contains(['=', '"']) {
            return Err(format!("invalid SD-ID {id:?}"));
        }
        let mut params = Map::new();
        let mut rest = &inner[id_end..];
        loop {
            if let Some(after) = rest.strip_prefix(']') {
                rest = after;
                break;
            }
            rest = rest
                .strip_prefix(' ')
                .ok_or_else(|| format!("in [{id}]: expected ' ' or ']'"))?;
            let eq = rest
                .find('=')
                .ok_or_else(|| format!("in [{id}]: parameter without '='"))?;
            let name = &rest[..eq];
            if name.is_empty() || name.contains([' ', ']', '"']) {
                return Err(format!("in [{id}]: invalid parameter name {name:?}"));
            }
            rest = rest[eq + 1..]
                .strip_prefix('"')
                .ok_or_else(|| format!("in [{id}]: value of {name} is not quoted"))?;
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, c @ ('"' | '\\' | ']'))) => value.push(c),
                        Some((_, c)) => {
                            value.push('\\');
                            value.push(c);
                        }
                        None => return Err(format!("in [{id}]: value of {name} is not closed")),
                    },
                    Some((i, '"')) => break i,
                    Some((_, c)) => value.push(c),
                    None => return Err(format!("in [{id}]: value of {name} is not closed")),
                }
            };
            rest = &rest[end + 1..];
            // A repeated parameter name keeps every value, as an array.
            match params.get_mut(name) {
                Some(Value::Array(values)) => values.push(Value::String(value)),
                Some(previous) => {
                    let first = previous.take();
                    *previous = Value::Array(vec![first, Value::String(value)]);
                }
                None => {
                    params.insert(name.to_owned(), Value::String(value));
                }
            }
        }
        out.insert(id.to_owned(), Value::Object(params));
        text = rest;
    }
    Ok((out, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc_examples() {
        let h = parse("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed for lonvick on /dev/pts/8").unwrap();
        assert_eq!(h.priority, Some(34));
        assert_eq!(h.hostname, Some("mymachine.example.com"));
        assert_eq!(h.appname, Some("su"));
        assert_eq!(h.procid, None);
        assert_eq!(h.msgid, Some("ID47"));
        assert_eq!(h.message, "'su root' failed for lonvick on /dev/pts/8");
        assert_eq!(
            h.timestamp,
            Some("2003-10-11T22:14:15.003Z".parse().unwrap())
        );

        let h = parse(r#"<165>1 2003-10-11T22:14:15.003-07:00 host evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#).unwrap();
        let sd = h.structured_data.unwrap();
        assert_eq!(sd["exampleSDID@32473"]["eventID"], "1011");
        assert_eq!(sd["examplePriority@32473"], json!({"class": "high"}));
        assert_eq!(h.message, "");
        assert_eq!(
            h.timestamp,
            Some("2003-10-12T05:14:15.003Z".parse().unwrap())
        );
    }

    #[test]
    fn escapes_and_repeated_params() {
        let h = parse(r#"<13>1 - - - - - [a@1 p="x\"y\]z\\" p="2" q="\n"] msg"#).unwrap();
        let sd = h.structured_data.unwrap();
        assert_eq!(sd["a@1"]["p"], json!(["x\"y]z\\", "2"]));
        assert_eq!(sd["a@1"]["q"], "\\n");
        assert_eq!(h.message, "msg");
        assert_eq!(h.timestamp, None);
    }

    #[test]
    fn errors_name_the_part() {
        for (text, needle) in [
            ("<13>1 2026-11-25T10:00:00Z host", "hostname"),
            ("<13>1 - h a p m [x@1 k=v] m", "not quoted"),
            ("<13>1 - h a p m [x@1 k=\"v] m", "not closed"),
            ("<13>1 - h a p m oops", "structured data"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(needle), "{text}: {error}");
        }
        let h = parse("<13>1 yesterday h a p m - x").unwrap();
        assert!(h.bad_header.unwrap().contains("yesterday"));
    }
}

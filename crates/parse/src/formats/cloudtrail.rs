//! AWS CloudTrail records: one JSON object per API call (`eventSource`, `eventName`,
//! `userIdentity`, ...), sent as HTTP NDJSON, `_bulk` or an imported `.jsonl` file.
//!
//! Source type: `aws.cloudtrail`.
//!
//! Recognition: an object whose `eventSource` ends in `.amazonaws.com`, with a string
//! `eventName` and an `eventVersion` or `awsRegion` (marker `"eventSource"`).
//!
//! One event is one record. CloudTrail's S3 files wrap records as `{"Records": [...]}`:
//! importing such a file means one record per line (or splitting `Records` before the
//! intake); an event that is such a wrapper fails with `records_wrapper`.
//!
//! The record is kept as it came, so the keys SigmaHQ's `product: aws` rules test
//! (`eventSource`, `eventName`, `errorCode`, `errorMessage`, `userIdentity.type`,
//! `userIdentity.arn`, `userAgent`, `requestParameters.*`, `responseElements.*`,
//! `additionalEventData.MFAUsed`, `eventType`) stay reachable. ECS fields are added beside it:
//!
//! | ECS field | from |
//! |---|---|
//! | timestamp | `eventTime`, else `@timestamp` (a shipper's copy) |
//! | `event.action` / `event.provider` / `event.id` | `eventName` / `eventSource` / `eventID` |
//! | `event.outcome` | `failure` when `errorCode` is set, else `success` |
//! | `event.kind` | `event` |
//! | `source.ip` + `source.address` | `sourceIPAddress` when it is an IP |
//! | `source.address` | `sourceIPAddress` when it is a service name (`ec2.amazonaws.com`) |
//! | `user_agent.original` | `userAgent` |
//! | `cloud.provider` / `cloud.region` / `cloud.service.name` | `aws` / `awsRegion` / `eventSource` before `.amazonaws.com` |
//! | `cloud.account.id` | `recipientAccountId`, else `userIdentity.accountId` |
//! | `user.name` | `userIdentity.userName`, else the last part of `userIdentity.arn` (after `/`, else `:`) |
//! | `user.id` | `userIdentity.principalId` |
//! | `aws.cloudtrail.user_identity.type` | `userIdentity.type` |
//! | `aws.cloudtrail.error_code` / `aws.cloudtrail.error_message` | `errorCode` / `errorMessage` (ECS `error.*` is kept for parse errors) |
//!
//! Errors: `records_wrapper`, `no_event_name` (no string `eventName`), `bad_timestamp`
//! (an `eventTime` that is not RFC 3339).
//!
//! Left out: the request and response parameters in ECS form (they stay as sent), and
//! CloudTrail digest files and Insights events beyond the common fields.

use jiff::Timestamp;
use serde_json::Value;

use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields;
use crate::fields::{copy, scalar, shown_value as shown};

pub(crate) const FORMAT: Format = Format {
    name: "cloudtrail",
    claims: &["aws.cloudtrail"],
    recognise,
    markers: &["\"eventSource\""],
    parse,
};

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    let f = input.fields;
    let source = f.get("eventSource")?.as_str()?;
    (source.ends_with(".amazonaws.com")
        && f.get("eventName").is_some_and(Value::is_string)
        && (f.contains_key("eventVersion") || f.contains_key("awsRegion")))
    .then_some("aws.cloudtrail")
}

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let f = &*ctx.fields;
    if let Some(Value::Array(records)) = f.get("Records") {
        return Err(ParseError::new(
            "records_wrapper",
            format!(
                "the event is a CloudTrail file object with {} records under `Records`: send one record per event",
                records.len()
            ),
        ));
    }
    let Some(name) = f.get("eventName").and_then(Value::as_str) else {
        return Err(ParseError::new(
            "no_event_name",
            "the event has no string `eventName` (not a CloudTrail record)",
        ));
    };
    let name = name.to_owned();
    let timestamp = match f.get("eventTime") {
        Some(time) => Some(
            time.as_str()
                .and_then(|s| s.parse::<Timestamp>().ok())
                .ok_or_else(|| {
                    ParseError::new(
                        "bad_timestamp",
                        format!("`eventTime` {} is not an RFC 3339 time", shown(time)),
                    )
                })?,
        ),
        None => f
            .get("@timestamp")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Timestamp>().ok()),
    };
    ctx.timestamp = timestamp;

    let f = &mut *ctx.fields;
    fields::put(f, "event.action", name.as_str());
    fields::put(f, "event.kind", "event");
    copy(f, "eventSource", "event.provider");
    copy(f, "eventID", "event.id");
    let failed = scalar(f, "errorCode").is_some();
    fields::put(
        f,
        "event.outcome",
        if failed { "failure" } else { "success" },
    );
    copy(f, "errorCode", "aws.cloudtrail.error_code");
    copy(f, "errorMessage", "aws.cloudtrail.error_message");

    if let Some(address) = fields::text(f, "sourceIPAddress").map(str::to_owned) {
        if let Ok(ip) = address.parse::<std::net::IpAddr>() {
            fields::put(f, "source.ip", ip.to_string());
        }
        fields::put_text(f, "source.address", &address);
    }
    copy(f, "userAgent", "user_agent.original");

    fields::put(f, "cloud.provider", "aws");
    copy(f, "awsRegion", "cloud.region");
    if let Some(service) = fields::text(f, "eventSource")
        .and_then(|s| s.strip_suffix(".amazonaws.com"))
        .map(str::to_owned)
    {
        fields::put_text(f, "cloud.service.name", &service);
    }
    let account = scalar(f, "recipientAccountId").or_else(|| scalar(f, "userIdentity.accountId"));
    if let Some(account) = account {
        fields::put(f, "cloud.account.id", account);
    }

    let user = fields::text(f, "userIdentity.userName")
        .filter(|u| !u.is_empty())
        .or_else(|| {
            fields::text(f, "userIdentity.arn").and_then(|arn| {
                let last = match arn.rsplit_once('/') {
                    Some((_, last)) => last,
                    None => arn.rsplit(':').next().unwrap_or_default(),
                };
                (!last.is_empty()).then_some(last)
            })
        })
        .map(str::to_owned);
    if let Some(user) = user {
        fields::put_text(f, "user.name", &user);
    }
    copy(f, "userIdentity.principalId", "user.id");
    copy(f, "userIdentity.type", "aws.cloudtrail.user_identity.type");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceType;
    use crate::testing::obj;
    use proptest::prelude::*;
    use serde_json::Map;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn declared(f: &mut Map<String, Value>) -> crate::Outcome {
        crate::normalize(Some(&SourceType::new("aws.cloudtrail").unwrap()), f)
    }

    const FAILED_LOGIN: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:analyst","arn":"arn:aws:sts::111122223333:assumed-role/Admin/analyst","accountId":"111122223333"},"eventTime":"2023-05-06T07:08:09Z","eventSource":"iam.amazonaws.com","eventName":"DeleteUser","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","userAgent":"aws-cli/2.11","errorCode":"AccessDenied","errorMessage":"User is not authorized","requestParameters":{"userName":"operator"},"responseElements":null,"eventID":"e-1","eventType":"AwsApiCall"}"#;

    #[test]
    fn failed_call() {
        let mut f = obj(serde_json::from_str(FAILED_LOGIN).unwrap());
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "aws.cloudtrail");
        assert!(out.parsed);
        assert_eq!(out.timestamp.unwrap().to_string(), "2023-05-06T07:08:09Z");
        assert_eq!(
            f["event"],
            json!({"action": "DeleteUser", "kind": "event", "provider": "iam.amazonaws.com", "id": "e-1", "outcome": "failure", "dataset": "aws.cloudtrail"})
        );
        assert_eq!(
            f["source"],
            json!({"ip": "203.0.113.5", "address": "203.0.113.5"})
        );
        assert_eq!(
            f["user"],
            json!({"name": "analyst", "id": "AROAEXAMPLE:analyst"})
        );
        assert_eq!(
            f["cloud"],
            json!({"provider": "aws", "region": "us-east-1", "service": {"name": "iam"}, "account": {"id": "111122223333"}})
        );
        assert_eq!(f["user_agent"], json!({"original": "aws-cli/2.11"}));
        assert_eq!(
            f["aws"]["cloudtrail"],
            json!({"error_code": "AccessDenied", "error_message": "User is not authorized", "user_identity": {"type": "AssumedRole"}})
        );
        assert!(f.get("error").is_none(), "error.* is for parse errors");
        assert_eq!(f["errorCode"], "AccessDenied");
    }

    #[test]
    fn service_caller_root_and_recognition() {
        let mut f = obj(
            json!({"eventVersion":"1.05","eventTime":"2023-05-06T07:08:09.5Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","sourceIPAddress":"ec2.amazonaws.com","userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"},"errorCode":""}),
        );
        let out = crate::normalize(None, &mut f);
        assert!(out.parsed);
        assert_eq!(f["source"], json!({"address": "ec2.amazonaws.com"}));
        assert_eq!(f["user"], json!({"name": "root"}));
        assert_eq!(
            f["event"]["outcome"], "success",
            "an empty errorCode is no error"
        );
        assert_eq!(f["cloud"]["account"]["id"], "111122223333");

        // An m365 record with eventSource is not CloudTrail.
        let mut f =
            obj(json!({"eventSource":"SecurityComplianceCenter","eventName":"x","awsRegion":"r"}));
        assert_ne!(
            crate::normalize(None, &mut f)
                .source_type
                .map(|t| t.as_str().to_owned()),
            Some("aws.cloudtrail".to_owned())
        );
        let mut f = obj(json!({"eventSource":"s3.amazonaws.com","eventName":"GetObject"}));
        assert_eq!(crate::normalize(None, &mut f).source_type, None);
        // A user name beats the ARN; an IPv6 caller.
        let mut f = obj(
            json!({"eventName":"x","sourceIPAddress":"2001:db8::1","userIdentity":{"userName":"auditor","arn":"arn:aws:iam::1:user/builder"}}),
        );
        let out = declared(&mut f);
        assert!(out.parsed);
        assert_eq!(out.timestamp, None);
        assert_eq!(f["user"]["name"], "auditor");
        assert_eq!(f["source"]["ip"], "2001:db8::1");
    }

    #[test]
    fn bad_input_reasons() {
        let mut f = obj(json!({"Records":[{"eventName":"a"},{"eventName":"b"}]}));
        let e = declared(&mut f).error.unwrap();
        assert_eq!(e.reason, "records_wrapper");
        assert!(e.detail.contains("2 records"), "{}", e.detail);
        let mut f = obj(json!({"eventSource":"s3.amazonaws.com"}));
        assert_eq!(declared(&mut f).error.unwrap().reason, "no_event_name");
        let mut f = obj(json!({"eventName":"x","eventTime":"2023-13-01T00:00:00Z"}));
        let e = declared(&mut f).error.unwrap();
        assert_eq!(e.reason, "bad_timestamp");
        assert!(e.detail.contains("2023-13-01"), "{}", e.detail);
        let mut f = obj(json!({"eventName":"x","eventTime":"2023-01-01T00:00:00"}));
        assert_eq!(
            declared(&mut f).error.unwrap().reason,
            "bad_timestamp",
            "no zone"
        );
    }

    #[test]
    fn fixture_otrf_records() {
        let Some(dir) =
            crate::testing::fixture("cloudtrail::fixture_otrf_records", "aws_cloudtrail/otrf")
        else {
            return;
        };
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        let mut parsed = Vec::new();
        for path in &paths {
            for line in std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .filter(|l| !l.trim().is_empty())
            {
                let mut f = obj(serde_json::from_str(line).unwrap());
                let out = crate::normalize(None, &mut f);
                assert_eq!(
                    out.source_type.as_ref().map(SourceType::as_str),
                    Some("aws.cloudtrail")
                );
                assert!(out.parsed, "{:?}", out.error);
                assert!(out.timestamp.is_some());
                parsed.push(Value::Object(f));
            }
        }
        assert_eq!(parsed.len(), 103);
        let mut per_provider = BTreeMap::new();
        for f in &parsed {
            *per_provider
                .entry(f["event"]["provider"].as_str().unwrap().to_owned())
                .or_insert(0) += 1;
            assert_eq!(f["event"]["outcome"], "success");
            assert_eq!(f["cloud"]["provider"], "aws");
        }
        assert_eq!(
            per_provider,
            BTreeMap::from([
                ("compute-optimizer.amazonaws.com".to_owned(), 2),
                ("ec2.amazonaws.com".to_owned(), 80),
                ("elasticloadbalancing.amazonaws.com".to_owned(), 3),
                ("monitoring.amazonaws.com".to_owned(), 2),
                ("s3.amazonaws.com".to_owned(), 11),
                ("sts.amazonaws.com".to_owned(), 5),
            ])
        );
        let first = &parsed[0];
        assert_eq!(first["event"]["action"], "DescribeInstanceTypes");
        assert_eq!(
            first["user"],
            json!({"name": first["userIdentity"]["userName"], "id": "AIDAICAK2CN5MGHIIDIHA"})
        );
        assert_eq!(first["source"]["ip"], "1.2.3.4");
        assert_eq!(first["user_agent"]["original"], "console.ec2.amazonaws.com");
        assert_eq!(first["cloud"]["account"]["id"], "123456789123");
        assert_eq!(first["cloud"]["region"], "us-east-1");
        assert_eq!(
            first["userIdentity"]["type"], "IAMUser",
            "Sigma's keys stay"
        );
        let get_object: Vec<_> = parsed
            .iter()
            .filter(|f| f["eventName"] == "GetObject")
            .collect();
        assert_eq!(get_object.len(), 2);
        assert_eq!(get_object[0]["cloud"]["service"]["name"], "s3");
        let with_name = parsed
            .iter()
            .filter(|f| f["user"]["name"].is_string())
            .count();
        assert_eq!(
            with_name, 98,
            "the five records without an ARN have no user"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_values_never_panic(s in "\\PC{0,60}", n in any::<i64>()) {
            for v in [json!(s), json!(n), json!(null), json!([s]), json!({"a": s})] {
                let mut f = obj(json!({"eventVersion":"1","eventSource": format!("{s}.amazonaws.com"), "eventName": s,
                    "eventTime": v, "sourceIPAddress": v, "userIdentity": {"arn": v, "userName": v, "accountId": v},
                    "errorCode": v, "@timestamp": v}));
                let _ = crate::normalize(None, &mut f);
                let _ = declared(&mut f);
            }
        }

        #[test]
        fn mutated_real_line_never_panics(at in 0usize..700, insert in "\\PC{0,8}") {
            let mut line = FAILED_LOGIN.to_owned();
            let mut at = at.min(line.len());
            while !line.is_char_boundary(at) { at -= 1; }
            line.insert_str(at, &insert);
            if let Ok(Value::Object(mut f)) = serde_json::from_str::<Value>(&line) {
                let _ = crate::normalize(None, &mut f);
            }
        }
    }
}

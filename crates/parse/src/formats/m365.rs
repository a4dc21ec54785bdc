//! Microsoft 365 unified audit records and Entra ID (Azure AD) sign-in and audit logs: one
//! JSON object per record, sent as HTTP NDJSON, `_bulk` or an imported `.jsonl` file, in
//! any of the shapes Microsoft exports them in.
//!
//! Source types and the shapes recognised (markers `"RecordType"`, `"OfficeActivity"`,
//! `"AuditLogs"`, `SignInLogs"`, `SigninLogs"`, `"appDisplayName"`, `"loggedByService"`,
//! `"LoggedByService"`: one is in every shape below):
//!
//! | type | shape | recognised by |
//! |---|---|---|
//! | `m365.audit` | Management Activity API record | `CreationTime`, `Operation`, `RecordType`, `Workload` |
//! | `m365.audit` | Log Analytics `OfficeActivity` row | `Type` = `OfficeActivity`, or `Operation`, `RecordType`, `OfficeWorkload` |
//! | `azure.signinlogs` | Graph `signIn` | `createdDateTime`, `userPrincipalName`, `appDisplayName`, `status` |
//! | `azure.signinlogs` | diagnostic settings / Log Analytics `SigninLogs` row | `category` or `Category` = `SignInLogs`, `NonInteractiveUserSignInLogs`, `ServicePrincipalSignInLogs`, `ManagedIdentitySignInLogs`; or `Type` = `SigninLogs`, `AAD*SignInLogs` |
//! | `azure.auditlogs` | Graph `directoryAudit` | `activityDisplayName`, `loggedByService`, `category` |
//! | `azure.auditlogs` | diagnostic settings | `category` or `Category` = `AuditLogs` |
//! | `azure.auditlogs` | Log Analytics `AuditLogs` row | `Type` = `AuditLogs`, or `OperationName`/`ActivityDisplayName` with `LoggedByService` and `Category` |
//!
//! Declared types: `m365.*` and `azure.*`. A declared `m365.defender` reads Defender
//! advanced-hunting rows (`Timestamp`, `ActionType`, `DeviceName`, ...), which are not
//! recognised from content; other declared `azure.*` types (`activitylogs`,
//! `riskdetection`, `pim`) get the common fields below. When the content is one of the
//! shapes above and the declared type differs, the type is refined to the content's.
//!
//! The record is kept as it came, so the keys SigmaHQ's rules test stay reachable in the
//! shapes that carry them: `product: m365` `audit`/`exchange` rules (`Operation`,
//! `Workload`, `ResultStatus`, `Parameters`, `OperationProperties`, `ObjectId`, ...) match
//! Management Activity records, and Log Analytics `OfficeActivity` rows through their own
//! `Operation`, `ResultStatus`, `OperationProperties` and a `Workload` added here as a copy of
//! `OfficeWorkload` (a rule key, not ECS); `threat_management`/`threat_detection` rules test
//! `eventSource`, `eventName`, `status` of alert feeds, which none of these shapes carries.
//! `product: azure` rules: `signinlogs` ones (`ResultType`, `ResultDescription`, `Status`,
//! `AuthenticationRequirement`, `DeviceDetail.*`, `Location`) match Log Analytics rows, the
//! `resultType`/`properties.*` ones match diagnostic-settings records; `auditlogs` ones
//! (`OperationName`, `Category`, `LoggedByService`, `ActivityDisplayName`, `Status`) match
//! Log Analytics rows and `operationName`, `category`, `properties.*` diagnostic records;
//! Graph-shaped records (`activityDisplayName`, `status.errorCode`, camelCase) only match
//! rules written with those keys.
//!
//! ECS fields added (the first key present wins):
//!
//! | ECS field | from |
//! |---|---|
//! | timestamp | `CreationTime` (no zone: UTC), `createdDateTime`, `activityDateTime`, `CreatedDateTime`, `ActivityDateTime`, `time`, `Timestamp`, `TimeGenerated` |
//! | `event.action` | `Operation`, `activityDisplayName`, `ActivityDisplayName`, `operationName`, `OperationName`, `ActionType` (Graph sign-ins: `Sign-in activity`) |
//! | `event.outcome` | sign-ins: `status.errorCode`, `properties.status.errorCode`, `ResultType`, `resultType` (0: `success`, else `failure`); others: `ResultStatus`, `result`, `Result`, `properties.result`, `resultType` (`Succeeded`/`Success`/`True`: `success`, `Failed`/`Failure`/`False`: `failure`) |
//! | `event.category` | `authentication` for sign-ins |
//! | `event.provider` | `Workload`, `OfficeWorkload`, `loggedByService`, `LoggedByService` |
//! | `user.name` (+ `user.email` when it has `@`) | `UserId` (unified audit), `userPrincipalName`, `UserPrincipalName`, `properties.userPrincipalName`, `initiatedBy.user.userPrincipalName`, `properties.initiatedBy.user.userPrincipalName`, `InitiatedBy` (a JSON string in Log Analytics) `.user.userPrincipalName`, `AccountUpn` |
//! | `user.id` / `user.full_name` | `userId`, `properties.userId`, `initiatedBy.user.id` / `userDisplayName`, `UserDisplayName`, `properties.userDisplayName` |
//! | `source.ip` | `ClientIP`, `ClientIPAddress`, `Client_IPAddress`, `ActorIpAddress`, `ipAddress`, `IPAddress`, `callerIpAddress`, `properties.ipAddress`, `initiatedBy.user.ipAddress`, `RemoteIP`: the first that is an IP once a port or brackets are stripped (`[2001:db8::1]:443`, `192.0.2.1:5678`) |
//! | `user_agent.original` | `UserAgent`, `userAgent`, `properties.userAgent`, `UserAgent_string`, the `UserAgent` entry of `ExtendedProperties` |
//! | `organization.id` | `OrganizationId`, `tenantId`, `TenantId`, `AADTenantId`, `properties.tenantId` |
//! | `cloud.provider` | `azure` |
//! | `host.name` | `DeviceName` (Defender rows) |
//! | `Workload` | `OfficeWorkload` (Log Analytics `OfficeActivity` rows) |
//!
//! Errors: `bad_timestamp` (the time key holds no ISO 8601 time), `unknown_shape` (a
//! declared type whose record has neither a time nor an action among the keys above).
//!
//! Left out: the nested details (`TargetResources`, `ModifiedProperties`, conditional
//! access, device details, locations) in ECS form (they stay as sent), and Defender rows by
//! recognition (they need a declared `m365.defender`).

use std::net::{IpAddr, SocketAddr};

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields;
use crate::fields::shown_value as shown;

pub(crate) const FORMAT: Format = Format {
    name: "m365",
    claims: &[
        "m365.audit",
        "m365.",
        "azure.signinlogs",
        "azure.auditlogs",
        "azure.",
    ],
    recognise,
    // Each recognised shape has one of these; generic keys (`category`, which every ECS
    // document has under `event`) would send most Windows events to the parsers.
    markers: &[
        "\"RecordType\"",
        "\"OfficeActivity\"",
        "\"AuditLogs\"",
        "SignInLogs\"",
        "SigninLogs\"",
        "\"appDisplayName\"",
        "\"loggedByService\"",
        "\"LoggedByService\"",
    ],
    parse,
};

const AUDIT: &str = "m365.audit";
const SIGNIN: &str = "azure.signinlogs";
const AAD_AUDIT: &str = "azure.auditlogs";

const SIGNIN_CATEGORIES: &[&str] = &[
    "SignInLogs",
    "NonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs",
];

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    shape(input.fields)
}

/// The source type the record's shape says (see the module table).
fn shape(f: &Map<String, Value>) -> Option<&'static str> {
    let s = |k: &str| f.get(k).and_then(Value::as_str);
    let has = |k: &str| f.contains_key(k);
    match s("Type") {
        Some("OfficeActivity") => return Some(AUDIT),
        Some("AuditLogs") => return Some(AAD_AUDIT),
        Some(
            "SigninLogs"
            | "AADNonInteractiveUserSignInLogs"
            | "AADServicePrincipalSignInLogs"
            | "AADManagedIdentitySignInLogs",
        ) => return Some(SIGNIN),
        _ => {}
    }
    if has("Operation")
        && has("RecordType")
        && ((has("Workload") && has("CreationTime")) || has("OfficeWorkload"))
    {
        return Some(AUDIT);
    }
    for key in ["category", "Category"] {
        match s(key) {
            Some(c) if SIGNIN_CATEGORIES.contains(&c) => return Some(SIGNIN),
            Some("AuditLogs") => return Some(AAD_AUDIT),
            _ => {}
        }
    }
    if has("createdDateTime") && has("userPrincipalName") && has("appDisplayName") && has("status")
    {
        return Some(SIGNIN);
    }
    if has("activityDisplayName") && has("loggedByService") && has("category") {
        return Some(AAD_AUDIT);
    }
    if (has("OperationName") || has("ActivityDisplayName"))
        && has("LoggedByService")
        && has("Category")
    {
        return Some(AAD_AUDIT);
    }
    None
}

const TIME_KEYS: &[&str] = &[
    "CreationTime",
    "createdDateTime",
    "activityDateTime",
    "CreatedDateTime",
    "ActivityDateTime",
    "time",
    "Timestamp",
    "TimeGenerated",
];
const ACTION_KEYS: &[&str] = &[
    "Operation",
    "activityDisplayName",
    "ActivityDisplayName",
    "operationName",
    "OperationName",
    "ActionType",
];
const USER_KEYS: &[&str] = &[
    "UserId",
    "userPrincipalName",
    "UserPrincipalName",
    "properties.userPrincipalName",
    "initiatedBy.user.userPrincipalName",
    "properties.initiatedBy.user.userPrincipalName",
];
const IP_KEYS: &[&str] = &[
    "ClientIP",
    "ClientIPAddress",
    "Client_IPAddress",
    "ActorIpAddress",
    "ipAddress",
    "IPAddress",
    "callerIpAddress",
    "properties.ipAddress",
    "initiatedBy.user.ipAddress",
    "RemoteIP",
];
const AGENT_KEYS: &[&str] = &[
    "UserAgent",
    "userAgent",
    "properties.userAgent",
    "UserAgent_string",
];
const ORG_KEYS: &[&str] = &[
    "OrganizationId",
    "tenantId",
    "TenantId",
    "AADTenantId",
    "properties.tenantId",
];

/// Longest embedded JSON string (`InitiatedBy`) that is decoded.
const MAX_EMBEDDED: usize = 64 * 1024;

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let f = &*ctx.fields;
    let found = shape(f);
    let kind: &str = match found {
        Some(t) => {
            if t != ctx.source_type {
                ctx.refined = Some(t);
            }
            t
        }
        None => ctx.source_type,
    };
    let is_signin = kind == SIGNIN;

    let time_key = TIME_KEYS.iter().copied().find(|k| f.contains_key(*k));
    if let Some(key) = time_key {
        let value = &f[key];
        let t = value.as_str().and_then(parse_time).ok_or_else(|| {
            ParseError::new(
                "bad_timestamp",
                format!("`{key}` {} is not an ISO 8601 time", shown(value)),
            )
        })?;
        ctx.timestamp = Some(t);
    }
    let action = first_text(f, ACTION_KEYS).or_else(|| {
        (is_signin && f.contains_key("createdDateTime")).then(|| "Sign-in activity".to_owned())
    });
    if time_key.is_none() && action.is_none() {
        return Err(ParseError::new(
            "unknown_shape",
            format!(
                "the record has none of the time keys ({}) nor an action key ({})",
                TIME_KEYS.join(", "),
                ACTION_KEYS.join(", ")
            ),
        ));
    }

    let outcome = if is_signin {
        sign_in_outcome(f)
    } else {
        [
            "ResultStatus",
            "result",
            "Result",
            "properties.result",
            "resultType",
        ]
        .iter()
        .find_map(|k| fields::text(f, k).and_then(outcome_word))
    };
    let user = first_text(f, USER_KEYS).or_else(|| initiated_by_user(f));
    let user = user.or_else(|| first_text(f, &["AccountUpn"]));
    let user_id = first_text(f, &["userId", "properties.userId", "initiatedBy.user.id"]);
    let full_name = first_text(
        f,
        &[
            "userDisplayName",
            "UserDisplayName",
            "properties.userDisplayName",
        ],
    );
    let ip = IP_KEYS
        .iter()
        .filter_map(|k| fields::text(f, k))
        .find_map(ip_of);
    let agent = first_text(f, AGENT_KEYS).or_else(|| extended_user_agent(f));
    let org = first_text(f, ORG_KEYS);
    let provider = first_text(
        f,
        &[
            "Workload",
            "OfficeWorkload",
            "loggedByService",
            "LoggedByService",
        ],
    );
    let la_workload = (!f.contains_key("Workload"))
        .then(|| first_text(f, &["OfficeWorkload"]))
        .flatten();
    let device = first_text(f, &["DeviceName"]);

    let f = &mut *ctx.fields;
    fields::put(f, "event.kind", "event");
    if let Some(action) = action {
        fields::put_text(f, "event.action", &action);
    }
    if let Some(outcome) = outcome {
        fields::put(f, "event.outcome", outcome);
    }
    if is_signin {
        fields::put(f, "event.category", vec!["authentication"]);
    }
    if let Some(provider) = provider {
        fields::put_text(f, "event.provider", &provider);
    }
    if let Some(user) = user {
        if user.contains('@') {
            fields::put_text(f, "user.email", &user);
        }
        fields::put_text(f, "user.name", &user);
    }
    if let Some(id) = user_id {
        fields::put_text(f, "user.id", &id);
    }
    if let Some(name) = full_name {
        fields::put_text(f, "user.full_name", &name);
    }
    if let Some(ip) = ip {
        fields::put(f, "source.ip", ip.to_string());
    }
    if let Some(agent) = agent {
        fields::put_text(f, "user_agent.original", &agent);
    }
    if let Some(org) = org {
        fields::put_text(f, "organization.id", &org);
    }
    if let Some(device) = device {
        fields::put_text(f, "host.name", &device);
    }
    if let Some(workload) = la_workload {
        fields::put_text(f, "Workload", &workload);
    }
    fields::put(f, "cloud.provider", "azure");
    Ok(())
}

/// A time in ISO 8601; one without a zone (the Management API's `CreationTime`) is UTC.
fn parse_time(s: &str) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    if s.len() > 40 || s.ends_with(['Z', 'z']) || s.contains('+') {
        return None;
    }
    s.parse::<jiff::civil::DateTime>()
        .ok()?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// The first non-empty string (or number, as text) among `keys`.
fn first_text(f: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match fields::lookup(f, k)? {
        Value::String(s) if !s.is_empty() && s != "-" => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// `success`/`failure` from a result word.
fn outcome_word(s: &str) -> Option<&'static str> {
    let s = s.trim();
    if ["succeeded", "success", "true", "partiallysucceeded"]
        .iter()
        .any(|w| s.eq_ignore_ascii_case(w))
    {
        Some("success")
    } else if ["failed", "failure", "false"]
        .iter()
        .any(|w| s.eq_ignore_ascii_case(w))
    {
        Some("failure")
    } else {
        None
    }
}

/// A sign-in's outcome from its error code: 0 is success.
fn sign_in_outcome(f: &Map<String, Value>) -> Option<&'static str> {
    [
        "status.errorCode",
        "properties.status.errorCode",
        "ResultType",
        "resultType",
    ]
    .iter()
    .find_map(|k| match fields::lookup(f, k)? {
        Value::Number(n) => Some(n.as_i64() == Some(0)),
        Value::String(s) => s.trim().parse::<i64>().ok().map(|c| c == 0),
        _ => None,
    })
    .map(|ok| if ok { "success" } else { "failure" })
}

/// Log Analytics keeps `InitiatedBy` as a JSON string: its `user.userPrincipalName`.
fn initiated_by_user(f: &Map<String, Value>) -> Option<String> {
    let text = f.get("InitiatedBy")?;
    let decoded;
    let value = match text {
        Value::String(s) if s.len() <= MAX_EMBEDDED && s.trim_start().starts_with('{') => {
            decoded = serde_json::from_str::<Value>(s).ok()?;
            &decoded
        }
        v @ Value::Object(_) => v,
        _ => return None,
    };
    value
        .get("user")?
        .get("userPrincipalName")?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The `UserAgent` entry of the Management API's `ExtendedProperties` (`[{Name, Value}]`).
fn extended_user_agent(f: &Map<String, Value>) -> Option<String> {
    f.get("ExtendedProperties")?
        .as_array()?
        .iter()
        .take(64)
        .find(|p| p.get("Name").and_then(Value::as_str) == Some("UserAgent"))?
        .get("Value")?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// An IP from an address that may carry a port or brackets: `192.0.2.1`, `192.0.2.1:5678`,
/// `[2001:db8::1]:443`, `[2001:db8::1]`, `2001:db8::1`.
fn ip_of(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse::<IpAddr>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceType;
    use crate::testing::obj;
    use proptest::prelude::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn as_type(t: &str, f: &mut Map<String, Value>) -> crate::Outcome {
        crate::normalize(Some(&SourceType::new(t).unwrap()), f)
    }

    fn recognised(f: &mut Map<String, Value>) -> Option<String> {
        crate::normalize(None, f)
            .source_type
            .map(|t| t.as_str().to_owned())
    }

    const MGMT: &str = r#"{"CreationTime":"2023-02-03T04:05:06","Id":"a1","Operation":"New-InboxRule","OrganizationId":"org-1","RecordType":1,"ResultStatus":"True","UserKey":"k","UserType":2,"Workload":"Exchange","ClientIP":"[2001:db8::1]:443","UserId":"analyst@example.com","ObjectId":"analyst","Parameters":[{"Name":"ForwardTo","Value":"evil@example.net"}]}"#;

    #[test]
    fn management_activity_record() {
        let mut f = obj(serde_json::from_str(MGMT).unwrap());
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "m365.audit");
        assert!(out.parsed);
        assert_eq!(out.timestamp.unwrap().to_string(), "2023-02-03T04:05:06Z");
        assert_eq!(
            f["event"],
            json!({"kind": "event", "action": "New-InboxRule", "outcome": "success", "provider": "Exchange", "dataset": "m365.audit"})
        );
        assert_eq!(
            f["user"],
            json!({"email": "analyst@example.com", "name": "analyst@example.com"})
        );
        assert_eq!(f["source"], json!({"ip": "2001:db8::1"}));
        assert_eq!(f["organization"], json!({"id": "org-1"}));
        assert_eq!(f["cloud"], json!({"provider": "azure"}));
        assert_eq!(f["Workload"], "Exchange");
        assert_eq!(f["Parameters"][0]["Name"], "ForwardTo", "kept for Sigma");

        // AAD logins in the unified log: a failed one, the user agent in ExtendedProperties.
        let mut f = obj(
            json!({"CreationTime":"2023-02-03T04:05:06","Operation":"UserLoginFailed","RecordType":15,"Workload":"AzureActiveDirectory","ResultStatus":"Failed","ClientIP":"198.51.100.4:5678","UserId":"operator@example.com","ExtendedProperties":[{"Name":"UserAgent","Value":"Mozilla/5.0"}]}),
        );
        assert_eq!(recognised(&mut f).as_deref(), Some("m365.audit"));
        assert_eq!(f["event"]["outcome"], "failure");
        assert_eq!(f["source"]["ip"], "198.51.100.4");
        assert_eq!(f["user_agent"]["original"], "Mozilla/5.0");
    }

    #[test]
    fn graph_sign_in_and_audit() {
        let mut f = obj(
            json!({"id":"s1","createdDateTime":"2023-02-03T04:05:06.789Z","userDisplayName":"Audit Account","userPrincipalName":"auditor@example.com","userId":"u-1","appId":"app","appDisplayName":"Azure Portal","ipAddress":"203.0.113.9","clientAppUsed":"Browser","status":{"errorCode":50126,"failureReason":"Invalid username or password"},"deviceDetail":{"isCompliant":false}}),
        );
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "azure.signinlogs");
        assert_eq!(
            out.timestamp.unwrap().to_string(),
            "2023-02-03T04:05:06.789Z"
        );
        assert_eq!(
            f["event"],
            json!({"kind": "event", "action": "Sign-in activity", "outcome": "failure", "category": ["authentication"], "dataset": "azure.signinlogs"})
        );
        assert_eq!(
            f["user"],
            json!({"email": "auditor@example.com", "name": "auditor@example.com", "id": "u-1", "full_name": "Audit Account"})
        );
        assert_eq!(f["source"]["ip"], "203.0.113.9");

        let mut f = obj(
            json!({"id":"d1","category":"UserManagement","correlationId":"c","result":"success","resultReason":"","activityDisplayName":"Add member to role","activityDateTime":"2023-02-03T04:05:06Z","loggedByService":"Core Directory","operationType":"Assign","initiatedBy":{"user":{"id":"u-2","userPrincipalName":"admin@example.com","ipAddress":"192.0.2.44"}},"targetResources":[{"type":"User"}]}),
        );
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "azure.auditlogs");
        assert_eq!(f["event"]["action"], "Add member to role");
        assert_eq!(f["event"]["outcome"], "success");
        assert_eq!(f["event"]["provider"], "Core Directory");
        assert_eq!(
            f["user"],
            json!({"email": "admin@example.com", "name": "admin@example.com", "id": "u-2"})
        );
        assert_eq!(f["source"]["ip"], "192.0.2.44");
        assert!(f["event"].get("category").is_none());
    }

    #[test]
    fn diagnostic_settings_shapes() {
        let mut f = obj(
            json!({"time":"2023-02-03T04:05:06.1234567Z","resourceId":"/tenants/t/providers/Microsoft.aadiam","operationName":"Sign-in activity","category":"NonInteractiveUserSignInLogs","tenantId":"t-1","resultType":"0","callerIpAddress":"192.0.2.7","properties":{"userPrincipalName":"svc_sync@example.com","status":{"errorCode":0},"userAgent":"Go-http-client/1.1"}}),
        );
        let out = crate::normalize(None, &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "azure.signinlogs");
        assert_eq!(
            out.timestamp.unwrap().to_string(),
            "2023-02-03T04:05:06.1234567Z"
        );
        assert_eq!(f["event"]["outcome"], "success");
        assert_eq!(f["event"]["action"], "Sign-in activity");
        assert_eq!(f["user"]["name"], "svc_sync@example.com");
        assert_eq!(f["source"]["ip"], "192.0.2.7");
        assert_eq!(f["user_agent"]["original"], "Go-http-client/1.1");
        assert_eq!(f["organization"]["id"], "t-1");

        let mut f = obj(
            json!({"time":"2023-02-03T04:05:06Z","operationName":"Update user","category":"AuditLogs","properties":{"result":"failure","initiatedBy":{"user":{"userPrincipalName":"helpdesk@example.com"}}}}),
        );
        assert_eq!(recognised(&mut f).as_deref(), Some("azure.auditlogs"));
        assert_eq!(f["event"]["outcome"], "failure");
        assert_eq!(f["user"]["name"], "helpdesk@example.com");

        // Azure activity logs are not recognised, but parse when declared.
        let mut f = obj(
            json!({"time":"2023-02-03T04:05:06Z","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE","category":"Administrative","resultType":"Success","callerIpAddress":"192.0.2.8"}),
        );
        assert_eq!(recognised(&mut f), None);
        let out = as_type("azure.activitylogs", &mut f);
        assert!(out.parsed);
        assert_eq!(out.source_type.unwrap().as_str(), "azure.activitylogs");
        assert_eq!(
            f["event"]["action"],
            "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE"
        );
        assert_eq!(f["event"]["outcome"], "success");

        // Content beats a wrong declaration.
        let mut f = obj(
            json!({"time":"2023-02-03T04:05:06Z","category":"SignInLogs","resultType":"50074","properties":{}}),
        );
        let out = as_type("m365.audit", &mut f);
        assert_eq!(out.source_type.unwrap().as_str(), "azure.signinlogs");
        assert_eq!(f["event"]["outcome"], "failure");
    }

    #[test]
    fn addresses_and_bad_input() {
        for (raw, ip) in [
            ("1.2.3.4:5678", Some("1.2.3.4")),
            ("[2001:db8::1]:443", Some("2001:db8::1")),
            ("[2001:db8::1]", Some("2001:db8::1")),
            ("2001:db8::1", Some("2001:db8::1")),
            (" 192.0.2.1 ", Some("192.0.2.1")),
            ("1.2.3.4:x", None),
            ("[1.2.3", None),
            ("", None),
        ] {
            assert_eq!(ip_of(raw).map(|i| i.to_string()).as_deref(), ip, "{raw}");
        }
        let mut f = obj(
            json!({"CreationTime":"last week","Operation":"x","RecordType":1,"Workload":"Exchange"}),
        );
        let e = crate::normalize(None, &mut f).error.unwrap();
        assert_eq!(e.reason, "bad_timestamp");
        assert!(
            e.detail.contains("last week") && e.detail.contains("CreationTime"),
            "{}",
            e.detail
        );
        let mut f =
            obj(json!({"CreationTime":7,"Operation":"x","RecordType":1,"Workload":"Exchange"}));
        assert_eq!(
            crate::normalize(None, &mut f).error.unwrap().reason,
            "bad_timestamp"
        );
        let mut f = obj(json!({"hello":"world"}));
        assert_eq!(
            as_type("m365.audit", &mut f).error.unwrap().reason,
            "unknown_shape"
        );
        assert_eq!(f["tags"], json!(["parse_error"]));
        // An InitiatedBy string that is not JSON is ignored.
        let mut f = obj(
            json!({"Type":"AuditLogs","TimeGenerated":"2023-02-03T04:05:06Z","OperationName":"x","InitiatedBy":"{not json"}),
        );
        assert!(crate::normalize(None, &mut f).parsed);
        assert!(f.get("user").is_none());
    }

    #[test]
    fn fixture_goldensaml() {
        let Some(dir) =
            crate::testing::fixture("m365::fixture_goldensaml", "m365_entra/otrf_goldensaml")
        else {
            return;
        };
        let read = |name: &str| -> Vec<Map<String, Value>> {
            std::fs::read_to_string(dir.join(name))
                .unwrap()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| obj(serde_json::from_str(l).unwrap()))
                .collect()
        };
        let mut per_type = BTreeMap::new();
        let mut parsed = Vec::new();
        for name in ["AADAuditEvents.json", "OfficeActivityEvents.json"] {
            for mut f in read(name) {
                let out = crate::normalize(None, &mut f);
                assert!(out.parsed, "{name}: {:?}", out.error);
                assert!(out.timestamp.is_some());
                *per_type
                    .entry(out.source_type.unwrap().as_str().to_owned())
                    .or_insert(0) += 1;
                parsed.push(Value::Object(f));
            }
        }
        assert_eq!(
            per_type,
            BTreeMap::from([
                ("azure.auditlogs".to_owned(), 4),
                ("m365.audit".to_owned(), 1)
            ])
        );
        let aad = &parsed[0];
        assert_eq!(
            aad["event"]["action"],
            "Update application – Certificates and secrets management "
        );
        assert_eq!(aad["event"]["outcome"], "success");
        assert_eq!(aad["event"]["provider"], "Core Directory");
        assert_eq!(
            aad["user"]["name"].as_str().unwrap(),
            aad["InitiatingUserOrApp"],
            "from the InitiatedBy string"
        );
        assert_eq!(
            aad["user_agent"]["original"],
            "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.17763.1971"
        );
        assert_eq!(
            aad["organization"]["id"],
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(parsed[2]["event"]["action"], "Update application");
        assert_eq!(
            parsed[3]["event"]["action"],
            "Add delegated permission grant"
        );
        let office = &parsed[4];
        assert_eq!(office["event"]["action"], "MailItemsAccessed");
        assert_eq!(office["event"]["outcome"], "success");
        assert_eq!(office["event"]["provider"], "Exchange");
        assert_eq!(
            office["Workload"], "Exchange",
            "the Sigma key, copied from OfficeWorkload"
        );
        assert_eq!(office["source"]["ip"], "1.2.3.4");
        assert_eq!(office["user"]["email"], office["UserId"]);
        assert!(
            office["user"]["email"]
                .as_str()
                .unwrap()
                .ends_with("@simulandlabs.com")
        );

        // Defender advanced-hunting rows: not recognised; parsed when declared.
        let defender = read("Microsoft365DefenderEvents.json");
        assert_eq!(defender.len(), 9);
        let mut actions = Vec::new();
        for mut f in defender {
            assert_eq!(crate::normalize(None, &mut f.clone()).source_type, None);
            let out = as_type("m365.defender", &mut f);
            assert!(out.parsed, "{:?}", out.error);
            assert!(out.timestamp.is_some());
            actions.push(f["event"]["action"].as_str().unwrap().to_owned());
            if f["DeviceName"] == "adfs01.simulandlabs.com" {
                assert_eq!(f["host"]["name"], "adfs01.simulandlabs.com");
            }
        }
        assert_eq!(actions.iter().filter(|a| *a == "LdapSearch").count(), 5);
        assert_eq!(actions[7], "MailItemsAccessed");
    }

    proptest! {
        #[test]
        fn arbitrary_values_never_panic(s in "\\PC{0,60}", n in any::<i64>()) {
            for v in [json!(s), json!(n), json!(null), json!([s]), json!({"user": {"userPrincipalName": s}})] {
                let mut f = obj(json!({"CreationTime": v, "Operation": s, "RecordType": 1, "Workload": s,
                    "ClientIP": v, "UserId": v, "ResultStatus": v, "ExtendedProperties": [{"Name": "UserAgent", "Value": v}]}));
                let _ = crate::normalize(None, &mut f);
                let mut f = obj(json!({"Type": "AuditLogs", "TimeGenerated": s, "InitiatedBy": v, "Category": s}));
                let _ = crate::normalize(None, &mut f);
                let mut f = obj(json!({"category": "SignInLogs", "time": v, "resultType": v, "properties": {"ipAddress": v}}));
                let _ = crate::normalize(None, &mut f);
                let _ = as_type("m365.defender", &mut f);
            }
            let _ = ip_of(&s);
            let _ = parse_time(&s);
        }

        #[test]
        fn mutated_real_line_never_panics(at in 0usize..500, insert in "\\PC{0,8}") {
            let mut line = MGMT.to_owned();
            let mut at = at.min(line.len());
            while !line.is_char_boundary(at) { at -= 1; }
            line.insert_str(at, &insert);
            if let Ok(Value::Object(mut f)) = serde_json::from_str::<Value>(&line) {
                let _ = crate::normalize(None, &mut f);
            }
        }
    }
}

//! NIS2 through the real binary: an incident of tenant A becomes significant, the clocks
//! appear, a reminder fires, the early warning renders as PDF in Dutch and as HTML in French,
//! the submission is recorded, and tenant B's users see none of it.

use jiff::{SignedDuration, Timestamp};
use reqwest::blocking::Client;
use serde_json::{Value, json};

mod support;

use support::{Server, cli};

struct Api<'a> {
    client: Client,
    server: &'a Server,
}

impl Api<'_> {
    fn call(&self, method: &str, token: &str, path: &str, body: Option<Value>) -> (u16, Vec<u8>) {
        let url = format!("{}{path}", self.server.base);
        let request = match method {
            "GET" => self.client.get(url),
            "POST" => self.client.post(url),
            "PUT" => self.client.put(url),
            _ => self.client.patch(url),
        }
        .bearer_auth(token);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response = request.send().unwrap();
        (
            response.status().as_u16(),
            response.bytes().unwrap().to_vec(),
        )
    }

    fn json(&self, method: &str, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (status, bytes) = self.call(method, token, path, body);
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

#[test]
fn significant_incident_clocks_reminder_report_submission_and_isolation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli(data, &["tenant", "add", "cpas-a", "--name", "CPAS A"]);
    cli(data, &["tenant", "add", "zone-b", "--name", "Zone B"]);
    let admin = cli(data, &["token", "create", "--platform", "--scope", "admin"]);
    let read_b = cli(
        data,
        &["token", "create", "--tenant", "zone-b", "--scope", "read"],
    );
    let read_a = cli(
        data,
        &["token", "create", "--tenant", "cpas-a", "--scope", "read"],
    );
    let server = support::start(data, None);
    let api = Api {
        client: Client::new(),
        server: &server,
    };

    let (status, profile) = api.json(
        "PUT",
        &admin,
        "/api/v1/tenants/cpas-a/nis2/profile",
        Some(
            json!({"legal_name": "CPAS A", "enterprise_number": "0212.345.678",
                    "category": "important", "report_language": "nl",
                    "contacts": [{"name": "An Peeters", "role": "CISO",
                                  "phone": "+32 4 000 00 00", "always_reachable": true}],
                    "approvers": ["An Peeters"]}),
        ),
    );
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["version"], 1);
    assert_eq!(
        profile["profile"]["contacts"][0]["name"], "An Peeters",
        "{profile}"
    );

    let (_, tenants) = api.json("GET", &admin, "/api/v1/tenants", None);
    let tenant_a = tenants
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "cpas-a")
        .unwrap()["id"]
        .clone();
    let (status, incident) = api.json(
        "POST",
        &admin,
        "/api/v1/incidents",
        Some(json!({"tenant": tenant_a, "title": "Ransomware on the file servers"})),
    );
    assert_eq!(status, 201, "{incident}");
    let id = incident["id"].as_i64().unwrap();
    let base = format!("/api/v1/incidents/{id}/nis2");

    // No clock before awareness.
    let (status, case) = api.json("GET", &admin, &base, None);
    assert_eq!(status, 200, "{case}");
    assert!(case["dues"].as_array().unwrap().is_empty());

    // The engine proposes, a person confirms.
    let (status, case) = api.json(
        "POST",
        &admin,
        &format!("{base}/assess"),
        Some(json!({"answers": {"severe_disruption_or_financial_loss": {"projected": "yes"}}})),
    );
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["case"]["data"]["proposed"], "significant");
    let (status, bad) = api.json(
        "POST",
        &admin,
        &format!("{base}/assess"),
        Some(json!({"answers": {"made_up": {"actual": "yes"}}})),
    );
    assert_eq!(status, 400);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("made_up")
    );
    let (status, case) = api.json(
        "POST",
        &admin,
        &format!("{base}/confirm"),
        Some(json!({"verdict": "significant"})),
    );
    assert_eq!(status, 200, "{case}");

    // Aware 13 hours ago: past half of the early warning's 24 hours.
    let aware = Timestamp::now()
        .checked_sub(SignedDuration::from_hours(13))
        .unwrap();
    let (status, case) = api.json(
        "PUT",
        &admin,
        &format!("{base}/awareness"),
        Some(json!({"aware_at": aware, "reason": "encryption confirmed on two servers"})),
    );
    assert_eq!(
        status, 400,
        "awareness before the first signal is refused: {case}"
    );
    // The incident was created just now: its first signal is now, so awareness is now.
    let aware = Timestamp::now();
    let (status, case) = api.json(
        "PUT",
        &admin,
        &format!("{base}/awareness"),
        Some(json!({"aware_at": aware, "reason": "encryption confirmed on two servers"})),
    );
    assert_eq!(status, 200, "{case}");
    let dues = case["dues"].as_array().unwrap();
    let early = dues.iter().find(|d| d["stage"] == "early_warning").unwrap();
    let due: Timestamp = early["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(due.duration_since(aware), SignedDuration::from_hours(24));

    // The board lists the clocks, soonest first.
    let (status, board) = api.json("GET", &admin, "/api/v1/nis2/board", None);
    assert_eq!(status, 200);
    assert_eq!(board[0]["due"]["stage"], "early_warning");
    assert!(board[0]["next_reminder"].is_string());
    let due_text = cli(data, &["nis2", "due", "--tenant", "cpas-a"]);
    assert!(
        due_text.contains("early_warning") && due_text.contains("incident_notification"),
        "{due_text}"
    );

    // A reminder fires: the breach reminder of an intermediate report due in the past.
    let requested = Timestamp::now()
        .checked_sub(SignedDuration::from_mins(1))
        .unwrap();
    let (status, _) = api.json(
        "PATCH",
        &admin,
        &base,
        Some(json!({"intermediate_request": {"requested_at": requested, "due_at": requested, "answered_at": null}})),
    );
    assert_eq!(status, 200);
    let reminded = cli(data, &["nis2", "remind"]);
    assert!(
        reminded.contains("intermediate_report") && reminded.contains("deadline reached"),
        "{reminded}"
    );
    assert!(cli(data, &["nis2", "remind"]).contains("0 reminder(s) sent"));

    // The early warning draft: PDF in Dutch (the profile's language), HTML in French.
    let (status, pdf) = api.call(
        "GET",
        &admin,
        &format!("{base}/reports/early_warning?format=pdf"),
        None,
    );
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    let (status, html) = api.call(
        "GET",
        &admin,
        &format!("{base}/reports/early_warning?format=html&lang=fr"),
        None,
    );
    assert_eq!(status, 200);
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("Alerte précoce") && html.contains("TLP:AMBER"),
        "{html}"
    );
    assert!(html.contains("0212.345.678"));
    assert!(
        html.contains("An Peeters, CISO, +32 4 000 00 00"),
        "the 24/7 contact from the profile: {html}"
    );
    // The report's own Content-Security-Policy allows its inline style by hash, nothing else:
    // the hash is that of the <style> block of the page served.
    let response = api
        .client
        .get(format!(
            "{}{base}/reports/early_warning?format=html",
            api.server.base
        ))
        .bearer_auth(&admin)
        .send()
        .unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = response.text().unwrap();
    let style = page
        .split("<style>")
        .nth(1)
        .and_then(|rest| rest.split("</style>").next())
        .expect("the report has a style block");
    use base64::Engine;
    use sha2::Digest;
    let hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style.as_bytes()));
    assert!(
        csp.starts_with("default-src 'none'")
            && csp.contains(&format!("style-src 'sha256-{hash}'")),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "{csp}");
    let (_, nl) = api.call(
        "GET",
        &admin,
        &format!("{base}/reports/early_warning?format=html"),
        None,
    );
    assert!(
        String::from_utf8(nl)
            .unwrap()
            .contains("Vroegtijdige waarschuwing")
    );

    // The submission needs the early warning's approval, in its language and TLP.
    let submission = json!({"stages": ["early_warning"], "submitted_at": Timestamp::now(), "channel": "platform",
                            "reference": "CCB-TEST-1", "language": "nl", "tlp": "TLP:AMBER", "lateness_reason": null});
    let (status, refused) = api.json(
        "POST",
        &admin,
        &format!("{base}/submissions"),
        Some(submission.clone()),
    );
    assert_eq!(status, 400, "{refused}");
    assert!(refused.to_string().contains("not approved"), "{refused}");
    let (status, case) = api.json(
        "POST",
        &admin,
        &format!("{base}/approvals"),
        Some(json!({"stage": "early_warning", "language": "nl", "tlp": "TLP:AMBER"})),
    );
    assert_eq!(status, 200, "{case}");
    assert!(case["case"]["data"]["approvals"][0]["content_sha256"].is_string());

    // The submission is recorded with its frozen content.
    let (status, case) = api.json(
        "POST",
        &admin,
        &format!("{base}/submissions"),
        Some(submission),
    );
    assert_eq!(status, 200, "{case}");
    assert_eq!(
        case["case"]["data"]["approvals"][0]["submission"],
        case["case"]["submissions"][0]["id"]
    );
    assert_eq!(case["case"]["submissions"][0]["reference"], "CCB-TEST-1");
    assert_eq!(case["case"]["data"]["state"], "early_warning_sent");
    let dues = case["dues"].as_array().unwrap();
    assert_eq!(
        dues.iter().find(|d| d["stage"] == "early_warning").unwrap()["status"],
        "met"
    );

    // Tenant B sees none of it; tenant A's read token reads but cannot change.
    for path in [
        base.clone(),
        format!("{base}/reports/early_warning?format=pdf"),
    ] {
        let (status, _) = api.call("GET", &read_b, &path, None);
        assert_eq!(status, 404, "{path}");
    }
    let (status, board_b) = api.json("GET", &read_b, "/api/v1/nis2/board", None);
    assert_eq!(status, 200);
    assert!(board_b.as_array().unwrap().is_empty());
    let (status, _) = api.json("GET", &read_b, "/api/v1/tenants/cpas-a/nis2/profile", None);
    assert_eq!(status, 404);
    let (status, _) = api.json("GET", &read_a, &base, None);
    assert_eq!(status, 200);
    let (status, _) = api.json(
        "POST",
        &read_a,
        &format!("{base}/confirm"),
        Some(json!({"verdict": "not_significant", "reason": "x"})),
    );
    assert_eq!(status, 403);
}

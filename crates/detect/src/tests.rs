//! Unit tests of rule loading and matching, one small rule per feature.

use std::path::Path;

use serde_json::{Value, json};
use vigie_event::{Event, TenantId};

use crate::{Level, RuleSet};

pub(crate) fn event(fields: Value) -> Event {
    let Value::Object(map) = fields else {
        panic!("event fields must be an object")
    };
    Event::new(TenantId(1), jiff::Timestamp::UNIX_EPOCH, "test", map)
}

/// A rule with this `detection:` body (indented by 4).
fn rule(detection: &str) -> RuleSet {
    let text = format!(
        "title: t\nid: r1\nlogsource:\n    product: windows\ndetection:\n{detection}\nlevel: high\n"
    );
    let (set, report) = RuleSet::from_yaml(&text, Path::new("t.yml"));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!(set.len(), 1);
    set
}

fn rejection(detection: &str) -> String {
    let text =
        format!("title: t\nid: r1\nlogsource:\n    product: windows\ndetection:\n{detection}\n");
    let (set, report) = RuleSet::from_yaml(&text, Path::new("t.yml"));
    assert!(set.is_empty());
    assert_eq!(report.rejected.len(), 1);
    report.rejected[0].to_string()
}

fn hit(set: &RuleSet, fields: Value) -> bool {
    set.rules()[0].matches(&event(fields))
}

#[test]
fn plain_value_is_exact_and_case_insensitive() {
    let set =
        rule("    sel:\n        Image: 'C:\\Windows\\System32\\whoami.exe'\n    condition: sel");
    assert!(hit(
        &set,
        json!({"Image": "c:\\windows\\system32\\WHOAMI.exe"})
    ));
    assert!(!hit(
        &set,
        json!({"Image": "c:\\windows\\system32\\whoami.exe.bak"})
    ));
    assert!(!hit(
        &set,
        json!({"Other": "c:\\windows\\system32\\whoami.exe"})
    ));
    assert_eq!(set.rules()[0].meta.level, Level::High);
}

#[test]
fn map_is_and_list_of_values_is_or() {
    let set = rule(
        "    sel:\n        EventID:\n            - 517\n            - 1102\n        Channel: Security\n    condition: sel",
    );
    assert!(hit(&set, json!({"EventID": 1102, "Channel": "security"})));
    assert!(hit(&set, json!({"EventID": "517", "Channel": "Security"})));
    assert!(!hit(&set, json!({"EventID": 4624, "Channel": "Security"})));
    assert!(!hit(&set, json!({"EventID": 517})));
}

#[test]
fn list_of_maps_is_or() {
    let set = rule(
        "    sel:\n        - Image|endswith: '\\example.exe'\n        - Description|contains: 'Test executable'\n    condition: sel",
    );
    assert!(hit(&set, json!({"Image": "C:\\x\\EXAMPLE.exe"})));
    assert!(hit(&set, json!({"Description": "a test Executable here"})));
    assert!(!hit(
        &set,
        json!({"Image": "C:\\x\\example.exe2", "Description": "x"})
    ));
}

#[test]
fn contains_startswith_endswith() {
    let set = rule(
        "    a:\n        CommandLine|contains: ' -enc '\n    b:\n        Image|startswith: 'C:\\Users\\'\n    c:\n        Image|endswith: '\\powershell.exe'\n    condition: a and b and c",
    );
    assert!(hit(
        &set,
        json!({"CommandLine": "x -ENC abc", "Image": "c:\\users\\bob\\PowerShell.exe"})
    ));
    assert!(!hit(
        &set,
        json!({"CommandLine": "x -encx", "Image": "c:\\users\\bob\\PowerShell.exe"})
    ));
    assert!(!hit(
        &set,
        json!({"CommandLine": "x -enc y", "Image": "D:\\users\\powershell.exe"})
    ));
    assert!(!hit(
        &set,
        json!({"CommandLine": "x -enc y", "Image": "C:\\Users\\powershell.exe.txt"})
    ));
}

#[test]
fn contains_lists_or_and_all() {
    let any = rule(
        "    sel:\n        CommandLine|contains:\n            - 'alpha'\n            - 'beta'\n            - 'gamma'\n    condition: sel",
    );
    assert!(hit(&any, json!({"CommandLine": "xxBETAxx"})));
    assert!(!hit(&any, json!({"CommandLine": "delta"})));
    let all = rule(
        "    sel:\n        CommandLine|contains|all:\n            - 'alpha'\n            - 'beta'\n    condition: sel",
    );
    assert!(hit(&all, json!({"CommandLine": "beta then ALPHA"})));
    assert!(!hit(&all, json!({"CommandLine": "only alpha"})));
}

#[test]
fn wildcards_and_escapes() {
    let set = rule("    sel:\n        Name: 'prog?.*'\n        Lit: 'a\\*b'\n    condition: sel");
    assert!(hit(&set, json!({"Name": "PROGa.exe", "Lit": "A*B"})));
    assert!(!hit(&set, json!({"Name": "prog.exe", "Lit": "a*b"})));
    assert!(!hit(&set, json!({"Name": "progA.exe", "Lit": "aXb"})));
    let set = rule("    sel:\n        Path: 'C:\\\\*'\n    condition: sel");
    assert!(hit(&set, json!({"Path": "C:\\anything"})));
}

#[test]
fn null_and_empty_values() {
    let set = rule(
        "    sel:\n        EventID: 4738\n    filter:\n        PasswordLastSet: null\n    condition: sel and not filter",
    );
    assert!(hit(&set, json!({"EventID": 4738, "PasswordLastSet": "x"})));
    assert!(!hit(&set, json!({"EventID": 4738})));
    assert!(!hit(
        &set,
        json!({"EventID": 4738, "PasswordLastSet": null})
    ));
    let set = rule("    sel:\n        FieldB: ''\n    condition: sel");
    assert!(hit(&set, json!({"FieldB": ""})));
    assert!(!hit(&set, json!({"FieldB": "x"})));
    assert!(!hit(&set, json!({})));
}

#[test]
fn integers_and_booleans() {
    let set = rule("    sel:\n        Port: 443\n        Enabled: true\n    condition: sel");
    assert!(hit(&set, json!({"Port": 443, "Enabled": true})));
    assert!(hit(&set, json!({"Port": "443", "Enabled": "True"})));
    assert!(!hit(&set, json!({"Port": 4430, "Enabled": true})));
    assert!(!hit(&set, json!({"Port": 443, "Enabled": false})));
}

#[test]
fn keywords_or_and_all() {
    let set = rule(
        "    keywords:\n        - 'event::clear'\n        - 'event::drop'\n    condition: keywords",
    );
    assert!(hit(&set, json!({"msg": "mimikatz EVENT::Clear now"})));
    assert!(hit(&set, json!({"nested": {"deep": ["x", "event::drop"]}})));
    assert!(!hit(&set, json!({"event::clear": "key only"})));
    let set = rule(
        "    keywords:\n        '|all':\n            - 'OabVirtualDirectory'\n            - ' -ExternalUrl '\n    condition: keywords",
    );
    assert!(hit(
        &set,
        json!({"a": "Set-OabVirtualDirectory", "b": "x -ExternalUrl y"})
    ));
    assert!(!hit(&set, json!({"a": "Set-OabVirtualDirectory"})));
}

#[test]
fn condition_precedence() {
    let set = rule(
        "    a:\n        A: 1\n    b:\n        B: 1\n    c:\n        C: 1\n    condition: a or b and not c",
    );
    assert!(hit(&set, json!({"A": 1, "C": 1})));
    assert!(hit(&set, json!({"B": 1})));
    assert!(!hit(&set, json!({"B": 1, "C": 1})));
    assert!(!hit(&set, json!({"C": 1})));
}

#[test]
fn one_of_and_all_of() {
    let det = "    sel1:\n        A: 1\n    sel2:\n        B: 1\n    _aux:\n        Z: 1\n    filter:\n        F: 1\n";
    let one = rule(&format!(
        "{det}    condition: 1 of sel* and not 1 of filter*"
    ));
    assert!(hit(&one, json!({"B": 1})));
    assert!(!hit(&one, json!({"B": 1, "F": 1})));
    assert!(!hit(&one, json!({"Z": 1})));
    let all = rule(&format!("{det}    condition: all of them"));
    assert!(hit(&all, json!({"A": 1, "B": 1, "F": 1})));
    assert!(!hit(&all, json!({"A": 1, "B": 1})));
    let them = rule(&format!("{det}    condition: 1 of them"));
    assert!(
        !hit(&them, json!({"Z": 1})),
        "`them` skips identifiers starting with _"
    );
    let all_sel = rule(&format!("{det}    condition: all of sel*"));
    assert!(hit(&all_sel, json!({"A": 1, "B": 1})));
    assert!(!hit(&all_sel, json!({"A": 1})));
}

#[test]
fn condition_list_is_or() {
    let set = rule(
        "    a:\n        A: 1\n    b:\n        B: 1\n    condition:\n        - a\n        - b",
    );
    assert!(hit(&set, json!({"B": 1})));
}

#[test]
fn exists_modifier() {
    let set = rule("    sel:\n        A|exists: true\n        B|exists: false\n    condition: sel");
    assert!(hit(&set, json!({"A": null})));
    assert!(!hit(&set, json!({"A": 1, "B": ""})));
    assert!(!hit(&set, json!({})));
}

#[test]
fn cased_modifier() {
    let set = rule(
        "    sel:\n        A|cased: 'Foo'\n        B|contains|cased: 'Bar'\n    condition: sel",
    );
    assert!(hit(&set, json!({"A": "Foo", "B": "xBarx"})));
    assert!(!hit(&set, json!({"A": "foo", "B": "xBarx"})));
    assert!(!hit(&set, json!({"A": "Foo", "B": "xbarx"})));
}

#[test]
fn re_modifier_and_flags() {
    let set = rule("    sel:\n        A|re: '^ab+c$'\n    condition: sel");
    assert!(hit(&set, json!({"A": "abbbc"})));
    assert!(
        !hit(&set, json!({"A": "ABBC"})),
        "re is case-sensitive by default"
    );
    let set = rule("    sel:\n        A|re|i: '^ab+c$'\n    condition: sel");
    assert!(hit(&set, json!({"A": "ABBC"})));
    let set = rule("    sel:\n        A|re|m: '^two$'\n    condition: sel");
    assert!(hit(&set, json!({"A": "one\ntwo\nthree"})));
    let set = rule("    sel:\n        A|re|s: 'one.two'\n    condition: sel");
    assert!(hit(&set, json!({"A": "one\ntwo"})));
    let set = rule("    sel:\n        A|re: 'one.two'\n    condition: sel");
    assert!(!hit(&set, json!({"A": "one\ntwo"})));
    let set = rule("    sel:\n        A|re: 'x'\n    condition: sel");
    assert!(
        hit(&set, json!({"A": "axb"})),
        "re searches, it is not anchored"
    );
}

#[test]
fn windash_modifier() {
    let set =
        rule("    sel:\n        CommandLine|contains|windash: ' -exec bypass'\n    condition: sel");
    for variant in [
        " -exec bypass",
        " /exec bypass",
        " \u{2013}exec bypass",
        " \u{2014}exec bypass",
        " \u{2015}exec bypass",
    ] {
        assert!(
            hit(
                &set,
                json!({"CommandLine": format!("powershell{variant} x")})
            ),
            "{variant}"
        );
    }
    assert!(!hit(
        &set,
        json!({"CommandLine": "powershell +exec bypass"})
    ));
}

#[test]
fn numeric_comparisons() {
    let set = rule("    sel:\n        Size|gt: 10\n        Count|lte: 3\n    condition: sel");
    assert!(hit(&set, json!({"Size": 11, "Count": 3})));
    assert!(hit(&set, json!({"Size": "10.5", "Count": "1"})));
    assert!(!hit(&set, json!({"Size": 10, "Count": 3})));
    assert!(!hit(&set, json!({"Size": 11, "Count": 4})));
    assert!(!hit(&set, json!({"Size": "big", "Count": 1})));
    let set = rule("    sel:\n        A|gte: 5\n        B|lt: 0\n    condition: sel");
    assert!(hit(&set, json!({"A": 5, "B": -1})));
    assert!(!hit(&set, json!({"A": 4, "B": -1})));
}

#[test]
fn cidr_modifier() {
    let set = rule(
        "    sel:\n        DestinationIp|cidr:\n            - '10.0.0.0/8'\n            - 'fe80::/10'\n    condition: sel",
    );
    assert!(hit(&set, json!({"DestinationIp": "10.200.3.4"})));
    assert!(hit(&set, json!({"DestinationIp": "FE80::1"})));
    assert!(hit(&set, json!({"DestinationIp": "::ffff:10.0.0.1"})));
    assert!(!hit(&set, json!({"DestinationIp": "11.0.0.1"})));
    assert!(!hit(&set, json!({"DestinationIp": "not an ip"})));
    let set = rule("    sel:\n        Ip|cidr: '0.0.0.0/0'\n    condition: sel");
    assert!(hit(&set, json!({"Ip": "1.2.3.4"})));
}

#[test]
fn base64_modifiers() {
    assert_eq!(crate::detection::base64(b"cmd"), "Y21k");
    assert_eq!(crate::detection::base64(b"ab"), "YWI=");
    assert_eq!(crate::detection::base64(b"a"), "YQ==");
    // pySigma's documented example for base64offset of "/bin/bash".
    assert_eq!(
        crate::detection::base64_offsets(b"/bin/bash"),
        vec!["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]
    );
    let set = rule("    sel:\n        A|base64: 'cmd'\n    condition: sel");
    assert!(hit(&set, json!({"A": "Y21k"})));
    let set = rule("    sel:\n        A|base64offset|contains: '/bin/bash'\n    condition: sel");
    for shift in ["", "x", "xy"] {
        let encoded = crate::detection::base64(format!("{shift}/bin/bash -i").as_bytes());
        assert!(
            hit(&set, json!({"A": format!("echo {encoded} | base64 -d")})),
            "{shift}"
        );
    }
    assert!(!hit(
        &set,
        json!({"A": crate::detection::base64(b"/bin/sh -i")})
    ));
}

#[test]
fn utf16_modifiers() {
    // "cmd" as UTF-16LE is 63 00 6d 00 64 00, Base64 "YwBtAGQA".
    let set = rule("    sel:\n        A|wide|base64: 'cmd'\n    condition: sel");
    assert!(hit(&set, json!({"A": "YwBtAGQA"})));
    let set = rule("    sel:\n        A|utf16le|base64: 'cmd'\n    condition: sel");
    assert!(hit(&set, json!({"A": "YwBtAGQA"})));
    let set = rule("    sel:\n        A|utf16be|base64: 'cmd'\n    condition: sel");
    assert!(hit(
        &set,
        json!({"A": crate::detection::base64(&[0, 0x63, 0, 0x6d, 0, 0x64])})
    ));
    let set = rule("    sel:\n        A|utf16|base64: 'cmd'\n    condition: sel");
    assert!(hit(
        &set,
        json!({"A": crate::detection::base64(&[0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0])})
    ));
    let set = rule("    sel:\n        A|wide|base64offset|contains: 'cmd'\n    condition: sel");
    let encoded = crate::detection::base64(&[b'x', 0, 0x63, 0, 0x6d, 0, 0x64, 0, b'!', 0]);
    assert!(hit(&set, json!({"A": encoded})));
}

#[test]
fn neq_and_fieldref() {
    let set = rule("    sel:\n        User|neq: 'SYSTEM'\n    condition: sel");
    assert!(hit(&set, json!({"User": "bob"})));
    assert!(!hit(&set, json!({"User": "system"})));
    let set = rule("    sel:\n        User|fieldref: ParentUser\n    condition: sel");
    assert!(hit(&set, json!({"User": "Bob", "ParentUser": "bob"})));
    assert!(!hit(&set, json!({"User": "bob", "ParentUser": "alice"})));
    assert!(!hit(&set, json!({"User": "bob"})));
}

#[test]
fn nested_and_list_event_fields() {
    let set = rule(
        "    sel:\n        process.command_line|contains: whoami\n        tags: red\n    condition: sel",
    );
    assert!(hit(
        &set,
        json!({"process": {"command_line": "x whoami"}, "tags": ["blue", "RED"]})
    ));
    assert!(hit(
        &set,
        json!({"process.command_line": "whoami", "tags": "red"})
    ));
    assert!(!hit(
        &set,
        json!({"process": {"command_line": "x"}, "tags": ["red"]})
    ));
}

#[test]
fn modifier_errors_name_modifier_and_field() {
    let e = rejection("    sel:\n        Image|bogus: x\n    condition: sel");
    assert!(e.contains("`bogus`") && e.contains("`Image`"), "{e}");
    assert!(e.starts_with("t.yml (document 1): "), "{e}");
    let e = rejection("    sel:\n        Image|i: x\n    condition: sel");
    assert!(e.contains("`i`") && e.contains("`Image`"), "{e}");
    let e = rejection("    sel:\n        Image|contains|startswith: x\n    condition: sel");
    assert!(e.contains("`startswith`") && e.contains("`Image`"), "{e}");
    let e = rejection("    sel:\n        Image|re: '(?<=a)b'\n    condition: sel");
    assert!(
        e.contains("regular expression") && e.contains("`Image`"),
        "{e}"
    );
    let e = rejection("    sel:\n        Image|expand|re: '%Servers%'\n    condition: sel");
    assert!(e.contains("`expand`") && e.contains("`re`"), "{e}");
    let e = rejection("    sel:\n        Image|expand: 'no placeholder'\n    condition: sel");
    assert!(e.contains("`expand`") && e.contains("placeholder"), "{e}");
    let e = rejection("    sel:\n        Size|gt: big\n    condition: sel");
    assert!(e.contains("`gt`") && e.contains("`Size`"), "{e}");
    let e = rejection("    sel:\n        Ip|cidr: '10.0.0.0/33'\n    condition: sel");
    assert!(e.contains("CIDR"), "{e}");
}

#[test]
fn condition_errors_name_the_identifier() {
    let e = rejection("    sel:\n        A: 1\n    condition: sel and not filter");
    assert!(e.contains("`filter`"), "{e}");
    let e = rejection("    sel:\n        A: 1\n    condition: sel | count() > 5");
    assert!(e.contains("aggregation"), "{e}");
    let e = rejection("    sel:\n        A: 1");
    assert!(e.contains("condition"), "{e}");
}

#[test]
fn metadata_and_derived_id() {
    let text = "title: Whoami\nstatus: test\ndescription: d\nauthor: Florian Roth\ndate: 2019-10-23\nmodified: 2020/01/02\ntags:\n    - attack.discovery\nreferences:\n    - https://x\nfalsepositives: Admins\nfields:\n    - CommandLine\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel\n";
    let (set, report) = RuleSet::from_yaml(text, Path::new("dir/whoami.yml"));
    assert_eq!(report.loaded.len(), 1);
    let meta = &set.rules()[0].meta;
    assert!(meta.derived_id);
    assert!(
        meta.id.starts_with("derived-") && meta.id.len() == 24,
        "{}",
        meta.id
    );
    assert_eq!(
        meta.id,
        crate::derive_rule_id(Path::new("dir/whoami.yml"), "Whoami")
    );
    assert_ne!(
        meta.id,
        crate::derive_rule_id(Path::new("other.yml"), "Whoami")
    );
    assert_eq!(meta.level, Level::Medium);
    assert_eq!(meta.status.as_deref(), Some("test"));
    assert_eq!(meta.author.as_deref(), Some("Florian Roth"));
    assert_eq!(meta.date.as_deref(), Some("2019-10-23"));
    assert_eq!(meta.modified.as_deref(), Some("2020/01/02"));
    assert_eq!(meta.tags, ["attack.discovery"]);
    assert_eq!(meta.falsepositives, ["Admins"]);
    assert_eq!(meta.fields, ["CommandLine"]);
    assert_eq!(meta.logsource.category.as_deref(), Some("process_creation"));
    assert_eq!(meta.path.as_deref(), Some(Path::new("dir/whoami.yml")));
    let json = serde_json::to_value(meta).unwrap();
    assert_eq!(json["level"], "medium");
}

#[test]
fn level_parse_display_serde() {
    for level in [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ] {
        assert_eq!(level.to_string().parse::<Level>().unwrap(), level);
        assert_eq!(
            serde_json::to_value(level).unwrap(),
            json!(level.to_string())
        );
    }
    assert!("severe".parse::<Level>().is_err());
    assert!(Level::Critical > Level::High);
}

#[test]
fn multi_document_files_correlation_filter_and_duplicates() {
    let text = "title: A\nid: a\nlogsource:\n    product: x\ndetection:\n    s:\n        F: 1\n    condition: s\n---\ntitle: C\nid: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    timespan: 1h\n---\ntitle: F\nid: f\nlogsource:\n    product: x\nfilter:\n    rules: [a]\n    selection:\n        User: x\n    condition: not selection\n---\ntitle: A again\nid: a\nlogsource:\n    product: x\ndetection:\n    s:\n        F: 2\n    condition: s\n---\n: : bad\n";
    let (set, report) = RuleSet::from_yaml(text, Path::new("multi.yml"));
    assert_eq!(set.len(), 1);
    assert_eq!(report.loaded.len(), 1);
    let reasons: Vec<String> = report.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert!(
        reasons[0].contains("document 2") && reasons[0].contains("correlation"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("document 3") && reasons[1].contains("filter"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].contains("duplicate rule id a") && reasons[2].contains("multi.yml"),
        "{reasons:?}"
    );
    assert!(
        reasons[3].contains("document 5") && reasons[3].contains("YAML"),
        "{reasons:?}"
    );
    assert_eq!(report.rejected[0].rule_id.as_deref(), Some("c"));
}

#[test]
fn evaluate_returns_every_match() {
    let text = "title: A\nid: a\nlogsource:\n    product: x\ndetection:\n    s:\n        F: 1\n    condition: s\n---\ntitle: B\nid: b\nlogsource:\n    product: x\ndetection:\n    s:\n        F|gte: 1\n    condition: s\n";
    let (set, _) = RuleSet::from_yaml(text, Path::new("two.yml"));
    let ids: Vec<&str> = set
        .evaluate(&event(json!({"F": 1})))
        .iter()
        .map(|r| r.meta.id.as_str())
        .collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(set.evaluate(&event(json!({"F": 2}))).len(), 1);
    assert!(set.evaluate(&event(json!({}))).is_empty());
    assert!(set.get("b").is_some());
}

#[test]
fn load_dir_walks_recursively_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let good = "title: G\nid: g\nlogsource:\n    product: x\ndetection:\n    s:\n        F: 1\n    condition: s\n";
    std::fs::write(dir.path().join("g.yml"), good).unwrap();
    std::fs::write(sub.join("dup.yaml"), good).unwrap();
    std::fs::write(sub.join("empty.yml"), "").unwrap();
    std::fs::write(sub.join("README.md"), "not a rule").unwrap();
    let (set, report) = RuleSet::load_dir(dir.path()).unwrap();
    assert_eq!(report.files, 3);
    assert_eq!(set.len(), 1);
    assert_eq!(report.loaded[0].path.as_deref(), Some(Path::new("g.yml")));
    assert_eq!(report.rejected.len(), 2);
    let text: Vec<String> = report.rejected.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("duplicate rule id g (already loaded from g.yml)")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.contains("no YAML document")),
        "{text:?}"
    );
    let missing = dir.path().join("missing");
    let error = RuleSet::load_dir(&missing).unwrap_err();
    assert!(error.to_string().contains("missing"), "{error}");
}

#[test]
fn all_on_a_single_value_and_windash_written_with_a_slash() {
    let set = rule("    sel:\n        CommandLine|contains|all: 'whoami'\n    condition: sel");
    assert!(hit(&set, json!({"CommandLine": "cmd /c WHOAMI"})));
    assert!(!hit(&set, json!({"CommandLine": "cmd /c id"})));
    let set = rule("    sel:\n        CommandLine|windash|contains: '/all'\n    condition: sel");
    for flag in ["/all", "-all", "\u{2013}all", "\u{2014}all", "\u{2015}all"] {
        assert!(
            hit(&set, json!({"CommandLine": format!("whoami {flag}")})),
            "{flag}"
        );
    }
    assert!(!hit(&set, json!({"CommandLine": "whoami +all"})));
}

const TENANT_A: TenantId = TenantId(1);
const TENANT_B: TenantId = TenantId(2);

fn tenant_event(tenant: TenantId, fields: Value) -> Event {
    let mut event = event(fields);
    event.tenant = tenant;
    event
}

fn ids(set: &RuleSet, event: &Event) -> Vec<String> {
    let fast: Vec<String> = set
        .evaluate(event)
        .iter()
        .map(|r| r.meta.id.clone())
        .collect();
    let slow: Vec<String> = set
        .evaluate_unindexed(event)
        .iter()
        .map(|r| r.meta.id.clone())
        .collect();
    assert_eq!(fast, slow, "index and reference agree");
    fast
}

const WHOAMI_RULE: &str = "title: whoami\nid: r-whoami\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel\n";

#[test]
fn a_tenant_filter_excludes_only_for_that_tenant() {
    let (mut set, mut report) = RuleSet::from_yaml(WHOAMI_RULE, Path::new("r.yml"));
    let filter = "title: Admins may run whoami\nid: f-admins\nlogsource:\n    product: windows\n    category: process_creation\nfilter:\n    rules:\n        - r-whoami\n        - r-missing\n    selection:\n        User|startswith: 'adm_'\n    condition: selection\n";
    set.add_tenant_filters(TENANT_A, filter, Path::new("filters/a/f.yml"), &mut report);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!(report.filters.len(), 1);
    assert_eq!(report.filters[0].tenant, TENANT_A);
    assert_eq!(report.filters[0].rules, vec!["r-whoami", "r-missing"]);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.rule_id == "f-admins" && w.message.contains("r-missing")),
        "{:?}",
        report.warnings
    );
    let admin = json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
        "Image": "C:\\Windows\\System32\\whoami.exe", "User": "ADM_alice"});
    let other = json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
        "Image": "C:\\Windows\\System32\\whoami.exe", "User": "bob"});
    assert!(ids(&set, &tenant_event(TENANT_A, admin.clone())).is_empty());
    assert_eq!(
        ids(&set, &tenant_event(TENANT_A, other.clone())),
        vec!["r-whoami"]
    );
    assert_eq!(
        ids(&set, &tenant_event(TENANT_B, admin.clone())),
        vec!["r-whoami"]
    );
    assert_eq!(ids(&set, &tenant_event(TENANT_B, other)), vec!["r-whoami"]);
    // `rules test --explain` sees the filter too.
    assert!(
        !set.explain(0, &tenant_event(TENANT_A, admin))
            .unwrap()
            .matched
    );
}

#[test]
fn filter_documents_are_checked() {
    let (mut set, mut report) = RuleSet::from_yaml(WHOAMI_RULE, Path::new("r.yml"));
    let bad = "title: no rules\nlogsource:\n    product: windows\nfilter:\n    selection:\n        User: x\n    condition: selection\n---\ntitle: not a filter\nlogsource:\n    product: windows\ndetection:\n    s:\n        A: 1\n    condition: s\n---\ntitle: bad condition\nlogsource:\n    product: windows\nfilter:\n    rules: [r-whoami]\n    selection:\n        User: x\n    condition: selection and nope\n";
    set.add_tenant_filters(TENANT_A, bad, Path::new("f.yml"), &mut report);
    let reasons: Vec<String> = report.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(reasons.len(), 3, "{reasons:#?}");
    assert!(
        reasons[0].contains("document 1") && reasons[0].contains("rules"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("document 2") && reasons[1].contains("filter"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].contains("document 3") && reasons[2].contains("`nope`"),
        "{reasons:?}"
    );
    assert!(report.filters.is_empty());
}

#[test]
fn expand_placeholders_per_tenant() {
    let text = "title: admin logon\nid: r-expand\nlogsource:\n    product: windows\n    service: security\ndetection:\n    sel:\n        EventID: 4624\n    filter:\n        WorkstationName|expand: '%Admins_Workstations%'\n    condition: sel and not filter\n";
    let (mut set, report) = RuleSet::from_yaml(text, Path::new("r.yml"));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.message.contains("%Admins_Workstations%")),
        "{:?}",
        report.warnings
    );
    let values = std::collections::BTreeMap::from([(
        "Admins_Workstations".to_owned(),
        vec!["ADM-PC-1".to_owned(), "adm-pc-2*".to_owned()],
    )]);
    assert!(set.set_tenant_placeholders(TENANT_A, &values).is_empty());
    let warnings = set.set_tenant_placeholders(TENANT_B, &Default::default());
    assert!(
        warnings.len() == 1 && warnings[0].message.contains("%Admins_Workstations%"),
        "{warnings:?}"
    );
    let logon = |ws: &str| json!({"Channel": "Security", "EventID": 4624, "WorkstationName": ws});
    // Tenant A: its admin workstations are excluded (wildcards in values work).
    assert!(ids(&set, &tenant_event(TENANT_A, logon("adm-pc-1"))).is_empty());
    assert!(ids(&set, &tenant_event(TENANT_A, logon("ADM-PC-22"))).is_empty());
    assert_eq!(
        ids(&set, &tenant_event(TENANT_A, logon("PC-9"))),
        vec!["r-expand"]
    );
    // Tenant B gives no value: the placeholder check is false, so `not filter` holds.
    assert_eq!(
        ids(&set, &tenant_event(TENANT_B, logon("adm-pc-1"))),
        vec!["r-expand"]
    );
    // A tenant never configured: the same.
    assert_eq!(
        ids(&set, &tenant_event(TenantId(9), logon("adm-pc-1"))),
        vec!["r-expand"]
    );
    // A positive use: the unresolved placeholder does not match.
    let text = "title: t\nid: r2\nlogsource:\n    product: windows\n    service: security\ndetection:\n    sel:\n        WorkstationName|expand|startswith: '%Servers%'\n    condition: sel\n";
    let (mut set, _) = RuleSet::from_yaml(text, Path::new("r.yml"));
    let values = std::collections::BTreeMap::from([("Servers".to_owned(), vec!["SRV".to_owned()])]);
    set.set_tenant_placeholders(TENANT_A, &values);
    let ev = |t| {
        tenant_event(
            t,
            json!({"Channel": "Security", "EventID": 1, "WorkstationName": "srv-01"}),
        )
    };
    assert_eq!(ids(&set, &ev(TENANT_A)), vec!["r2"]);
    assert!(ids(&set, &ev(TENANT_B)).is_empty());
}

/// The condition with every operator rewritten by De Morgan: `a and b` ↔ `not (not a or not
/// b)`, `a or b` ↔ `not (not a and not b)`, and `not not a` ↔ `a`.
fn de_morgan(cond: &Cond) -> String {
    fn negated(cond: &Cond) -> String {
        match cond {
            Cond::Leaf(name) => format!("not {name}"),
            Cond::Not(inner) => positive(inner),
            // not (a and b) = not a or not b
            Cond::And(a, b) => format!("({} or {})", negated(a), negated(b)),
            Cond::Or(a, b) => format!("({} and {})", negated(a), negated(b)),
        }
    }
    fn positive(cond: &Cond) -> String {
        match cond {
            Cond::Leaf(name) => name.clone(),
            Cond::Not(inner) => format!("({})", negated(inner)),
            Cond::And(a, b) => format!("not ({} or {})", negated(a), negated(b)),
            Cond::Or(a, b) => format!("not ({} and {})", negated(a), negated(b)),
        }
    }
    positive(cond)
}

/// A condition over the search identifiers `s0`..`s3`.
#[derive(Clone, Debug)]
enum Cond {
    Leaf(String),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

impl Cond {
    fn text(&self) -> String {
        match self {
            Cond::Leaf(name) => name.clone(),
            Cond::Not(inner) => format!("not ({})", inner.text()),
            Cond::And(a, b) => format!("({} and {})", a.text(), b.text()),
            Cond::Or(a, b) => format!("({} or {})", a.text(), b.text()),
        }
    }
}

fn cond_strategy() -> impl proptest::strategy::Strategy<Value = Cond> {
    use proptest::prelude::*;
    let leaf = (0..4usize).prop_map(|i| Cond::Leaf(format!("s{i}")));
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn de_morgan_rewrites_match_the_same_events(
        cond in cond_strategy(),
        fields in proptest::collection::vec(
            (0..4usize, proptest::sample::select(vec!["cmd.exe", "x", "", "POWERSHELL"])),
            0..5,
        ),
    ) {
        let searches = "    s0:\n        A|endswith: '.exe'\n    s1:\n        B: 'x'\n    s2:\n        - 'powershell'\n    s3:\n        C|contains: 'md'\n";
        let build = |condition: &str| {
            let text = format!(
                "title: t\nid: r\nlogsource:\n    product: test\ndetection:\n{searches}    condition: '{condition}'\n"
            );
            let (set, report) = RuleSet::from_yaml(&text, Path::new("t.yml"));
            assert!(report.rejected.is_empty(), "{condition}: {:?}", report.rejected);
            set
        };
        let (plain, rewritten) = (build(&cond.text()), build(&de_morgan(&cond)));
        let mut map = serde_json::Map::new();
        for (field, value) in fields {
            map.insert(["A", "B", "C", "D"][field].to_owned(), json!(value));
        }
        let event = event(Value::Object(map));
        proptest::prop_assert_eq!(
            plain.evaluate(&event).len(),
            rewritten.evaluate(&event).len(),
            "{} vs {}", cond.text(), de_morgan(&cond)
        );
    }
}

proptest::proptest! {
    /// The index's literal scan (SIMD-guided windows, then the automaton) finds every rule
    /// trying each rule finds, also on texts with many, overlapping and nested literals.
    #[test]
    fn literal_prefilter_misses_nothing(
        pieces in proptest::collection::vec(
            proptest::collection::vec(
                proptest::sample::select(vec![
                    "abc", "bcd", "abcdef", "ca", "b", "fab", "dd", "a", "x", "ABC", "fe", "d",
                ]),
                0..40,
            ),
            1..3,
        ),
    ) {
        let texts: Vec<String> = pieces.iter().map(|p| p.concat()).collect();
        let mut yaml = String::new();
        for (i, literal) in ["abc", "bcd", "abcdef", "cab", "fab", "dda"].iter().enumerate() {
            yaml.push_str(&format!(
                "title: r{i}\nid: r{i}\nlogsource:\n    product: test\ndetection:\n    sel:\n        T|contains: '{literal}'\n    k:\n        - 'x{literal}'\n    condition: sel or k\n---\n"
            ));
        }
        yaml.push_str("title: kw\nid: kw\nlogsource:\n    product: test\ndetection:\n    k:\n        - 'bca'\n        - 'fed'\n    condition: k\n");
        let (set, report) = RuleSet::from_yaml(&yaml, Path::new("p.yml"));
        proptest::prop_assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        let mut fields = serde_json::Map::new();
        fields.insert("T".into(), json!(texts[0]));
        if let Some(other) = texts.get(1) {
            fields.insert("U".into(), json!(other));
        }
        ids(&set, &event(Value::Object(fields)));
    }
}

/// Rule files compile on several threads; the set and the report are those of loading the
/// files one at a time in path order (the later of two equal ids rejected, naming the
/// first's file; rejections, warnings and rules in file order).
#[test]
fn loading_on_threads_keeps_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for i in 0..150 {
        let name = format!("r{i:03}.yml");
        let id = if i == 120 { 17 } else { i };
        let text = match i {
            60 => "title: [unclosed\n".to_owned(),
            90 => format!(
                "title: r{i}\nid: id{id}\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    sel:\n        NoSuchField: x\n    condition: sel\n"
            ),
            _ => format!(
                "title: r{i}\nid: id{id}\nlogsource:\n    product: windows\n    service: security\ndetection:\n    sel:\n        Image|endswith: '\\x{i}.exe'\n    condition: sel\n"
            ),
        };
        std::fs::write(dir.path().join(&name), &text).unwrap();
        names.push((name, text));
    }
    let (parallel, report) = RuleSet::load_dir(dir.path()).unwrap();
    let mut sequential = RuleSet::new();
    let mut expected = crate::LoadReport::default();
    for (name, text) in &names {
        expected.files += 1;
        sequential.add_yaml(text, Path::new(name), &mut expected);
    }
    assert_eq!(report.files, 150);
    let ids =
        |set: &RuleSet| -> Vec<String> { set.rules().iter().map(|r| r.meta.id.clone()).collect() };
    assert_eq!(ids(&parallel), ids(&sequential));
    assert_eq!(parallel.len(), 148);
    assert_eq!(report.rejected, expected.rejected);
    assert_eq!(report.warnings, expected.warnings);
    assert_eq!(report.rejected.len(), 2);
    assert_eq!(report.rejected[0].path, Path::new("r060.yml"));
    assert_eq!(report.rejected[1].path, Path::new("r120.yml"));
    assert!(
        report.rejected[1].reason.contains("duplicate rule id id17")
            && report.rejected[1].reason.contains("r017.yml"),
        "{}",
        report.rejected[1]
    );
    let event = event(json!({"Channel": "Security", "EventID": 4624, "Image": "C:\\x33.exe"}));
    let hits: Vec<&str> = parallel
        .evaluate(&event)
        .iter()
        .map(|r| r.meta.id.as_str())
        .collect();
    assert_eq!(hits, ["id33"]);
}

/// Keyword literals in long and short texts, nested or in lists, are found in any case,
/// wherever they are, also past the SIMD searcher's guided occurrences, and never across
/// two strings.
#[test]
fn keyword_scan_of_long_and_short_texts() {
    let yaml = "title: kw\nid: kw\nlogsource:\n    product: windows\ndetection:\n    k:\n        - 'sekurlsa::'\n        - 'kiwi legit printer'\n        - '\\mimilib.dll'\n        - 'eo.oe.kiwi'\n    condition: k\n";
    let (set, report) = RuleSet::from_yaml(yaml, Path::new("kw.yml"));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let filler =
        "The quick brown fox, C:\\Windows\\System32\\svchost.exe (eo.o) s:: e:: ".repeat(3);
    let case = |fields: Value| ids(&set, &event(fields)).len();
    let channel = "Microsoft-Windows-Sysmon/Operational";
    // Long message, literal at the start, middle and end, in mixed case.
    for text in [
        format!("SEKURLSA::logonpasswords {filler}"),
        format!("{filler} Kiwi Legit Printer {filler}"),
        format!("{filler}c:\\temp\\MimiLib.DLL"),
        format!("{filler}{}EO.OE.KIWI", "eo.o ".repeat(20)),
    ] {
        assert!(text.len() >= 200);
        assert_eq!(
            case(json!({"Channel": channel, "EventID": 1, "Message": text})),
            1,
            "{text}"
        );
    }
    // Short texts, nested and in lists.
    assert_eq!(
        case(json!({"Channel": channel, "EventID": 1, "a": {"b": ["x", "run SekurLSA::"]}})),
        1
    );
    // Nowhere, or only across two strings.
    assert_eq!(
        case(json!({"Channel": channel, "EventID": 1, "Message": filler})),
        0
    );
    assert_eq!(
        case(json!({"Channel": channel, "EventID": 1, "A": "sekur", "B": "lsa::"})),
        0
    );
    assert_eq!(
        case(
            json!({"Channel": channel, "EventID": 1, "Message": format!("{filler}kiwi legit"), "B": "printer"})
        ),
        0
    );
}

/// Untrusted rule texts (a draft backtest over the API, a content pack) end in a rejection
/// naming the problem, quickly and without exhausting the stack: deep nesting, "billion
/// laughs" aliases, oversized texts, and a condition nested past its limit. The loader runs
/// on a thread with the stack of a tokio worker (2 MiB), as in the backtest handler.
#[test]
fn hostile_rule_texts_are_rejected_not_crashing() {
    let laughs = {
        let mut text = String::from(
            "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            let items = [prev.as_str(); 9].join(",");
            text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
        }
        text + "title: laughs\nid: 5a8f8d7e-0000-4000-8000-000000000001\nlogsource: {product: windows}\ndetection: {sel: {x: *a11}, condition: sel}\n"
    };
    let cases = [
        (
            "deep flow behind a quote in a plain scalar",
            "a: b\"c\nd: ".to_owned() + &"{x: ".repeat(100_000),
        ),
        (
            "deep flow sequence",
            "[".repeat(100_000) + &"]".repeat(100_000),
        ),
        ("deep block mapping", {
            let mut text = String::new();
            for depth in 0..2_000 {
                text.push_str(&" ".repeat(depth));
                text.push_str("k:\n");
            }
            text
        }),
        ("billion laughs", laughs),
        (
            "oversized text",
            format!(
                "title: big\ndescription: {}\n",
                "x".repeat(super::ruleset::MAX_RULE_TEXT_BYTES)
            ),
        ),
        (
            "deep condition",
            format!(
                "title: deep\nid: 5a8f8d7e-0000-4000-8000-000000000002\nlogsource: {{product: windows}}\ndetection:\n  sel: {{x: 1}}\n  condition: '{}sel{}'\n",
                "(".repeat(3_000),
                ")".repeat(3_000)
            ),
        ),
    ];
    for (label, text) in cases {
        let started = std::time::Instant::now();
        let (set, report) = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || RuleSet::from_yaml(&text, Path::new("draft.yml")))
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("{label}: the loader panicked"));
        assert!(set.is_empty(), "{label}: a rule was loaded");
        let reasons: Vec<String> = report.rejected.iter().map(|r| r.reason.clone()).collect();
        assert!(!reasons.is_empty(), "{label}: nothing rejected");
        // No hang: each takes milliseconds; 10 s leaves room for a loaded debug build.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{label}: took {:?}",
            started.elapsed()
        );
        eprintln!("{label} ({:?}): {}", started.elapsed(), reasons.join("; "));
    }
}

/// The flow-nesting guard counts brackets outside strings and comments only, and never
/// refuses a SigmaHQ-style rule.
#[test]
fn flow_nesting_guard_counts_only_real_brackets() {
    use super::ruleset::flow_nesting_over;
    let nested = |n: usize| "[".repeat(n) + &"]".repeat(n);
    assert_eq!(flow_nesting_over(&nested(128), 128), None);
    assert_eq!(flow_nesting_over(&nested(129), 128), Some(1));
    let quoted = format!(
        "a: '{}'\nb: \"{}\"\n# {}\n",
        "[".repeat(500),
        "{".repeat(500),
        "[".repeat(500)
    );
    assert_eq!(flow_nesting_over(&quoted, 128), None);
    let rule =
        "detection:\n  sel:\n    CommandLine|contains: ['a[', \"b{\", c]\n  condition: sel\n";
    assert_eq!(flow_nesting_over(rule, 2), None);
    assert_eq!(
        flow_nesting_over(&format!("x: y\n{}", nested(300)), 128),
        Some(2)
    );
}

/// Microsoft Defender writes its event data names with spaces; SigmaHQ's windefend rules
/// write them without, and match on both native and ECS events.
#[test]
fn defender_field_names_with_spaces_match_as_sigmahq_writes_them() {
    let text = "title: Defender threat in a temp folder\nid: d1\nlogsource:\n    product: windows\n    service: windefend\ndetection:\n    selection:\n        EventID: 1116\n        ProcessName|endswith: '\\\\Temp\\\\evil.exe'\n        ThreatName|contains: 'Mimikatz'\n    condition: selection\nlevel: high\n";
    let (set, report) = RuleSet::from_yaml(text, Path::new("d.yml"));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let native = event(json!({
        "Channel": "Microsoft-Windows-Windows Defender/Operational",
        "EventID": 1116,
        "Process Name": "C:\\Users\\ops\\AppData\\Local\\Temp\\evil.exe",
        "Threat Name": "HackTool:Win32/Mimikatz!pz",
    }));
    assert_eq!(set.evaluate(&native).len(), 1);
    let ecs = event(json!({
        "winlog": {
            "channel": "Microsoft-Windows-Windows Defender/Operational",
            "event_id": 1116,
            "event_data": {
                "Process Name": "C:\\Users\\ops\\AppData\\Local\\Temp\\evil.exe",
                "Threat Name": "HackTool:Win32/Mimikatz!pz",
            }
        }
    }));
    assert_eq!(set.evaluate(&ecs).len(), 1);
    // Written without spaces by the sender: matched too.
    let plain = event(json!({
        "Channel": "Microsoft-Windows-Windows Defender/Operational",
        "EventID": 1116,
        "ProcessName": "C:\\Temp\\evil.exe",
        "ThreatName": "Mimikatz",
    }));
    assert_eq!(set.evaluate(&plain).len(), 1);
    let other = event(json!({
        "Channel": "Microsoft-Windows-Windows Defender/Operational",
        "EventID": 1116,
        "Process Name": "C:\\Windows\\explorer.exe",
        "Threat Name": "HackTool:Win32/Mimikatz!pz",
    }));
    assert!(set.evaluate(&other).is_empty());
}

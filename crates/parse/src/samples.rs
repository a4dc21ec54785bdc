//! One representative line of each format, written for vigie (not taken from any sender's
//! logs): what `vigie bench parse` measures, and a test that each still parses as its type.

/// One sample line.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// A short name.
    pub name: &'static str,
    /// The source type declared with it (`None`: recognised from the content).
    pub declared: Option<&'static str>,
    /// The syslog program it came from, when that matters (Linux authentication).
    pub program: Option<&'static str>,
    /// The line: a syslog message, a text log line, or a JSON object.
    pub line: &'static str,
    /// The source type it must end with.
    pub source_type: &'static str,
}

impl Sample {
    /// The event fields an intake hands to [`crate::normalize`] for this line: the JSON
    /// object, or `message` (with the syslog program when given).
    pub fn fields(&self) -> serde_json::Map<String, serde_json::Value> {
        if let Ok(serde_json::Value::Object(object)) = serde_json::from_str(self.line) {
            return object;
        }
        let mut fields = serde_json::Map::new();
        fields.insert("message".into(), self.line.into());
        if let Some(program) = self.program {
            fields.insert(
                "log".into(),
                serde_json::json!({"syslog": {"appname": program}}),
            );
        }
        fields
    }
}

/// Every sample, one or two per format.
pub const SAMPLES: &[Sample] = &[
    Sample {
        name: "sysmon-process",
        declared: Some("linux.sysmon"),
        program: None,
        line: r#"<Event><System><Provider Name="Linux-Sysmon" Guid="{00000000-0000-0000-0000-000000000000}"/><EventID>1</EventID><Version>5</Version><TimeCreated SystemTime="2026-11-25T10:00:00.000000000Z"/><EventRecordID>7</EventRecordID><Channel>Linux-Sysmon/Operational</Channel><Computer>web01</Computer></System><EventData><Data Name="ProcessId">4242</Data><Data Name="Image">/usr/bin/bash</Data><Data Name="CommandLine">bash -c id</Data><Data Name="User">www-data</Data><Data Name="ParentImage">/usr/bin/java</Data></EventData></Event>"#,
        source_type: "linux.sysmon",
    },
    Sample {
        name: "auditd-syscall-recognised",
        declared: None,
        program: None,
        line: r#"node=web01 type=SYSCALL msg=audit(1764064800.123:42): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=4242 auid=1000 uid=0 comm="id" exe="/usr/bin/id" key="exec"ARCH=x86_64 SYSCALL=execve AUID="ops" UID="root""#,
        source_type: "linux.auditd",
    },
    Sample {
        name: "auditd-execve",
        declared: Some("linux.auditd"),
        program: None,
        line: r#"type=EXECVE msg=audit(1764064800.123:42): argc=3 a0="bash" a1="-c" a2=6964"#,
        source_type: "linux.auditd",
    },
    Sample {
        name: "sshd-accepted",
        declared: None,
        program: Some("sshd"),
        line: r#"Accepted password for ops from 192.0.2.10 port 51000 ssh2"#,
        source_type: "linux.sshd",
    },
    Sample {
        name: "sudo-command",
        declared: Some("linux.sudo"),
        program: Some("sudo"),
        line: r#"ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/id"#,
        source_type: "linux.sudo",
    },
    Sample {
        name: "nginx-combined",
        declared: Some("nginx.access"),
        program: None,
        line: r#"192.0.2.1 - - [25/Nov/2026:10:00:00 +0100] "GET /index.php?id=1 HTTP/1.1" 200 512 "-" "curl/8.0""#,
        source_type: "nginx.access",
    },
    Sample {
        name: "cef-extension",
        declared: None,
        program: None,
        line: r#"CEF:0|Vendor|Product|1.0|100|Blocked \| escaped|5|src=192.0.2.1 dst=198.51.100.2 spt=1234 dpt=443 act=blocked msg=hello world rt=1764064800000"#,
        source_type: "cef.event",
    },
    Sample {
        name: "leef-2",
        declared: None,
        program: None,
        line: r#"LEEF:2.0|Vendor|Product|1.0|42|^|src=192.0.2.1^dst=198.51.100.2^usrName=ops^devTime=Nov 25 2026 10:00:00"#,
        source_type: "leef.event",
    },
    Sample {
        name: "fortigate-event",
        declared: Some("fortinet.fortigate"),
        program: None,
        line: r#"date=2026-11-25 time=10:00:00 logid="0100044547" type="event" subtype="system" level="information" vd="root" tz="+0100" logdesc="Object attribute configured" user="admin" action="Add" cfgpath="user.local" cfgobj="eve" msg="Add user.local eve""#,
        source_type: "fortinet.fortigate",
    },
    Sample {
        name: "asa-built",
        declared: None,
        program: None,
        line: r#"%ASA-6-302013: Built outbound TCP connection 1234 for outside:198.51.100.1/443 (198.51.100.1/443) to inside:10.0.0.5/51000 (203.0.113.5/51000)"#,
        source_type: "cisco.asa",
    },
    Sample {
        name: "asa-command",
        declared: Some("cisco.asa"),
        program: None,
        line: r#"%ASA-5-111008: User 'admin' executed the 'write memory' command."#,
        source_type: "cisco.asa",
    },
    Sample {
        name: "panos-traffic",
        declared: None,
        program: None,
        line: r#"1,2026/11/25 10:00:00,001801000000,TRAFFIC,end,2561,2026/11/25 10:00:00,10.0.0.5,198.51.100.1,203.0.113.5,198.51.100.1,allow-web,,,web-browsing,vsys1,trust,untrust,ethernet1/2,ethernet1/1,Forward,2026/11/25 10:00:00,1234,1,51000,443,40000,443,0x400000,tcp,allow,5000,2000,3000,20,2026/11/25 09:59:50,10,any,0,1,0x0,10.0.0.0-10.255.255.255,US,0,10,10,tcp-fin"#,
        source_type: "panos.traffic",
    },
    Sample {
        name: "suricata-alert",
        declared: None,
        program: None,
        line: r#"{"timestamp":"2026-11-25T10:00:00.000000+0100","flow_id":1,"event_type":"alert","src_ip":"192.0.2.1","src_port":1234,"dest_ip":"198.51.100.2","dest_port":80,"proto":"TCP","alert":{"signature_id":2000001,"signature":"TEST","severity":2}}"#,
        source_type: "suricata.eve",
    },
    Sample {
        name: "zeek-dns",
        declared: None,
        program: None,
        line: r#"{"ts":1764064800.5,"uid":"C1","id.orig_h":"192.0.2.1","id.orig_p":5353,"id.resp_h":"198.51.100.53","id.resp_p":53,"proto":"udp","query":"example.org","qtype_name":"A","answers":["198.51.100.80"],"_path":"dns"}"#,
        source_type: "zeek.dns",
    },
    Sample {
        name: "cloudtrail",
        declared: None,
        program: None,
        line: r#"{"eventVersion":"1.08","eventTime":"2026-11-25T09:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.7","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/ops"},"errorCode":"AccessDenied"}"#,
        source_type: "aws.cloudtrail",
    },
    Sample {
        name: "m365-audit",
        declared: None,
        program: None,
        line: r#"{"CreationTime":"2026-11-25T10:00:00","Operation":"UserLoggedIn","RecordType":15,"Workload":"AzureActiveDirectory","UserId":"ops@example.org","ClientIP":"[2001:db8::1]:443","ResultStatus":"Success"}"#,
        source_type: "m365.audit",
    },
    Sample {
        name: "entra-signin",
        declared: None,
        program: None,
        line: r#"{"createdDateTime":"2026-11-25T10:00:00Z","userPrincipalName":"ops@example.org","appDisplayName":"Office","ipAddress":"192.0.2.1","status":{"errorCode":50126}}"#,
        source_type: "azure.signinlogs",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_parses_as_its_type() {
        for sample in SAMPLES {
            let declared = sample.declared.map(|t| crate::SourceType::new(t).unwrap());
            let mut fields = sample.fields();
            let outcome = crate::normalize(declared.as_ref(), &mut fields);
            assert_eq!(outcome.error, None, "{}", sample.name);
            assert!(outcome.parsed, "{}", sample.name);
            assert_eq!(
                outcome.source_type.unwrap().as_str(),
                sample.source_type,
                "{}",
                sample.name
            );
        }
    }
}

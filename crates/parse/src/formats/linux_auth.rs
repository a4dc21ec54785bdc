//! Linux authentication over syslog: `sshd`, `sudo`, `su`, account changes (`useradd`,
//! `usermod`, `userdel`, `groupadd`, `passwd`, ...), `login`, `systemd-logind` and PAM.
//!
//! Source types `linux.sshd`, `linux.sudo` and, for the other programs, `linux.auth`
//! (declared `linux.auth` is refined to the first two by program). Recognised from the
//! syslog program name (`log.syslog.appname`) alone: these programs write nothing else.
//!
//! Fields (ECS), from the lines these programs write; a line of a known program that says
//! something else keeps only `process.name`/`process.pid` (it is not an error):
//!
//! | line | fields |
//! |---|---|
//! | `Accepted password for U from IP port P ssh2` (also `publickey`, `keyboard-interactive/pam`) | `event.action` `ssh_login`, `event.outcome` `success`, `user.name`, `source.ip`, `source.port`, `linux.auth.method` |
//! | `Failed password for [invalid user] U from IP port P ssh2` | same with `failure` |
//! | `Invalid user U from IP [port P]` | `event.action` `ssh_invalid_user`, `failure`, `user.name`, `source.ip` |
//! | `Disconnected from [authenticating/invalid] user U IP port P`, `Connection closed by ...` | `event.action` `ssh_disconnect` / `ssh_connection_closed` |
//! | `U : TTY=pts/0 ; PWD=/home/u ; USER=root ; COMMAND=/bin/ls` (sudo) | `event.action` `sudo_command`, `user.name`, `user.effective.name`, `process.command_line`, `process.working_directory`, `linux.auth.tty` |
//! | `U : N incorrect password attempts ; ...` (sudo) | `sudo_failure`, `failure` |
//! | `pam_unix(S:session): session opened for user U[(uid=N)] by B(uid=M)` | `event.action` `session_opened`, `user.name`, `user.id`, `linux.auth.pam_service` |
//! | `pam_unix(S:auth): authentication failure; ... user=U` | `authentication_failure`, `failure`, `user.name` |
//! | `new user: name=U, UID=N, GID=G, home=H, shell=S` (useradd) | `user_created`, `user.name`, `user.id`, `group.id` |
//! | `new group: name=G, GID=N` / `group added to ...: name=G` | `group_created`, `group.name`, `group.id` |
//! | `delete user 'U'` / `add 'U' to group 'G'` / `password changed for U` | `user_deleted` / `user_added_to_group` / `password_changed` |
//! | `(to root) bob on pts/0` / `FAILED su for root by bob` (su) | `su`, `user.name` (who), `user.effective.name` (target) |

use super::{Ctx, Format, Input};
use crate::ParseError;
use crate::fields::{put, put_number, put_text, text};

pub(crate) const FORMAT: Format = Format {
    name: "linux auth (syslog)",
    claims: &["linux.auth", "linux.sshd", "linux.sudo"],
    recognise,
    // The syslog program as the syslog intake writes it (`log.syslog.appname`, nested or
    // flat), one per program of [`PROGRAMS`] (a test keeps the two lists together).
    markers: &[
        "appname\":\"sshd\"",
        "appname\":\"sudo\"",
        "appname\":\"su\"",
        "appname\":\"useradd\"",
        "appname\":\"usermod\"",
        "appname\":\"userdel\"",
        "appname\":\"groupadd\"",
        "appname\":\"groupmod\"",
        "appname\":\"groupdel\"",
        "appname\":\"gpasswd\"",
        "appname\":\"passwd\"",
        "appname\":\"chpasswd\"",
        "appname\":\"chage\"",
        "appname\":\"login\"",
        "appname\":\"systemd-logind\"",
        "appname\":\"unix_chkpwd\"",
        "appname\":\"gdm-password\"",
        "appname\":\"pkexec\"",
        "appname\":\"polkitd\"",
    ],
    parse,
};

/// The programs whose syslog lines are authentication events.
pub(crate) const PROGRAMS: &[&str] = &[
    "sshd",
    "sudo",
    "su",
    "useradd",
    "usermod",
    "userdel",
    "groupadd",
    "groupmod",
    "groupdel",
    "gpasswd",
    "passwd",
    "chpasswd",
    "chage",
    "login",
    "systemd-logind",
    "unix_chkpwd",
    "gdm-password",
    "pkexec",
    "polkitd",
];

fn recognise(input: &Input<'_>) -> Option<&'static str> {
    let program = input.appname?;
    PROGRAMS.contains(&program).then(|| type_of(program))
}

fn type_of(program: &str) -> &'static str {
    match program {
        "sshd" => "linux.sshd",
        "sudo" => "linux.sudo",
        _ => "linux.auth",
    }
}

fn parse(ctx: &mut Ctx<'_>) -> Result<(), ParseError> {
    let line = ctx.line()?;
    let program = text(ctx.fields, "log.syslog.appname").map(str::to_owned);
    if let Some(program) = &program {
        put(ctx.fields, "process.name", program.as_str());
        if let Some(pid) = text(ctx.fields, "log.syslog.procid").map(str::to_owned) {
            put_number(ctx.fields, "process.pid", &pid);
        }
        if ctx.source_type == "linux.auth" {
            ctx.refined = Some(type_of(program));
        }
    }
    let message = line.trim();
    if let Some(rest) = message.strip_prefix("pam_unix(") {
        pam(ctx, rest);
        return Ok(());
    }
    match program.as_deref() {
        Some("sshd") => sshd(ctx, message),
        Some("sudo") => sudo(ctx, message),
        Some("su") => su(ctx, message),
        _ => accounts(ctx, message),
    }
    Ok(())
}

/// Sets the action and, when given, the outcome.
fn action(ctx: &mut Ctx<'_>, action: &str, outcome: Option<&str>) {
    put(ctx.fields, "event.action", action);
    put(ctx.fields, "event.category", "authentication");
    if let Some(outcome) = outcome {
        put(ctx.fields, "event.outcome", outcome);
    }
}

/// `IP port P` at the start of `rest` (the port is optional): source address and port.
fn address(ctx: &mut Ctx<'_>, rest: &str) {
    let mut words = rest.split_whitespace();
    if let Some(ip) = words.next() {
        put_text(ctx.fields, "source.ip", ip);
    }
    if words.next() == Some("port")
        && let Some(port) = words.next()
    {
        put_number(ctx.fields, "source.port", port);
    }
}

fn sshd(ctx: &mut Ctx<'_>, message: &str) {
    for (prefix, outcome) in [("Accepted ", "success"), ("Failed ", "failure")] {
        let Some(rest) = message.strip_prefix(prefix) else {
            continue;
        };
        // `<method> for [invalid user ]<user> from <ip> port <port> ssh2[: key]`
        let Some((method, rest)) = rest.split_once(" for ") else {
            continue;
        };
        let rest = rest.strip_prefix("invalid user ").unwrap_or(rest);
        let Some((user, rest)) = rest.rsplit_once(" from ") else {
            continue;
        };
        action(ctx, "ssh_login", Some(outcome));
        put_text(ctx.fields, "linux.auth.method", method);
        put_text(ctx.fields, "user.name", user);
        address(ctx, rest);
        return;
    }
    if let Some(rest) = message.strip_prefix("Invalid user ") {
        if let Some((user, rest)) = rest.rsplit_once(" from ") {
            action(ctx, "ssh_invalid_user", Some("failure"));
            put_text(ctx.fields, "user.name", user);
            address(ctx, rest);
        }
        return;
    }
    for (prefix, name) in [
        ("Disconnected from ", "ssh_disconnect"),
        ("Connection closed by ", "ssh_connection_closed"),
        ("Received disconnect from ", "ssh_disconnect"),
    ] {
        let Some(rest) = message.strip_prefix(prefix) else {
            continue;
        };
        action(ctx, name, None);
        let rest = ["authenticating user ", "invalid user ", "user "]
            .iter()
            .find_map(|p| rest.strip_prefix(p))
            .map(|rest| match rest.split_once(' ') {
                Some((user, rest)) => {
                    put_text(ctx.fields, "user.name", user);
                    rest
                }
                None => rest,
            })
            .unwrap_or(rest);
        address(ctx, rest.trim_end_matches(':'));
        return;
    }
}

fn sudo(ctx: &mut Ctx<'_>, message: &str) {
    // `user : [N incorrect password attempts ; ]TTY=pts/0 ; PWD=/x ; USER=root ; COMMAND=/bin/ls`
    let Some((user, rest)) = message.split_once(" : ") else {
        return;
    };
    let user = user.trim();
    if user.is_empty() || user.contains(' ') {
        return;
    }
    put_text(ctx.fields, "user.name", user);
    let failed = rest.contains("incorrect password attempt") || rest.contains("NOT in sudoers");
    action(
        ctx,
        if failed {
            "sudo_failure"
        } else {
            "sudo_command"
        },
        Some(if failed { "failure" } else { "success" }),
    );
    let mut parts = rest.split(" ; ").peekable();
    while let Some(part) = parts.next() {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        match key.trim() {
            "TTY" => {
                put_text(ctx.fields, "linux.auth.tty", value);
            }
            "PWD" => {
                put_text(ctx.fields, "process.working_directory", value);
            }
            "USER" => {
                put_text(ctx.fields, "user.effective.name", value);
            }
            "COMMAND" => {
                // The command is last and may itself hold ` ; `.
                let mut command = value.to_owned();
                for more in parts.by_ref() {
                    command.push_str(" ; ");
                    command.push_str(more);
                }
                put_text(ctx.fields, "process.command_line", &command);
            }
            _ => {}
        }
    }
}

fn su(ctx: &mut Ctx<'_>, message: &str) {
    // `(to root) bob on pts/0`, `+ pts/0 bob:root`, `FAILED su for root by bob`
    if let Some(rest) = message.strip_prefix("(to ")
        && let Some((target, rest)) = rest.split_once(") ")
    {
        action(ctx, "su", Some("success"));
        put_text(ctx.fields, "user.effective.name", target);
        if let Some(who) = rest.split_whitespace().next() {
            put_text(ctx.fields, "user.name", who);
        }
    } else if let Some(rest) = message.strip_prefix("FAILED su for ")
        && let Some((target, who)) = rest.split_once(" by ")
    {
        action(ctx, "su", Some("failure"));
        put_text(ctx.fields, "user.effective.name", target);
        put_text(ctx.fields, "user.name", who.trim());
    }
}

fn pam(ctx: &mut Ctx<'_>, rest: &str) {
    // `sshd:session): session opened for user bob(uid=1000) by (uid=0)`
    let Some((service, rest)) = rest.split_once("): ") else {
        return;
    };
    put_text(ctx.fields, "linux.auth.pam_service", service);
    let user_and_id = |ctx: &mut Ctx<'_>, text: &str| {
        let name = text.split(['(', ' ']).next().unwrap_or_default();
        put_text(ctx.fields, "user.name", name);
        if let Some(uid) = text
            .split_once("(uid=")
            .and_then(|(_, id)| id.split(')').next())
        {
            put_number(ctx.fields, "user.id", uid);
        }
    };
    if let Some(who) = rest.strip_prefix("session opened for user ") {
        action(ctx, "session_opened", Some("success"));
        user_and_id(ctx, who);
    } else if let Some(who) = rest.strip_prefix("session closed for user ") {
        action(ctx, "session_closed", None);
        user_and_id(ctx, who);
    } else if rest.starts_with("authentication failure;") {
        action(ctx, "authentication_failure", Some("failure"));
        for pair in rest.split_whitespace() {
            match pair.split_once('=') {
                Some(("user", user)) => {
                    put_text(ctx.fields, "user.name", user);
                }
                Some(("rhost", host)) => {
                    put_text(ctx.fields, "source.address", host);
                }
                _ => {}
            }
        }
    }
}

/// `key=value, key=value` pairs of useradd/groupadd lines.
fn pairs(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split(',')
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
}

/// The first `'quoted'` word of `text`.
fn quoted(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once('\'')?;
    Some(rest.split_once('\'')?.0)
}

fn accounts(ctx: &mut Ctx<'_>, message: &str) {
    if let Some(rest) = message.strip_prefix("new user: ") {
        action(ctx, "user_created", Some("success"));
        put(ctx.fields, "event.category", "iam");
        for (key, value) in pairs(rest) {
            match key {
                "name" => put_text(ctx.fields, "user.name", value),
                "UID" => put_number(ctx.fields, "user.id", value),
                "GID" => put_number(ctx.fields, "group.id", value),
                "home" => put_text(ctx.fields, "linux.auth.home", value),
                "shell" => put_text(ctx.fields, "linux.auth.shell", value),
                _ => false,
            };
        }
    } else if let Some(rest) = message
        .strip_prefix("new group: ")
        .or_else(|| message.split_once(": name=").map(|(_, r)| r))
    {
        action(ctx, "group_created", Some("success"));
        let rest = if message.contains(": name=") && !message.starts_with("new group: ") {
            format!("name={rest}")
        } else {
            rest.to_owned()
        };
        for (key, value) in pairs(&rest) {
            match key {
                "name" => put_text(ctx.fields, "group.name", value),
                "GID" => put_number(ctx.fields, "group.id", value),
                _ => false,
            };
        }
    } else if let Some(rest) = message.strip_prefix("delete user ") {
        action(ctx, "user_deleted", Some("success"));
        if let Some(user) = quoted(rest) {
            put_text(ctx.fields, "user.name", user);
        }
    } else if let Some(rest) = message.strip_prefix("add ") {
        // `add 'bob' to group 'sudo'` / `add 'bob' to shadow group 'sudo'`
        if let Some((user, group)) = rest.split_once(" to ") {
            action(ctx, "user_added_to_group", Some("success"));
            if let Some(user) = quoted(user) {
                put_text(ctx.fields, "user.name", user);
            }
            if let Some(group) = quoted(group) {
                put_text(ctx.fields, "group.name", group);
            }
        }
    } else if let Some(rest) = message
        .strip_prefix("password changed for ")
        .or_else(|| message.strip_prefix("pam_unix(passwd:chauthtok): password changed for "))
    {
        action(ctx, "password_changed", Some("success"));
        put_text(ctx.fields, "user.name", rest.trim());
    } else if let Some(rest) = message.strip_prefix("change user ")
        && let Some(user) = quoted(rest)
    {
        action(ctx, "user_changed", Some("success"));
        put_text(ctx.fields, "user.name", user);
    }
}

#[cfg(test)]
mod tests {
    /// Every program has its marker, so the intake's fast path reaches the parser.
    #[test]
    fn every_program_has_a_marker() {
        for program in super::PROGRAMS {
            let marker = format!("appname\":\"{program}\"");
            assert!(
                super::FORMAT.markers.contains(&marker.as_str()),
                "{program}"
            );
            let event =
                format!(r#"{{"log":{{"syslog":{{"appname":"{program}"}}}},"message":"x"}}"#);
            assert!(crate::json_worth_a_look(event.as_bytes()), "{program}");
        }
        assert_eq!(super::FORMAT.markers.len(), super::PROGRAMS.len());
    }

    use serde_json::{Map, Value, json};

    use crate::{SourceType, normalize};

    /// A syslog event as the intake writes it: the message and the program.
    fn syslog(program: &str, message: &str) -> Map<String, Value> {
        json!({"message": message, "log": {"syslog": {"appname": program, "procid": "3402"}}})
            .as_object()
            .unwrap()
            .clone()
    }

    fn read(program: &str, message: &str) -> (String, Map<String, Value>) {
        let mut fields = syslog(program, message);
        let outcome = normalize(None, &mut fields);
        assert_eq!(outcome.error, None);
        (outcome.source_type.unwrap().to_string(), fields)
    }

    #[test]
    fn sshd_logins() {
        let (kind, f) = read(
            "sshd",
            "Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:99",
        );
        assert_eq!(kind, "linux.sshd");
        assert_eq!(f["event"]["action"], "ssh_login");
        assert_eq!(f["event"]["outcome"], "success");
        assert_eq!(f["event"]["dataset"], "linux.sshd");
        assert_eq!(f["user"]["name"], "vagrant");
        assert_eq!(f["source"], json!({"ip": "10.0.2.2", "port": 63673}));
        assert_eq!(f["linux"]["auth"]["method"], "publickey");
        assert_eq!(f["process"], json!({"name": "sshd", "pid": 3402}));
        let (_, f) = read(
            "sshd",
            "Failed password for invalid user admin from 216.160.83.57 port 29160 ssh2",
        );
        assert_eq!(f["event"]["outcome"], "failure");
        assert_eq!(f["user"]["name"], "admin");
        let (_, f) = read("sshd", "Invalid user test from 10.0.2.2");
        assert_eq!(f["event"]["action"], "ssh_invalid_user");
        assert_eq!(f["source"]["ip"], "10.0.2.2");
        let (_, f) = read(
            "sshd",
            "Disconnected from authenticating user root 1.2.3.4 port 51000 [preauth]",
        );
        assert_eq!(f["event"]["action"], "ssh_disconnect");
        assert_eq!(f["user"]["name"], "root");
        assert_eq!(f["source"]["port"], 51000);
        let (_, f) = read("sshd", "Server listening on 0.0.0.0 port 22.");
        assert!(f.get("event").unwrap().get("action").is_none());
    }

    #[test]
    fn sudo_su_pam_and_accounts() {
        let (kind, f) = read(
            "sudo",
            "  vagrant : TTY=pts/0 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/sh -c 'a ; b'",
        );
        assert_eq!(kind, "linux.sudo");
        assert_eq!(f["user"]["name"], "vagrant");
        assert_eq!(f["user"]["effective"]["name"], "root");
        assert_eq!(f["process"]["command_line"], "/bin/sh -c 'a ; b'");
        assert_eq!(f["process"]["working_directory"], "/home/vagrant");
        let (_, f) = read(
            "sudo",
            "bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/id",
        );
        assert_eq!(f["event"]["action"], "sudo_failure");
        assert_eq!(f["event"]["outcome"], "failure");
        let (kind, f) = read("su", "(to root) bob on pts/0");
        assert_eq!(kind, "linux.auth");
        assert_eq!(f["user"]["effective"]["name"], "root");
        assert_eq!(f["user"]["name"], "bob");
        let (_, f) = read(
            "su",
            "pam_unix(su:session): session opened for user root(uid=0) by bob(uid=1000)",
        );
        assert_eq!(f["event"]["action"], "session_opened");
        assert_eq!(f["user"], json!({"name": "root", "id": 0}));
        assert_eq!(f["linux"]["auth"]["pam_service"], "su:session");
        let (_, f) = read(
            "useradd",
            "new user: name=eve, UID=1001, GID=1001, home=/home/eve, shell=/bin/bash, from=/dev/pts/0",
        );
        assert_eq!(f["event"]["action"], "user_created");
        assert_eq!(f["user"], json!({"name": "eve", "id": 1001}));
        assert_eq!(f["group"]["id"], 1001);
        let (_, f) = read("usermod", "add 'eve' to group 'sudo'");
        assert_eq!(f["event"]["action"], "user_added_to_group");
        assert_eq!(f["group"]["name"], "sudo");
        let (_, f) = read("groupadd", "group added to /etc/group: name=ops, GID=1002");
        assert_eq!(f["group"], json!({"name": "ops", "id": 1002}));
    }

    #[test]
    fn other_programs_are_not_claimed_and_declared_needs_a_message() {
        let mut f = syslog("cron", "(root) CMD (run-parts /etc/cron.hourly)");
        assert_eq!(normalize(None, &mut f).source_type, None);
        let declared = SourceType::new("linux.auth").unwrap();
        let mut f = Map::new();
        let outcome = normalize(Some(&declared), &mut f);
        assert_eq!(outcome.error.unwrap().reason, "no_message");
    }

    /// Filebeat's system/auth test log: every line of a known program is read.
    #[test]
    fn filebeat_auth_log() {
        let Some(dir) = crate::testing::fixture(
            "filebeat_auth_log",
            "linux_auth_syslog/beats_filebeat_system_auth",
        ) else {
            return;
        };
        let text = std::fs::read_to_string(dir.join("test.log")).unwrap();
        let mut actions = std::collections::BTreeMap::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            // `Feb 21 21:54:44 localhost sshd[3402]: message`
            let after_host = line.splitn(5, ' ').nth(4).unwrap();
            let (tag, message) = after_host.split_once(": ").unwrap();
            let (program, pid) = tag.split_once('[').unwrap_or((tag, ""));
            let mut f = syslog(program, message);
            f["log"]["syslog"]["procid"] = pid.trim_end_matches(']').into();
            let outcome = normalize(None, &mut f);
            assert_eq!(outcome.error, None, "{line}");
            let action = f
                .get("event")
                .and_then(|e| e.get("action"))
                .and_then(Value::as_str)
                .unwrap_or("-")
                .to_owned();
            *actions.entry(action).or_insert(0) += 1;
        }
        let actions: Vec<(String, i32)> = actions.into_iter().collect();
        assert!(
            actions.iter().any(|(a, n)| a == "ssh_login" && *n >= 2),
            "{actions:?}"
        );
        assert!(
            actions.iter().any(|(a, _)| a == "sudo_command"),
            "{actions:?}"
        );
        assert!(
            actions.iter().any(|(a, _)| a == "user_created"),
            "{actions:?}"
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_lines_never_panic(program in "(sshd|sudo|su|useradd|usermod|groupadd|passwd)", text in "\\PC{0,200}") {
            let mut f = syslog(&program, &text);
            let outcome = normalize(None, &mut f);
            proptest::prop_assert!(outcome.error.is_none());
        }
    }
}

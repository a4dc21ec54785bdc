"""The receiving end of vigie's notifications in the tests (crates/cli/tests/notify.rs).

A real SMTP server (aiosmtpd) that requires STARTTLS and AUTH and writes each message it
accepts to OUT/mail-*.json, and an HTTP receiver of webhooks that writes each call to
OUT/hook-*.json, answers 503 to its first FAIL_FIRST calls on /hook and 400 on /broken.
Prints "ready" once both listen; stops when its standard input closes.

usage: notify_sink.py SMTP_PORT HOOK_PORT OUT CERT KEY USER PASSWORD FAIL_FIRST
"""
import email
import email.policy
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

smtp_port, hook_port, out, cert, key, user, password, fail_first = sys.argv[1:9]
fail_first = int(fail_first)
lock = threading.Lock()
calls = {"hook": 0}


def record(kind, value):
    name = os.path.join(out, f"{kind}-{time.time_ns()}.json")
    with open(name + ".tmp", "w") as f:
        json.dump(value, f)
    os.rename(name + ".tmp", name)


class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        record("mail", {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "language": str(message["content-language"]),
            "auto_submitted": str(message["auto-submitted"]),
            "text": message.get_content(),
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
        })
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    if (isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password):
        return AuthResult(success=True)
    return AuthResult(success=False, handled=False)


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            calls["hook"] += 1
            n = calls["hook"]
        path, _, query = self.path.partition("?")
        status = 200
        if path == "/broken":
            status = 400
        elif n <= fail_first:
            status = 503
        record("hook", {
            "path": path,
            "query": query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8"),
            "status": status,
        })
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(
    Mailbox(), hostname="127.0.0.1", port=int(smtp_port), tls_context=context,
    require_starttls=True, authenticator=authenticate, auth_required=True,
    auth_require_tls=True, server_hostname="mail.test",
)
controller.start()
http = ThreadingHTTPServer(("127.0.0.1", int(hook_port)), Hook)
threading.Thread(target=http.serve_forever, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
http.shutdown()
controller.stop()

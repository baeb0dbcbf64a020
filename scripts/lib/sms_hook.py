#!/usr/bin/env python3
"""The local stack's "phone": GoTrue's Send SMS HTTP hook, received on loopback and written to a file.

With GOTRUE_HOOK_SEND_SMS_ENABLED=true, GoTrue (supabase/auth v2.196.0) sends no SMS itself. For every code it
would text - a phone sign-in OTP (POST /otp, /signup, phone change) or an MFA phone challenge
(POST /factors/{id}/challenge) - it POSTs a JSON body {"metadata":{...},"user":{...},"sms":{"otp","phone",
"sms_type"}} here (internal/hooks/v0hooks/v0hooks.go SendSMSInput), signed per Standard Webhooks
(internal/hooks/hookshttp/hookshttp.go): headers webhook-id, webhook-timestamp (unix seconds) and
webhook-signature "v1,<base64 HMAC-SHA256(key, '<id>.<timestamp>.<body>')>", where key is the base64 part of the
"v1,whsec_<base64>" secret. Several signatures are joined with ", ". GoTrue's test OTPs (GOTRUE_SMS_TEST_OTP) never
reach the hook; MFA phone challenges always do.

Behaviour (Python 3 standard library only):
  * listens on 127.0.0.1 only;
  * POST with a valid signature and a timestamp within 5 minutes: appends one JSON line
    {"time","phone","otp","sms_type","user_id","webhook_id"} to --record-file (mode 600) and answers
    200 {} (application/json), which GoTrue takes as "sent";
  * missing or bad signature, stale timestamp: 401 {"error":{"http_code":401,"message":...}}, nothing recorded
    (GoTrue turns a 401 from the hook into its own 500 "Hook requires authorization token");
  * body that is not the hook's JSON: 400, nothing recorded; any other method or path: 404/405;
  * the secret is read from --secret-file, so it never shows in the process list;
  * one log line per request on stderr without the code (the stack sends it to logs/sms_hook.log).
"""

import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import os
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECS = 5 * 60
MAX_BODY = 256 * 1024
PATH = "/send-sms"


def hook_key(secret: str) -> bytes:
    """The HMAC key of a "v1,whsec_<base64>" secret."""
    if not secret.startswith("v1,whsec_"):
        raise ValueError("the hook secret must look like v1,whsec_<base64>")
    return base64.b64decode(secret[len("v1,whsec_"):], validate=True)


def signature_ok(key: bytes, msg_id: str, timestamp: str, body: bytes, header: str) -> bool:
    """True when any v1 signature in `header` is the HMAC of '<id>.<timestamp>.<body>'."""
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    for token in header.replace(", ", " ").split():
        version, _, sig = token.partition(",")
        if version == "v1" and hmac.compare_digest(sig.encode(), expected):
            return True
    return False


def timestamp_fresh(timestamp: str, now: float) -> bool:
    return timestamp.isdigit() and abs(now - int(timestamp)) <= TOLERANCE_SECS


class HookHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "latchkey-sms-hook"
    key = b""
    record_file = ""
    write_lock = threading.Lock()
    timeout = 30

    def _answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response_only(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self._status = status

    def _refuse(self, status, message):
        self._answer(status, {"error": {"http_code": status, "message": message}})

    def _record(self, payload, msg_id):
        sms = payload["sms"]
        line = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "phone": sms.get("phone", ""),
            "otp": sms.get("otp", ""),
            "sms_type": sms.get("sms_type", ""),
            "user_id": (payload.get("user") or {}).get("id", ""),
            "webhook_id": msg_id,
        }
        data = (json.dumps(line) + "\n").encode()
        with self.write_lock:
            fd = os.open(self.record_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        return line

    def _receive(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            return self._refuse(400, "a JSON body of at most %d bytes is required" % MAX_BODY)
        body = self.rfile.read(length)
        if self.path != PATH:
            return self._refuse(404, "unknown path")
        msg_id = self.headers.get("webhook-id") or ""
        timestamp = self.headers.get("webhook-timestamp") or ""
        signature = self.headers.get("webhook-signature") or ""
        if not (msg_id and timestamp and signature):
            return self._refuse(401, "missing webhook-id, webhook-timestamp or webhook-signature")
        if not timestamp_fresh(timestamp, time.time()):
            return self._refuse(401, "webhook-timestamp is more than 5 minutes away")
        if not signature_ok(self.key, msg_id, timestamp, body, signature):
            return self._refuse(401, "no matching signature")
        try:
            payload = json.loads(body)
            if not isinstance(payload.get("sms"), dict):
                raise ValueError("no sms object")
        except (ValueError, AttributeError) as exc:
            return self._refuse(400, "not a Send SMS hook payload: %s" % exc)
        line = self._record(payload, msg_id)
        self._note = "recorded sms_type=%s for %s" % (line["sms_type"] or "-", line["phone"])
        self._answer(200, {})

    def do_POST(self):
        start = time.monotonic()
        self._status, self._note = "-", ""
        try:
            self._receive()
        finally:
            sys.stderr.write("%s %s %s %.1fms %s\n" % (
                time.strftime("%Y-%m-%dT%H:%M:%S%z"), self.path, self._status,
                (time.monotonic() - start) * 1000, self._note))
            sys.stderr.flush()

    def _not_allowed(self):
        self._refuse(405, "only POST %s" % PATH)

    do_GET = do_PUT = do_PATCH = do_DELETE = _not_allowed

    def log_message(self, fmt, *args):  # one line per request is written by do_POST
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen-host", default="127.0.0.1")
    ap.add_argument("--listen-port", type=int, required=True)
    ap.add_argument("--secret-file", required=True, help="holds the v1,whsec_... secret GoTrue signs with")
    ap.add_argument("--record-file", required=True, help="JSON lines, one per message received")
    ap.add_argument("--pid-file", help="written after the socket is bound")
    args = ap.parse_args()

    if not ipaddress.ip_address(args.listen_host).is_loopback:
        ap.error("--listen-host must be a loopback address")
    with open(args.secret_file, encoding="ascii") as fh:
        HookHandler.key = hook_key(fh.read().strip())
    HookHandler.record_file = args.record_file

    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer((args.listen_host, args.listen_port), HookHandler)

    def _term(signum, frame):
        sys.stderr.write("sms hook: signal %d, exiting\n" % signum)
        sys.stderr.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGINT, _term)
    if args.pid_file:
        with open(args.pid_file + ".tmp", "w") as fh:
            fh.write("%d\n" % os.getpid())
        os.replace(args.pid_file + ".tmp", args.pid_file)
    sys.stderr.write("sms hook: http://%s:%d%s -> %s\n" % (args.listen_host, args.listen_port, PATH, args.record_file))
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()

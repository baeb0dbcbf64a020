#!/usr/bin/env python3
"""Tiny reverse proxy that gives the local GoTrue the URL shape of a hosted
Supabase project: <project-url>/auth/v1/<path>  ->  http://<gotrue>/<path>.

Why it exists: GoTrue (supabase/auth v2.196.0) mounts its routes at the root
(internal/api/api.go: r.Get("/health"), r.Route("/", ...)) and never strips the
path of API_EXTERNAL_URL; on hosted projects the prefix is removed by Kong.

Behaviour (Python 3 standard library only):
  * listens on 127.0.0.1 only (--listen-host is validated to be loopback);
  * /auth/v1 and /auth/v1/* are forwarded with the prefix removed and the
    query string untouched;
  * GET /signed-in (any query) answers a small static page, "You can close
    this tab and return to Latchkey": the stack's GOTRUE_SITE_URL, where
    GoTrue sends the browser after a SAML ACS error or an OAuth error whose
    flow state is gone. It echoes nothing from the request;
  * every other path gets 404 {"message":"no Route matched with those
    values"} like Kong;
  * method, headers (duplicates kept, hop-by-hop ones dropped), body and the
    upstream status/headers/body are passed through unchanged; redirects
    (3xx) are returned to the client, never followed;
  * adds X-Forwarded-For / X-Forwarded-Proto / X-Forwarded-Prefix;
  * with --require-apikey, a request without an `apikey` header (or
    `?apikey=` query parameter) gets 401 {"message":"No API key found in
    request"} like Kong (off by default);
  * upstream unreachable -> 502 JSON;
  * one access-log line per request on stderr (the stack sends it to
    logs/proxy.log).
"""

import argparse
import http.client
import ipaddress
import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

PREFIX = "/auth/v1"
SITE_PATH = "/signed-in"
SITE_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Latchkey</title></head>
<body style="font-family: sans-serif; margin: 4em auto; max-width: 32em">
<h1>Latchkey</h1>
<p id="latchkey-site">You can close this tab and return to Latchkey.</p>
</body></html>
"""
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
}


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "latchkey-auth-prefix-proxy"
    upstream_host = "127.0.0.1"
    upstream_port = 0
    require_apikey = False
    timeout = 120  # idle keep-alive connections are closed after this

    # -- helpers -----------------------------------------------------------
    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers until empty line
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)  # CRLF after chunk
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if length is not None:
            n = int(length)
            return self.rfile.read(n) if n > 0 else b""
        return None

    def _send_simple(self, status, payload, extra_headers=()):
        data = json.dumps(payload).encode()
        self.send_response_only(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra_headers:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send_site_page(self):
        self.send_response_only(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(SITE_PAGE)))
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(SITE_PAGE)

    def _has_apikey(self, query):
        if self.headers.get("apikey"):
            return True
        return bool(parse_qs(query).get("apikey"))

    # -- main --------------------------------------------------------------
    def _proxy(self):
        self._status = "-"
        path, sep, query = self.path.partition("?")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            upstream_path = path[len(PREFIX):] or "/"
        elif path == SITE_PATH and self.command in ("GET", "HEAD"):
            self._read_body()
            self._status = 200
            self._send_site_page()
            return
        else:
            body = self._read_body()
            self._status = 404
            self._send_simple(404, {"message": "no Route matched with those values"})
            return

        body = self._read_body()

        if self.require_apikey and self.command != "OPTIONS" and not self._has_apikey(query):
            self._status = 401
            self._send_simple(401, {"message": "No API key found in request"})
            return

        target = upstream_path + (sep + query if sep else "")
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            conn.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                lname = name.lower()
                if lname in HOP_BY_HOP or lname == "content-length":
                    continue
                conn.putheader(name, value)
            if "host" not in (k.lower() for k in self.headers.keys()):
                conn.putheader("Host", f"{self.upstream_host}:{self.upstream_port}")
            prior_xff = self.headers.get("X-Forwarded-For")
            client_ip = self.client_address[0]
            if prior_xff is None:
                conn.putheader("X-Forwarded-For", client_ip)
            if self.headers.get("X-Forwarded-Proto") is None:
                conn.putheader("X-Forwarded-Proto", "http")
            conn.putheader("X-Forwarded-Prefix", PREFIX)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            self._status = 502
            self._send_simple(502, {"message": f"auth upstream unavailable: {exc}"})
            return
        conn.close()

        self._status = resp.status
        self.send_response_only(resp.status, resp.reason)
        for name, value in resp.getheaders():
            lname = name.lower()
            if lname in HOP_BY_HOP or lname == "content-length":
                continue
            self.send_header(name, value)
        no_body = self.command == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200
        if self.command == "HEAD":
            cl = resp.getheader("Content-Length")
            if cl is not None:
                self.send_header("Content-Length", cl)
        elif resp.status not in (204, 304) and not 100 <= resp.status < 200:
            self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not no_body:
            self.wfile.write(data)

    def _handle(self):
        start = time.monotonic()
        try:
            self._proxy()
        finally:
            ms = (time.monotonic() - start) * 1000
            sys.stderr.write(
                "%s %s %s %s %s %.1fms\n"
                % (
                    time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    self.client_address[0],
                    self.command,
                    self.path,
                    getattr(self, "_status", "-"),
                    ms,
                )
            )
            sys.stderr.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle

    def log_message(self, fmt, *args):  # access log is written by _handle
        pass

    def log_error(self, fmt, *args):
        sys.stderr.write("proxy error: " + (fmt % args) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen-host", default="127.0.0.1")
    ap.add_argument("--listen-port", type=int, required=True)
    ap.add_argument("--upstream-host", default="127.0.0.1")
    ap.add_argument("--upstream-port", type=int, required=True)
    ap.add_argument("--require-apikey", action="store_true")
    ap.add_argument("--pid-file", help="written after the socket is bound")
    args = ap.parse_args()

    if not ipaddress.ip_address(args.listen_host).is_loopback:
        ap.error("--listen-host must be a loopback address")

    ProxyHandler.upstream_host = args.upstream_host
    ProxyHandler.upstream_port = args.upstream_port
    ProxyHandler.require_apikey = args.require_apikey

    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer((args.listen_host, args.listen_port), ProxyHandler)

    def _term(signum, frame):
        sys.stderr.write("proxy: signal %d, exiting\n" % signum)
        sys.stderr.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGINT, _term)

    if args.pid_file:
        tmp = args.pid_file + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("%d\n" % os.getpid())
        os.replace(tmp, args.pid_file)

    sys.stderr.write(
        "proxy: http://%s:%d%s/* -> http://%s:%d/* (require_apikey=%s)\n"
        % (args.listen_host, args.listen_port, PREFIX, args.upstream_host, args.upstream_port, args.require_apikey)
    )
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()

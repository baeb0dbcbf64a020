#!/usr/bin/env python3
"""Two small proxies for the corporate-network tests (tests/cli/network.rs), Python 3 standard library only.

  net_proxy.py tls --cert server.pem --key server.key --upstream 127.0.0.1:54322
      A TLS-terminating proxy, like a TLS-inspecting firewall: it accepts TLS with the given certificate and
      forwards the decrypted bytes to the upstream over plain TCP.

  net_proxy.py forward
      A forward proxy: HTTP CONNECT tunnels (for https:// targets) and absolute-form plain HTTP requests
      (for http:// targets), one request per connection for plain HTTP.

Both listen on 127.0.0.1 on a free port (or --port), print `listening 127.0.0.1:<port>` first, then one line
per event on stdout (flushed), which the tests count:
  tls:     `tls <peer>` after a completed handshake, `handshake-failed <reason>` when the client refused it;
  forward: `CONNECT <host:port>` or `<METHOD> <absolute url>` for each request carried.
They run until killed.
"""

import argparse
import select
import socket
import socketserver
import ssl
import sys
import threading

LOCK = threading.Lock()


def say(line):
    with LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def relay(a, b):
    """Copies bytes both ways in one thread (an SSL socket must not be read and written from two threads at
    once) until either side closes, then closes both: enough for HTTP, where the end of one side ends the
    exchange."""
    peer = {a: b, b: a}
    try:
        while True:
            ready, _, _ = select.select([a, b], [], [], 600)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                peer[s].sendall(data)
                while isinstance(s, ssl.SSLSocket) and s.pending():
                    peer[s].sendall(s.recv(65536))
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass


def host_port(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


class TlsHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            tls = self.server.context.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            say(f"handshake-failed {getattr(e, 'reason', None) or e}")
            return
        say(f"tls {self.client_address[0]}")
        try:
            upstream = socket.create_connection(self.server.upstream, timeout=10)
        except OSError as e:
            say(f"upstream-failed {e}")
            tls.close()
            return
        upstream.settimeout(None)
        relay(tls, upstream)


class ForwardHandler(socketserver.BaseRequestHandler):
    def read_head(self):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(65536)
            if not chunk:
                return None, b""
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        return head.decode("latin-1"), rest

    def handle(self):
        head, rest = self.read_head()
        if head is None:
            return
        lines = head.split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        if method == "CONNECT":
            say(f"CONNECT {target}")
            try:
                upstream = socket.create_connection(host_port(target), timeout=10)
            except OSError:
                self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            upstream.settimeout(None)
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            relay(self.request, upstream)
            return
        say(f"{method} {target}")
        if not target.startswith("http://"):
            self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        authority, _, path = target[len("http://"):].partition("/")
        headers = [h for h in lines[1:] if h.split(":", 1)[0].strip().lower() not in ("connection", "proxy-connection", "keep-alive")]
        request = "\r\n".join([f"{method} /{path} {version}", *headers, "Connection: close", "", ""]).encode("latin-1")
        try:
            upstream = socket.create_connection(host_port(authority if ":" in authority else authority + ":80"), timeout=10)
        except OSError:
            self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        upstream.settimeout(None)
        upstream.sendall(request + rest)
        relay(self.request, upstream)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    tls = sub.add_parser("tls")
    tls.add_argument("--cert", required=True)
    tls.add_argument("--key", required=True)
    tls.add_argument("--upstream", required=True, help="host:port of the plain-TCP server behind the proxy")
    tls.add_argument("--port", type=int, default=0)
    forward = sub.add_parser("forward")
    forward.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    if args.mode == "tls":
        server = Server(("127.0.0.1", args.port), TlsHandler)
        server.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.context.load_cert_chain(args.cert, args.key)
        server.upstream = host_port(args.upstream)
    else:
        server = Server(("127.0.0.1", args.port), ForwardHandler)
    say(f"listening 127.0.0.1:{server.server_address[1]}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

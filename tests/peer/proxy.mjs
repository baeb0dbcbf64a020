// A TCP forwarder in front of GoTrue's own port for scripts/bench-peer: both clients reach GoTrue through it.
// It reads the HTTP/1.1 request heads going through (bodies are skipped by Content-Length, never kept) and counts
// POST /token?grant_type=refresh_token per client: Latchkey sends `User-Agent: latchkey/…`; auth-js, given its own
// headers, sends no X-Client-Info, so Node's fetch `User-Agent: node` names it. Modes: `forward`; `refuse` (the port is closed: connection refused, open
// connections cut); `reset` (a connection is accepted, its first request head counted, then reset).
import { createServer, connect } from 'node:net';

const HEAD_END = '\r\n\r\n';

function clientOf(head) {
  if (/^user-agent:\s*latchkey\//im.test(head)) return 'latchkey';
  if (/^x-client-info:\s*gotrue-js\//im.test(head) || /^user-agent:\s*node$/im.test(head)) return 'authjs'; // Node's fetch
  return 'other';
}

/** Calls `onHead(requestLine, head)` for every request head in a client's byte stream. */
function headReader(onHead) {
  let text = '';
  let skip = 0; // body bytes still to pass over
  return (chunk) => {
    let s = chunk.toString('latin1');
    if (skip > 0) {
      const n = Math.min(skip, s.length);
      skip -= n;
      s = s.slice(n);
    }
    text += s;
    for (;;) {
      const end = text.indexOf(HEAD_END);
      if (end < 0) return;
      const head = text.slice(0, end);
      const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
      onHead(head.split('\r\n', 1)[0], head);
      const rest = text.slice(end + HEAD_END.length);
      const n = Math.min(length, rest.length);
      skip = length - n;
      text = rest.slice(n);
    }
  };
}

export async function startProxy(upstreamPort, upstreamHost = '127.0.0.1') {
  const counts = { latchkey: 0, authjs: 0, other: 0 };
  const log = []; // { at, client, refused } for each refresh POST
  const sockets = new Set();
  let mode = 'forward';
  let server = null;
  let port = 0;

  const count = (line, head, refused) => {
    if (!/^POST \S*\/token\?grant_type=refresh_token/.test(line)) return;
    const client = clientOf(head);
    counts[client] += 1;
    log.push({ at: Date.now(), client, refused });
  };

  function onConnection(socket) {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (mode === 'reset') {
      socket.on('data', headReader((line, head) => { count(line, head, true); socket.resetAndDestroy(); }));
      return;
    }
    const upstream = connect(upstreamPort, upstreamHost);
    sockets.add(upstream);
    upstream.on('close', () => { sockets.delete(upstream); socket.destroy(); });
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    socket.on('data', headReader((line, head) => count(line, head, false)));
    socket.pipe(upstream);
    upstream.pipe(socket);
  }

  async function listen() {
    server = createServer(onConnection);
    await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    port = server.address().port;
  }

  async function close() {
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const s of sockets) s.destroy(); // pooled keep-alive connections fail too, as in a real outage
    await closed;
    server = null;
  }

  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    log,
    /** forward | refuse | reset */
    async set(next) {
      mode = next;
      if (next === 'refuse') return close();
      for (const s of sockets) s.destroy();
      if (!server) await listen();
    },
    close,
  };
}

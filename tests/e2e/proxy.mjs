// Test instrumentation in front of the real auth stack (not a fake server): every request is forwarded to the real
// GoTrue and recorded (method, path with query, JSON body, answer status); `down()` makes the port refuse connections
// (and cuts open ones), `up()` brings it back on the same port. Bodies stay in this process: never print them.
//
// The app reaches it as its HTTP proxy (LATCHKEY_PROXY=<url>), keeping the stack's own URL: the app checks that each
// access token's `iss` is its auth URL, so a proxy with a URL of its own would (rightly) fail every sign-in. Requests
// in origin form (a plain path) are forwarded to the stack too.
import { Agent, createServer, request } from 'node:http';
import { gunzipSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import { recordTokens } from './leaks.mjs';

const DECODE = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync };

/** Every token in a JSON answer goes to the run's token list, for the leak scan (leaks.mjs). */
function keepTokens(answer, chunks, source) {
  if (!/json/.test(answer.headers['content-type'] ?? '')) return;
  try {
    const raw = Buffer.concat(chunks);
    const decode = DECODE[answer.headers['content-encoding']];
    recordTokens(JSON.parse(decode ? decode(raw) : raw), source);
  } catch { /* not JSON after all: no token to learn */ }
}

export async function startProxy(target = process.env.LATCHKEY_SUPABASE_URL) {
  if (!target) throw new Error('LATCHKEY_SUPABASE_URL is not set: eval "$(scripts/stack env)" first');
  const upstream = new URL(target);
  const records = [];
  const sockets = new Set();
  // Its own pool of connections to the stack, closed by `down()`: pooled keep-alive connections would otherwise keep
  // the test's process alive until GoTrue drops them (minutes).
  const upstreamAgent = new Agent({ keepAlive: true });
  let server = null;
  let port = 0;

  function forward(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json = null;
      try { json = body.length ? JSON.parse(body) : null; } catch { /* not JSON: method and path are enough */ }
      const asked = new URL(req.url, upstream); // absolute form from a proxy client, else a path on the stack
      if (json) recordTokens(json, `${req.method} ${asked.pathname} (sent)`);
      const path = asked.pathname + asked.search;
      if (asked.host !== upstream.host) {
        res.writeHead(403, { 'content-type': 'text/plain' });
        return res.end(`proxy: only ${upstream.host} is forwarded, not ${asked.host}`);
      }
      const entry = { method: req.method, path, body: json, at: Date.now(), status: null };
      records.push(entry);
      const { 'proxy-connection': _, ...headers } = { ...req.headers, host: upstream.host };
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers, agent: upstreamAgent }, (answer) => {
        entry.status = answer.statusCode;
        res.writeHead(answer.statusCode, answer.headers);
        const body = [];
        answer.on('data', (c) => body.push(c));
        answer.on('end', () => keepTokens(answer, body, `${req.method} ${asked.pathname}`));
        answer.pipe(res);
      });
      out.on('error', (e) => {
        entry.status = 502;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: upstream failed: ${e.message}`);
      });
      out.end(body);
    });
  }

  async function up() {
    server = createServer(forward);
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    port = server.address().port;
  }

  async function down() {
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const s of sockets) s.destroy(); // pooled keep-alive connections must fail too, as in a real outage
    upstreamAgent.destroy();
    await closed;
    server = null;
  }

  await up();
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    /** Recorded requests with this method whose path (query included) starts with `prefix`. */
    requests: (method, prefix) => records.filter((r) => r.method === method && r.path.startsWith(prefix)),
    up,
    down,
  };
}

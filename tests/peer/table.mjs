// Turns bench.mjs's results into the one table scripts/bench-peer prints (Markdown, pasted into docs/performance.md).
// Usage as a script: node table.mjs results.json
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { trayTable } from './tray.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, digits = 0) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Number(x).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const mib = (kib) => (kib ? `${fmt(kib / 1024, 1)} MiB` : 'n/a');
/** auth-js ÷ Latchkey: how many times more auth-js costs (or takes). */
const ratio = (ours, theirs) => {
  if (!(ours > 0 && theirs >= 0)) return 'n/a';
  const x = theirs / ours;
  return `${x >= 10 ? fmt(x) : x >= 1 ? fmt(x, 1) : Number(x.toPrecision(2))}×`;
};

export function table(r) {
  const rows = [];
  const add = (metric, ours, theirs, ratioText = '') => rows.push([metric, ours, theirs, ratioText]);
  const rs = r.restore;
  const [ro, rt] = [median(rs.latchkey_ms), median(rs.authjs_ms)];
  add(`1. restore, server unreachable: process start → first signed-in event (median of ${rs.latchkey_ms.length})`, `${fmt(ro, 1)} ms`, `${fmt(rt, 1)} ms`, ratio(ro, rt));
  const rti = median(rs.authjs_in_process_ms);
  const inProcess = r.engine.vault_restore_ms + r.engine.restore_ms;
  add('1. restore, in process: stored session → INITIAL_SESSION (ours: vault restore incl. keychain read + engine start; auth-js: new client incl. storage read)', `${fmt(inProcess, 2)} ms (${fmt(r.engine.vault_restore_ms, 2)} + ${fmt(r.engine.restore_ms, 3)})`, `${fmt(rti, 2)} ms`, ratio(inProcess, rti));
  const c = r.coalesce;
  add('2. 1000 concurrent token requests at expiry → POST /token', `${c.latchkey.posts} (${c.latchkey.distinct_tokens} token, ${c.latchkey.errors} errors)`, `${c.authjs.posts} (${c.authjs.distinct_tokens} token(s), ${c.authjs.errors} errors)`, ratio(c.latchkey.posts, c.authjs.posts));
  const i = r.idle;
  add('3. wakeups per idle minute (context switches, all threads; ours: `latchkey watch --json`, and the engine\'s own wakeups from the engine bench)', `${fmt(i.latchkey.switches)} (${i.latchkey.threads} threads; engine: ${fmt(r.engine.simulated_wakeups, 2)}/min)`, `${fmt(i.authjs.switches)} (${i.authjs.threads} threads; bare Node: ${fmt(i.node.switches)})`, ratio(i.latchkey.switches, i.authjs.switches));
  add('3. CPU time per idle minute (all threads, schedstat)', `${fmt(i.latchkey.cpu_ms, 2)} ms`, `${fmt(i.authjs.cpu_ms, 2)} ms (bare Node: ${fmt(i.node.cpu_ms, 2)} ms)`, ratio(i.latchkey.cpu_ms, i.authjs.cpu_ms));
  const o = r.outage;
  add(`4. ${fmt(o.secs / 60, o.secs % 60 ? 1 : 0)}-minute outage (${r.short_jwt_exp} s tokens): sign-outs`, `${o.latchkey.signed_out}${o.latchkey.still_stored ? ', session kept' : ', session gone'}`, `${o.authjs.signed_out}${o.authjs.still_stored ? ', session kept' : ', session removed'}`);
  add('4. refresh attempts during the outage (POST /token reaching the proxy)', fmt(o.latchkey.attempts), fmt(o.authjs.attempts), ratio(o.latchkey.attempts, o.authjs.attempts));
  add('4. server back → fresh token', o.latchkey.back_s === null ? 'none in 120 s' : `${fmt(o.latchkey.back_s, 1)} s`, o.authjs.back_s === null ? 'none in 120 s' : `${fmt(o.authjs.back_s, 1)} s`, o.latchkey.back_s && o.authjs.back_s !== null ? ratio(o.latchkey.back_s, o.authjs.back_s) : '');
  add('5. memory of the session layer: RSS (PSS)', `${mib(i.latchkey.rss_kib)} (${mib(i.latchkey.pss_kib)})`, `${mib(i.authjs.rss_kib)} (${mib(i.authjs.pss_kib)}); bare Node ${mib(i.node.rss_kib)}`, ratio(i.latchkey.rss_kib, i.authjs.rss_kib));
  const theirHeap = (i.authjs.heap.heapUsed - i.node.heap.heapUsed) / 1024 / 1024;
  const ourHeap = c.latchkey.heap_bytes / 1024 / 1024;
  add('5. heap of the session layer, signed in (ours: bytes live after sign-in and a refresh, counting allocator; auth-js: heapUsed with the client − bare Node, after GC)', `${fmt(ourHeap, 2)} MiB`, `${fmt(theirHeap, 2)} MiB`, ratio(ourHeap, theirHeap));
  const w = r.window;
  const sum = (k) => w.processes.reduce((s, p) => s + (p[k] ?? 0), 0);
  add(`whole app idle, signed in: RSS (PSS) over ${w.processes.length} processes`, `${mib(sum('rss_kib'))} (${mib(sum('pss_kib'))})`, '', '');
  add('whole app idle: wakeups, CPU per minute (all processes)', `${fmt(sum('switches'))}, ${fmt(sum('cpu_ms'))} ms`, '', '');
  add(`cold start → signed-in window (WebDriver launch → #signed-in-user; median of ${w.cold_ms.length})`, `${fmt(median(w.cold_ms))} ms`, '', '');
  const cs = r.cli_start;
  const span = (m) => `${fmt(m.median_ms, 1)} ms (${fmt(m.min_ms, 1)}–${fmt(m.max_ms, 1)}, ${m.runs} runs)`;
  if (cs) add(`6. CLI start: \`${cs.command}\`, process start → output, signed in (hyperfine -N, median)`, span(cs.latchkey), '', '');
  if (cs?.before) add(`6. the same before the split (one binary linking GTK and WebKit: LATCHKEY_BENCH_CLI_BEFORE)`, span(cs.before), '', '');
  if (r.deb) add(`.deb size (${r.deb.built ? 'built by this run' : `existing artefact, built ${r.deb.mtime}`})`, `${fmt(r.deb.bytes)} bytes (${mib(r.deb.bytes / 1024)})`, '', '');
  add('ES256 verifications per second (one core)', fmt(r.engine.es256_per_s), '', '');
  const out = ['| metric | Latchkey | auth-js | ratio (auth-js ÷ Latchkey) |', '|---|---|---|---|', ...rows.map((row) => `| ${row.join(' | ')} |`)];
  if (r.tray) out.push('', 'The resident agent (issue 16):', '', trayTable(r.tray, r.window));
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(table(JSON.parse(readFileSync(process.argv[2], 'utf8'))));

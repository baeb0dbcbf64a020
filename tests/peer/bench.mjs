// Side by side: Latchkey and @supabase/auth-js against the same GoTrue, on the same machine, in one run.
// Run through scripts/bench-peer (it builds, starts two private stacks, and runs this inside a private D-Bus session
// with a keyring and an Xvfb display). Prints one table; the raw figures go to $PEER_OUT/results.json.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxy } from './proxy.mjs';
import { STORAGE_KEY } from './storage.mjs';
import { measureWindow } from './window.mjs';
import { measureTray } from './tray.mjs';
import { sample, between } from './sample.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const need = (name) => process.env[name] ?? fail(`${name} is not set: run scripts/bench-peer`);
function fail(message) { console.error(`bench-peer: ${message}`); process.exit(1); }

const APP = need('LATCHKEY_APP_BIN'); // the window's binary
const CLI = join(dirname(APP), 'latchkey'); // the command line beside it
const OUT = need('PEER_OUT');
const OUTAGE_SECS = Number(process.env.LATCHKEY_BENCH_OUTAGE_SECS ?? 300);
const ROUNDS = Number(process.env.LATCHKEY_BENCH_RESTORE_ROUNDS ?? 9);
const CLI_RUNS = Number(process.env.LATCHKEY_BENCH_CLI_RUNS ?? 30);
const stacks = {
  short: { url: need('PEER_SHORT_URL'), gotrue: Number(need('PEER_SHORT_GOTRUE_PORT')), anon: need('PEER_SHORT_ANON'), service: need('PEER_SHORT_SERVICE'), exp: Number(need('PEER_SHORT_JWT_EXP')) },
  long: { url: need('PEER_LONG_URL'), gotrue: Number(need('PEER_LONG_GOTRUE_PORT')), anon: need('PEER_LONG_ANON'), service: need('PEER_LONG_SERVICE') },
};
mkdirSync(OUT, { recursive: true });
const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LATCHKEY_') && !k.startsWith('PEER_') && !/_proxy$/i.test(k)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (m) => console.error(`bench-peer: ${m}`);

// ---- the two clients ----

let users = 0;
async function user(stack) {
  users += 1;
  const email = `peer-${process.pid}-${users}@example.com`;
  const password = `peer-pw-${process.pid}-${users}`;
  const reply = await fetch(`${stack.url}/auth/v1/admin/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.service}`, apikey: stack.service, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, email_confirm: true }),
  });
  if (!reply.ok) fail(`admin create user: ${reply.status} ${await reply.text()}`);
  return { email, password };
}

/** Latchkey's environment: its own data folder, GoTrue reached through `proxy`, the shared private keyring. */
function ours(name, stack, proxy) {
  const dir = join(OUT, 'latchkey', name);
  mkdirSync(dir, { recursive: true });
  return { dir, env: { ...base, LATCHKEY_DATA_DIR: dir, LATCHKEY_SUPABASE_URL: stack.url, LATCHKEY_SUPABASE_ANON_KEY: stack.anon, LATCHKEY_AUTH_URL: proxy.url } };
}

function theirs(name, stack, proxy) {
  const storage = join(OUT, 'authjs', `${name}.json`);
  mkdirSync(dirname(storage), { recursive: true });
  return { storage, env: { ...base, PEER_URL: proxy.url, PEER_ANON: stack.anon, PEER_STORAGE: storage } };
}

/** Runs a command to its end without blocking this process (the proxies live here). */
export function exec(cmd, args, env, input = '') {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [[], []];
    child.stdout.on('data', (c) => out[0].push(c));
    child.stderr.on('data', (c) => out[1].push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout: Buffer.concat(out[0]).toString(), stderr: Buffer.concat(out[1]).toString() }); });
    child.stdin.end(input);
  });
}

async function oursSignIn(side, who) {
  const r = await exec(CLI, ['sign-in', '--email', who.email, '--password-stdin'], side.env, `${who.password}\n`);
  if (r.status !== 0) fail(`latchkey sign-in: ${r.status} ${r.stderr}`);
}

async function theirsSignIn(side, who) {
  const r = await exec(process.execPath, [join(HERE, 'client.mjs'), 'sign-in'], { ...side.env, PEER_EMAIL: who.email, PEER_PASSWORD: who.password });
  if (r.status !== 0) fail(`auth-js sign-in: ${r.status} ${r.stdout} ${r.stderr}`);
}

/** A child whose stdout is JSON lines: `lines` keeps them with their arrival time, `until` waits for one. */
function run(cmd, args, env, name) {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.pipe(createWriteStream(join(OUT, `${name}.stderr.log`), { flags: 'a' }));
  const lines = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    let json;
    try { json = JSON.parse(text); } catch { return; }
    const line = { at: performance.now(), wall: Date.now(), json };
    lines.push(line);
    for (const w of [...waiters]) if (w.test(json)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child, lines, exited,
    /** The first line (arrived at or after `since`, a Date.now()) that passes `test`. */
    until(test, ms, what, since = 0) {
      const seen = lines.find((l) => l.wall >= since && test(l.json));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no ${what} within ${ms} ms`)), ms);
        waiters.push({ test: (j) => Date.now() >= since && test(j), resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
    async stop() { if (child.exitCode === null) child.kill('SIGTERM'); await exited; },
  };
}

const watchOurs = (side, name) => run(CLI, ['watch', '--json'], side.env, name);
const watchTheirs = (side, name, extra = []) => run(process.execPath, [...extra, join(HERE, 'client.mjs'), 'watch'], side.env, name);
const signedIn = (j) => j.state?.status === 'signed_in' || j.signed_in === true;

// ---- /proc ----

const readOr = (path, fallback) => { try { return readFileSync(path, 'utf8'); } catch { return fallback; } };
const field = (text, name) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text)?.[1] ?? 0);

export function memory(pid) {
  return { rss_kib: field(readOr(`/proc/${pid}/status`, ''), 'VmRSS'), pss_kib: field(readOr(`/proc/${pid}/smaps_rollup`, ''), 'Pss') || null };
}

async function idleMinute(pids, seconds = 60) {
  const first = Object.fromEntries(pids.map(([name, pid]) => [name, sample(pid)]));
  await sleep(seconds * 1000);
  return Object.fromEntries(pids.map(([name, pid]) => [name, { ...between(first[name], sample(pid)), ...memory(pid) }]));
}

// ---- the measurements ----

/** 1. A stored session to the first signed-in event, with the server unreachable (the proxy refuses). */
async function restore() {
  const proxy = await startProxy(stacks.long.gotrue);
  const us = ours('restore', stacks.long, proxy);
  const them = theirs('restore', stacks.long, proxy);
  await oursSignIn(us, await user(stacks.long));
  await theirsSignIn(them, await user(stacks.long));
  await proxy.set('refuse');
  const result = { latchkey_ms: [], authjs_ms: [], authjs_in_process_ms: [] };
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    const w = watchOurs(us, 'restore-latchkey');
    const line = await w.until((j) => j.event === 'INITIAL_SESSION', 20000, 'INITIAL_SESSION');
    if (!signedIn(line.json)) fail(`latchkey restored signed out: ${JSON.stringify(line.json)}`);
    result.latchkey_ms.push(line.at - t);
    await w.stop();

    const t2 = performance.now();
    const c = run(process.execPath, [join(HERE, 'client.mjs'), 'restore'], them.env, 'restore-authjs');
    const seen = await c.until((j) => j.event === 'INITIAL_SESSION', 20000, 'INITIAL_SESSION');
    if (!seen.json.signed_in) fail('auth-js restored no session');
    result.authjs_ms.push(seen.at - t2);
    result.authjs_in_process_ms.push(seen.json.in_process_ms);
    await c.exited;
  }
  await proxy.close();
  return result;
}

/** 2. 1000 concurrent token requests at expiry; POST /token?grant_type=refresh_token counted at the proxy. */
async function coalesce() {
  const proxy = await startProxy(stacks.short.gotrue);
  const [a, b] = [await user(stacks.short), await user(stacks.short)];
  const cargo = run('cargo', ['bench', '-q', '-p', 'latchkey-core', '--bench', 'peer'],
    { ...process.env, PEER_URL: proxy.url, PEER_ANON: stacks.short.anon, PEER_EMAIL: a.email, PEER_PASSWORD: a.password, PEER_JWT_EXP: String(stacks.short.exp) }, 'coalesce-latchkey');
  const node = run(process.execPath, [join(HERE, 'client.mjs'), 'coalesce'], { ...theirs('coalesce', stacks.short, proxy).env, PEER_EMAIL: b.email, PEER_PASSWORD: b.password }, 'coalesce-authjs');
  const [ours1, theirs1] = await Promise.all([cargo.until((j) => 'calls' in j, 300000, 'result'), node.until((j) => 'calls' in j, 60000, 'result')]);
  await Promise.all([cargo.exited, node.exited]);
  await proxy.close();
  // The calls' own window (a refresh the engine or the ticker ran around sign-in is not theirs), and the whole process.
  const posts = (who, r) => proxy.log.filter((e) => e.client === who && e.at >= r.start_ms && e.at <= r.end_ms + 50).length;
  return {
    latchkey: { ...ours1.json, posts: posts('latchkey', ours1.json), posts_whole_process: proxy.counts.latchkey },
    authjs: { ...theirs1.json, posts: posts('authjs', theirs1.json), posts_whole_process: proxy.counts.authjs },
  };
}

/** 3 and 5. Both signed in (1 h tokens), idle for a minute; plus a bare Node process for the baseline. */
async function idle() {
  const proxy = await startProxy(stacks.long.gotrue);
  const us = ours('idle', stacks.long, proxy);
  const them = theirs('idle', stacks.long, proxy);
  await oursSignIn(us, await user(stacks.long));
  await theirsSignIn(them, await user(stacks.long));
  const w = watchOurs(us, 'idle-latchkey');
  const c = watchTheirs(them, 'idle-authjs', ['--expose-gc']);
  const bare = run(process.execPath, ['--expose-gc', join(HERE, 'client.mjs'), 'baseline'], them.env, 'idle-node');
  await Promise.all([w.until((j) => j.event === 'INITIAL_SESSION' && signedIn(j), 20000, 'signed in'), c.until((j) => j.event === 'INITIAL_SESSION' && j.signed_in, 20000, 'signed in'), bare.until((j) => j.ready, 20000, 'ready')]);
  await sleep(10000); // settle: the launch-time GET /user, JIT warm-up
  const figures = await idleMinute([['latchkey', w.child.pid], ['authjs', c.child.pid], ['node', bare.child.pid]]);
  for (const [name, p] of [['authjs', c], ['node', bare]]) {
    p.child.kill('SIGUSR2');
    figures[name].heap = (await p.until((j) => j.memory, 10000, 'memory')).json.memory;
  }
  figures.events = { latchkey: w.lines.map((l) => l.json.event), authjs: c.lines.map((l) => l.json.event) };
  await Promise.all([w.stop(), c.stop(), bare.stop()]);
  await proxy.close();
  return figures;
}

/** 4. Both signed in with short tokens behind one proxy; the proxy resets every connection for OUTAGE_SECS. */
async function outage() {
  const proxy = await startProxy(stacks.short.gotrue);
  const us = ours('outage', stacks.short, proxy);
  const them = theirs('outage', stacks.short, proxy);
  await oursSignIn(us, await user(stacks.short));
  await theirsSignIn(them, await user(stacks.short));
  const w = watchOurs(us, 'outage-latchkey');
  const c = watchTheirs(them, 'outage-authjs');
  await Promise.all([w.until((j) => j.event === 'TOKEN_REFRESHED', 60000, 'a first refresh'), c.until((j) => j.event === 'TOKEN_REFRESHED', 60000, 'a first refresh')]);
  await proxy.set('reset');
  const down = Date.now();
  log(`outage: down for ${OUTAGE_SECS} s`);
  await sleep(OUTAGE_SECS * 1000);
  const during = { latchkey: w.lines.filter((l) => l.wall >= down), authjs: c.lines.filter((l) => l.wall >= down) };
  const storedDuring = { latchkey: existsSync(join(us.dir, 'session.vault')), authjs: STORAGE_KEY in JSON.parse(readOr(them.storage, '{}')) };
  await proxy.set('forward');
  const up = Date.now();
  const back = await Promise.all([w, c].map((p) => p.until((j) => j.event === 'TOKEN_REFRESHED', 120000, 'a refresh after the outage', up)
    .then((l) => (l.wall - up) / 1000, () => null)));
  const attempts = (who) => proxy.log.filter((r) => r.client === who && r.at >= down && r.at < up).length;
  const side = (who, lines, i) => ({
    signed_out: lines.filter((l) => l.json.event === 'SIGNED_OUT').length,
    events: [...new Set(lines.map((l) => l.json.event))],
    still_stored: storedDuring[who],
    attempts: attempts(who),
    back_s: back[i],
  });
  const result = { secs: OUTAGE_SECS, latchkey: side('latchkey', during.latchkey, 0), authjs: side('authjs', during.authjs, 1) };
  await Promise.all([w.stop(), c.stop()]);
  await proxy.close();
  return result;
}

/** 6. `latchkey status`, process start to output, signed in, the server not asked (hyperfine -N, no shell). */
async function cliStart() {
  const proxy = await startProxy(stacks.long.gotrue);
  const us = ours('cli-start', stacks.long, proxy);
  await oursSignIn(us, await user(stacks.long));
  await proxy.set('refuse'); // status reads the vault; nothing it prints comes from the server
  const measure = (bin, name) => {
    const out = join(OUT, `cli-start-${name}.json`);
    const r = spawnSync('hyperfine', ['-N', '--warmup', '3', '--runs', String(CLI_RUNS), '--export-json', out, `${bin} status`], { env: us.env, encoding: 'utf8' });
    if (r.status !== 0) fail(`hyperfine ${bin} status: ${r.status} ${r.stderr}`);
    const { median, min, max, times } = JSON.parse(readFileSync(out, 'utf8')).results[0];
    return { median_ms: median * 1000, min_ms: min * 1000, max_ms: max * 1000, runs: times.length };
  };
  const result = { command: 'latchkey status', latchkey: measure(CLI, 'latchkey') };
  if (process.env.LATCHKEY_BENCH_CLI_BEFORE) result.before = measure(process.env.LATCHKEY_BENCH_CLI_BEFORE, 'before');
  await proxy.close();
  return result;
}

// ---- the run ----

const engine = readOr(need('PEER_ENGINE_OUT'), '') + readOr(need('PEER_RESTORE_OUT'), '');
const num = (re) => Number(re.exec(engine)?.[1]?.replace(/,/g, '') ?? NaN);
const results = {
  short_jwt_exp: stacks.short.exp,
  machine: { cores: Number(spawnSync('nproc', { encoding: 'utf8' }).stdout), load_before: readFileSync('/proc/loadavg', 'utf8').trim(), node: process.version, authjs: JSON.parse(readFileSync(join(HERE, 'node_modules/@supabase/auth-js/package.json'), 'utf8')).version },
  engine: { vault_restore_ms: num(/full restore\s+median\s+([\d.]+)/), restore_ms: num(/restore -> INITIAL_SESSION\s+median\s+([\d.]+)/), es256_per_s: num(/ES256 verifications\s+([\d.]+)/), simulated_wakeups: num(/wakeups per idle minute\s+([\d.]+)/) },
  deb: process.env.PEER_DEB ? { path: process.env.PEER_DEB, bytes: Number(spawnSync('stat', ['-c', '%s', process.env.PEER_DEB], { encoding: 'utf8' }).stdout), mtime: spawnSync('date', ['-u', '-r', process.env.PEER_DEB, '+%Y-%m-%d %H:%M UTC'], { encoding: 'utf8' }).stdout.trim(), built: process.env.PEER_DEB_BUILT === '1' } : null,
};
log('1. restore with the server unreachable');
results.restore = await restore();
log('2. 1000 concurrent token requests at expiry');
results.coalesce = await coalesce();
log(`3-5. outage (${OUTAGE_SECS} s), idle minute and the window, side by side`);
const outageRun = outage();
results.idle = await idle();
results.window = await measureWindow({ app: APP, stack: stacks.long, out: OUT, base, user, sample, between, memory, sleep });
results.outage = await outageRun;
log('6. the command line\'s start (hyperfine)');
results.cli_start = await cliStart();
log('7. the resident agent: idle in the tray, with the window, and after it');
results.tray = await measureTray({ app: APP, stack: stacks.long, out: OUT, base, user, sample, between, sleep });
results.machine.load_after = readFileSync('/proc/loadavg', 'utf8').trim();
writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 2));
const { table } = await import('./table.mjs');
console.log(table(results));

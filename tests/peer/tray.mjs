// Latchkey only: the resident agent idle in the tray (release build, a real tray host from scripts/lib/with-desktop,
// a session restored from the vault with 1 h tokens). Three idle minutes of the app and every process below it:
// 1. started as a login launch (--background), no window ever; 2. with the window opened from the tray (the home
// screen, no WebDriver); 3. after that window was closed again. Per process: context switches and CPU in the minute,
// and memory (RSS, PSS, PSS of anonymous pages, private pages) at its end.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tree, name, measureWindow } from './window.mjs';

const SETTLE_MS = 15000;
const CLOSE_WINDOW = new URL('../e2e/close-window.py', import.meta.url).pathname;

/** From /proc/<pid>/smaps_rollup, in KiB. */
function memoryOf(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s*(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { rss_kib: kib('Rss'), pss_kib: kib('Pss'), pss_anon_kib: kib('Pss_Anon'), private_kib: kib('Private_Clean') + kib('Private_Dirty') };
}

/** One idle minute of `root` and the processes below it (those alive at its start and still alive at its end). */
async function minute(root, { sample, between, sleep }) {
  const first = new Map(tree(root).flatMap((p) => { try { return [[p, sample(p)]]; } catch { return []; } }));
  await sleep(60000);
  return [...first.keys()].flatMap((p) => {
    try {
      return [{ pid: p, name: name(p), ...between(first.get(p), sample(p)), ...memoryOf(p) }];
    } catch {
      return []; // ended during the minute
    }
  });
}

export async function measureTray({ app, stack, out, base, user, sample, between, sleep }) {
  const dir = join(out, 'latchkey', 'tray');
  mkdirSync(dir, { recursive: true });
  const env = { ...base, LATCHKEY_DATA_DIR: dir, LATCHKEY_SUPABASE_URL: stack.url, LATCHKEY_SUPABASE_ANON_KEY: stack.anon };
  const who = await user(stack);
  const r = spawnSync(join(dirname(app), 'latchkey'), ['sign-in', '--email', who.email, '--password-stdin'], { env, input: `${who.password}\n`, encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) throw new Error(`latchkey sign-in for the tray: ${r.stderr}`);
  Object.assign(process.env, { LATCHKEY_APP_BIN: app });
  const { trayItem, children, until } = await import('../e2e/desktop.mjs');
  const log = openSync(join(out, 'tray-app.log'), 'w');
  const child = spawn(app, ['--background'], { env, stdio: ['ignore', log, log] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const result = {};
  try {
    const tray = await trayItem(child.pid, 30000);
    await tray.waitFor('the restored session', () => tray.status().startsWith('Signed in'), 30000);
    await sleep(SETTLE_MS);
    result.never_windowed = await minute(child.pid, { sample, between, sleep });

    tray.click('Open Latchkey');
    await until('the window (a web process)', () => children(child.pid).includes('WebKitWebProces'), 30000);
    await sleep(SETTLE_MS + 5000); // the first paint, the launch-time /user check
    result.window = await minute(child.pid, { sample, between, sleep });
    result.window_signed_in = tray.status().startsWith('Signed in');

    execFileSync('python3', [CLOSE_WINDOW, 'Latchkey']);
    await until('the web process to end', () => !children(child.pid).includes('WebKitWebProces'), 30000);
    await sleep(SETTLE_MS);
    result.after_window = await minute(child.pid, { sample, between, sleep });
    result.still_signed_in = tray.status().startsWith('Signed in');
    tray.click('Quit');
    result.quit_code = await exited;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  return result;
}

// ---- the rows ----

const fmt = (x, digits = 0) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Number(x).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const mib = (kib) => `${fmt(kib / 1024, 1)} MiB`;
const sum = (ps, k) => ps.reduce((s, p) => s + (p[k] ?? 0), 0);
const short = { 'latchkey-deskto': 'app', latchkey: 'app', WebKitNetworkPr: 'network', WebKitWebProces: 'web' };
const each = (ps, f) => ps.map((p) => `${short[p.name] ?? p.name} ${f(p)}`).join(', ');
const memoryText = (ps) => `${mib(sum(ps, 'pss_kib'))} PSS (RSS ${mib(sum(ps, 'rss_kib'))}; private ${mib(sum(ps, 'private_kib'))}; anonymous PSS ${mib(sum(ps, 'pss_anon_kib'))}); ${each(ps, (p) => `${mib(p.pss_kib)}`)}`;
const wakeText = (ps) => `${fmt(sum(ps, 'switches'))}, ${fmt(sum(ps, 'cpu_ms'), 1)} ms (${each(ps, (p) => `${fmt(p.switches)} over ${p.threads} threads`)})`;

/** The resident agent's rows, each beside its goal (issue 16) and the figure before it: | metric | now | goal | before |. */
export function trayTable(t, w) {
  const web = (ps) => ps.find((p) => p.name === 'WebKitWebProces');
  const rows = [
    ['tray idle, signed in, never a window (login launch, `--background`): memory, all processes', memoryText(t.never_windowed), '≤ 80 MiB PSS', '294 MiB PSS with the window (no tray then)'],
    ['tray idle, never a window: wakeups, CPU per minute (all threads)', wakeText(t.never_windowed), '≤ 1 a minute', '132 (`latchkey watch`), 2,379 (whole app with the window)'],
    ['tray idle after the window was opened and closed: memory, all processes', memoryText(t.after_window), '≤ 80 MiB PSS', '294 MiB PSS'],
    ['tray idle after the window was opened and closed: wakeups, CPU per minute', wakeText(t.after_window), '≤ 1 a minute', '2,379'],
    ['window opened from the tray, home screen, idle: web process wakeups per minute (all processes)', `${fmt(web(t.window)?.switches)} (${fmt(sum(t.window, 'switches'))})`, '≤ 200', '1,365 (2,379)'],
  ];
  if (w) {
    const p = web(w.processes);
    rows.push(['window idle through WebDriver (automation on), home screen: web process wakeups per minute (all processes)', `${fmt(p?.switches)} (${fmt(sum(w.processes, 'switches'))})`, '≤ 200', '1,365 (2,379)']);
  }
  return ['| metric | Latchkey | goal | before |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

// ---- alone: node tests/peer/tray.mjs (scripts/bench-tray), against the stack in the environment, as the demo user;
// then the WebDriver window of bench-peer (window.mjs), for its web-process row ----

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { sample, between } = await import('./sample.mjs');
  const out = process.env.PEER_OUT ?? join(process.cwd(), '.state/bench-tray');
  mkdirSync(out, { recursive: true });
  const app = process.env.LATCHKEY_APP_BIN;
  const stack = { url: process.env.LATCHKEY_SUPABASE_URL, anon: process.env.LATCHKEY_SUPABASE_ANON_KEY };
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LATCHKEY_') && !/_proxy$/i.test(k)));
  const user = async () => ({ email: process.env.LATCHKEY_DEMO_EMAIL, password: process.env.LATCHKEY_DEMO_PASSWORD });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  console.error(`bench-tray: ${app}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const t = await measureTray({ app, stack, out, base, user, sample, between, sleep });
  // The window as bench-peer measures it (through WebDriver, automation on), for its web-process row.
  const memory = (pid) => ({ rss_kib: memoryOf(pid).rss_kib, pss_kib: memoryOf(pid).pss_kib });
  const w = await measureWindow({ app, stack, out, base, user, sample, between, memory, sleep });
  console.error(`bench-tray: load after ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  (await import('node:fs')).writeFileSync(join(out, 'tray.json'), JSON.stringify({ tray: t, window: w }, null, 2));
  console.log(trayTable(t, w));
}

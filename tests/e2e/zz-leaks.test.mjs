// The leak scan (named to run last in `npm test`): every token the app obtained during this e2e run (the recording
// proxy saw each answer) is looked for, as bytes, in every file under the app's data, cache and log directories, the
// audit log, the rest of $HOME, what the app and the drivers printed, every IPC reply and event the webviews received
// (the page recorder, drained by the harness), the webview's storage, and the arguments and environment of the app
// and every child process. Zero hits. No command hands a token to a webview (docs/ipc.md): access, refresh and an
// identity provider's own tokens (provider_token, provider_refresh_token: the enterprise run signs in through
// Keycloak) have no exception; a TOTP secret is allowed only in `enrol_totp`'s answer. So that zero means something,
// the recorder must have seen the signed-in user's email inside an auth://state payload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP, startDriver, launch, quit, waitFor, waitText, signIn, logDir, markedPids } from './harness.mjs';
import { dataDir, SERVICE } from './vault.mjs';
import { RUNS_DIR, familyOf, hitsIn, needlesFor, readRun, runDir, scanFiles } from './leaks.mjs';

const email = process.env.LATCHKEY_DEMO_EMAIL;
const password = process.env.LATCHKEY_DEMO_PASSWORD;
const cacheDir = () => join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME, '.cache'), SERVICE);
let driver;

before(async () => { driver = await startDriver(); });
after(async () => { await driver?.stop(); });

/** Runs an async function body in the page; resolves to its value. */
const inPage = (d, body) => d.executeAsyncScript(`
  const done = arguments[arguments.length - 1];
  (async () => { ${body} })().then(done, (e) => done({ thrown: String(e) }));`);

/** Everything the page can read back from its storage, as one string: web storage, cookies, IndexedDB, Cache Storage. */
const STORAGE = `
  const all = (s) => Object.fromEntries(Object.keys(s).map((k) => [k, s.getItem(k)]));
  const dump = { local: all(localStorage), session: all(sessionStorage), cookie: document.cookie, indexedDB: {}, caches: {} };
  for (const { name } of await indexedDB.databases()) {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    for (const store of db.objectStoreNames) {
      const os = db.transaction(store).objectStore(store);
      const get = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
      dump.indexedDB[name + '/' + store] = { keys: await get(os.getAllKeys()), values: await get(os.getAll()) };
    }
    db.close();
  }
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const req of await cache.keys()) dump.caches[name + ' ' + req.url] = await (await cache.match(req)).text();
  }
  return JSON.stringify(dump);`;

/** The app's main process (this run's marker, our binary) and every process under it, plus this run's drivers. */
function runProcesses() {
  const read = (pid, what) => { try { return readFileSync(`/proc/${pid}/${what}`); } catch { return null; } };
  const parent = new Map(readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((pid) => {
    const stat = read(pid, 'stat')?.toString() ?? '';
    return [Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])];
  }));
  const marked = markedPids();
  const apps = marked.filter((pid) => read(pid, 'cmdline')?.toString().startsWith(APP));
  const found = new Set([...marked, ...apps]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parent) if (found.has(ppid) && !found.has(pid)) { found.add(pid); grew = true; }
  }
  return { apps, all: [...found].map((pid) => ({ pid, name: read(pid, 'comm')?.toString().trim(), cmdline: read(pid, 'cmdline'), environ: read(pid, 'environ') }))
    .filter((p) => p.cmdline !== null && p.environ !== null) };
}

const show = (hits) => hits.map((h) => `${h.where}: ${h.needle}`);

test('the scanner finds a planted token in a file (UTF-8 or UTF-16), in part, and in an IPC record', () => {
  const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwbGFudGVkLXVzZXItMTIzNDU2In0.cGxhbnRlZC1zaWduYXR1cmUtZm9yLXRoZS1zY2FuLXRlc3Q';
  const needles = needlesFor([{ kind: 'access_token', value: jwt }, { kind: 'refresh_token', value: 'plantedrefresh42' }]);
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-leak-check-'));
  try {
    writeFileSync(join(dir, 'clean.bin'), Buffer.from('nothing to see here, no token at all'));
    writeFileSync(join(dir, 'utf8.log'), `prefix ${jwt} suffix`);
    writeFileSync(join(dir, 'utf16.sqlite'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('plantedrefresh42', 'utf16le')]));
    writeFileSync(join(dir, 'signature-only'), `sig=${jwt.split('.')[2]}`);
    const scan = scanFiles([dir], needles);
    assert.equal(scan.files, 4);
    assert.deepEqual([...new Set(scan.hits.map((h) => h.where.slice(dir.length + 1)))].sort(), ['signature-only', 'utf16.sqlite', 'utf8.log']);
    assert.ok(scan.hits.some((h) => h.needle === 'refresh_token utf16le'));
    assert.deepEqual(hitsIn(JSON.stringify({ event: 'auth://state', payload: { refresh: 'plantedrefresh42' } }), needles).map((n) => n.family), ['refresh']);
    const jwt2 = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwOi8va2V5Y2xvYWsifQ.cGxhbnRlZC1wcm92aWRlci1zaWduYXR1cmU';
    const provider = needlesFor([{ kind: 'provider_token', value: jwt2 }]);
    assert.ok(provider.length > 0 && provider.every((n) => n.family === 'provider'), 'an identity provider\'s token is its own family');
    assert.ok(hitsIn(`log: ${jwt2.split('.')[2]}`, provider).length > 0, 'and is found, in part too');
    const secrets = needlesFor([{ kind: 'totp_secret', value: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' }, { kind: 'mfa_code', value: '424242' }]);
    assert.deepEqual(hitsIn('key JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP', secrets).map((n) => n.family), ['totp'], 'the grouped form');
    assert.deepEqual(hitsIn('{"code":"424242"}', secrets).map((n) => n.family), ['code']);
    assert.deepEqual(hitsIn('{"at":1764242424299}', secrets), [], 'a code inside a longer number is chance, not a leak');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no token this run obtained is in any file, IPC payload, event, webview storage, process argument or environment', async () => {
  // A last session, live while the webview's storage and the processes are read.
  const d = await launch(driver.url);
  let storage;
  let processes;
  let liveNeedles;
  try {
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    const refused = await inPage(d, 'try { await window.__TAURI_INTERNALS__.invoke("get_access_token"); return "granted"; } catch (e) { return String(e); }');
    assert.match(refused, /not allowed|not found/i, 'no window gets the access token');
    liveNeedles = needlesFor(readRun().tokens);
    assert.ok(liveNeedles.some((n) => n.family === 'access'), 'the live access token is among the tokens looked for');
    storage = await inPage(d, STORAGE);
    assert.equal(typeof storage, 'string', `the page's storage was read: ${JSON.stringify(storage)}`);
    processes = runProcesses();
    await (await waitFor(d, '#sign-out')).click();
    await waitFor(d, '#email');
  } finally {
    await quit(d);
  }
  await driver.stop(); // its output (the app's stdout and stderr) joins the run's record
  driver = null;

  const run = readRun();
  const needles = needlesFor(run.tokens);
  // A one-time code is six digits: in a binary file that is chance, so codes are looked for in text only (the logs,
  // the audit log, what the apps printed, IPC); the TOTP secret (32 characters) everywhere.
  const fileNeedles = needles.filter((n) => n.family !== 'code');
  // What this run must have obtained: the main run's MFA test brings a TOTP secret and codes; the enterprise run
  // (test:enterprise) signs in through Keycloak, which brings an identity provider's own tokens.
  const expected = (process.env.LATCHKEY_LEAK_FAMILIES ?? 'access,code,refresh,totp').split(',').sort();
  const families = new Set(run.tokens.map((t) => familyOf(t.kind)));
  assert.deepEqual([...families].sort(), expected, 'the run obtained every kind of secret it should look for');
  const hits = {};

  // The webview's storage and the live processes.
  hits.storage = hitsIn(storage, liveNeedles).map((n) => ({ where: 'webview storage', needle: n.kind }));
  assert.ok(processes.apps.length === 1, `one app process was running: ${processes.apps}`);
  assert.ok(processes.all.some((p) => /^WebKit(WebProces|NetworkPr)/.test(p.name)), `the app's WebKit children were scanned: ${processes.all.map((p) => p.name)}`);
  hits.processes = processes.all.flatMap((p) => ['cmdline', 'environ'].flatMap((what) =>
    hitsIn(p[what], liveNeedles).map((n) => ({ where: `${p.name} (${p.pid}) ${what}`, needle: n.kind }))));

  // Every file: the audit log first, then the rest of the log directory, the data and cache directories (vault,
  // settings, WebKit's storage and caches), then everything else under $HOME; each file once.
  const seen = new Set();
  const audit = readdirSync(logDir()).filter((n) => n.startsWith('audit')).map((n) => join(logDir(), n));
  const files = {
    audit: scanFiles(audit, needles, seen),
    logs: scanFiles([logDir()], needles, seen),
    data: scanFiles([dataDir()], fileNeedles, seen),
    cache: scanFiles([cacheDir()], fileNeedles, seen),
    home: scanFiles([process.env.HOME], fileNeedles, seen),
  };
  assert.ok(files.audit.files > 0 && files.logs.files > 0, 'the audit log and the app log were scanned');
  assert.ok(files.data.files + files.cache.files > 0, 'the app data and cache directories were scanned');
  for (const [place, scan] of Object.entries(files)) hits[place] = scan.hits;
  hits.output = run.outputs.flatMap((o) => hitsIn(o.bytes, needles).map((n) => ({ where: o.name, needle: n.kind })));
  assert.ok(run.outputs.length > 0, 'what the apps printed was recorded');

  // Every IPC reply and event the webviews received in the run.
  const ipc = run.ipc.filter((r) => r.kind !== 'dropped' && r.kind !== 'drain_failed');
  assert.deepEqual(run.ipc.filter((r) => r.kind === 'dropped'), [], 'the recorder dropped nothing');
  assert.deepEqual(run.ipc.filter((r) => r.kind === 'drain_failed'), [], 'every drain of the page recorder worked');
  // The one reply a TOTP secret may be in: `enrol_totp`'s, to the main window's enrolment screen (in groups).
  const enrolment = (r) => r.kind === 'response' && r.cmd === 'enrol_totp' && r.ok && /^main /.test(r.page);
  const responses = ipc.filter((r) => r.kind === 'response');
  const events = ipc.filter((r) => r.kind === 'event');
  assert.ok(responses.length > 0 && events.length > 0, `IPC was recorded (${responses.length} replies, ${events.length} events): run with the app LATCHKEY_IPC_RECORDER=1 scripts/build makes`);
  // The positive control: the recorder copies what payloads carry, so a token in one would be found like this email.
  const withEmail = events.filter((r) => r.event === 'auth://state' && hitsIn(r.json, needlesFor([{ kind: 'email', value: email }])).length > 0);
  assert.ok(withEmail.length > 0, 'the recorder saw the signed-in user inside an auth://state payload');
  if (expected.includes('totp')) {
    assert.ok(ipc.some((r) => enrolment(r) && hitsIn(r.json, needles).some((n) => n.family === 'totp')), 'the recorder saw the enrolment reply with the secret');
  }
  const except = (r) => (enrolment(r) ? ['totp'] : []);
  hits.ipc = ipc.flatMap((r) => hitsIn(r.json, needles.filter((n) => !except(r).includes(n.family)))
    .map((n) => ({ where: `${r.page} ${r.kind} ${r.cmd ?? r.event}`, needle: n.kind })));

  const total = Object.values(files).reduce((t, s) => ({ files: t.files + s.files, bytes: t.bytes + s.bytes }), { files: 0, bytes: 0 });
  const outputBytes = run.outputs.reduce((n, o) => n + o.bytes.length, 0);
  const allHits = Object.values(hits).flat();
  const count = (family) => new Set(run.tokens.filter((t) => familyOf(t.kind) === family).map((t) => t.value)).size;
  console.log(`# leak scan: tokens=${new Set(run.tokens.map((t) => t.value)).size} (refresh ${count('refresh')}, provider ${count('provider')}) ` +
    `needles=${needles.length} files=${total.files} bytes=${total.bytes} (audit ${files.audit.files}, logs ${files.logs.files}, data ${files.data.files}, cache ${files.cache.files}, home ${files.home.files}) ` +
    `output_bytes=${outputBytes} ipc_replies=${responses.length} events=${events.length} events_with_the_user=${withEmail.length} ` +
    `storage_chars=${storage.length} processes=${processes.all.length} (${[...new Set(processes.all.map((p) => p.name))].join(', ')}) hits=${allHits.length}`);
  for (const [place, found] of Object.entries(hits)) assert.deepEqual(show(found), [], `no token in ${place}`);

  // Passed: the run's record holds live tokens, so it goes (with those of runs whose runner has ended).
  rmSync(runDir(), { recursive: true, force: true });
  for (const name of readdirSync(RUNS_DIR)) {
    let alive = false;
    try { process.kill(Number(name.split('-')[0]), 0); alive = true; } catch (e) { alive = e.code === 'EPERM'; }
    if (!alive) rmSync(join(RUNS_DIR, name), { recursive: true, force: true });
  }
});

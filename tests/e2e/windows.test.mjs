// Several windows, reloads, nothing left behind after sign-out, and the headers the app document is served with.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP, CLI, startDriver, launch, quit, waitFor, waitText, signIn, filesContaining, screenshot, holdIpcDrains, markedPids } from './harness.mjs';
import { readRun } from './leaks.mjs';
import { children, closeWindow, isApp, nameOf, running, trayItem } from './desktop.mjs';

const email = process.env.LATCHKEY_DEMO_EMAIL;
const password = process.env.LATCHKEY_DEMO_PASSWORD;
/** Where WebKit keeps the app's browsing data (and Latchkey its vault): tauri's data and cache dirs. */
const WEBVIEW_DIRS = [join(process.env.HOME, '.local/share/dev.latchkey.desktop'), join(process.env.HOME, '.cache/dev.latchkey.desktop')];
let driver;

before(async () => { driver = await startDriver(); });
after(async () => { await driver?.stop(); });

/** Runs an async function body in the page; resolves to its value, or `{ thrown }`. */
function inPage(d, body, ...args) {
  return d.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    (async (...args) => { ${body} })(...Array.from(arguments).slice(0, -1)).then(done, (e) => done({ thrown: String(e) }));
  `, ...args);
}

/** Calls a command through the page's own IPC, as a compromised script in that window could. */
const invoke = (d, cmd, args = {}) => inPage(d, `
  try { return { ok: true, value: await window.__TAURI_INTERNALS__.invoke(args[0], args[1]) }; }
  catch (e) { return { ok: false, error: String(e?.message ?? e) }; }`, cmd, args);

const webStorage = (d) => inPage(d, `return {
  local: localStorage.length, session: sessionStorage.length, cookie: document.cookie,
  indexedDB: (await indexedDB.databases()).map((db) => db.name), caches: await caches.keys() };`);

/** Polls a condition in the node process (no event to await across processes) until it holds or the deadline passes. */
async function until(what, check, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens the activity window from the main window's Activity tab; resolves to [main, activity] handles. */
async function openActivityWindow(d) {
  const main = await d.getWindowHandle();
  await (await waitFor(d, '#tab-activity')).click();
  await (await waitFor(d, '#open-activity-window')).click();
  const activity = await until('the activity window', async () => (await d.getAllWindowHandles()).find((h) => h !== main));
  await d.switchTo().window(activity);
  assert.match(await d.executeScript('return location.href'), /#\/activity$/);
  await waitFor(d, '#activity-window-title');
  await d.switchTo().window(main);
  return [main, activity];
}

/** Leaves no session behind for the next test, whatever happened in this one. */
function signOutQuietly() {
  try { execFileSync(CLI, ['sign-out'], { stdio: 'ignore', timeout: 30000 }); } catch { /* already signed out */ }
}

test('a second window stays in sync, and gets only the read-only commands', async () => {
  const d = await launch(driver.url);
  try {
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    const [main, activity] = await openActivityWindow(d);

    await d.switchTo().window(activity);
    await waitText(d, '#window-session', `Signed in as ${email}`);
    await waitFor(d, '.activity-row');
    for (const [w, h] of [[800, 600], [1280, 800]]) {
      await d.manage().window().setRect({ width: w, height: h });
      await waitText(d, '#window-session', email);
      await screenshot(d, `activity-window-${w}x${h}`);
    }

    // The capability of this window (capabilities/activity.json) grants reads only.
    assert.equal((await invoke(d, 'get_auth_state')).ok, true, 'the snapshot is granted');
    assert.equal((await invoke(d, 'get_activity')).ok, true, 'the activity list is granted');
    for (const cmd of ['sign_out', 'sign_in_with_password', 'touch', 'open_activity_window', 'set_project']) {
      const reply = await invoke(d, cmd, cmd === 'sign_in_with_password' ? { email, password } : {});
      assert.equal(reply.ok, false, `${cmd} must be refused in the activity window`);
      assert.match(reply.error, /not allowed/i, cmd);
    }
    // No window gets the access token: the command is not granted (nor declared) anywhere (docs/ipc.md).
    for (const handle of [activity, main]) {
      await d.switchTo().window(handle);
      const token = await invoke(d, 'get_access_token');
      assert.equal(token.ok, false, 'get_access_token must be refused');
      assert.match(token.error, /not allowed|not found/i);
    }

    // Sign out in the main window: the activity window shows it, with no trace of the user.
    await (await waitFor(d, '#tab-session')).click();
    await (await waitFor(d, '#sign-out')).click();
    await waitFor(d, '#email');
    await d.switchTo().window(activity);
    await waitText(d, '#window-session', 'You signed out.');
    assert.equal(await d.findElement({ css: '#window-session' }).getAttribute('data-status'), 'signed_out');
    assert.ok(!(await d.getPageSource()).includes(email), 'no email left in the activity window');
    const outRows = (await d.findElements({ css: '.activity-row' })).length;
    await screenshot(d, 'activity-window-signed-out');

    // And back: SIGNED_IN reaches both windows.
    await d.switchTo().window(main);
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    await (await waitFor(d, '#tab-activity')).click();
    await waitText(d, '.activity-row:first-child', 'Signed in');
    await d.switchTo().window(activity);
    await waitText(d, '#window-session', `Signed in as ${email}`);
    await until('the SIGNED_IN row in the activity window', async () => (await d.findElements({ css: '.activity-row' })).length > outRows);
    assert.match(await d.findElement({ css: '.activity-row:first-child' }).getText(), /Signed in/);
    await d.manage().window().setRect({ width: 800, height: 600 });
    await waitText(d, '#window-session', email);
    await screenshot(d, 'activity-window');

    // Closing the activity window (as a window manager's close button does) leaves the main window as it was.
    const held = await holdIpcDrains(d);
    assert.equal(closeWindow('Latchkey — Activity'), '1', 'one window is titled Latchkey — Activity');
    await until('the activity window to close', async () => (await d.getAllWindowHandles()).length === 1);
    held.resume();
    await d.switchTo().window(main);
    await waitText(d, '#signed-in-user', email);
    await openActivityWindow(d);

    // Closing the main window closes the activity window too; the app stays in the tray with no web process, and
    // Quit from the tray ends it cleanly.
    await (await waitFor(d, '#tab-session')).click();
    await (await waitFor(d, '#sign-out')).click();
    await waitFor(d, '#email');
    const pid = markedPids().find((p) => isApp(p) && running(p));
    const tray = await trayItem(pid);
    await holdIpcDrains(d); // the windows end with this close: nothing to resume
    assert.equal(closeWindow('Latchkey'), '1', 'one window is titled Latchkey');
    await until('both windows to close', async () => {
      try { return (await d.getAllWindowHandles()).length === 0; } catch (e) { return /session deleted|no such window|invalid session/i.test(e.message); }
    });
    await until('the web processes to end', () => !children(pid).includes('WebKitWebProces'));
    assert.ok(running(pid), 'Latchkey stays in the tray');
    tray.click('Quit');
    await until('the app to end', () => !running(pid));
    // WebKitWebDriver says "session deleted because of page crash or hang" however the app ended, so whether it
    // crashed is read from the app itself: it says "exiting" on the way out, and a crash never gets there.
    await until('the app to say it exits', async () => driver.logs().toString().includes('latchkey: exiting (quit)'));
    assert.doesNotMatch(driver.logs().toString(), /panicked at|SIGSEGV|SIGABRT|core dumped/, 'the app ended without a crash');
    assert.equal(await quit(d), 0, 'no app process was left to kill');
  } finally {
    await quit(d).catch(() => {});
    signOutQuietly();
  }
});

test('a reload restores the state from the snapshot without ever rendering signed out', async () => {
  const d = await launch(driver.url);
  try {
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    const [main, activity] = await openActivityWindow(d);

    for (const [name, handle, ready] of [['main', main, '#signed-in-user'], ['activity', activity, '#window-session']]) {
      await d.switchTo().window(handle);
      await d.executeScript('window.__beforeReload = true');
      await d.navigate().refresh();
      await waitText(d, ready, email);
      assert.equal(await d.executeScript('return window.__beforeReload'), null, `${name}: a new page was loaded`);
      assert.deepEqual(await d.executeScript('return window.__latchkeyRenders'), ['initializing', 'signed_in'], `${name}: statuses rendered since the reload`);
      assert.equal(await d.executeScript('return document.getElementById("root").dataset.status'), 'signed_in');
    }

    // location.reload() from the page itself behaves the same.
    await d.switchTo().window(main);
    await d.executeScript('window.__beforeReload = true; setTimeout(() => location.reload(), 0)');
    await until('the reloaded page', async () => {
      try { return (await d.executeScript('return window.__beforeReload')) === null; } catch { return false; /* mid-navigation */ }
    });
    await waitText(d, '#signed-in-user', email);
    assert.deepEqual(await d.executeScript('return window.__latchkeyRenders'), ['initializing', 'signed_in']);

    // The trace is honest: signed out, a reload renders signed_out after the neutral screen.
    await (await waitFor(d, '#sign-out')).click();
    await waitFor(d, '#email');
    await d.navigate().refresh();
    await waitFor(d, '#email');
    assert.deepEqual(await d.executeScript('return window.__latchkeyRenders'), ['initializing', 'signed_out']);
  } finally {
    await quit(d);
    signOutQuietly();
  }
});

test('nothing of the user remains in the webview after sign-out and relaunch', async () => {
  let d = await launch(driver.url);
  let needles;
  try {
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    // The live access token, as the recording proxy saw it arrive (no command hands it to the page).
    const token = readRun().tokens.filter((t) => t.kind === 'access_token').at(-1)?.value;
    assert.equal(typeof token, 'string', 'the run recorded the access token of this sign-in');
    needles = [email, token].map((s) => Buffer.from(s));

    // Use the app: both windows, a reload, the activity tab.
    const [main, activity] = await openActivityWindow(d);
    await d.navigate().refresh();
    await waitText(d, '#signed-in-user', email);
    assert.deepEqual(await webStorage(d), { local: 0, session: 0, cookie: '', indexedDB: [], caches: [] }, 'the UI itself stores nothing');

    // Plant what a careless (or injected) script could have stored, so that the clearing is what is tested.
    await inPage(d, `
      const [email, token] = args;
      localStorage.setItem('who', email); localStorage.setItem('token', token); sessionStorage.setItem('who', email);
      document.cookie = 'who=' + encodeURIComponent(email);
      await new Promise((resolve, reject) => {
        const open = indexedDB.open('planted');
        open.onupgradeneeded = () => open.result.createObjectStore('kv');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('kv', 'readwrite');
          tx.objectStore('kv').put(email + ' ' + token, 'session');
          tx.oncomplete = () => { open.result.close(); resolve(); };
        };
      });`, email, token);
    const planted = await webStorage(d);
    assert.equal(planted.local, 2);
    assert.deepEqual(planted.indexedDB, ['planted']);
    await until('the planted data on disk', () => filesContaining(WEBVIEW_DIRS[0], needles).length > 0);

    await (await waitFor(d, '#sign-out')).click();
    await waitFor(d, '#email');
    // The clearing is asynchronous: both windows' live storage empties, then the files.
    const empty = { local: 0, session: 0, cookie: '', indexedDB: [], caches: [] };
    for (const handle of [main, activity]) {
      await d.switchTo().window(handle);
      await until(`empty storage in ${handle === main ? 'main' : 'activity'}`, async () => {
        const now = await webStorage(d);
        return now.local === 0 && now.indexedDB.length === 0 && now.session === 0;
      });
      assert.deepEqual(await webStorage(d), empty);
    }
    assert.deepEqual(filesContaining(WEBVIEW_DIRS[0], needles), [], 'no webview file holds the email or the token while running');
  } finally {
    await quit(d);
    signOutQuietly();
  }
  assert.deepEqual(WEBVIEW_DIRS.flatMap((dir) => filesContaining(dir, needles)), [], 'nothing on disk after quitting');

  d = await launch(driver.url);
  try {
    await waitFor(d, '#email');
    assert.deepEqual(await webStorage(d), { local: 0, session: 0, cookie: '', indexedDB: [], caches: [] });
    const page = await d.getPageSource();
    assert.ok(!page.includes(email), 'the relaunched UI shows no trace of the previous user');
    assert.equal(await (await d.findElement({ css: '#email' })).getAttribute('value'), '');
    assert.deepEqual(await d.executeScript('return window.__latchkeyRenders'), ['initializing', 'signed_out']);
  } finally {
    await quit(d);
  }
  assert.deepEqual(WEBVIEW_DIRS.flatMap((dir) => filesContaining(dir, needles)), [], 'nothing on disk after the relaunch');
});

test('the app document is served with the configured CSP and security headers', async () => {
  const config = JSON.parse(readFileSync(new URL('../../tauri.conf.json', import.meta.url), 'utf8')).app.security;
  const d = await launch(driver.url);
  try {
    await waitFor(d, '#email');
    // The CSP as WebKit received it, from the violation an injected inline script causes.
    const policy = await inPage(d, `return await new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.originalPolicy), { once: true });
      const s = document.createElement('script'); s.textContent = 'window.__injected = 1'; document.body.appendChild(s);
    });`);
    const delivered = Object.fromEntries(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    for (const [directive, sources] of Object.entries(config.csp)) {
      const got = delivered[directive];
      assert.ok(got, `${directive} is delivered`);
      // Tauri adds hashes of its own scripts and styles; nothing else may be added.
      const added = got.filter((s) => !sources.split(' ').includes(s));
      assert.ok(added.every((s) => /^'(sha256|sha384|sha512|nonce)-/.test(s)), `${directive}: unexpected sources ${added}`);
      for (const s of sources.split(' ')) assert.ok(got.includes(s), `${directive} keeps ${s}`);
    }
    assert.deepEqual(Object.keys(delivered).sort(), Object.keys(config.csp).sort());

    // connect-src has no 'self': the page cannot even fetch its own document (so its headers can't be read that way).
    assert.match((await inPage(d, 'await fetch(location.href); return "fetched";')).thrown ?? 'fetched', /TypeError/);

    // X-Content-Type-Options: nosniff. Per the Fetch spec only nosniff blocks a text/html response used as a script;
    // the app's own JavaScript file, same origin and same CSP, loads.
    const load = (src) => inPage(d, `return await new Promise((resolve) => {
      const s = document.createElement('script'); s.src = args[0];
      s.onload = () => resolve('load'); s.onerror = () => resolve('error'); document.head.appendChild(s); });`, src);
    const bundle = await d.executeScript('return document.querySelector("script[src]").getAttribute("src")');
    await d.executeScript('window.onerror = () => true'); // the bundle re-run as a classic script is a SyntaxError
    assert.equal(await load(bundle), 'load', 'a JavaScript file loads as a script');
    assert.equal(await load('/index.html'), 'error', 'an HTML file is refused as a script (nosniff)');
    assert.equal(config.headers['X-Content-Type-Options'], 'nosniff');
  } finally {
    await quit(d);
  }
});

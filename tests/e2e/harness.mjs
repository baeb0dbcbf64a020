// Starts our own tauri-driver on a free port, and launches the real Latchkey binary through it.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Builder, By, until } from 'selenium-webdriver';
import { recordIpc, recordOutput } from './leaks.mjs';
import { startProxy } from './proxy.mjs';
import { freePort } from './ports.mjs';

/** The window's binary (scripts/build prints it); the command line, `latchkey`, is beside it. */
export const APP = process.env.LATCHKEY_APP_BIN;
if (!APP) throw new Error('LATCHKEY_APP_BIN is not set: run through scripts/test');
export const CLI = join(dirname(APP), 'latchkey');


/** Every app this run launches inherits this marker, so leftovers can be found and killed by PID. */
const RUN_MARKER = `LATCHKEY_E2E_RUN=${process.pid}-${Date.now()}`;
process.env.LATCHKEY_E2E_RUN = RUN_MARKER.split('=')[1];

/** PIDs of processes that carry this run's marker in their environment. */
export function markedPids() {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`).includes(RUN_MARKER);
    } catch {
      return false;
    }
  }).map(Number);
}

/** Spawns tauri-driver and resolves once *this* process answers /status. */
export async function startDriver() {
  // Unless the file brings its own, the app talks to the stack through a recording proxy, so the leak scan
  // (zz-leaks.test.mjs) learns every token the app obtains in this run.
  const proxy = process.env.LATCHKEY_PROXY ? null : await startProxy();
  if (proxy) process.env.LATCHKEY_PROXY = proxy.url; // inherited by the app that tauri-driver launches
  const [port, nativePort] = [await freePort(), await freePort()];
  const child = spawn('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => { output.push(chunk); process.stderr.write(chunk); });
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.once('exit', () => child.kill('SIGKILL')); // never leave a driver behind, even on a crash
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    try {
      if ((await fetch(url + 'status')).ok) break;
    } catch { /* not listening yet */ }
    if (i > 200) throw new Error('tauri-driver did not answer within 10 s');
    await new Promise((r) => setTimeout(r, 50)); // polling a port has no event to await
  }
  return {
    url,
    /** Everything the driver and the app it launched have logged so far. */
    logs: () => Buffer.concat(output),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      // An app the WebDriver left running would hold our pipes open: kill it by PID.
      for (const pid of markedPids()) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
      child.stdout.destroy();
      child.stderr.destroy();
      recordOutput(Buffer.concat(output)); // for the leak scan
      if (proxy) {
        await proxy.down();
        delete process.env.LATCHKEY_PROXY;
      }
    },
  };
}

/** Ends a WebDriver session and makes sure the app it launched is gone (by PID), so the next launch is a
 * fresh process: single-instance would otherwise hand it over to the old one. Returns how many were left. */
export async function quit(d) {
  await drainAllWindows(d);
  await d.quit();
  const apps = () => markedPids().filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(APP); } catch { return false; }
  });
  const left = apps();
  for (const pid of left) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  // Wait until they are really gone (a zombie has no environ, so it no longer counts): a launch racing an exiting
  // instance would try to hand its arguments to it over D-Bus.
  for (const deadline = Date.now() + 10000; apps().length > 0;) {
    if (Date.now() > deadline) throw new Error(`app processes still running after quit: ${apps()}`);
    await new Promise((r) => setTimeout(r, 20)); // process exit has no event we can await from here
  }
  return left.length;
}

export async function launch(driverUrl) {
  const d = await new Builder()
    .usingServer(driverUrl)
    .withCapabilities({ browserName: 'wry', 'tauri:options': { application: APP } })
    .build();
  return recordingIpc(d);
}

/** Takes what the page's IPC recorder (ui/src/auth/ipcRecorder.ts, in the app `LATCHKEY_IPC_RECORDER=1 scripts/build` makes) holds. */
const DRAIN_IPC = `const records = window.__latchkeyIpcRecords;
  if (!records) return null;
  const dropped = window.__latchkeyIpcDropped || 0;
  window.__latchkeyIpcDropped = 0;
  return { records: records.splice(0), dropped, page: (window.__TAURI_INTERNALS__.metadata?.currentWebview?.label ?? '?') + ' ' + location.hash };`;

/** What WebDriver answers when the window or the session is already gone: its page and records went with it. */
const WINDOW_GONE = /NoSuchWindowError|NoSuchSessionError|no such window|target window already closed|invalid session id|session deleted/i;

/** Moves the current window's IPC records to the run's file for the leak scan. Never fails a test here: a drain
 * that fails for any reason but a window that is already gone is recorded as `drain_failed`, and the leak scan
 * (zz-leaks.test.mjs) fails on it, since those records were never scanned. */
export async function drainIpc(d) {
  if (d.drainingIpc) return;
  d.drainingIpc = true;
  try {
    const got = await d.executeScript(DRAIN_IPC);
    if (got) recordIpc(got.dropped ? [...got.records, { kind: 'dropped', count: got.dropped }] : got.records, got.page);
  } catch (e) {
    const what = `${e.name}: ${e.message.split('\n')[0]}`;
    if (!WINDOW_GONE.test(what)) recordIpc([{ kind: 'drain_failed', error: what }], '?');
  } finally {
    d.drainingIpc = false;
  }
}

/** Before a window is closed from outside WebDriver (a window manager's close): drains every window, then holds
 * further drains until `resume()`, so no drain script is sent to a page that is going away (WebKitWebDriver can
 * wait long on one, and every later command waits behind it). */
export async function holdIpcDrains(d) {
  await drainAllWindows(d);
  d.drainingIpc = true;
  return { resume: () => { d.drainingIpc = false; } };
}

async function drainAllWindows(d) {
  try {
    const current = await d.getWindowHandle();
    for (const handle of await d.getAllWindowHandles()) {
      await d.switchTo().window(handle);
      await drainIpc(d);
    }
    await d.switchTo().window(current);
  } catch { /* the session or its windows are already gone */ }
}

/** Commands after which a page's records could be lost (it reloads, navigates or closes): drain before each. */
const DRAIN_BEFORE = new Set(['refresh', 'get', 'executeScript', 'executeAsyncScript', 'switchToWindow', 'close', 'quit']);

/** Drains the current window before every command that could end its page, and at least every 250 ms otherwise. */
function recordingIpc(d) {
  const execute = d.execute.bind(d);
  let last = 0;
  d.execute = async (command) => {
    if (!d.drainingIpc && (DRAIN_BEFORE.has(command.getName()) || Date.now() - last > 250)) {
      last = Date.now();
      await drainIpc(d);
    }
    return execute(command);
  };
  return d;
}

export async function waitFor(d, css, timeout = 20000) {
  const el = await d.wait(until.elementLocated(By.css(css)), timeout, `${css} never appeared`);
  await d.wait(until.elementIsVisible(el), timeout);
  return el;
}

export async function waitText(d, css, text, timeout = 20000) {
  const el = await waitFor(d, css, timeout);
  await d.wait(until.elementTextContains(el, text), timeout, `${css} never contained ${text}`);
  return el.getText();
}

export async function signIn(d, email, password) {
  await (await waitFor(d, '#email')).sendKeys(email);
  await (await waitFor(d, '#password')).sendKeys(password);
  await (await waitFor(d, '#sign-in')).click();
}

/** The app's per-user log directory (its log files and the audit log); scripts/lib/isolated puts it in HOME. */
export const logDir = () => join(process.env.XDG_STATE_HOME ?? join(process.env.HOME, '.local/state'), 'dev.latchkey.desktop');

/** Asks for a magic link in the window, as a person would, and waits until the screen says it was sent. */
export async function requestMagicLink(d, email) {
  await (await waitFor(d, '#method-magic-link')).click();
  await (await waitFor(d, '#email')).sendKeys(email);
  await (await waitFor(d, '#send-link')).click();
  await waitFor(d, '#link-sent');
}

/** Every file under dir whose bytes contain any of the needles. */
export function filesContaining(dir, needles) {
  const hits = [];
  const walk = (p) => {
    let st;
    try { st = statSync(p); } catch { return; }
    if (st.isDirectory()) return readdirSync(p).forEach((n) => walk(join(p, n)));
    if (!st.isFile() || st.size > 64 * 1024 * 1024) return;
    const bytes = readFileSync(p);
    if (needles.some((n) => bytes.includes(n))) hits.push(p);
  };
  walk(dir);
  return hits;
}

/** `latchkey status --json` with no display at all: it must not need GTK. */
export function status() {
  const { DISPLAY, WAYLAND_DISPLAY, ...env } = process.env;
  return execFileSync(CLI, ['status', '--json'], { encoding: 'utf8', env });
}

/** Saves what the window shows, so every screen can be looked at after a run. Under Xvfb, WebKit
 * may paint a moment after the DOM changes, so a picture can lag; assertions always read the DOM. */
export async function screenshot(d, name) {
  const dir = process.env.LATCHKEY_SCREENSHOT_DIR ?? '.state/screenshots';
  mkdirSync(dir, { recursive: true });
  // The page's last change is painted once two animation frames have run (a window that draws no frames, hidden in
  // the tray, lets the half-second guard answer instead).
  await d.executeAsyncScript('const done = arguments[arguments.length - 1]; setTimeout(done, 500); requestAnimationFrame(() => requestAnimationFrame(() => done()));');
  writeFileSync(join(dir, `${name}.png`), await d.takeScreenshot(), 'base64');
}

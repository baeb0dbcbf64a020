// The system browser of the sign-in tests: Debian's Chromium under chromedriver (WebDriver). URLs reach it the way
// the app's reach a browser (xdg-open or $BROWSER -> ./browser-wrapper -> this module's inbox), and it acts at
// Keycloak's real pages as a person would. Redirects to a scheme Chromium cannot follow (latchkey://) are read
// from chromedriver's performance log: the exact URL GoTrue redirected to, never a guess.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Builder, By, logging, until } from 'selenium-webdriver';
import chrome from 'selenium-webdriver/chrome.js';
import { freePort } from '../ports.mjs';

export const WRAPPER = join(dirname(fileURLToPath(import.meta.url)), 'browser-wrapper');
const CHROMIUM = process.env.LATCHKEY_TEST_CHROMIUM ?? '/usr/bin/chromium';
const CHROMEDRIVER = process.env.LATCHKEY_TEST_CHROMEDRIVER ?? '/usr/bin/chromedriver';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--no-default-browser-check',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-size=1100,900'];


/** A loopback HTTP server on 127.0.0.1:<free port><path> that queues what reaches it: `take(req, body)` makes the
 * item and `answer` the reply. `next()` resolves with the next item (or one already queued) and rejects after
 * `timeoutMs` naming `what`; `received` counts every item. */
async function startQueue({ path, what, take, answer = '' }) {
  const waiting = [];
  const readers = [];
  let received = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (!req.url.startsWith(path)) { res.statusCode = 404; res.end(); return; }
      received += 1;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(answer);
      const item = take(req, Buffer.concat(chunks).toString());
      const reader = readers.shift();
      if (reader) reader(item); else waiting.push(item);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}${path}`,
    get received() { return received; },
    next(timeoutMs = 15000) {
      if (waiting.length) return Promise.resolve(waiting.shift());
      return new Promise((resolve, reject) => {
        const take = (item) => { clearTimeout(timer); resolve(item); };
        const timer = setTimeout(() => {
          readers.splice(readers.indexOf(take), 1);
          reject(new Error(`${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        readers.push(take);
      });
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The endpoint ./browser-wrapper POSTs URLs to: `next()` gives the next URL the desktop opened. */
export function startInbox() {
  return startQueue({ path: '/open', what: 'no URL reached the test browser', take: (_req, body) => body });
}

/** A loopback redirect target, as the app's loopback listener is: `next()` gives the next full URL requested. */
export function startLoopback() {
  return startQueue({ path: '/cb', what: 'nothing came back to the loopback redirect',
    take: (req) => `http://${req.headers.host}${req.url}`,
    answer: '<!doctype html><title>Back</title><p id="back">Back at the loopback.</p>' });
}

/** Makes `home` a private HOME whose desktop opens http(s) URLs with the wrapper (a .desktop file made the XDG
 * default with xdg-mime), and returns the environment for a process that should use it. With a DISPLAY, xdg-open
 * follows the XDG default; without one it runs $BROWSER, also the wrapper. */
export function browserEnv(home, inboxUrl) {
  const apps = join(home, '.local/share/applications');
  mkdirSync(apps, { recursive: true });
  mkdirSync(join(home, '.config'), { recursive: true });
  writeFileSync(join(apps, 'latchkey-test-browser.desktop'), ['[Desktop Entry]', 'Type=Application',
    'Name=Latchkey test browser', `Exec=${WRAPPER} %u`, 'NoDisplay=true',
    'MimeType=x-scheme-handler/http;x-scheme-handler/https;', ''].join('\n'));
  writeFileSync(join(home, '.latchkey-test-browser-inbox'), inboxUrl);
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'),
    BROWSER: WRAPPER, LATCHKEY_TEST_BROWSER_INBOX: inboxUrl };
  const xdgEnv = { ...withoutDesktop(process.env), ...env };
  for (const scheme of ['http', 'https']) {
    execFileSync('xdg-mime', ['default', 'latchkey-test-browser.desktop', `x-scheme-handler/${scheme}`], { env: xdgEnv });
  }
  return env;
}

/** process.env without what makes xdg-open hand URLs to a desktop environment's own opener (gio, kde-open...). */
export function withoutDesktop(env) {
  const rest = { ...env };
  for (const key of ['XDG_CURRENT_DESKTOP', 'DESKTOP_SESSION', 'GNOME_DESKTOP_SESSION_ID', 'KDE_FULL_SESSION', 'XDG_SESSION_DESKTOP']) {
    delete rest[key];
  }
  return rest;
}

/** Starts chromedriver (own process group, killed with this process) and a fresh Chromium profile. */
export async function startBrowser({ idpUrl = process.env.LATCHKEY_IDP_URL } = {}) {
  const port = await freePort();
  const child = spawn(CHROMEDRIVER, [`--port=${port}`], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const killGroup = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ } };
  process.once('exit', killGroup);
  const serverUrl = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 10000; ;) {
    if (child.exitCode !== null) throw new Error(`chromedriver exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${serverUrl}/status`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error('chromedriver did not answer within 10 s');
    await new Promise((r) => setTimeout(r, 50)); // polling a port has no event to await
  }
  const profile = mkdtempSync(join(tmpdir(), 'latchkey-chromium-'));
  const options = new chrome.Options().setChromeBinaryPath(CHROMIUM)
    .addArguments(...FLAGS, `--user-data-dir=${profile}`);
  if (process.env.LATCHKEY_TEST_BROWSER_HEADFUL !== '1') options.addArguments('--headless=new');
  const prefs = new logging.Preferences();
  prefs.setLevel(logging.Type.PERFORMANCE, logging.Level.ALL);
  options.setLoggingPrefs(prefs);
  const driver = await new Builder().usingServer(serverUrl).forBrowser('chrome').setChromeOptions(options).build();
  return new Browser(driver, new URL(idpUrl).origin, async () => {
    try { await driver.quit(); } finally {
      killGroup();
      process.removeListener('exit', killGroup);
      rmSync(profile, { recursive: true, force: true });
    }
  });
}

/** Keycloak's admin API (LATCHKEY_IDP_* from `scripts/stack env`): forgets every consent `email` gave, so the next
 * sign-in asks again (the realm's clients require consent: the test's "deny" button). */
export async function forgetConsents(email) {
  const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set: eval "$(scripts/stack env)"`); })();
  const idp = env('LATCHKEY_IDP_URL');
  const form = new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli',
    username: env('LATCHKEY_IDP_ADMIN_USER'), password: env('LATCHKEY_IDP_ADMIN_PASSWORD') });
  const { access_token: token } = await (await fetch(`${idp}/realms/master/protocol/openid-connect/token`, { method: 'POST', body: form })).json();
  const admin = `${idp}/admin/realms/${env('LATCHKEY_IDP_REALM')}`;
  const headers = { Authorization: `Bearer ${token}` };
  const [user] = await (await fetch(`${admin}/users?exact=true&email=${encodeURIComponent(email)}`, { headers })).json();
  for (const consent of await (await fetch(`${admin}/users/${user.id}/consents`, { headers })).json()) {
    const res = await fetch(`${admin}/users/${user.id}/consents/${encodeURIComponent(consent.clientId)}`, { method: 'DELETE', headers });
    if (res.status !== 204) throw new Error(`forgetting ${email}'s consent to ${consent.clientId}: HTTP ${res.status}`);
  }
}

/** A navigation the page cannot make (not http/https/data/about/chrome/blob): Chromium aborts it, the log keeps it. */
const FOREIGN_SCHEME = /^(?!https?:|data:|about:|chrome:|blob:|chrome-extension:)[a-z][a-z0-9+.-]*:/i;

class Browser {
  constructor(driver, idpOrigin, quit) {
    this.driver = driver;
    this.idpOrigin = idpOrigin;
    this.quit = quit;
    this.documents = []; // every top-level document request since the last open(): the redirect chain
  }

  /** Loads `url` as a person's click on a link would; the redirect chain starts anew. */
  async open(url) {
    await this.networkEvents(); // drop what earlier pages logged
    this.documents = [];
    await this.driver.get(url);
  }

  /** Performance-log events since the last call, top-level document requests appended to `documents`. */
  async networkEvents() {
    const events = (await this.driver.manage().logs().get(logging.Type.PERFORMANCE)).map((e) => JSON.parse(e.message).message);
    for (const m of events) {
      if (m.method === 'Network.requestWillBeSent' && (m.params.type === 'Document' || FOREIGN_SCHEME.test(m.params.request.url))) {
        this.documents.push(m.params.request.url);
      }
    }
    return events;
  }

  /** Types `username` and `password` into Keycloak's login form and submits it; if Keycloak then asks for consent,
   * answers it ('accept' or 'deny'). Resolves with where the browser ended up (see `landing`). */
  async signIn({ username, password, consent = 'accept', timeoutMs = 30000 }) {
    const d = this.driver;
    await d.wait(until.elementLocated(By.css('form#kc-form-login input#username')), timeoutMs, 'Keycloak login form');
    await d.findElement(By.id('username')).sendKeys(username);
    await d.findElement(By.id('password')).sendKeys(password);
    await d.findElement(By.css('form#kc-form-login #kc-login')).click();
    const first = await this.landing({ timeoutMs, orConsent: true });
    if (!first.consent) return first;
    await d.findElement(By.css(consent === 'deny' ? 'button[name=cancel]' : 'button[name=accept]')).click();
    return { ...(await this.landing({ timeoutMs })), consentAsked: true };
  }

  /** Waits until the browser has left the identity provider and resolves with
   *   { url, followed, documents }: `url` is the page it shows (followed: true) or, for a redirect to a scheme it
   *   cannot open such as latchkey://, that redirect's exact URL (followed: false); `documents` is the chain.
   * With `orConsent`, Keycloak's consent page also ends the wait ({ consent: true }). A stop at the IdP (wrong
   * password, an IdP error page) fails after `timeoutMs` with the page's URL and message. */
  async landing({ timeoutMs = 30000, orConsent = false } = {}) {
    const d = this.driver;
    let found;
    try {
      await d.wait(async () => {
        try {
          await this.networkEvents();
          const foreign = this.documents.find((u) => FOREIGN_SCHEME.test(u));
          if (foreign) return (found = { url: foreign, followed: false });
          if (orConsent && (await d.findElements(By.css('button[name=accept]'))).length) return (found = { consent: true });
          const url = await d.getCurrentUrl();
          if (new URL(url).origin === this.idpOrigin || url.startsWith('data:') || url === 'about:blank') return false;
          if ((await d.executeScript('return document.readyState')) !== 'complete') return false;
          return (found = { url, followed: true });
        } catch (err) {
          if (err.name === 'NoSuchSessionError') throw err;
          return false; // a page going away mid-command: look again
        }
      }, timeoutMs);
    } catch (err) {
      const where = await d.getCurrentUrl().catch(() => '?');
      const shown = await d.findElement(By.css('body')).getText().catch(() => '');
      throw new Error(`the browser did not leave the identity provider within ${timeoutMs} ms; it shows ${where}: `
        + `${shown.replace(/\s+/g, ' ').slice(0, 300)} (chain: ${this.documents.join(' -> ')})`, { cause: err });
    }
    await this.networkEvents(); // what was logged while the last page loaded
    return { ...found, documents: [...this.documents] };
  }

  /** The visible text of the current page. */
  async text() {
    return this.driver.findElement(By.css('body')).getText();
  }

  async screenshot(file) {
    writeFileSync(file, await this.driver.takeScreenshot(), 'base64');
  }
}

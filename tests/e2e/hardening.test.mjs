// The locked-down webview: the CSP stops injected inline scripts, and IPC refuses what the capability does not grant.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDriver, launch, quit, waitFor } from './harness.mjs';

let driver;
before(async () => { driver = await startDriver(); });
after(async () => { await driver?.stop(); });

test('an injected inline script does not run, and the CSP reports it', async () => {
  const d = await launch(driver.url);
  try {
    await waitFor(d, '#email');
    const outcome = await d.executeAsyncScript(`
      const done = arguments[arguments.length - 1];
      document.addEventListener('securitypolicyviolation', (e) => done({ ran: window.__injected === 1, blocked: e.violatedDirective }), { once: true });
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1';
      document.body.appendChild(s);
    `);
    assert.equal(outcome.ran, false);
    assert.match(outcome.blocked, /script-src/);
  } finally {
    await quit(d);
  }
});

test('a command the capability does not grant is refused', async () => {
  const d = await launch(driver.url);
  try {
    await waitFor(d, '#email');
    const call = (cmd, args) => d.executeAsyncScript(`
      const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(() => done({ ok: true }), (e) => done({ ok: false, error: String(e) }));
    `, cmd, args);
    const granted = await call('get_auth_state', {});
    assert.equal(granted.ok, true, 'the granted command works');
    const refused = await call('plugin:store|load', { path: 'settings.json' });
    assert.equal(refused.ok, false);
    assert.match(refused.error, /not allowed/i);
  } finally {
    await quit(d);
  }
});

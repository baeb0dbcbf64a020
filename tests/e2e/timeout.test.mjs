// The absolute session timeout in the real window: a 12 s limit (set like an admin would shorten it) signs out and says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDriver, launch, quit, waitFor, waitText, signIn, screenshot } from './harness.mjs';
import { keychainKey, vaultFileExists } from './vault.mjs';

process.env.LATCHKEY_MAX_SESSION_AGE = '12s'; // inherited by the app that tauri-driver launches
let driver;
before(async () => { driver = await startDriver(); });
after(async () => { await driver?.stop(); });

test('the session ends at its deadline, the vault is wiped, and the screen says why', async () => {
  const d = await launch(driver.url);
  try {
    await signIn(d, process.env.LATCHKEY_DEMO_EMAIL, process.env.LATCHKEY_DEMO_PASSWORD);
    await waitText(d, '#signed-in-user', process.env.LATCHKEY_DEMO_EMAIL);
    await waitFor(d, '#expiring-banner');
    await waitText(d, '#signed-out-reason', 'time limit', 30000);
    await screenshot(d, 'signed-out-timeout');
    assert.equal(keychainKey(), null);
    assert.equal(vaultFileExists(), false);
  } finally {
    await quit(d);
  }
});

// Managed policy in the real window: locked settings say "Managed by your organization" and can't be edited,
// a user's own setting is saved for the next launch, and an invalid policy file is named with its problem.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { By } from 'selenium-webdriver';
import { APP, startDriver, launch, quit, waitFor, waitText, screenshot } from './harness.mjs';
import { dataDir } from './vault.mjs';

const policyFile = join(mkdtempSync(join(tmpdir(), 'latchkey-policy-')), 'policy.json');
process.env.LATCHKEY_POLICY_PATH = policyFile; // honoured by debug builds only; inherited by the app
const settingsFile = join(dataDir(), 'settings.json');
let driver;
before(async () => { driver = await startDriver(); });
after(async () => {
  await driver?.stop();
  rmSync(settingsFile, { force: true }); // the other files of this run expect no user settings
});

const writePolicy = (policy) => writeFileSync(policyFile, typeof policy === 'string' ? policy : JSON.stringify(policy));
const policyReport = () => JSON.parse(execFileSync(APP, ['policy', '--json'], { encoding: 'utf8' }));

test('locked settings are shown as managed and disabled; a user setting is saved for the next launch', async () => {
  writePolicy({
    managed: { idle_timeout: '30m', allowed_sign_in_methods: ['password'], allow_sign_up: false },
    recommended: { max_session_age: '8h' },
  });
  const d = await launch(driver.url);
  try {
    await waitFor(d, '#password');
    const loaded = async () => (await d.findElements(By.css('#sign-in-options-loading'))).length === 0;
    await d.wait(loaded, 20000, 'the sign-in options never loaded');
    // The screen falls back to "password only, no sign-up" when the server can't be asked, so first prove the
    // server answered: the options are the server's /settings narrowed by this policy, not that fallback.
    const options = await d.executeAsyncScript(`const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke('get_sign_in_options').then(done, (e) => done({ failed: e }));`);
    assert.deepEqual(options, { password: true, emailCode: false, magicLink: false, phone: false, oauthProviders: [], sso: null, allowSignUp: false },
      'the sign-in options come from the real server, narrowed by the policy');
    assert.equal((await d.findElements(By.css('#method-email-code'))).length, 0, 'only the password method is offered');
    assert.equal((await d.findElements(By.css('#create-account'))).length, 0, 'sign-up is not offered');
    await (await waitFor(d, '#show-settings')).click();
    await waitText(d, '#policy-status', policyFile);
    const idle = await waitFor(d, '#setting-idle_timeout');
    assert.equal(await idle.isEnabled(), false);
    assert.equal(await idle.getAttribute('value'), '30m');
    assert.equal(await (await waitFor(d, '#setting-idle_timeout-hint')).getText(), 'Managed by your organization');
    assert.match(await (await waitFor(d, 'tr[data-key="max_session_age"]')).getText(), /8h\s*Recommended by your organization/);

    const age = await waitFor(d, '#setting-max_session_age');
    assert.equal(await age.isEnabled(), true, 'a recommended value is the user\'s to change');
    await age.sendKeys('4h');
    await (await waitFor(d, '#save-settings')).click();
    await waitText(d, '#settings-restart', 'next time Latchkey starts');
    assert.match(await (await waitFor(d, 'tr[data-key="max_session_age"]')).getText(), /4h\s*Your setting/);
    await screenshot(d, 'settings-managed');
  } finally {
    await quit(d);
  }
  assert.equal(JSON.parse(readFileSync(settingsFile, 'utf8')).max_session_age, '4h');
  const report = policyReport().values;
  assert.deepEqual([report.max_session_age.value, report.max_session_age.source], ['4h', 'user']);
  assert.deepEqual([report.idle_timeout.value, report.idle_timeout.source], ['30m', 'managed']);
});

test('an invalid policy file is named with its problem, and nobody can sign in', async () => {
  writePolicy('{"managed": {"max_session_age": "48h"}}');
  const d = await launch(driver.url);
  try {
    const alert = await waitText(d, '#policy-error', policyFile);
    assert.match(alert, /48h/);
    await waitFor(d, '#no-sign-in-methods');
    assert.equal((await d.findElements(By.css('#password'))).length, 0, 'the security keys fail closed');
    await screenshot(d, 'policy-error');
  } finally {
    await quit(d);
  }
});

// Launch at login: the Settings switch writes a valid XDG autostart entry (desktop-file-validate), its Exec line
// starts Latchkey hidden in the tray and restores the session (then refreshes it), switching off removes the entry;
// a managed policy forces it either way, the screen says "Managed by your organization", and a login launch while it
// is off ends at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP, startDriver, launch, quit, waitFor, waitText } from '../harness.mjs';
import { startProxy } from '../proxy.mjs';
import { children, signInCli, startApp, trayItem, until } from '../desktop.mjs';

const email = process.env.LATCHKEY_DEMO_EMAIL;
const ENTRY = join(process.env.XDG_CONFIG_HOME ?? join(process.env.HOME, '.config'), 'autostart', 'Latchkey.desktop');
const policyFile = join(mkdtempSync(join(tmpdir(), 'latchkey-policy-')), 'policy.json'); // none until the second test
process.env.LATCHKEY_POLICY_PATH = policyFile; // honoured by debug builds only; tauri-driver passes it to the apps
let driver;
let proxy;

before(async () => {
  proxy = await startProxy();
  process.env.LATCHKEY_PROXY = proxy.url; // inherited by the apps tauri-driver launches
  driver = await startDriver();
});
after(async () => {
  await driver?.stop();
  await proxy?.down();
  rmSync(ENTRY, { force: true });
});

/** Opens Settings from the sign-in screen and returns the launch-at-login switch. */
async function launchAtLoginSwitch(d) {
  await (await waitFor(d, '#show-settings')).click();
  return waitFor(d, '#setting-launch_at_login');
}

/** desktop-file-validate's verdict: '' when the entry is valid. */
function validate(file) {
  try {
    return execFileSync('desktop-file-validate', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) { return `exit ${e.status}: ${e.stdout}${e.stderr}`; }
}

const refreshedSince = (t) => proxy.requests('POST', '/auth/v1/token?grant_type=refresh_token').some((r) => r.at >= t && r.status === 200);

test('switching launch at login on writes an entry whose command starts Latchkey in the tray and restores the session; off removes it', async () => {
  let d = await launch(driver.url);
  try {
    const toggle = await launchAtLoginSwitch(d);
    assert.equal(await toggle.isSelected(), false);
    assert.equal(existsSync(ENTRY), false);
    await toggle.click();
    await until('the autostart entry', () => existsSync(ENTRY));
    await d.wait(async () => (await waitFor(d, '#setting-launch_at_login')).isSelected(), 10000);
  } finally {
    await quit(d);
  }
  assert.equal(validate(ENTRY), '', 'desktop-file-validate accepts the entry');
  const exec = readFileSync(ENTRY, 'utf8').match(/^Exec=(.*)$/m)[1];
  assert.equal(exec, `${APP} --background --login`);

  // As the desktop does at login: run the entry's command (the plugin writes it unquoted: split at spaces).
  await signInCli();
  const [program, ...args] = exec.split(' ');
  const started = Date.now();
  const app = startApp({}, args, program);
  try {
    const tray = await trayItem(app.pid);
    await tray.waitFor('the restored session in the tray', () => tray.status().startsWith(`Signed in · ${email}`));
    await until('a refresh after the restore', () => refreshedSince(started), 20000);
    assert.deepEqual(children(app.pid).filter((c) => c.startsWith('WebKit')), [], 'hidden: no window, no WebKit process');
    tray.click('Sign out');
    await tray.waitFor('signed out', () => tray.status().startsWith('Signed out'));
    tray.click('Quit');
    assert.equal((await app.exited).code, 0);
    assert.match(app.output(), /latchkey: exiting \(quit\)/);
  } finally {
    await app.kill();
  }

  d = await launch(driver.url);
  try {
    const toggle = await launchAtLoginSwitch(d);
    assert.equal(await toggle.isSelected(), true);
    await toggle.click();
    await until('the autostart entry to go', () => !existsSync(ENTRY));
  } finally {
    await quit(d);
  }
});

test('a managed policy forces launch at login either way, and the screen says so', async () => {
  try {
    for (const forced of [true, false]) {
      writeFileSync(policyFile, JSON.stringify({ managed: { launch_at_login: forced } }));
      const d = await launch(driver.url);
      try {
        const toggle = await launchAtLoginSwitch(d);
        assert.equal(await toggle.isSelected(), forced);
        assert.equal(await toggle.isEnabled(), false, 'a managed switch cannot be flipped');
        assert.equal(await (await waitFor(d, '#setting-launch_at_login-hint')).getText(), 'Managed by your organization');
        await waitText(d, 'tr[data-key="launch_at_login"]', 'Managed by your organization');
        await until(`the entry ${forced ? 'written' : 'removed'} at start`, () => existsSync(ENTRY) === forced);
        if (forced) assert.equal(validate(ENTRY), '');
      } finally {
        await quit(d);
      }
    }
    // The packages' system-wide entry runs this for every user: with launch at login off it ends at once.
    const app = startApp({}, ['--background', '--login']);
    const { code } = await app.exited;
    assert.equal(code, 0);
    assert.doesNotMatch(app.output(), /starting/, 'nothing was started');
  } finally {
    rmSync(policyFile, { force: true });
  }
});

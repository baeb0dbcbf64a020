// Notifications through the real notification service (dunst, read back with dunstctl): with 6 s tokens and a short
// LATCHKEY_MAX_SESSION_AGE, the warnings before the deadline, "can't reach the server" after the token expired
// offline, and the sign-out with its reason, each once, in plain words, never a token or the e-mail; clicking a
// warning opens the window and closes the notification; with the setting off, none at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProxy } from '../proxy.mjs';
import { needlesFor, hitsIn, readRun } from '../leaks.mjs';
import { dataDir } from '../vault.mjs';
import { children, displayed, lastNotification, notifications, screenshotNotifications, signInCli, startApp, trayItem, until } from '../desktop.mjs';

const email = process.env.LATCHKEY_DEMO_EMAIL;
let proxy;
before(async () => { proxy = await startProxy(); });
after(async () => { await proxy?.down(); });

const SIGN_IN_AGAIN = 'Sign in again now so you aren\'t interrupted.';

test('the warnings, offline after expiry and the sign-out notice appear once each, in plain words, with no token', async () => {
  const env = { ...process.env, LATCHKEY_PROXY: proxy.url, LATCHKEY_MAX_SESSION_AGE: '130s' };
  const since = lastNotification();
  await signInCli(env);
  const app = startApp(env);
  try {
    const tray = await trayItem(app.pid);
    await tray.waitFor('the restored session in the tray', () => tray.status().startsWith(`Signed in · ${email} · 2 min left`));
    // The server goes away until the 6 s access token has expired: one "can't reach" however many retries fail.
    await proxy.down();
    await tray.waitFor('the reconnecting tray', () => tray.status().startsWith('Reconnecting'));
    await until('the offline notification', () => notifications(since).some((n) => n.summary === "Latchkey can't reach the server"), 20000);
    await proxy.up();
    await tray.waitFor('the tray signed in again', () => tray.status().startsWith('Signed in'));

    // The last-minute warning: its action (picked in dunst's menu of actions, as a person would) opens the window,
    // and the app closes the notification.
    notifications(); // what was on screen goes to the history
    await until('the last-minute warning on screen', () => displayed() === 1, 90000);
    await screenshotNotifications('notification-last-minute');
    assert.deepEqual(children(app.pid).filter((c) => c === 'WebKitWebProces'), [], 'no window yet');
    const menu = pickAction('Your session ends in 1 minute');
    assert.match(menu, /#Sign in again \(Your session ends in 1 minute\) \[\d+,default\]/, `the warning's actions: ${menu}`);
    assert.match(menu, /#Sign in again \(Your session ends in 1 minute\) \[\d+,open\]/);
    await until('the window to open', () => children(app.pid).includes('WebKitWebProces'));
    await until('the clicked notification to close', () => displayed() === 0);

    await tray.waitFor('the sign-out at the deadline', () => tray.status() === 'Signed out · time limit reached', 90000);
    await until('the sign-out notice', () => notifications(since).some((n) => n.summary === 'You were signed out'));
    const shown = notifications(since);
    assert.deepEqual(shown.map((n) => [n.appname, n.summary, n.body]), [
      ['Latchkey', 'Your session ends in 2 minutes', SIGN_IN_AGAIN],
      ['Latchkey', "Latchkey can't reach the server", 'Your access expired while offline. You are still signed in, and Latchkey reconnects by itself.'],
      ['Latchkey', 'Your session ends in 1 minute', SIGN_IN_AGAIN],
      ['Latchkey', 'You were signed out', 'Your session reached its time limit. Sign in again to continue.'],
    ]);
    const needles = needlesFor(readRun().tokens);
    assert.ok(needles.length > 0, 'the tokens of this run are known');
    const text = JSON.stringify(shown);
    assert.deepEqual(hitsIn(text, needles).map((n) => n.kind), [], 'no token in any notification');
    assert.ok(!text.includes(email) && !text.includes('@'), 'no e-mail address in any notification');
  } finally {
    await app.kill();
  }
});

test('with notifications off in the settings, the same session shows none', async () => {
  const settings = join(dataDir(), 'settings.json');
  writeFileSync(settings, JSON.stringify({ notifications: false }));
  const env = { ...process.env, LATCHKEY_PROXY: proxy.url, LATCHKEY_MAX_SESSION_AGE: '70s', LATCHKEY_LOG: 'debug' };
  const since = lastNotification();
  await signInCli(env);
  const app = startApp(env);
  try {
    const tray = await trayItem(app.pid);
    await tray.waitFor('the restored session', () => tray.status().startsWith('Signed in'));
    await proxy.down();
    await tray.waitFor('the reconnecting tray', () => tray.status().startsWith('Reconnecting'));
    await proxy.up();
    await tray.waitFor('the sign-out at the deadline', () => tray.status() === 'Signed out · time limit reached', 90000);
    assert.match(app.output(), /notifications are off/, 'the app had notifications to show and did not');
    assert.deepEqual(notifications(since), [], 'nothing was shown');
  } finally {
    await app.kill();
    rmSync(settings, { force: true });
  }
});

/** Invokes the first action of the notification on screen whose text contains `text`, through dunst's context menu
 * (scripts/lib/with-desktop's recording dmenu picks it); returns the menu dunst offered. */
function pickAction(text) {
  const logs = process.env.LATCHKEY_DESKTOP_LOGS;
  rmSync(join(logs, 'dunst-menu.txt'), { force: true });
  writeFileSync(join(logs, 'dunst-pick'), text);
  execFileSync('dunstctl', ['context']);
  return execFileSync('bash', ['-c', `for i in $(seq 100); do [ -s "$1" ] && cat "$1" && exit; sleep 0.05; done; exit 1`, '-', join(logs, 'dunst-menu.txt')], { encoding: 'utf8' });
}

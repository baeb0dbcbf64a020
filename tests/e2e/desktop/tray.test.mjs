// The tray on a real tray host (status-notifier-watcher + the drawn gtk-sni-tray): the item registers, its icon and
// first line follow sign-in, refresh (offline, reconnecting, back) and sign-out, its menu works over dbusmenu, closing
// the window leaves the process in the tray with no web process, and Open makes the window again, signed in.
// Needs 6 s access tokens (scripts/test's short-token phase) for the offline and reconnecting states.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { APP, startDriver, launch, quit, waitFor, waitText, signIn, markedPids, holdIpcDrains } from '../harness.mjs';
import { startProxy } from '../proxy.mjs';
import { children, closeWindow, nameOf, running, screenshotTrayMenu, trayItem, until } from '../desktop.mjs';

const email = process.env.LATCHKEY_DEMO_EMAIL;
const password = process.env.LATCHKEY_DEMO_PASSWORD;
let driver;
let proxy;

before(async () => {
  proxy = await startProxy();
  process.env.LATCHKEY_PROXY = proxy.url; // inherited by the app that tauri-driver launches
  driver = await startDriver();
});
after(async () => {
  await driver?.stop();
  await proxy?.down();
});

/** The app process this test's WebDriver session launched. */
const appPid = () => markedPids().find((pid) => {
  try { return execFileSync('cat', [`/proc/${pid}/cmdline`], { encoding: 'utf8' }).startsWith(APP); } catch { return false; }
});

test('the tray follows the session, its menu works, and the window closes into it and opens from it', async () => {
  const d = await launch(driver.url);
  try {
    const pid = await until('the app process', appPid);
    const tray = await trayItem(pid);
    await tray.waitFor('the signed-out tray', () => tray.status() === 'Signed out' && tray.icon() === 'signed-out');
    assert.deepEqual(tray.layout().map((e) => [e.label, e.enabled]), [['Signed out', false], ['Open Latchkey', true], ['Sign out', false], ['Quit', true]]);

    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    await tray.waitFor('the signed-in tray', () => tray.status() === `Signed in · ${email} · 23 h left` && tray.icon() === 'signed-in');
    assert.equal(tray.layout().find((e) => e.label === 'Sign out').enabled, true);
    await screenshotTrayMenu('tray-menu-signed-in');

    // Refreshing fails: offline while the token lasts, reconnecting once it expired, signed in again when it works.
    await proxy.down();
    await tray.waitFor('the offline tray', () => tray.status().startsWith(`Offline · ${email}`) && tray.icon() === 'busy');
    await tray.waitFor('the reconnecting tray', () => tray.status().startsWith(`Reconnecting · ${email}`) && tray.icon() === 'busy');
    await proxy.up();
    await tray.waitFor('the tray signed in again', () => tray.status().startsWith(`Signed in · ${email}`) && tray.icon() === 'signed-in');

    // Closing the window: the process stays, in the tray, with no web process.
    assert.ok(children(pid).includes('WebKitWebProces'), `a web process while the window is open: ${children(pid)}`);
    const held = await holdIpcDrains(d);
    assert.equal(closeWindow('Latchkey'), '1', 'one window is titled Latchkey');
    await until('the web process to end', () => !children(pid).includes('WebKitWebProces'));
    assert.ok(running(pid), 'Latchkey still runs');
    console.log(`# with the window closed: ${children(pid).join(', ') || 'no child process'}`);
    assert.equal(tray.status().split(' · ')[0], 'Signed in');

    // Open makes the window again, signed in.
    tray.click('Open Latchkey');
    const handle = await until('a new window in the WebDriver session', async () => {
      try { return (await d.getAllWindowHandles())[0]; } catch { return null; }
    });
    await d.switchTo().window(handle);
    held.resume();
    await waitText(d, '#signed-in-user', email);
    assert.ok(children(pid).includes('WebKitWebProces'), 'a web process again');

    // Sign out from the tray: the tray and the window say so.
    tray.click('Sign out');
    await tray.waitFor('the tray signed out', () => tray.status() === 'Signed out · you signed out' && tray.icon() === 'signed-out');
    await waitFor(d, '#email');

    // Quit: everything ends, and the app says it quit.
    await holdIpcDrains(d);
    tray.click('Quit');
    await until('the app to end', () => !running(pid));
    await until('the app to say it quit', () => driver.logs().toString().includes('latchkey: exiting (quit)'));
    assert.doesNotMatch(driver.logs().toString(), /panicked at|SIGSEGV|SIGABRT|core dumped/);
    const left = markedPids().filter(running).map(nameOf).filter((n) => /^(latchkey|WebKitWebProces|WebKitNetworkPr)$/.test(n ?? ''));
    assert.deepEqual(left, [], 'no app or WebKit process left behind');
  } finally {
    await quit(d).catch(() => {});
  }
});

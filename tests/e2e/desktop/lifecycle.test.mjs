// The resident agent's life: with the window closed, the session keeps being refreshed in the background (6 s tokens,
// a minute, at least 5 refreshes, no sign-out); Quit from the tray leaves no process behind; with background mode
// off, closing the window quits as it always did, and says so on the way out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP, CLI, startDriver, launch, quit, waitText, signIn, markedPids, holdIpcDrains } from '../harness.mjs';
import { startProxy } from '../proxy.mjs';
import { dataDir } from '../vault.mjs';
import { children, closeWindow, isApp, nameOf, running, trayItem, until } from '../desktop.mjs';

const email = process.env.LATCHKEY_DEMO_EMAIL;
const password = process.env.LATCHKEY_DEMO_PASSWORD;
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
});

const appPid = () => markedPids().find((pid) => isApp(pid) && running(pid));
const appsAndWebKit = () => markedPids().filter(running).map(nameOf).filter((n) => /^(latchkey-deskto|latchkey|WebKitWebProces|WebKitNetworkPr)$/.test(n ?? ''));
const refreshes = (since) => proxy.requests('POST', '/auth/v1/token?grant_type=refresh_token').filter((r) => r.at >= since && r.status === 200);
const status = () => JSON.parse(execFileSync(CLI, ['status', '--json'], { encoding: 'utf8' }));

test('with the window closed the session is refreshed in the background for a minute, and Quit leaves no process', async () => {
  const d = await launch(driver.url);
  try {
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    const pid = await until('the app process', appPid);
    const tray = await trayItem(pid);
    const signedInAt = status().signed_in_at;
    await holdIpcDrains(d);
    assert.equal(closeWindow('Latchkey'), '1');
    await until('the web process to end', () => !children(pid).includes('WebKitWebProces'));

    const since = Date.now();
    await new Promise((r) => setTimeout(r, 60000)); // the minute under test: the app is left alone, window closed
    const count = refreshes(since).length;
    console.log(`# ${count} refreshes in the minute with the window closed`);
    assert.ok(count >= 5, `at least 5 refreshes in the minute (${count})`);
    assert.ok(running(pid), 'Latchkey still runs');
    assert.match(tray.status(), new RegExp(`^Signed in · ${email}`));
    const now = status();
    assert.deepEqual([now.state, now.signed_in_at], ['signed_in', signedInAt], 'the same session, never signed out');

    tray.click('Sign out');
    await tray.waitFor('signed out', () => tray.status().startsWith('Signed out'));
    tray.click('Quit');
    await until('every app and WebKit process to end', () => appsAndWebKit().length === 0);
    await until('the app to say it quit', () => driver.logs().toString().includes('latchkey: exiting (quit)'));
  } finally {
    await quit(d).catch(() => {});
  }
});

test('with background mode off, closing the window quits, as before', async () => {
  const settings = join(dataDir(), 'settings.json');
  writeFileSync(settings, JSON.stringify({ run_in_background: false }));
  const d = await launch(driver.url);
  try {
    await waitText(d, '#sign-in', 'Sign in');
    const pid = await until('the app process', appPid);
    await holdIpcDrains(d); // the app ends with this close: nothing to resume
    assert.equal(closeWindow('Latchkey'), '1');
    await until('the app to end with its window', () => !running(pid));
    await until('the app to say it exits', () => driver.logs().toString().includes('latchkey: exiting (the last window closed)'));
    assert.doesNotMatch(driver.logs().toString(), /panicked at|SIGSEGV|SIGABRT|core dumped/, 'the app ended without a crash');
    assert.deepEqual(appsAndWebKit(), [], 'no process left');
  } finally {
    await quit(d).catch(() => {});
    rmSync(settings, { force: true });
  }
});

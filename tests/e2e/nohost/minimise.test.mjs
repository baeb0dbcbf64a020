// Background mode where no tray host would show the icon (scripts/lib/with-desktop --watcher-only: a
// StatusNotifierWatcher with no host registered, as after a panel crash; stock GNOME has no watcher at all): closing
// the window minimises it instead of hiding it, so Latchkey never runs with no way back to it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDriver, launch, quit, waitText, markedPids } from '../harness.mjs';
import { children, hostRegistered, closeWindow, isApp, nameOf, running, until } from '../desktop.mjs';

let driver;
before(async () => { driver = await startDriver(); });
after(async () => { await driver?.stop(); });

test('with no tray host, closing the window minimises it and Latchkey keeps its window', async () => {
  assert.equal(hostRegistered(), false, 'this file runs with a watcher and no tray host');
  const d = await launch(driver.url);
  try {
    await waitText(d, '#sign-in', 'Sign in');
    const pid = await until('the app process', () => markedPids().find((p) => isApp(p) && running(p)));
    assert.equal(closeWindow('Latchkey'), '1');
    await until('the app to say it minimised', () => /window closed: minimised/.test(driver.logs().toString()));
    assert.ok(running(pid), 'Latchkey still runs');
    assert.ok(children(pid).includes('WebKitWebProces'), 'the window was kept (minimised, not destroyed)');
    assert.equal((await d.getAllWindowHandles()).length, 1);
    await waitText(d, '#sign-in', 'Sign in'); // and it still answers
  } finally {
    await quit(d);
  }
});

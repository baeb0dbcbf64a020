// Shared by the short-token e2e files: a recording proxy the app uses as its HTTP proxy, a driver, and a
// MutationObserver in the window that records every status and layout change of the signed-in home.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { By } from 'selenium-webdriver';
import { startDriver, waitFor, waitText, signIn } from '../harness.mjs';
import { startProxy } from '../proxy.mjs';

export const email = process.env.LATCHKEY_DEMO_EMAIL;
export const password = process.env.LATCHKEY_DEMO_PASSWORD;
export const ctx = { driver: null, proxy: null };

before(async () => {
  ctx.proxy = await startProxy();
  process.env.LATCHKEY_PROXY = ctx.proxy.url; // inherited by the app that tauri-driver launches
  ctx.driver = await startDriver();
});
after(async () => {
  await ctx.driver?.stop();
  await ctx.proxy?.down();
});

/** Successful refreshes that went through the proxy since `since` (ms). */
export const refreshes = (since = 0) =>
  ctx.proxy.requests('POST', '/auth/v1/token?grant_type=refresh_token').filter((r) => r.at >= since && r.status === 200);

/** Unix seconds the window shows for the access token's expiry (the <time datetime> of #access-expires-at). */
export async function shownExpiry(d) {
  const found = await d.findElements(By.css('#access-expires-at time'));
  return found.length ? Date.parse(await found[0].getAttribute('datetime')) / 1000 : null;
}

/** Signs in and checks the stack really issues short tokens (this file runs in scripts/test's 6 s phase). */
export async function signInShort(d) {
  await waitFor(d, '#email'); // every test signs out at its end, so each starts signed out
  await signIn(d, email, password);
  await waitText(d, '#signed-in-user', email);
  await waitFor(d, '#access-expires-at time');
  const left = (await shownExpiry(d)) - Date.now() / 1000;
  assert.ok(left <= 30, `access tokens live ${Math.round(left)} s: run with LATCHKEY_STACK_JWT_EXP=6 (scripts/test does)`);
}

/** Starts recording in the window: each data-status of #root, whether the home's user line ever went away, each
 * size of the main panel. Read it back with `trace(d)`. */
export async function watch(d) {
  await d.executeScript(`
    const root = document.getElementById('root');
    const box = () => {
      const r = document.querySelector('main .panel')?.getBoundingClientRect();
      return r ? Math.round(r.width) + 'x' + Math.round(r.height) : 'none';
    };
    const t = (window.__lkWatch = { statuses: [root.getAttribute('data-status')], homeLost: 0, boxes: [box()], mutations: 0 });
    new MutationObserver(() => {
      t.mutations++;
      const s = root.getAttribute('data-status');
      if (s !== t.statuses[t.statuses.length - 1]) t.statuses.push(s);
      if (!document.getElementById('signed-in-user')) t.homeLost++;
      const b = box();
      if (b !== t.boxes[t.boxes.length - 1]) t.boxes.push(b);
    }).observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
  `);
}

export const trace = (d) => d.executeScript('return window.__lkWatch');

/** Ends the test signed out, so the next file's app does not restore this session. */
export async function signOut(d) {
  await (await waitFor(d, '#tab-session')).click();
  await (await waitFor(d, '#sign-out')).click();
  await waitFor(d, '#email');
}

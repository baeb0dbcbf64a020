// The loopback redirect (RFC 8252 §7.3) in the real app: with LATCHKEY_SIGN_IN_REDIRECT=loopback the magic link
// returns to a listener on 127.0.0.1 instead of latchkey://. The browser's request (here: fetch) gets a plain page,
// the window signs in; a forged callback is refused first with no exchange, and once used the listener is gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { By } from 'selenium-webdriver';
import { startDriver, launch, quit, waitFor, waitText, requestMagicLink } from './harness.mjs';
import { startProxy } from './proxy.mjs';
import { newUser, followMagicLink } from './mailbox.mjs';

let driver;
let proxy;

before(async () => {
  proxy = await startProxy();
  process.env.LATCHKEY_PROXY = proxy.url; // inherited by the app that tauri-driver launches
  process.env.LATCHKEY_SIGN_IN_REDIRECT = 'loopback';
  driver = await startDriver();
});
after(async () => {
  await driver?.stop();
  await proxy?.down();
});

/** The browser arriving at the listener: status and page, or the connection error's code. */
async function browse(url) {
  try {
    const reply = await fetch(url, { redirect: 'manual' });
    return { status: reply.status, type: reply.headers.get('content-type'), page: await reply.text() };
  } catch (e) {
    return { error: e.cause?.code ?? String(e) };
  }
}

test('a magic link returning to the loopback listener signs in the window; forged first, then single use', async () => {
  const email = await newUser();
  const d = await launch(driver.url);
  try {
    await requestMagicLink(d, email);
    const [otp] = proxy.requests('POST', '/auth/v1/otp');
    const redirectTo = new URL(otp.path, 'http://x').searchParams.get('redirect_to');
    assert.match(redirectTo, /^http:\/\/127\.0\.0\.1:\d+\/auth\/callback\?lk_state=[\w-]{43}$/);
    const location = await followMagicLink(email, redirectTo);
    assert.ok(location.startsWith(redirectTo.split('?')[0] + '?'), `GoTrue kept the loopback redirect: ${location}`);

    const forged = await browse(location.replace('lk_state=', 'lk_state=x'));
    assert.equal(forged.status, 400);
    assert.equal(forged.type, 'text/plain; charset=utf-8');
    assert.match(forged.page, /does not belong to the sign-in Latchkey started/);
    await waitText(d, '#auth-error', "That sign-in link isn't valid");
    assert.equal(proxy.requests('POST', '/auth/v1/token?grant_type=pkce').length, 0, 'no exchange for a forged callback');

    const arrivedAt = Date.now();
    const good = await browse(location);
    assert.equal(good.status, 200, good.page);
    assert.match(good.page, /You can close this tab and return to Latchkey/);
    await waitText(d, '#signed-in-user', email);
    console.log(`# loopback callback -> page answered and signed-in home shown: ${Date.now() - arrivedAt} ms`);

    const again = await browse(location);
    assert.equal(again.error, 'ECONNREFUSED', `the listener is closed once the flow is over: ${JSON.stringify(again)}`);
    assert.equal(proxy.requests('POST', '/auth/v1/token?grant_type=pkce').length, 1);
    await (await waitFor(d, '#sign-out')).click(); // the next file starts signed out
    await waitFor(d, '#email');
    assert.equal((await d.findElements(By.css('#signed-in-user'))).length, 0);
  } finally {
    await quit(d);
  }
});

// The magic-link PKCE flow in the real window, against the real GoTrue, handed over the way the OS does it: the
// latchkey:// URL given to a second launch of the binary, which single-instance forwards to the running window.
// The app talks to the stack through the recording proxy (as its HTTP proxy), so the test sees what it sent and
// what it exchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { Builder, By } from 'selenium-webdriver';
import { APP, startDriver, launch, quit, waitFor, waitText, screenshot, requestMagicLink } from './harness.mjs';
import { startProxy } from './proxy.mjs';
import { auth, newUser, followMagicLink } from './mailbox.mjs';

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

/** What the OS does with a latchkey:// URL: run the app with it; single-instance hands it to the running one. */
function handOver(url) {
  const second = spawnSync(APP, [url], { timeout: 30000, encoding: 'utf8' });
  assert.equal(second.status, 0, `the second launch handed over and exited: ${second.error ?? second.stderr}`);
}

const pkceExchanges = () => proxy.requests('POST', '/auth/v1/token?grant_type=pkce');
const base64url = (bytes) => bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

test('a magic link signs in through the running window; a forged one is refused first, with no exchange', async () => {
  const email = await newUser();
  const d = await launch(driver.url);
  try {
    await requestMagicLink(d, email);
    const otp = proxy.requests('POST', '/auth/v1/otp');
    assert.equal(otp.length, 1, 'one POST /otp');
    const redirectTo = new URL(otp[0].path, auth).searchParams.get('redirect_to');
    assert.match(redirectTo, /^latchkey:\/\/auth\/callback\?lk_state=[\w-]{43}$/);
    assert.equal(otp[0].body.code_challenge_method, 's256');
    const location = await followMagicLink(email, redirectTo);
    assert.ok(location.startsWith('latchkey://auth/callback?') && location.includes('code='), location);

    // Someone else's link (its state altered): refused in the window, nothing exchanged, the flow still waits.
    handOver(location.replace('lk_state=', 'lk_state=x'));
    await waitText(d, '#auth-error', "That sign-in link isn't valid");
    await screenshot(d, 'sign-in-link-refused');
    assert.equal(pkceExchanges().length, 0, 'no POST /token?grant_type=pkce for a forged link');
    assert.equal((await d.findElements(By.css('#signed-in-user'))).length, 0);

    const handedAt = Date.now();
    handOver(location);
    await waitText(d, '#signed-in-user', email);
    console.log(`# magic link handed to a second launch -> signed-in home shown: ${Date.now() - handedAt} ms`);
    await screenshot(d, 'signed-in-by-magic-link');
    const [exchange, ...more] = pkceExchanges();
    assert.equal(more.length, 0, 'exactly one exchange');
    assert.equal(exchange.status, 200);
    assert.equal(base64url(createHash('sha256').update(exchange.body.code_verifier).digest()), otp[0].body.code_challenge,
      'the verifier sent with the code is the one whose challenge went with /otp');

    // The same link again: single use, refused, still signed in.
    handOver(location);
    await waitText(d, '#auth-error', "That sign-in link isn't valid");
    await waitText(d, '#signed-in-user', email);
    assert.equal(pkceExchanges().length, 1, 'a replayed link is not exchanged');
    await (await waitFor(d, '#sign-out')).click(); // the next file starts signed out
    await waitFor(d, '#email');
  } finally {
    await quit(d);
  }
});

test('a link the app is launched with is handled once, like one a second launch forwards', async () => {
  const link = 'latchkey://auth/callback?code=launch-code&lk_state=launch-state';
  const before = driver.logs().toString().split('sign-in callback refused').length;
  const d = await new Builder()
    .usingServer(driver.url)
    .withCapabilities({ browserName: 'wry', 'tauri:options': { application: APP, args: [link] } })
    .build();
  try {
    await waitText(d, '#auth-error', "That sign-in link isn't valid");
    await waitFor(d, '#email');
  } finally {
    await quit(d);
  }
  // Counted once the app is gone, so a late second delivery would be in the log too.
  const refusals = driver.logs().toString().split('sign-in callback refused').length - before;
  assert.equal(refusals, 1, 'the launch URL reached the core exactly once');
  assert.equal(pkceExchanges().length, 1, 'still only the first test\'s exchange');
});

test('a callback error is shown only from the pending flow, and only quoted under our own words', async () => {
  const email = await newUser();
  const d = await launch(driver.url);
  try {
    const before = proxy.requests('POST', '/auth/v1/otp').length;
    const exchanges = pkceExchanges().length;
    await requestMagicLink(d, email);
    const otp = proxy.requests('POST', '/auth/v1/otp');
    assert.equal(otp.length, before + 1);
    const redirectTo = new URL(otp.at(-1).path, auth).searchParams.get('redirect_to');
    const stranger = 'error=access_denied&error_code=attacker_code&error_description=Call+0800+123+to+restore+your+account';

    // Anyone can hand the app a link: without this flow's state its text is never shown, and the flow waits on.
    handOver(`latchkey://auth/callback?lk_state=forged&${stranger}`);
    await waitText(d, '#auth-error', "That sign-in link isn't valid");
    assert.ok(!(await d.getPageSource()).includes('0800'), "the stranger's words reached the window");

    // The pending flow's own state with an error (as GoTrue sends one): our sentence first, theirs only quoted.
    handOver(`${redirectTo}&error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired`);
    await waitText(d, '#auth-error q', 'Email link is invalid or has expired');
    const shown = await (await waitFor(d, '#auth-error')).getText();
    assert.ok(shown.startsWith('That code has expired or was already used.'), shown);
    await screenshot(d, 'sign-in-link-refused-by-the-server');
    assert.equal(pkceExchanges().length, exchanges, 'nothing was exchanged');
  } finally {
    await quit(d);
  }
});

// Sign-out scopes in the real window against the real GoTrue (issue 13 §5): "Sign out other devices" keeps this
// device signed in and ends the other session; "Sign out everywhere" while the server can't be reached signs out
// here at once, says plainly the other sessions are still signed in, and finishes when the server is back.
// The app talks to the stack through the recording proxy, which this file takes down to make /logout fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDriver, launch, quit, waitFor, waitText, signIn, screenshot } from './harness.mjs';
import { startProxy } from './proxy.mjs';

const email = process.env.LATCHKEY_DEMO_EMAIL;
const password = process.env.LATCHKEY_DEMO_PASSWORD;
const authUrl = `${process.env.LATCHKEY_SUPABASE_URL}/auth/v1`;
const REVOKED = ['refresh_token_not_found', 'session_not_found'];
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
  delete process.env.LATCHKEY_PROXY;
});

const token = (grant, body) => fetch(`${authUrl}/token?grant_type=${grant}`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', apikey: process.env.LATCHKEY_SUPABASE_ANON_KEY },
  body: JSON.stringify(body),
});

/** Another device's session of the same user: a password grant straight to GoTrue. */
async function otherDevice() {
  const reply = await token('password', { email, password });
  assert.equal(reply.status, 200);
  return (await reply.json()).refresh_token;
}

/** Whether the server still knows the session behind `refresh` (a refresh it accepts rotates it: the new one is returned). */
async function alive(refresh) {
  const reply = await token('refresh_token', { refresh_token: refresh });
  const body = await reply.json();
  if (reply.status === 200) return body.refresh_token;
  assert.ok(REVOKED.includes(body.error_code), `an unexpected answer: ${reply.status} ${JSON.stringify(body)}`);
  return null;
}

test('"Sign out other devices" keeps this device signed in and ends the other session', async () => {
  const other = await otherDevice();
  const d = await launch(driver.url);
  try {
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    await (await waitFor(d, '#sign-out-others')).click();
    await waitText(d, '#sign-out-others-done', 'Your other devices were signed out. You are still signed in here.');
    await screenshot(d, 'signed-out-other-devices');
    await waitText(d, '#signed-in-user', email);
    assert.equal(await alive(other), null, 'the other device is still signed in');
    await (await waitFor(d, '#sign-out')).click();
    await waitFor(d, '#email');
  } finally {
    await quit(d);
  }
});

test('"Sign out everywhere" while the server is unreachable says the other sessions live on, then finishes', async () => {
  let other = await otherDevice();
  const d = await launch(driver.url);
  try {
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    const logouts = () => proxy.requests('POST', '/auth/v1/logout?scope=global');
    await proxy.down();
    await (await waitFor(d, '#sign-out-everywhere')).click();
    await waitFor(d, '#email'); // signed out here at once
    await waitText(d, '#other-sessions', 'You are signed out on this computer, but your other sessions are still signed in');
    await screenshot(d, 'sign-out-everywhere-pending');
    assert.equal(logouts().length, 0, 'nothing reached the server');
    other = await alive(other);
    assert.ok(other, 'the server still knows the other session, as the window says');

    await proxy.up();
    await waitText(d, '#other-sessions', 'Your other sessions have been signed out too.', 30000);
    await screenshot(d, 'sign-out-everywhere-done');
    assert.ok(logouts().some((r) => r.status === 204), 'the retry reached the server');
    assert.equal(await alive(other), null, 'the other session is gone');
  } finally {
    await quit(d);
  }
});

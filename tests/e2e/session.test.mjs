// The real window: sign in, quit, relaunch and find the session restored from the keychain, sign out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDriver, launch, waitFor, waitText, signIn, keychainRecord, filesContaining, status, screenshot } from './harness.mjs';

const email = process.env.LATCHKEY_DEMO_EMAIL;
const password = process.env.LATCHKEY_DEMO_PASSWORD;
const authUrl = `${process.env.LATCHKEY_SUPABASE_URL}/auth/v1`;
let driver;
const REVOKED = ['refresh_token_not_found', 'session_not_found'];

before(async () => { driver = await startDriver(); });
after(async () => { await driver?.stop(); });

test('a wrong password shows a clear message and stores nothing', async () => {
  const d = await launch(driver.url);
  try {
    await signIn(d, email, 'definitely-wrong');
    await waitText(d, '#auth-error', 'The email or password is not correct.');
    await screenshot(d, 'sign-in-error');
    assert.equal(keychainRecord(), null);
  } finally {
    await d.quit();
  }
});

test('sign in, quit, relaunch restores the session from the keychain, sign out revokes it', async () => {
  let d = await launch(driver.url);
  let tokens;
  try {
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    const record = keychainRecord();
    assert.ok(record, 'the session is in the keychain');
    tokens = JSON.parse(record);
    const leaks = filesContaining(process.env.HOME, [tokens.refresh_token, tokens.access_token].map((t) => Buffer.from(t)));
    assert.deepEqual(leaks, [], 'no token in any file under $HOME (app data, webview storage, caches)');
  } finally {
    await d.quit();
  }

  d = await launch(driver.url);
  try {
    await waitText(d, '#signed-in-user', email);
    await screenshot(d, 'signed-in-restored');
    const shown = status();
    assert.equal(JSON.parse(shown).state.status, 'signed_in');
    assert.ok(!shown.includes(tokens.refresh_token) && !shown.includes(tokens.access_token), 'status prints no token');

    await (await waitFor(d, '#sign-out')).click();
    await waitFor(d, '#email');
    await screenshot(d, 'signed-out');
    assert.equal(keychainRecord(), null, 'the keychain entry is gone');
    const reply = await fetch(`${authUrl}/token?grant_type=refresh_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', apikey: process.env.LATCHKEY_SUPABASE_ANON_KEY },
      body: JSON.stringify({ refresh_token: tokens.refresh_token }),
    });
    assert.equal(reply.status, 400);
    // GoTrue answers either code for a refresh token whose session /logout deleted (docs: supabase-auth-server.md §1c).
    assert.ok(REVOKED.includes((await reply.json()).error_code), 'the server session was revoked');
  } finally {
    await d.quit();
  }
});

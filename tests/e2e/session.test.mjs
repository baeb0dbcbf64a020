// The real window: sign in, quit, relaunch and find the session restored from the keychain, sign out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDriver, launch, quit, waitFor, waitText, signIn, filesContaining, logDir, status, screenshot } from './harness.mjs';
import { keychainKey, openVault, vaultFileExists } from './vault.mjs';

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
    assert.equal(keychainKey(), null);
    assert.equal(vaultFileExists(), false);
  } finally {
    await quit(d);
  }
});

test('sign in, quit, relaunch restores the session from the keychain, sign out revokes it', async () => {
  let d = await launch(driver.url);
  let tokens;
  try {
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    assert.ok(keychainKey(), 'the vault key is in the keychain');
    tokens = openVault();
    assert.equal(tokens.user.email, email);
    const needles = [tokens.refresh_token, tokens.access_token].map((t) => Buffer.from(t));
    assert.deepEqual(filesContaining(process.env.HOME, needles), [], 'no token in clear in any file under $HOME (vault, webview storage, caches)');
  } finally {
    await quit(d);
  }

  d = await launch(driver.url);
  try {
    await waitText(d, '#signed-in-user', email);
    await screenshot(d, 'signed-in-restored');
    // Single instance: a second launch hands over to this window and exits at once, never touching the vault.
    const second = spawnSync(process.env.LATCHKEY_APP_BIN, [], { timeout: 30000, encoding: 'utf8' });
    assert.equal(second.status, 0, `second launch: ${second.error ?? second.stderr}`);
    await waitText(d, '#signed-in-user', email);
    const shown = status();
    assert.equal(JSON.parse(shown).state, 'signed_in');
    assert.ok(!shown.includes(tokens.refresh_token) && !shown.includes(tokens.access_token), 'status prints no token');

    await (await waitFor(d, '#sign-out')).click();
    await waitFor(d, '#email');
    await screenshot(d, 'signed-out');
    assert.equal(keychainKey(), null, 'the keychain entry is gone');
    assert.equal(vaultFileExists(), false, 'the vault file is gone');
    const reply = await fetch(`${authUrl}/token?grant_type=refresh_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', apikey: process.env.LATCHKEY_SUPABASE_ANON_KEY },
      body: JSON.stringify({ refresh_token: tokens.refresh_token }),
    });
    assert.equal(reply.status, 400);
    // GoTrue answers either code for a refresh token whose session /logout deleted (docs: supabase-auth-server.md §1c).
    assert.ok(REVOKED.includes((await reply.json()).error_code), 'the server session was revoked');
    const logged = driver.logs();
    assert.ok(!logged.includes(Buffer.from(tokens.refresh_token)) && !logged.includes(Buffer.from(tokens.access_token)), 'no token in the app logs');
    // The log directory: inside the isolated HOME, holding the app's log file and the audit log, and no token.
    const logs = logDir();
    assert.ok(logs.startsWith(`${process.env.HOME}/`), `the logs stay in the test's HOME: ${logs}`);
    assert.ok(readdirSync(logs).some((n) => /^latchkey\..+\.log$/.test(n)), 'the app wrote its log file');
    const audit = readFileSync(join(logs, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const signedIn = audit.filter((l) => l.event === 'SIGNED_IN').at(-1); // this test's (other files sign in other users)
    assert.equal(signedIn?.user_id, tokens.user.id);
    assert.ok(audit.some((l) => l.event === 'SIGNED_OUT' && l.reason === 'user' && l.session_hash === signedIn.session_hash), 'sign-out audited');
    const needles = [tokens.refresh_token, tokens.access_token].map((t) => Buffer.from(t));
    assert.deepEqual(filesContaining(logs, needles), [], 'no token in the app logs or the audit log');
    assert.deepEqual(filesContaining(process.env.HOME, needles), [], 'no token anywhere under $HOME after the run');
  } finally {
    await quit(d);
  }
});

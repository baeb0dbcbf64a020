// The other sign-in flows in the real window, against the real GoTrue: an e-mailed code, a forged link, sign out everywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { By } from 'selenium-webdriver';
import { APP, startDriver, launch, quit, waitFor, waitText, signIn, screenshot } from './harness.mjs';

const email = process.env.LATCHKEY_DEMO_EMAIL;
const password = process.env.LATCHKEY_DEMO_PASSWORD;
const auth = `${process.env.LATCHKEY_SUPABASE_URL}/auth/v1`;
const REVOKED = ['refresh_token_not_found', 'session_not_found'];
let driver;

before(async () => { driver = await startDriver(); });
after(async () => { await driver?.stop(); });

/** The code in the e-mail: the stack has no SMTP, so the admin API issues it, as `generate_link` does for tests. */
async function mailedCode(address) {
  const reply = await fetch(`${auth}/admin/generate_link`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.LATCHKEY_STACK_SERVICE_ROLE_KEY}` },
    body: JSON.stringify({ type: 'magiclink', email: address }),
  });
  assert.equal(reply.status, 200);
  return (await reply.json()).email_otp;
}

async function tokenGrant(body, grant) {
  return fetch(`${auth}/token?grant_type=${grant}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', apikey: process.env.LATCHKEY_SUPABASE_ANON_KEY },
    body: JSON.stringify(body),
  });
}

test('an e-mailed code signs in, and "sign out everywhere" ends the other sessions too', async () => {
  const other = await (await tokenGrant({ email, password }, 'password')).json();
  const d = await launch(driver.url);
  try {
    await (await waitFor(d, '#method-email-code')).click();
    await (await waitFor(d, '#email')).sendKeys(email);
    await (await waitFor(d, '#send-code')).click();
    const codeField = await waitFor(d, '#email-code');
    await codeField.sendKeys(await mailedCode(email));
    await (await waitFor(d, '#verify-code')).click();
    await waitText(d, '#signed-in-user', email);
    await screenshot(d, 'signed-in-by-code');

    await (await waitFor(d, '#sign-out-everywhere')).click();
    await waitFor(d, '#email');
    const reply = await tokenGrant({ refresh_token: other.refresh_token }, 'refresh_token');
    assert.equal(reply.status, 400);
    assert.ok(REVOKED.includes((await reply.json()).error_code), 'the other session was ended too');
  } finally {
    await quit(d);
  }
});

test('a forged sign-in link is refused before any exchange', async () => {
  const d = await launch(driver.url);
  try {
    await waitFor(d, '#email');
    const handedOver = spawnSync(APP, ['latchkey://auth/callback?code=forged&lk_state=forged'], { timeout: 30000, encoding: 'utf8' });
    assert.equal(handedOver.status, 0, `the link went to the running window: ${handedOver.error ?? handedOver.stderr}`);
    await waitText(d, '#auth-error', "That sign-in link isn't valid");
    assert.equal((await d.findElements(By.css('#signed-in-user'))).length, 0);
  } finally {
    await quit(d);
  }
});

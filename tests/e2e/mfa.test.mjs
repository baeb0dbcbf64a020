// Second factors in the real window, on the real GoTrue and keychain: enrol an authenticator from Settings reading
// the key from the page (codes from the otpauth package), sign out, sign in, a wrong code then the right one, and
// "Two-factor: on" with aal2 on the home screen; the enrolment a managed policy requires; phone sign-in with the
// stack's test OTP. Every new screen is photographed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { startDriver, launch, quit, waitFor, waitText, signIn, status, screenshot } from './harness.mjs';

const policyFile = join(mkdtempSync(join(tmpdir(), 'latchkey-mfa-policy-')), 'policy.json');
process.env.LATCHKEY_POLICY_PATH = policyFile; // honoured by debug builds only; inherited by the app
const writePolicy = (policy) => writeFileSync(policyFile, JSON.stringify(policy));
const auth = `${process.env.LATCHKEY_SUPABASE_URL}/auth/v1`;
let driver;
before(async () => { writePolicy({}); driver = await startDriver(); });
after(async () => { await driver?.stop(); });

/** A new confirmed user (admin API), so the test owns its factors. */
async function newUser(tag) {
  const email = `e2e-mfa-${tag}-${process.pid}-${Date.now()}@example.com`;
  const password = `e2e-mfa-${tag}-Pa55word`;
  const reply = await fetch(`${auth}/admin/users`, {
    method: 'POST',
    headers: { apikey: process.env.LATCHKEY_SUPABASE_ANON_KEY, authorization: `Bearer ${process.env.LATCHKEY_STACK_SERVICE_ROLE_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, email_confirm: true }),
  });
  assert.equal(reply.status, 200, await reply.text());
  return { email, password };
}

const codeFor = (secret) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();

async function typeCode(d, id, code) {
  const input = await waitFor(d, `#${id}`);
  await input.clear();
  await input.sendKeys(code);
  await (await waitFor(d, `#${id}-verify`)).click();
}

test('enrol from Settings, sign out, sign in, enter the code: Two-factor on and aal2 on the home screen', async () => {
  const { email, password } = await newUser('window');
  const d = await launch(driver.url);
  try {
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
    await waitText(d, '#two-factor', 'off');
    await (await waitFor(d, '#tab-settings')).click();
    await waitText(d, '#two-factor-status', 'Two-factor: off');
    await (await waitFor(d, '#add-factor')).click();
    await screenshot(d, 'mfa-enrol-start');
    await (await waitFor(d, '#start-totp')).click();
    const shown = await waitFor(d, '#totp-secret');
    await waitFor(d, '#totp-qr');
    const grouped = await shown.getText();
    assert.match(grouped, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'the key is shown in groups of four');
    const secret = grouped.replace(/\s+/g, '');
    const qr = await (await waitFor(d, '#totp-qr')).getAttribute('src');
    assert.match(qr, /^data:image\/svg\+xml/, 'the QR code is an inline SVG, loaded from nowhere');
    await screenshot(d, 'mfa-enrol-qr');
    await typeCode(d, 'enrol-code', codeFor(secret));
    await waitText(d, '#two-factor-status', 'Two-factor: on');
    await waitText(d, '#two-factor-status', 'aal2');
    await waitFor(d, '#add-factor'); // the enrolment closed once verified
    await screenshot(d, 'security-settings');
    assert.equal(JSON.parse(status()).aal, 'aal2');

    await (await waitFor(d, '#tab-session')).click();
    await (await waitFor(d, '#sign-out')).click();
    await signIn(d, email, password);
    await waitText(d, '#factor-name-shown', 'Authenticator app');
    const waiting = JSON.parse(status());
    assert.deepEqual([waiting.state, waiting.aal, waiting.next_aal], ['needs_second_factor', 'aal1', 'aal2']);
    await screenshot(d, 'mfa-code');
    await typeCode(d, 'mfa-code', '000000');
    await waitText(d, '#auth-error', 'That code is not right.');
    await screenshot(d, 'mfa-code-wrong');
    await typeCode(d, 'mfa-code', codeFor(secret));
    await waitText(d, '#signed-in-user', email);
    await waitText(d, '#two-factor', 'on');
    await waitText(d, '#assurance-level', 'aal2');
    await screenshot(d, 'signed-in-aal2');
    await (await waitFor(d, '#sign-out')).click();
    await waitFor(d, '#email');
  } finally {
    await quit(d);
  }
});

test('a policy that requires a second factor leads through enrolment; cancelling signs out for the policy', async () => {
  writePolicy({ managed: { require_mfa: true, allowed_mfa_factors: ['totp'] } });
  const { email, password } = await newUser('policy');
  const d = await launch(driver.url);
  try {
    await signIn(d, email, password);
    await waitText(d, '#mfa-required', 'Your organization requires a second factor');
    await (await waitFor(d, '#start-totp')).click();
    await waitFor(d, '#totp-secret');
    await screenshot(d, 'mfa-enrol-required');
    await (await waitFor(d, '#cancel-enrolment')).click();
    await waitText(d, '#signed-out-reason', "Your organization's policy signed you out");
  } finally {
    await quit(d);
    writePolicy({});
  }
});

test('phone sign-in: the number, then the texted code (the stack\'s test OTP)', async () => {
  const d = await launch(driver.url);
  try {
    await (await waitFor(d, '#method-phone')).click();
    await (await waitFor(d, '#phone')).sendKeys(process.env.LATCHKEY_STACK_TEST_PHONE);
    await (await waitFor(d, '#send-phone-code')).click();
    await waitFor(d, '#phone-code');
    await screenshot(d, 'phone-sign-in-code');
    await typeCode(d, 'phone-code', process.env.LATCHKEY_STACK_TEST_OTP);
    await d.wait(async () => ['signed_in', 'needs_second_factor'].includes(JSON.parse(status()).state), 20000, 'never signed in');
    const after = JSON.parse(status());
    assert.equal(after.amr.some((m) => m.method === 'otp'), true);
    await (await waitFor(d, after.state === 'signed_in' ? '#sign-out' : '#cancel-second-factor')).click();
    await waitFor(d, '#email');
  } finally {
    await quit(d);
  }
});

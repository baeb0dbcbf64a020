// OAuth and SAML SSO in the real window, as a person does it: click "Continue with Keycloak" or "Sign in with SSO" in
// Latchkey, the system browser opens (xdg-open -> the private HOME's default browser -> the test's Chromium), type
// the username and password into Keycloak's real page, and come back: through the latchkey:// link the desktop hands
// to the app (xdg-open with the handler the app registered; single-instance forwards it to the running window), or
// through the loopback listener (LATCHKEY_SIGN_IN_REDIRECT=loopback). Both windows are photographed at each step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { By } from 'selenium-webdriver';
import { startDriver, launch, quit, waitFor, waitText } from '../harness.mjs';
import { readRun } from '../leaks.mjs';
import { browserEnv, forgetConsents, startBrowser, startInbox, withoutDesktop } from '../idp/browser.mjs';
import { shot, windowShot } from './shots.mjs';

const env = (name) => process.env[name] ?? assert.fail(`${name} is not set: run through scripts/test`);
const ALICE = { email: env('LATCHKEY_IDP_USER_EMAIL'), password: env('LATCHKEY_IDP_USER_PASSWORD') };
const SSO_DOMAIN = env('LATCHKEY_IDP_SSO_DOMAIN');

let inbox, driver;
before(async () => {
  inbox = await startInbox();
  // The app tauri-driver launches inherits this process's environment: its desktop opens http(s) in the test browser.
  const desktop = browserEnv(process.env.HOME, inbox.url);
  for (const key of Object.keys(process.env)) if (!(key in withoutDesktop(process.env))) delete process.env[key];
  Object.assign(process.env, desktop);
  driver = await startDriver();
});
after(async () => {
  await driver?.stop();
  await inbox?.close();
});

/** What a GNOME desktop does with a latchkey:// link a browser follows: `xdg-open` (there `gio open`) runs the handler
 * the app registered, a second launch that hands the link to the running window. (xdg-open's generic mode, without
 * a desktop environment, cannot run that handler: it does not unquote the Exec line's path.) */
function openLink(url) {
  return new Promise((resolve, reject) => {
    execFile('xdg-open', [url], { timeout: 30000, env: { ...process.env, XDG_CURRENT_DESKTOP: 'GNOME' } },
      (err, _out, stderr) => (err ? reject(new Error(`xdg-open: ${err.message} ${stderr}`)) : resolve()));
  });
}

/** Runs `fn` with a driver whose app has `vars` in its environment (an app inherits tauri-driver's). */
async function withAppEnv(vars, fn) {
  await driver.stop();
  Object.assign(process.env, vars);
  driver = await startDriver();
  try {
    return await fn();
  } finally {
    await driver.stop();
    for (const key of Object.keys(vars)) delete process.env[key];
    driver = await startDriver();
  }
}

/** The person in the browser Latchkey opened: Keycloak's login page (photographed), then signed in as `user`. */
async function personAt(url, name, { consent = 'accept' } = {}) {
  const browser = await startBrowser();
  try {
    await browser.open(url);
    await browser.driver.findElement(By.css('form#kc-form-login'));
    await shot(browser, `${name}-idp-login`);
    const landed = await browser.signIn({ username: ALICE.email, password: ALICE.password, consent });
    if (landed.followed) await shot(browser, `${name}-browser-done`);
    return landed;
  } finally {
    await browser.quit();
  }
}

async function signOut(d) {
  await (await waitFor(d, '#sign-out')).click();
  await waitFor(d, '#sign-in-screen');
}

test('Continue with Keycloak: Keycloak\'s page in the browser, back through the latchkey:// link, signed in with Keycloak', async () => {
  const d = await launch(driver.url);
  try {
    await waitFor(d, '#sso');
    await windowShot(d, 'sign-in-with-providers');
    await (await waitFor(d, '#oauth-keycloak')).click();
    await waitText(d, '#browser-waiting', 'Continue in your browser to sign in with Keycloak');
    await windowShot(d, 'sign-in-waiting-for-browser');
    const opened = new URL(await inbox.next(30000));
    assert.equal(opened.searchParams.get('provider'), 'keycloak');
    assert.equal(opened.searchParams.get('scopes'), 'openid');
    assert.match(opened.searchParams.get('redirect_to'), /^latchkey:\/\/auth\/callback\?lk_state=[\w-]{43}$/);

    const landed = await personAt(opened.href, 'oauth');
    assert.equal(landed.followed, false, 'Chromium cannot follow latchkey://; the URL it was sent to is handed on');
    assert.ok(landed.url.startsWith('latchkey://auth/callback?') && landed.url.includes('code='), landed.url);
    await openLink(landed.url);
    await waitText(d, '#signed-in-user', ALICE.email);
    assert.equal(await (await waitFor(d, '#signed-in-with')).getText(), 'with Keycloak');
    await windowShot(d, 'signed-in-with-keycloak');
    const kinds = new Set(readRun().tokens.map((t) => t.kind));
    assert.ok(kinds.has('provider_token') && kinds.has('provider_refresh_token'),
      `the provider's tokens crossed the recording proxy, so the leak scan looks for them: ${[...kinds]}`);
    await signOut(d);
  } finally {
    await quit(d);
  }
});

test('Sign in with SSO: the work e-mail, Keycloak\'s SAML sign-in, back through the loopback, signed in with SSO', () => withAppEnv({ LATCHKEY_SIGN_IN_REDIRECT: 'loopback' }, async () => {
  const d = await launch(driver.url);
  try {
    await (await waitFor(d, '#sso')).click();
    const field = await waitFor(d, '#sso-email');
    await field.sendKeys(env('LATCHKEY_IDP_PARTNER_EMAIL'));
    await windowShot(d, 'sign-in-sso-email');
    await (await waitFor(d, '#sso-continue')).click();
    await waitText(d, '#auth-error', "Single sign-on isn't set up for that email domain");
    await windowShot(d, 'sign-in-sso-unknown-domain');
    await field.clear();
    await field.sendKeys(ALICE.email);
    await (await waitFor(d, '#sso-continue')).click();
    await waitText(d, '#browser-waiting', 'sign in with single sign-on');
    const url = await inbox.next(30000);
    assert.ok(url.startsWith(`${env('LATCHKEY_IDP_ISSUER')}/protocol/saml?SAMLRequest=`), url);
    const landed = await personAt(url, 'sso');
    assert.equal(landed.followed, true);
    assert.match(landed.url, /^http:\/\/127\.0\.0\.1:\d+\/auth\/callback\?/, 'back at the loopback listener');
    await waitText(d, '#signed-in-with', `with single sign-on (${SSO_DOMAIN})`);
    await waitText(d, '#signed-in-user', ALICE.email);
    await windowShot(d, 'signed-in-with-sso');
    await signOut(d);
  } finally {
    await quit(d);
  }
}));

test('consent denied at Keycloak says so in the window; Cancel stops waiting for a browser that never comes back', async () => {
  await forgetConsents(ALICE.email);
  const d = await launch(driver.url);
  try {
    await (await waitFor(d, '#oauth-keycloak')).click();
    const landed = await personAt(await inbox.next(30000), 'denied', { consent: 'deny' });
    assert.ok(landed.url.startsWith('latchkey://auth/callback?') && landed.url.includes('error=access_denied'), landed.url);
    await openLink(landed.url);
    await waitText(d, '#auth-error', 'The sign-in was cancelled at your identity provider');
    assert.equal((await d.findElements(By.css('#browser-waiting'))).length, 0, 'the wait ended');
    await windowShot(d, 'sign-in-oauth-denied');

    await (await waitFor(d, '#oauth-keycloak')).click();
    await inbox.next(30000); // the browser was opened; nobody signs in there
    await (await waitFor(d, '#cancel-sign-in')).click();
    // Asked in the page: no element handle to go stale while React removes the notice.
    await d.wait(() => d.executeScript("return document.getElementById('browser-waiting') === null"), 10000, 'the wait ended');
    assert.equal((await d.findElements(By.css('#signed-in-user'))).length, 0);
  } finally {
    await quit(d);
  }
});

test('an SSO-only policy with the domain shows one button, starts SSO without asking, and the settings show the policy', async () => {
  const policy = join(mkdtempSync(join(tmpdir(), 'latchkey-sso-policy-')), 'policy.json');
  writeFileSync(policy, JSON.stringify({ managed: { allowed_sign_in_methods: ['sso'], sso_domain: SSO_DOMAIN } }));
  await withAppEnv({ LATCHKEY_POLICY_PATH: policy }, async () => { // debug builds only
    const d = await launch(driver.url);
    try {
      const button = await waitFor(d, '#sso');
      assert.equal(await button.getText(), `Sign in with SSO (${SSO_DOMAIN})`);
      const buttons = await d.findElements(By.css('#sign-in-screen button:not(.link-button)'));
      assert.equal(buttons.length, 1, 'one button to sign in with');
      assert.equal((await d.findElements(By.css('#email, #password, #oauth-keycloak'))).length, 0);
      await windowShot(d, 'sign-in-sso-only');
      await (await waitFor(d, '#show-settings')).click();
      assert.match(await (await waitFor(d, 'tr[data-key="sso_domain"]')).getText(), new RegExp(`${SSO_DOMAIN}\\s*Managed by your organization`));
      assert.match(await (await waitFor(d, 'tr[data-key="allowed_sign_in_methods"]')).getText(), /sso\s*Managed by your organization/);
      await d.executeScript('document.querySelector(\'tr[data-key="sso_domain"]\').scrollIntoView({ block: "center" })');
      await windowShot(d, 'settings-sso-policy');
      await (await waitFor(d, '#settings-back')).click();
      await (await waitFor(d, '#sso')).click();
      const landed = await personAt(await inbox.next(30000), 'sso-only');
      await openLink(landed.url);
      await waitText(d, '#signed-in-with', `with single sign-on (${SSO_DOMAIN})`);
      await signOut(d);
    } finally {
      await quit(d);
    }
  });
});

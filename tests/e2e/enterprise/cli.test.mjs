// `latchkey sign-in --provider` and `--sso` on real parts: the real binary opens the system browser through xdg-open
// (the private HOME's default browser is the test's Chromium, reached through tests/e2e/idp/browser-wrapper), a
// person signs in at Keycloak's real page, and the sign-in comes back to the command's loopback listener. The
// binary talks to GoTrue through the recording proxy, so the leak scan of this run (zz-leaks) knows every token it got,
// the provider's included, and what it printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../harness.mjs';
import { recordOutput } from '../leaks.mjs';
import { startProxy } from '../proxy.mjs';
import { browserEnv, startBrowser, startInbox, withoutDesktop } from '../idp/browser.mjs';
import { shot } from './shots.mjs';

const env = (name) => process.env[name] ?? assert.fail(`${name} is not set: run through scripts/test`);
const ALICE = { email: env('LATCHKEY_IDP_USER_EMAIL'), password: env('LATCHKEY_IDP_USER_PASSWORD') };
const PARTNER = env('LATCHKEY_IDP_PARTNER_EMAIL');
const SSO_DOMAIN = env('LATCHKEY_IDP_SSO_DOMAIN');

let inbox, proxy, desktop;
before(async () => {
  inbox = await startInbox();
  proxy = await startProxy();
  desktop = { ...withoutDesktop(process.env), ...browserEnv(process.env.HOME, inbox.url), LATCHKEY_PROXY: proxy.url, RUST_LOG: 'warn' };
  delete desktop.LATCHKEY_LOG;
});
after(async () => {
  await inbox?.close();
  await proxy?.down();
});

/** Runs the command line in the test's desktop; `done` resolves with { code, stdout, stderr } (recorded for the leak scan). */
function latchkey(args, extraEnv = {}) {
  const child = spawn(CLI, args, { env: { ...desktop, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = [];
  const err = [];
  child.stdout.on('data', (c) => out.push(c));
  child.stderr.on('data', (c) => err.push(c));
  const done = new Promise((resolve) => child.on('close', (code, signal) => {
    const stdout = Buffer.concat(out);
    const stderr = Buffer.concat(err);
    recordOutput(Buffer.concat([stdout, stderr]));
    resolve({ code: code ?? signal, stdout: stdout.toString(), stderr: stderr.toString() });
  }));
  /** Resolves once what the command printed on stderr matches `re` (each chunk is an event; no polling). */
  const stderrMatches = (re) => new Promise((resolve, reject) => {
    const look = () => {
      if (!re.test(Buffer.concat(err).toString())) return false;
      child.stderr.off('data', look);
      resolve();
      return true;
    };
    if (!look()) {
      child.stderr.on('data', look);
      child.once('close', () => reject(new Error(`the command ended without printing ${re}: ${Buffer.concat(err)}`)));
    }
  });
  return { child, done, stderrMatches };
}

/** A person at the browser the command opened: signs in there as `user`, answering consent with `consent`. */
async function personAt(url, { user = ALICE, consent = 'accept', name } = {}) {
  const browser = await startBrowser();
  try {
    await browser.open(url);
    const landed = await browser.signIn({ username: user.email, password: user.password, consent });
    if (name) await shot(browser, name);
    return { ...landed, text: landed.followed ? await browser.text() : '' };
  } finally {
    await browser.quit();
  }
}

const pkceExchanges = () => proxy.requests('POST', '/auth/v1/token?grant_type=pkce');

async function signOut() {
  const { code } = await latchkey(['sign-out']).done;
  assert.equal(code, 0, 'signed out for the next test');
}

test('sign-in --provider keycloak opens the system browser, and the sign-in comes back to the loopback', async () => {
  const run = latchkey(['sign-in', '--provider', 'keycloak', '--scopes', 'phone', '--param', 'prompt=login']);
  const opened = new URL(await inbox.next(30000));
  assert.equal(opened.pathname, '/auth/v1/authorize');
  const q = Object.fromEntries(opened.searchParams);
  assert.equal(q.provider, 'keycloak');
  assert.equal(q.scopes, 'phone openid', 'the scope asked for, and the one Keycloak needs');
  assert.equal(q.prompt, 'login');
  assert.match(q.redirect_to, /^http:\/\/127\.0\.0\.1:\d+\/auth\/callback\?lk_state=[\w-]{43}$/, 'the loopback, for the command');
  const landed = await personAt(opened.href, { name: 'cli-oauth-browser-done' });
  assert.equal(new URL(landed.url).origin, new URL(q.redirect_to).origin);
  assert.match(landed.text, /You can close this tab and return to Latchkey/);
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  assert.match(stderr, /continue in your browser/);
  const status = JSON.parse(stdout);
  assert.equal(status.state, 'signed_in');
  assert.equal(status.user.email, ALICE.email);
  assert.deepEqual(status.identity_provider, { kind: 'oauth', provider: 'keycloak' });
  const [exchange] = pkceExchanges();
  assert.equal(exchange.status, 200, 'one code exchange');
  await signOut();
});

test('a callback of another state is refused with no exchange, and the command goes on waiting for its own', async () => {
  const before = pkceExchanges().length;
  const run = latchkey(['sign-in', '--provider', 'keycloak']);
  const opened = new URL(await inbox.next(30000));
  const genuine = new URL(opened.searchParams.get('redirect_to'));
  const forged = new URL(genuine);
  forged.searchParams.set('lk_state', 'someone-elses-state');
  const tampered = new URL(opened);
  tampered.searchParams.set('redirect_to', forged.href);
  const landed = await personAt(tampered.href, { name: 'cli-oauth-tampered-state' });
  const back = new URL(landed.url);
  assert.equal(back.searchParams.get('lk_state'), 'someone-elses-state');
  await run.stderrMatches(/does not belong to the sign-in Latchkey started; still waiting/);
  assert.equal(pkceExchanges().length, before, 'nothing exchanged for the forged callback');
  // The same code with the command's own state: its flow was never touched, so it signs in.
  genuine.searchParams.set('code', back.searchParams.get('code'));
  assert.equal((await fetch(genuine)).status, 200);
  const { code, stdout } = await run.done;
  assert.equal(code, 0);
  assert.equal(JSON.parse(stdout).state, 'signed_in');
  assert.equal(pkceExchanges().length, before + 1);
  await signOut();
});

test('consent denied at Keycloak: the command says so and fails, with nothing exchanged', async () => {
  const before = pkceExchanges().length;
  const run = latchkey(['sign-in', '--provider', 'keycloak', '--param', 'prompt=consent']);
  await personAt(await inbox.next(30000), { consent: 'deny' });
  const { code, stderr } = await run.done;
  assert.equal(code, 1);
  assert.equal(JSON.parse(stderr.trim().split('\n').at(-1)).code, 'access_denied', stderr);
  assert.equal(pkceExchanges().length, before);
});

test('sign-in --sso with a work e-mail signs in through SAML; a domain without SSO fails before any browser', async () => {
  const opened = inbox.received;
  const unknown = await latchkey(['sign-in', '--sso', PARTNER]).done;
  assert.equal(unknown.code, 1);
  assert.deepEqual(JSON.parse(unknown.stderr.trim().split('\n').at(-1)),
    { code: 'sso_provider_not_found', message: 'No SSO provider assigned for this domain' });
  assert.equal(inbox.received, opened, 'no browser was opened');

  const run = latchkey(['sign-in', '--sso', ALICE.email]);
  const url = await inbox.next(30000);
  assert.ok(url.startsWith(`${env('LATCHKEY_IDP_ISSUER')}/protocol/saml?SAMLRequest=`), url);
  await personAt(url, { name: 'cli-sso-browser-done' });
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout).identity_provider, { kind: 'sso', domain: SSO_DOMAIN });
  await signOut();
});

test('an SSO-only policy: password and OAuth are refused, --sso takes the domain from the policy', async () => {
  const policy = join(mkdtempSync(join(tmpdir(), 'latchkey-sso-policy-')), 'policy.json');
  writeFileSync(policy, JSON.stringify({ managed: { allowed_sign_in_methods: ['sso'], sso_domain: SSO_DOMAIN } }));
  const managed = { LATCHKEY_POLICY_PATH: policy }; // debug builds only
  const report = JSON.parse((await latchkey(['policy', '--json'], managed).done).stdout);
  assert.deepEqual(report.values.sso_domain, { value: SSO_DOMAIN, source: 'managed', locked: true });
  assert.deepEqual(report.values.allowed_sign_in_methods.value, ['sso']);

  const password = latchkey(['sign-in', '--email', env('LATCHKEY_DEMO_EMAIL'), '--password-stdin'], managed);
  password.child.stdin.end(`${env('LATCHKEY_DEMO_PASSWORD')}\n`);
  const refused = await password.done;
  assert.equal(refused.code, 1);
  assert.equal(JSON.parse(refused.stderr.trim().split('\n').at(-1)).code, 'policy');
  const oauth = await latchkey(['sign-in', '--provider', 'keycloak'], managed).done;
  assert.equal(JSON.parse(oauth.stderr.trim().split('\n').at(-1)).code, 'policy');

  const run = latchkey(['sign-in', '--sso'], managed);
  await personAt(await inbox.next(30000));
  const { code, stdout, stderr } = await run.done;
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout).identity_provider, { kind: 'sso', domain: SSO_DOMAIN });
  await signOut();
});

test('an SSO session obeys the session deadline (shortened to 15 s): latchkey watch signs it out with timeout', async () => {
  const short = { LATCHKEY_MAX_SESSION_AGE: '15s' };
  const run = latchkey(['sign-in', '--sso', ALICE.email], short);
  await personAt(await inbox.next(30000));
  assert.equal((await run.done).code, 0);
  const watch = latchkey(['watch', '--json'], short);
  const { code, stdout } = await watch.done; // watch ends by itself at SIGNED_OUT
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(code, 0);
  assert.deepEqual(lines[0].state.identityProvider, { kind: 'sso', domain: SSO_DOMAIN }, 'restored as an SSO session');
  const last = lines.at(-1);
  assert.equal(last.event, 'SIGNED_OUT');
  assert.equal(last.reason, 'timeout');
});

test('Ctrl-C while waiting cancels the sign-in (exit 130)', async () => {
  const run = latchkey(['sign-in', '--provider', 'keycloak']);
  await inbox.next(30000);
  await run.stderrMatches(/waiting for the sign-in/);
  run.child.kill('SIGINT');
  const { code, stderr } = await run.done;
  assert.equal(code, 130);
  assert.match(stderr, /sign-in cancelled/);
});

// The server side of enterprise sign-in, on real parts: GoTrue's `keycloak` provider and its SAML SSO against the
// real Keycloak, signed in by a real Chromium that URLs reach through xdg-open. Needs `scripts/stack up --with-idp`
// and `eval "$(scripts/stack env)"` (scripts/test's idp step). docs/idp-stack.md records what these tests observe.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserEnv, forgetConsents, startBrowser, startInbox, startLoopback, withoutDesktop } from './browser.mjs';

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run 'scripts/stack up --with-idp' and eval "$(scripts/stack env)" first`);
  return value;
}
const AUTH = `${env('LATCHKEY_SUPABASE_URL')}/auth/v1`;
const ANON = env('LATCHKEY_SUPABASE_ANON_KEY');
const SITE_URL = env('LATCHKEY_STACK_SITE_URL');
const IDP = env('LATCHKEY_IDP_URL');
const ISSUER = env('LATCHKEY_IDP_ISSUER');
const ALICE = { email: env('LATCHKEY_IDP_USER_EMAIL'), password: env('LATCHKEY_IDP_USER_PASSWORD') };
const BOB = { email: env('LATCHKEY_IDP_PARTNER_EMAIL'), password: env('LATCHKEY_IDP_PARTNER_PASSWORD') };
const SSO_DOMAIN = env('LATCHKEY_IDP_SSO_DOMAIN');
const SSO_PROVIDER_ID = env('LATCHKEY_IDP_SSO_PROVIDER_ID');

let inbox, loopback, home, desktop;
before(async () => {
  inbox = await startInbox();
  loopback = await startLoopback();
  home = mkdtempSync(join(tmpdir(), 'latchkey-idp-home-'));
  desktop = browserEnv(home, inbox.url);
});
after(async () => {
  await inbox?.close();
  await loopback?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** `xdg-open url` as the app runs it, in the private HOME whose default browser is the test's Chromium. With
 * `display`, xdg-open uses the XDG default handler; without, $BROWSER. Resolves with the URL the browser got. */
async function openOnDesktop(url, { display = true } = {}) {
  const base = { ...withoutDesktop(process.env), ...desktop };
  delete base.DISPLAY;
  delete base.WAYLAND_DISPLAY;
  if (display) {
    base.DISPLAY = ':0'; // xdg-open only checks that one is set; the handler it picks needs no X server
    delete base.BROWSER;
  }
  await new Promise((resolve, reject) => {
    execFile('xdg-open', [url], { env: base, timeout: 15000 }, (err, _out, stderr) => (err ? reject(new Error(`xdg-open failed: ${err.message} ${stderr}`)) : resolve()));
  });
  return inbox.next();
}

async function exchange(code, verifier) {
  const res = await fetch(`${AUTH}/token?grant_type=pkce`, {
    method: 'POST',
    headers: { apikey: ANON, 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth_code: code, code_verifier: verifier }),
  });
  return { status: res.status, body: await res.json() };
}

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

/** Rows of a query against GoTrue's database, `|`-separated columns. */
const sql = (query) => execFileSync('psql', [env('LATCHKEY_STACK_DATABASE_URL'), '-XAtc', query], { encoding: 'utf8' })
  .split('\n').filter(Boolean);

/** Runs `fn(browser)` with a fresh Chromium profile (no IdP session left from another test). */
async function withBrowser(fn) {
  const browser = await startBrowser();
  try {
    return await fn(browser);
  } finally {
    await browser.quit();
  }
}

/** OAuth through GoTrue's /authorize, opened on the desktop, signed in at Keycloak. Resolves with the landing. */
async function oauthSignIn({ user, redirectTo, challenge, extra = {}, consent = 'accept' }) {
  const query = new URLSearchParams({ provider: 'keycloak', redirect_to: redirectTo, code_challenge: challenge,
    code_challenge_method: 's256', ...extra });
  const opened = await openOnDesktop(`${AUTH}/authorize?${query}`);
  return withBrowser(async (browser) => {
    await browser.open(opened);
    return browser.signIn({ username: user.email, password: user.password, consent });
  });
}

test('xdg-open hands a URL to the test browser, through the XDG default handler and through $BROWSER', async () => {
  assert.equal(await openOnDesktop('http://127.0.0.1:9/xdg-default', { display: true }), 'http://127.0.0.1:9/xdg-default');
  assert.equal(await openOnDesktop('https://example.invalid/browser-env?a=1&b=2', { display: false }),
    'https://example.invalid/browser-env?a=1&b=2');
});

test('OAuth with Keycloak: a PKCE code at the loopback, exchanged for a session of the Keycloak user with provider tokens', async () => {
  const { verifier, challenge } = pkce();
  const landed = await oauthSignIn({ user: ALICE, redirectTo: loopback.url, challenge, extra: { scopes: 'openid phone' } });
  assert.equal(landed.followed, true);
  const back = new URL(await loopback.next());
  const code = back.searchParams.get('code');
  assert.match(code ?? '', /^[0-9a-f-]{36}$/, `a PKCE code comes back: ${back}`);
  assert.equal(landed.url, back.href, 'the browser shows the page the loopback served');
  assert.equal(`${back.origin}${back.pathname}`, loopback.url);
  const idpRequest = new URL(landed.documents.find((u) => u.startsWith(`${ISSUER}/protocol/openid-connect/auth`)));
  assert.deepEqual(idpRequest.searchParams.get('scope').split(' ').sort(), ['email', 'openid', 'phone', 'profile']);

  const { status, body } = await exchange(code, verifier);
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.user.email, ALICE.email);
  assert.equal(body.user.app_metadata.provider, 'keycloak');
  assert.deepEqual(claims(body.access_token).amr.map((a) => a.method), ['oauth']);
  const provider = claims(body.provider_token);
  assert.equal(provider.iss, ISSUER, 'provider_token is the access token Keycloak issued');
  assert.equal(provider.email, ALICE.email);
  assert.ok(provider.scope.split(' ').includes('phone'), `the requested scope reached Keycloak: ${provider.scope}`);
  assert.equal(typeof body.provider_refresh_token, 'string');
  assert.ok(body.provider_refresh_token.length > 20, 'a provider_refresh_token comes back');
  assert.equal((await exchange(code, verifier)).status >= 400, true, 'the code is single use');
});

test('OAuth with Keycloak back to latchkey://: the redirect Chromium cannot follow is read from its log and carries the code', async () => {
  const { verifier, challenge } = pkce();
  const landed = await oauthSignIn({ user: BOB, redirectTo: 'latchkey://auth/callback', challenge,
    extra: { scopes: 'openid', prompt: 'login' } });
  assert.equal(landed.followed, false);
  const back = new URL(landed.url);
  assert.equal(`${back.protocol}//${back.host}${back.pathname}`, 'latchkey://auth/callback');
  const idpRequest = new URL(landed.documents.find((u) => u.startsWith(`${ISSUER}/protocol/openid-connect/auth`)));
  assert.equal(idpRequest.searchParams.get('prompt'), 'login', 'extra query parameters pass through GoTrue to Keycloak');
  const { status, body } = await exchange(back.searchParams.get('code'), verifier);
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.user.email, BOB.email, 'a user of the second email domain signs in with OAuth');
});

test('OAuth with Keycloak without the openid scope: Keycloak\'s userinfo refuses GoTrue, whose error goes to redirect_to', async () => {
  const { challenge } = pkce();
  const landed = await oauthSignIn({ user: ALICE, redirectTo: loopback.url, challenge });
  const back = new URL(await loopback.next());
  assert.equal(landed.url.split('#')[0], back.href);
  const idpRequest = new URL(landed.documents.find((u) => u.startsWith(`${ISSUER}/protocol/openid-connect/auth`)));
  assert.equal(idpRequest.searchParams.get('scope'), 'profile email', 'GoTrue\'s keycloak provider asks for these alone');
  assert.deepEqual(Object.fromEntries(back.searchParams), { error: 'server_error', error_code: 'unexpected_failure',
    error_description: 'Error getting user profile from external provider' });
});

test(`SAML SSO for ${SSO_DOMAIN}: POST /sso gives Keycloak's URL; after the SAML sign-in the code makes an sso/saml session`, async (t) => {
  const { verifier, challenge } = pkce();
  const started = sql('select now()')[0];
  const res = await fetch(`${AUTH}/sso`, {
    method: 'POST',
    headers: { apikey: ANON, 'Content-Type': 'application/json' },
    body: JSON.stringify({ domain: SSO_DOMAIN, redirect_to: loopback.url, code_challenge: challenge,
      code_challenge_method: 's256', skip_http_redirect: true }),
  });
  const { url } = await res.json();
  assert.equal(res.status, 200);
  assert.ok(url.startsWith(`${ISSUER}/protocol/saml?SAMLRequest=`), url);
  assert.match(url, /&SigAlg=http%3A%2F%2Fwww\.w3\.org%2F2000%2F09%2Fxmldsig%23rsa-sha1&Signature=/, 'GoTrue signs with RSA-SHA1');
  const redirected = await fetch(`${AUTH}/sso`, {
    method: 'POST', redirect: 'manual',
    headers: { apikey: ANON, 'Content-Type': 'application/json' },
    body: JSON.stringify({ domain: SSO_DOMAIN, redirect_to: loopback.url, code_challenge: challenge, code_challenge_method: 's256' }),
  });
  assert.equal(redirected.status, 303, 'without skip_http_redirect, /sso redirects');
  assert.ok(redirected.headers.get('location').startsWith(`${ISSUER}/protocol/saml?SAMLRequest=`));
  const landed = await withBrowser(async (browser) => {
    await browser.open(await openOnDesktop(url));
    return browser.signIn({ username: ALICE.email, password: ALICE.password });
  });
  const back = new URL(await loopback.next());
  assert.equal(landed.url, back.href);
  assert.ok(landed.documents.some((u) => u === `${AUTH}/sso/saml/acs`), `the assertion went to GoTrue's ACS: ${landed.documents}`);
  const { status, body } = await exchange(back.searchParams.get('code'), verifier);
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.user.email, ALICE.email);
  assert.equal(body.user.app_metadata.provider, `sso:${SSO_PROVIDER_ID}`);
  assert.deepEqual(claims(body.access_token).amr.map((a) => a.method), ['sso/saml']);
  assert.equal(body.provider_token ?? null, null, 'SAML gives no provider token');
  // GoTrue's ACS issues a session bounded by the assertion's SessionNotOnOrAfter, then the PKCE exchange issues
  // the session the app gets, without that bound; the ACS one is left unused.
  const sessions = sql(`select id, not_after is null, extract(epoch from not_after - created_at)::int from sessions
    where user_id = '${body.user.id}' and created_at >= '${started}' order by created_at`).map((r) => r.split('|'));
  assert.equal(sessions.length, 2, `two sessions since the SSO began: ${sessions}`);
  assert.deepEqual(sessions[1].slice(0, 2), [claims(body.access_token).session_id, 't'], 'the app\'s session has no not_after');
  assert.equal(sessions[0][1], 'f', 'the ACS session carries the IdP\'s SessionNotOnOrAfter');
  t.diagnostic(`ACS session not_after = created_at + ${sessions[0][2]} s; PKCE session not_after = none`);
});

test('SSO for a domain or provider GoTrue does not know: 404 sso_provider_not_found, before any browser', async () => {
  const { challenge } = pkce();
  for (const [target, message] of [[{ domain: BOB.email.split('@')[1] }, 'No SSO provider assigned for this domain'],
    [{ provider_id: '00000000-0000-4000-8000-000000000000' }, 'No such SSO provider']]) {
    const res = await fetch(`${AUTH}/sso`, {
      method: 'POST',
      headers: { apikey: ANON, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...target, redirect_to: loopback.url, code_challenge: challenge, code_challenge_method: 's256',
        skip_http_redirect: true }),
    });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { code: 404, error_code: 'sso_provider_not_found', msg: message });
  }
});

test('a callback whose flow is gone (OAuth state, SAML RelayState) is sent to SITE_URL with the error, never to the app', async () => {
  const gone = crypto.randomUUID();
  const cases = [
    [`${AUTH}/callback?state=${gone}&code=x`, {}, 'invalid_request', 'bad_oauth_state', 'OAuth state not found or expired'],
    [`${AUTH}/callback?state=${gone}&error=access_denied`, {}, 'invalid_request', 'bad_oauth_state', 'OAuth state not found or expired'],
    [`${AUTH}/sso/saml/acs`, { method: 'POST', body: new URLSearchParams({ RelayState: gone, SAMLResponse: 'x' }) },
      'server_error', 'saml_relay_state_not_found', 'SAML RelayState does not exist, try logging in again?'],
  ];
  for (const [url, init, error, code, description] of cases) {
    const res = await fetch(url, { ...init, redirect: 'manual' });
    assert.equal(res.status, 303, url);
    const to = new URL(res.headers.get('location'));
    assert.equal(`${to.origin}${to.pathname}`, SITE_URL, url);
    assert.deepEqual(Object.fromEntries(to.searchParams), { error, error_code: code, error_description: description }, url);
  }
});

test('OAuth consent denied at Keycloak: GoTrue sends the browser to redirect_to with error=access_denied and no code', async (t) => {
  const { challenge } = pkce();
  const before = loopback.received;
  const landed = await oauthSignIn({ user: ALICE, redirectTo: loopback.url, challenge, consent: 'deny',
    extra: { scopes: 'openid', prompt: 'consent' } });
  assert.equal(landed.consentAsked, true);
  const idpRequest = new URL(landed.documents.find((u) => u.startsWith(`${ISSUER}/protocol/openid-connect/auth`)));
  assert.equal(idpRequest.searchParams.get('prompt'), 'consent');
  const back = new URL(await loopback.next());
  assert.equal(loopback.received, before + 1);
  // Keycloak answers GoTrue's /callback with error=access_denied and no description; GoTrue passes both on.
  assert.equal(back.search, '?error=access_denied&error_description=', back.href);
  const shown = new URL(landed.url); // the fragment stays in the browser; only it can read it
  assert.equal(`${shown.origin}${shown.pathname}${shown.search}`, back.href);
  assert.equal(shown.hash, '#error=access_denied&sb=', `the fragment repeats the error: ${landed.url}`);
  t.diagnostic(`landed at ${landed.url}`);
});

test('SAML consent denied at Keycloak: GoTrue sends the browser to SITE_URL\'s page, nothing comes back to redirect_to', async (t) => {
  await forgetConsents(ALICE.email);
  const { challenge } = pkce();
  const res = await fetch(`${AUTH}/sso`, {
    method: 'POST',
    headers: { apikey: ANON, 'Content-Type': 'application/json' },
    body: JSON.stringify({ domain: SSO_DOMAIN, redirect_to: loopback.url, code_challenge: challenge,
      code_challenge_method: 's256', skip_http_redirect: true }),
  });
  const before = loopback.received;
  const { landed, text } = await withBrowser(async (browser) => {
    await browser.open(await openOnDesktop((await res.json()).url));
    const landed = await browser.signIn({ username: ALICE.email, password: ALICE.password, consent: 'deny' });
    return { landed, text: await browser.text() };
  });
  assert.equal(landed.consentAsked, true);
  const site = new URL(landed.url);
  assert.equal(`${site.origin}${site.pathname}`, SITE_URL, landed.url);
  assert.match(text, /You can close this tab and return to Latchkey/);
  // Keycloak posts a signed Response with status Responder/RequestDenied; GoTrue's ACS rejects it as an invalid
  // assertion and puts the whole Response XML in error_description.
  assert.equal(site.searchParams.get('error'), 'invalid_request', landed.url);
  assert.equal(site.searchParams.get('error_code'), 'validation_failed', landed.url);
  assert.match(site.searchParams.get('error_description'),
    /^SAML Assertion is not valid <samlp:Response .*StatusCode Value="urn:oasis:names:tc:SAML:2\.0:status:RequestDenied"/s);
  assert.equal(loopback.received, before, 'nothing reached redirect_to');
  assert.ok(!landed.documents.some((u) => u.startsWith(loopback.url)), landed.documents.join(' -> '));
  t.diagnostic(`landed at ${landed.url.slice(0, 160)}...`);
});

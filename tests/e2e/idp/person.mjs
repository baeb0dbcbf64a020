// "The person at the browser" for tests outside node (the Rust core tests): opens one URL in a fresh Chromium, signs
// in at Keycloak's real page as a person would, and prints where the browser ended up as one JSON line
// ({url, followed, documents, consentAsked}; see browser.mjs `landing`). A latchkey:// redirect is not followed: its
// exact URL is printed for the caller to hand to the app, as the OS would.
//   node tests/e2e/idp/person.mjs --url URL --user EMAIL --password PASSWORD [--consent accept|deny] [--forget-consents]
// --forget-consents first makes Keycloak forget the user's consents (so it asks, and `--consent deny` can refuse).
import { parseArgs } from 'node:util';
import { forgetConsents, startBrowser } from './browser.mjs';

const { values } = parseArgs({ options: { url: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' },
  consent: { type: 'string', default: 'accept' }, 'forget-consents': { type: 'boolean', default: false } } });
if (!values.url || !values.user || !values.password) {
  console.error('usage: person.mjs --url URL --user EMAIL --password PASSWORD [--consent accept|deny]');
  process.exit(2);
}
if (values['forget-consents']) await forgetConsents(values.user);
const browser = await startBrowser();
try {
  await browser.open(values.url);
  const landed = await browser.signIn({ username: values.user, password: values.password, consent: values.consent });
  process.stdout.write(`${JSON.stringify({ ...landed, text: landed.followed ? await browser.text() : null })}\n`);
} finally {
  await browser.quit();
}

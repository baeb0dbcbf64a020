// A release build ships no project (issue 13 §4): with none configured the window asks for one, refuses a plain-http
// or unreachable one with a clear message, and once the real stack's URL and anon key check out (its
// /auth/v1/settings answered) it signs in on it without a restart, and the next launch goes straight there.
// LATCHKEY_NO_DEFAULT_PROJECT makes this debug build start without the local stack as its default, as a release one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDriver, launch, quit, waitFor, waitText, signIn, screenshot } from './harness.mjs';

const email = process.env.LATCHKEY_DEMO_EMAIL;
const password = process.env.LATCHKEY_DEMO_PASSWORD;
const project = { url: process.env.LATCHKEY_SUPABASE_URL, key: process.env.LATCHKEY_SUPABASE_ANON_KEY };
const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-first-run-'));
let driver;

before(async () => {
  // Straight to the servers this file names (the recording proxy forwards to the stack only), and no project: not
  // from the environment, not built in.
  // tauri-driver passes its own environment on to the apps it launches: set it first.
  process.env.LATCHKEY_PROXY = 'direct';
  delete process.env.LATCHKEY_SUPABASE_URL;
  delete process.env.LATCHKEY_SUPABASE_ANON_KEY;
  Object.assign(process.env, { LATCHKEY_NO_DEFAULT_PROJECT: '1', LATCHKEY_DATA_DIR: dataDir });
  driver = await startDriver();
});
after(async () => {
  await driver?.stop();
  Object.assign(process.env, { LATCHKEY_SUPABASE_URL: project.url, LATCHKEY_SUPABASE_ANON_KEY: project.key });
  delete process.env.LATCHKEY_NO_DEFAULT_PROJECT;
  delete process.env.LATCHKEY_DATA_DIR;
  delete process.env.LATCHKEY_PROXY;
  rmSync(dataDir, { recursive: true, force: true });
});

async function connect(d, url, key) {
  const field = async (css, value) => {
    const el = await waitFor(d, css);
    await el.clear();
    await el.sendKeys(value);
  };
  await field('#project-url', url);
  await field('#project-anon-key', key);
  await (await waitFor(d, '#connect-project')).click();
}

test('with no project the window asks for one, checks it, and signs in on it; the next launch remembers it', async () => {
  let d = await launch(driver.url);
  try {
    await waitText(d, '#first-run-title', 'Connect to your Supabase project');
    await screenshot(d, 'first-run');
    await connect(d, 'http://auth.example.com', project.key);
    await waitText(d, '#auth-error', 'plain http://');
    await screenshot(d, 'first-run-refused');
    const closed = (await import('node:net')).createServer().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    const port = closed.address().port;
    await new Promise((r) => closed.close(r)); // bound, then freed: nothing answers there
    await connect(d, `http://127.0.0.1:${port}`, project.key);
    await waitText(d, '#auth-error', "Can't reach the sign-in server");
    assert.throws(() => readFileSync(join(dataDir, 'settings.json')), 'nothing is saved before a project answers');

    await connect(d, project.url, project.key);
    await waitFor(d, '#email');
    const saved = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'));
    assert.deepEqual([saved.supabase_url, saved.anon_key], [project.url, project.key]);
    await signIn(d, email, password);
    await waitText(d, '#signed-in-user', email);
  } finally {
    await quit(d);
  }
  d = await launch(driver.url);
  try {
    await waitText(d, '#signed-in-user', email); // the project from the settings file, the session from the vault
    assert.equal((await d.findElements({ css: '#first-run-screen' })).length, 0);
    await (await waitFor(d, '#sign-out')).click();
    await waitFor(d, '#email');
  } finally {
    await quit(d);
  }
});

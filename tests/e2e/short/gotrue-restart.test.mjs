// Needs 6 s access tokens (scripts/test's short-token phase): the real GoTrue process is stopped while the window is
// signed in, so the stack's /auth/v1 front answers 502; the window keeps the session and says the server has a
// problem with the next attempt; GoTrue is started again and the window recovers by itself, never signing out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { By } from 'selenium-webdriver';
import { launch, quit, waitFor, waitText } from '../harness.mjs';
import { ctx, refreshes, signInShort, signOut, watch, trace } from './watch.mjs';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const stackDir = process.env.LATCHKEY_STACK_DIR ?? `${repo}/.state/stack`;

const alive = (pid) => {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** Stops the GoTrue process of the stack (its whole process group, as scripts/stack does) and waits until it is gone. */
async function stopGoTrue() {
  const pid = Number(readFileSync(`${stackDir}/run/gotrue.pid`, 'utf8').trim());
  assert.ok(alive(pid), 'GoTrue is running before the test stops it');
  process.kill(-pid, 'SIGTERM');
  for (const deadline = Date.now() + 10000; alive(pid);) {
    assert.ok(Date.now() < deadline, 'GoTrue did not stop within 10 s');
    await new Promise((r) => setTimeout(r, 20)); // a foreign process's exit has no event to await
  }
}

/** `scripts/stack up` starts GoTrue again (same settings: LATCHKEY_STACK_JWT_EXP is in this environment) and
 * returns once it answers its health check. */
const startGoTrue = () => execFileSync(`${repo}/scripts/stack`, ['up'], { stdio: 'ignore' });

test('GoTrue stopped: the session stays and the window says the server has a problem; restarted: it recovers', async () => {
  const d = await launch(ctx.driver.url);
  try {
    await signInShort(d);
    await watch(d);
    await stopGoTrue();
    const banner = await waitFor(d, '#offline-banner', 20000);
    assert.match(await banner.getText(), /The server had a problem — retrying (at .+|in \d+ s|now) \(attempt \d+\)/);

    startGoTrue();
    const upAt = Date.now();
    await d.wait(async () => (await d.findElements(By.css('#offline-banner'))).length === 0, 30000, 'the banner never went away');
    console.log(`# banner gone ${Date.now() - upAt} ms after GoTrue answered again`);
    assert.ok(refreshes(upAt).length >= 1, 'a refresh succeeded against the restarted GoTrue');
    await waitText(d, '#session-status', 'Active');
    const seen = await trace(d);
    assert.ok(seen.statuses.every((s) => s === 'signed_in' || s === 'expired'), `never signed out: ${seen.statuses.join(' -> ')}`);
    assert.equal(seen.homeLost, 0, 'the signed-in home never went away');
    await signOut(d);
  } finally {
    await quit(d);
  }
});

// Needs 6 s access tokens (scripts/test's short-token phase): refreshes happen in the real window and show, with no
// flicker: the status never leaves signed_in, the user line never goes away, the panel never changes size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, quit, waitText, screenshot } from '../harness.mjs';
import { ctx, refreshes, shownExpiry, signInShort, signOut, watch, trace } from './watch.mjs';

test('with short tokens the window shows each refresh with no flicker and no layout change', async () => {
  const d = await launch(ctx.driver.url);
  try {
    await signInShort(d);
    await watch(d);
    const since = Date.now();
    const shown = [await shownExpiry(d)];
    while (shown.length < 4) {
      const last = shown[shown.length - 1];
      await d.wait(async () => { const now = await shownExpiry(d); return now !== null && now > last; }, 20000,
        `no refresh shown after ${shown.length - 1}`);
      shown.push(await shownExpiry(d));
    }
    const seen = await trace(d);
    console.log(`# expiries shown: ${shown.join(', ')}; ${seen.mutations} DOM mutations observed`);
    assert.ok(refreshes(since).length >= 3, `at least 3 refreshes reached GoTrue (${refreshes(since).length})`);
    assert.deepEqual(seen.statuses, ['signed_in'], 'the status never left signed_in');
    assert.equal(seen.homeLost, 0, 'the signed-in home never went away');
    assert.equal(seen.boxes.length, 1, `the main panel kept its size: ${seen.boxes.join(' -> ')}`);
    await (await d.findElement({ css: '#tab-activity' })).click();
    await waitText(d, '#activity-panel', 'Session renewed');
    await screenshot(d, 'activity-refreshes');
    await signOut(d);
  } finally {
    await quit(d);
  }
});

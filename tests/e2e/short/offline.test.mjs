// Needs 6 s access tokens (scripts/test's short-token phase): the auth server becomes unreachable (the recording
// proxy the app goes through refuses connections), the window says so with the next attempt, and recovers by itself
// once it is back, without ever signing out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { By } from 'selenium-webdriver';
import { launch, quit, waitFor, waitText, screenshot } from '../harness.mjs';
import { ctx, refreshes, signInShort, signOut, watch, trace } from './watch.mjs';

test('server unreachable: the offline banner shows the next attempt; back: it goes and a refresh lands; never signed out', async () => {
  const d = await launch(ctx.driver.url);
  try {
    await signInShort(d);
    await watch(d);
    await ctx.proxy.down();
    const downAt = Date.now();
    const banner = await waitFor(d, '#offline-banner', 20000);
    const bannerAfter = Date.now() - downAt;
    assert.match(await banner.getText(), /retrying (at .+|in \d+ s|now) \(attempt \d+\)/);
    await screenshot(d, 'offline-banner');

    await ctx.proxy.up();
    const upAt = Date.now();
    await d.wait(async () => (await d.findElements(By.css('#offline-banner'))).length === 0, 30000, 'the offline banner never went away');
    const recoveredAfter = Date.now() - upAt;
    console.log(`# offline banner ${bannerAfter} ms after the server went away; gone ${recoveredAfter} ms after it came back`);
    assert.ok(refreshes(upAt).length >= 1, 'a refresh succeeded after the server came back');
    await waitText(d, '#session-status', 'Active');

    const seen = await trace(d);
    assert.ok(seen.statuses.every((s) => s === 'signed_in' || s === 'expired'), `never signed out: ${seen.statuses.join(' -> ')}`);
    assert.equal(seen.homeLost, 0, 'the signed-in home never went away');
    await (await d.findElement(By.css('#tab-activity'))).click();
    await waitText(d, '#activity-panel', 'Renewal retrying');
    await waitText(d, '#activity-panel', 'Session renewed');
    await signOut(d);
  } finally {
    await quit(d);
  }
});

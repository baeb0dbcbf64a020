// Screenshots of the test's Chromium next to the window's (harness.mjs `screenshot`), in the same folder.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { screenshot } from '../harness.mjs';

/** Saves what the test's Chromium shows as <LATCHKEY_SCREENSHOT_DIR>/<name>.png. */
export async function shot(browser, name) {
  const dir = process.env.LATCHKEY_SCREENSHOT_DIR ?? '.state/screenshots';
  mkdirSync(dir, { recursive: true });
  await browser.screenshot(join(dir, `${name}.png`));
}

/** The window's screenshot once WebKit has painted the current DOM (two animation frames: the DOM change is laid out
 * in the first, painted by the second), so the picture shows what the assertions just read. */
export async function windowShot(d, name) {
  await d.executeAsyncScript('const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));');
  await screenshot(d, name);
}

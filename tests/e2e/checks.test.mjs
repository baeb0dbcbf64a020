// The e2e helpers' own honesty: an absence check that could not look must fail, never read as "not there".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keychainKey } from './vault.mjs';

test('keychainKey throws when the keychain cannot be reached, instead of answering "no key"', () => {
  const unreachable = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/latchkey-test-bus' };
  assert.throws(() => keychainKey(unreachable), /secret-tool could not look up the vault key/);
});

test('keychainKey answers on the real keychain (a key or null, without throwing)', () => {
  const key = keychainKey();
  assert.ok(key === null || key.length > 0);
});

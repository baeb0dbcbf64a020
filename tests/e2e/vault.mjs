// Opens the app's sealed vault with the key from the real keychain, to learn the actual token values a leak scan must look for.
import { execFileSync } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVICE = 'dev.latchkey.desktop';
export const dataDir = () => join(process.env.XDG_DATA_HOME ?? join(process.env.HOME, '.local/share'), SERVICE);

/** The vault key as a second Secret Service client (secret-tool) finds it: null only when it looked and found
 * nothing. When it could not look (no bus, no daemon, a locked keyring) it throws, so "the entry is gone" can't
 * pass on an error. `env` lets a test point it at a broken bus. */
export function keychainKey(env = process.env) {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', SERVICE, 'username', 'vault-key'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    // secret-tool's "no such item": exit 1 with nothing on either stream.
    if (e.status === 1 && !e.stdout && !e.stderr) return null;
    throw new Error(`secret-tool could not look up the vault key (exit ${e.status}): ${e.stderr || e.message}`);
  }
}

export function vaultFileExists() {
  return existsSync(join(dataDir(), 'session.vault'));
}

/** The decrypted session (tokens included), exactly as the app sealed it (docs/security.md). */
export function openVault() {
  const env = JSON.parse(readFileSync(join(dataDir(), 'session.vault'), 'utf8'));
  const sealed = Buffer.from(env.sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keychainKey(), 'base64url'), Buffer.from(env.nonce, 'base64url'));
  decipher.setAAD(Buffer.from(`${SERVICE}\0vault\0${env.schema}\0${env.user_id}`));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString('utf8'));
}

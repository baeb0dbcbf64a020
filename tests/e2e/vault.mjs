// Opens the app's sealed vault with the key from the real keychain, to learn the actual token values a leak scan must look for.
import { execFileSync } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVICE = 'dev.latchkey.desktop';
export const dataDir = () => join(process.env.XDG_DATA_HOME ?? join(process.env.HOME, '.local/share'), SERVICE);

export function keychainKey() {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', SERVICE, 'username', 'vault-key'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
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

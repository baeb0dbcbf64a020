// The storage an Electron app would give auth-js: one JSON file, read and written synchronously (as electron-store
// does), written atomically. Used by client.mjs; bench.mjs reads the same file to see whether the session is kept.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';

export const STORAGE_KEY = 'latchkey-peer-auth-token';

export function fileStorage(path) {
  const read = () => {
    try { return JSON.parse(readFileSync(path, 'utf8')); } catch { return {}; }
  };
  const write = (all) => { writeFileSync(`${path}.tmp`, JSON.stringify(all)); renameSync(`${path}.tmp`, path); };
  return {
    getItem: (key) => read()[key] ?? null,
    setItem: (key, value) => { const all = read(); all[key] = value; write(all); },
    removeItem: (key) => { const all = read(); delete all[key]; write(all); },
  };
}

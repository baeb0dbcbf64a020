// The e2e leak scan's shared half (zz-leaks.test.mjs reads it): where one `npm test` run keeps what it saw — every
// token the app obtained (the recording proxy), every IPC reply and event the webview received (the page's recorder,
// drained by the harness), what the app and the driver printed — and the byte scanner.
// These files hold live tokens, so they stay out of the app's HOME (which is scanned): the repo's .state/e2e-runs/
// (mode 0700), removed by the scan when it passes.
import { appendFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RUNS_DIR = process.env.LATCHKEY_E2E_RUNS_DIR ?? fileURLToPath(new URL('../../.state/e2e-runs/', import.meta.url));

/** One run = one `node --test` runner (every test file is its child): its PID and start time. */
function runId() {
  const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  return `${process.ppid}-${start}`;
}

export function runDir() {
  const dir = join(RUNS_DIR, runId());
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

const appendJsonLines = (name, items) => {
  if (items.length) appendFileSync(join(runDir(), name), items.map((i) => JSON.stringify(i) + '\n').join(''), { mode: 0o600 });
};
const readJsonLines = (dir, name) => {
  const file = join(dir, name);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
};

/** Every secret in a JSON body, at any depth: strings under a key ending in `token` (access_token, refresh_token,
 * provider_token…), a TOTP factor's `secret` (the answer of `POST /factors`), and a one-time `code` sent to a verify. */
export function tokensIn(json, found = []) {
  if (Array.isArray(json)) json.forEach((v) => tokensIn(v, found));
  else if (json && typeof json === 'object') {
    for (const [key, value] of Object.entries(json)) {
      if (typeof value === 'string' && /token$/.test(key) && value.length >= 8) found.push({ kind: key, value });
      else if (typeof value === 'string' && key === 'secret' && value.length >= 16) found.push({ kind: 'totp_secret', value });
      else if (typeof value === 'string' && key === 'code' && /^\d{6}$/.test(value)) found.push({ kind: 'mfa_code', value });
      else tokensIn(value, found);
    }
  }
  return found;
}

/** Which kind of secret: `provider` (an identity provider's own tokens: provider_token, provider_refresh_token),
 * `refresh`, `totp` (a factor's shared secret), `code` (a one-time code) or `access`. */
export function familyOf(kind) {
  if (/^provider/.test(kind)) return 'provider';
  if (/refresh/.test(kind)) return 'refresh';
  if (kind === 'totp_secret') return 'totp';
  if (kind === 'mfa_code') return 'code';
  return 'access';
}

/** Called by the recording proxy with every JSON answer from the auth server. */
export function recordTokens(json, source) {
  appendJsonLines('tokens.jsonl', tokensIn(json).map((t) => ({ ...t, source, at: Date.now() })));
}

/** Called by the harness with what it drained from a page's recorder (ui/src/auth/ipcRecorder.ts). */
export function recordIpc(records, page) {
  appendJsonLines('ipc.jsonl', records.map((r) => ({ ...r, page })));
}

/** Called by the harness when a driver stops: everything tauri-driver and the apps it launched printed. */
export function recordOutput(bytes) {
  writeFileSync(join(runDir(), `output-${process.pid}-${Date.now()}.log`), bytes, { mode: 0o600 });
}

/** What a run recorded: { tokens, ipc, outputs: [{ name, bytes }] }. */
export function readRun(dir = runDir()) {
  const outputs = readdirSync(dir).filter((n) => n.startsWith('output-')).map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
  return { tokens: readJsonLines(dir, 'tokens.jsonl'), ipc: readJsonLines(dir, 'ipc.jsonl'), outputs };
}

/**
 * The byte strings that betray a secret: the whole value, for a JWT its signature and payload segments (a leaked
 * part is a leak), for a TOTP secret also the grouped form the enrolment screen shows, each as UTF-8 and UTF-16LE
 * (how WebKit's storage keeps strings). Unique, labelled.
 */
export function needlesFor(tokens) {
  const byText = new Map();
  for (const { kind, value } of tokens) {
    const family = familyOf(kind);
    const parts = value.split('.');
    const grouped = family === 'totp' ? [value.match(/.{1,4}/g).join(' ')] : [];
    const texts = parts.length === 3 ? [value, parts[1], parts[2]].filter((p) => p.length >= 16) : [value, ...grouped];
    for (const text of texts) if (!byText.has(text)) byText.set(text, { family, kind, text });
  }
  return [...byText.values()].flatMap((n) => ['utf8', 'utf16le'].map((enc) => ({ ...n, encoding: enc, bytes: Buffer.from(n.text, enc) })));
}

/** Whether an ASCII digit is at byte `i` of `hay` in `encoding`. */
const digitAt = (hay, i, encoding) =>
  i >= 0 && i < hay.length && hay[i] >= 0x30 && hay[i] <= 0x39 && (encoding !== 'utf16le' || hay[i + 1] === 0);

/** Whether `hay` holds the needle; a six-digit code counts only as a number of its own (not inside a longer one,
 * such as a timestamp). */
function holds(hay, n) {
  if (n.family !== 'code') return hay.includes(n.bytes);
  const width = n.encoding === 'utf16le' ? 2 : 1;
  for (let i = hay.indexOf(n.bytes); i !== -1; i = hay.indexOf(n.bytes, i + 1)) {
    if (!digitAt(hay, i - width, n.encoding) && !digitAt(hay, i + n.bytes.length, n.encoding)) return true;
  }
  return false;
}

/** The needles found in `bytes` (a Buffer or string). */
export const hitsIn = (bytes, needles) => {
  const hay = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return needles.filter((n) => holds(hay, n));
};

/** Scans every regular file under each dir (symlinks not followed) as bytes, skipping (and adding to) `seen`.
 * Returns { files, bytes, hits }. */
export function scanFiles(dirs, needles, seen = new Set()) {
  const result = { files: 0, bytes: 0, hits: [] };
  const walk = (path) => {
    let st;
    try { st = lstatSync(path); } catch { return; }
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
      return;
    }
    if (!st.isFile() || seen.has(path)) return;
    seen.add(path);
    let bytes;
    try { bytes = readFileSync(path); } catch { return; } // gone since listed (a rotated log, a WebKit temp file)
    result.files += 1;
    result.bytes += bytes.length;
    for (const n of hitsIn(bytes, needles)) result.hits.push({ where: path, needle: `${n.kind} ${n.encoding}` });
  };
  dirs.forEach(walk);
  return result;
}

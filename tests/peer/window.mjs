// Latchkey only: the real window (release build) under the bench's Xvfb, through tauri-driver + WebKitWebDriver
// (tests/e2e/harness.mjs). Cold start to the signed-in screen with the session restored from the vault, then the
// whole app (the app process and every process below it: WebKit's web and network processes) idle for a minute.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const STARTS = Number(process.env.LATCHKEY_BENCH_WINDOW_STARTS ?? 5);

/** The app's window processes: started from `app` with no subcommand (a `watch` of the same binary is not one). */
function windowPids(app) {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      return argv[0] === app && argv.length === 1;
    } catch {
      return false;
    }
  }).map(Number);
}

/** `root` and everything below it, by parent PID. */
export function tree(root) {
  const children = new Map();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch { /* gone */ }
  }
  const all = [root];
  for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]) ?? []));
  return all;
}

export const name = (pid) => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return '?'; } };

export async function measureWindow({ app, stack, out, base, user, sample, between, memory, sleep }) {
  const dir = join(out, 'latchkey', 'window');
  mkdirSync(dir, { recursive: true });
  const env = { LATCHKEY_DATA_DIR: dir, LATCHKEY_SUPABASE_URL: stack.url, LATCHKEY_SUPABASE_ANON_KEY: stack.anon };
  const who = await user(stack);
  const r = spawnSync(join(dirname(app), 'latchkey'), ['sign-in', '--email', who.email, '--password-stdin'], { env: { ...base, ...env }, input: `${who.password}\n`, encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) throw new Error(`latchkey sign-in for the window: ${r.stderr}`);
  Object.assign(process.env, env, { LATCHKEY_APP_BIN: app }); // tauri-driver passes its environment to the app
  const { startDriver, launch, quit, waitText } = await import('../e2e/harness.mjs');
  const driver = await startDriver();
  const cold = [];
  try {
    for (let i = 0; i < STARTS; i++) {
      const t = performance.now();
      const d = await launch(driver.url);
      await waitText(d, '#signed-in-user', who.email, 30000);
      cold.push(performance.now() - t);
      if (i < STARTS - 1) await quit(d);
      else {
        const [root] = windowPids(app);
        await sleep(20000); // settle: the launch-time GET /user, WebKit's first paint and caches
        const pids = tree(root);
        const first = new Map(pids.flatMap((p) => { try { return [[p, sample(p)]]; } catch { return []; } }));
        await sleep(60000);
        const processes = [...first.keys()].flatMap((p) => {
          try {
            return [{ pid: p, name: name(p), ...between(first.get(p), sample(p)), ...memory(p) }];
          } catch {
            return []; // exited during the minute
          }
        });
        await waitText(d, '#signed-in-user', who.email, 5000); // still signed in after the idle minute
        await quit(d);
        return { cold_ms: cold, processes };
      }
    }
  } finally {
    await driver.stop();
  }
  return { cold_ms: cold, processes: [] };
}

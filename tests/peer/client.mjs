// The auth-js side of scripts/bench-peer: @supabase/auth-js in Node, set up the way an Electron app would set it up
// (a file-backed storage adapter, persistSession and autoRefreshToken on), against the same GoTrue as Latchkey.
//
//   node client.mjs sign-in     signs in with PEER_EMAIL / PEER_PASSWORD, saves the session to PEER_STORAGE, exits
//   node client.mjs restore     reads the stored session, prints the first INITIAL_SESSION, exits
//   node client.mjs coalesce    signs in, stops the ticker, waits past expiry, then 1000 concurrent getSession()
//   node client.mjs watch       restores the stored session and prints every auth event as one JSON line until killed;
//                               SIGUSR2 prints process.memoryUsage() after a full GC (run with --expose-gc)
//   node client.mjs baseline    the same Node process without auth-js: SIGUSR2 prints its memoryUsage()
//
// Settings (environment): PEER_URL (GoTrue's root URL), PEER_ANON (apikey), PEER_STORAGE (the storage file),
// PEER_EMAIL, PEER_PASSWORD. Output: JSON lines on stdout. Tokens are never printed, only counts and times.
import { fileStorage, STORAGE_KEY } from './storage.mjs';

const started = performance.now(); // ms since this process started (Node's time origin)
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const need = (name) => process.env[name] ?? (say({ error: `${name} is not set` }), process.exit(2));


async function client() {
  const { GoTrueClient } = await import('@supabase/auth-js');
  const before = performance.now();
  const auth = new GoTrueClient({
    url: need('PEER_URL'),
    headers: { apikey: need('PEER_ANON') },
    storageKey: STORAGE_KEY,
    storage: fileStorage(need('PEER_STORAGE')),
    persistSession: true,
    autoRefreshToken: true,
    detectSessionInUrl: false,
  });
  return { auth, before };
}

const commands = {
  async 'sign-in'() {
    const { auth } = await client();
    const { data, error } = await auth.signInWithPassword({ email: need('PEER_EMAIL'), password: need('PEER_PASSWORD') });
    say({ signed_in: !!data.session, error: error?.message ?? null });
    await auth.stopAutoRefresh();
    process.exit(error ? 1 : 0);
  },

  async restore() {
    const { auth, before } = await client();
    auth.onAuthStateChange((event, session) => {
      if (event !== 'INITIAL_SESSION') return;
      const now = performance.now();
      say({ event, signed_in: !!session, in_process_ms: now - before, since_start_ms: now - started });
      process.exit(0);
    });
  },

  async coalesce() {
    const { auth } = await client();
    const { data, error } = await auth.signInWithPassword({ email: need('PEER_EMAIL'), password: need('PEER_PASSWORD') });
    if (error) return (say({ error: error.message }), process.exit(1));
    // At expiry: the ticker did not run (as after a suspend), so every caller finds the token expired.
    await auth.stopAutoRefresh();
    const wait = data.session.expires_at * 1000 - Date.now() + 500;
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    const [t, start_ms] = [performance.now(), Date.now()];
    const all = await Promise.all(Array.from({ length: 1000 }, () => auth.getSession()));
    const [ms, end_ms] = [performance.now() - t, Date.now()];
    const tokens = new Set(all.map((r) => r.data.session?.access_token ?? null));
    say({ calls: all.length, distinct_tokens: tokens.size, with_session: all.filter((r) => r.data.session).length, errors: all.filter((r) => r.error).length, ms, start_ms, end_ms });
    process.exit(0);
  },

  async watch() {
    const { auth } = await client();
    auth.onAuthStateChange((event, session) => say({ at: Date.now(), event, signed_in: !!session }));
    process.on('SIGUSR2', () => { globalThis.gc?.(); say({ memory: process.memoryUsage() }); });
    process.on('SIGTERM', () => process.exit(0));
    // auth-js unrefs its ticker in Node; an app (Electron's main process) is what keeps the process alive. This timer
    // stands in for it and never fires; the baseline process has the same one.
    setInterval(() => {}, 1 << 30);
  },

  async baseline() {
    process.on('SIGUSR2', () => { globalThis.gc?.(); say({ memory: process.memoryUsage() }); });
    process.on('SIGTERM', () => process.exit(0));
    setInterval(() => {}, 1 << 30); // stay alive, as idle as Node gets
    say({ ready: true });
  },
};

const command = commands[process.argv[2]];
if (!command) {
  say({ error: `unknown command ${process.argv[2]}: sign-in | restore | coalesce | watch | baseline` });
  process.exit(2);
}
await command();

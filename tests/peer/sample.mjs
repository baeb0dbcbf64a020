// Per-thread context switches and CPU time of a process, from /proc (shared by bench.mjs and tray.mjs).
import { readFileSync, readdirSync } from 'node:fs';

const readOr = (path, fallback) => { try { return readFileSync(path, 'utf8'); } catch { return fallback; } };
const field = (text, name) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text)?.[1] ?? 0);

/** Per thread: context switches (voluntary, involuntary) and CPU time in ns (schedstat: utime + stime, exact). */
export function sample(pid) {
  const threads = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const s = readOr(`/proc/${pid}/task/${tid}/status`, '');
    const cpu = Number(readOr(`/proc/${pid}/task/${tid}/schedstat`, '0').split(' ')[0]);
    threads[tid] = [field(s, 'voluntary_ctxt_switches'), field(s, 'nonvoluntary_ctxt_switches'), cpu];
  }
  return { threads };
}

/** What happened between two samples: switches of threads alive at the end (new ones counted whole). */
export function between(a, b) {
  let [voluntary, involuntary, ns] = [0, 0, 0];
  for (const [tid, [v, i, cpu]] of Object.entries(b.threads)) {
    const [v0, i0, cpu0] = a.threads[tid] ?? [0, 0, 0];
    voluntary += v - v0;
    involuntary += i - i0;
    ns += cpu - cpu0;
  }
  return { voluntary, involuntary, switches: voluntary + involuntary, cpu_ms: ns / 1e6, threads: Object.keys(b.threads).length };
}


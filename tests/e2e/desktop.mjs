// The desktop around the app, read the way a desktop reads it (scripts/lib/with-desktop runs the parts): the tray item
// and its menu over D-Bus (StatusNotifierWatcher, the item's properties, com.canonical.dbusmenu), its icon by pixels,
// the notifications dunst showed (dunstctl), and the app's processes from /proc. Waits follow D-Bus signals
// (`gdbus monitor`) or, where a change has no signal (a process ending), poll with a deadline.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP, CLI } from './harness.mjs';
import { recordOutput } from './leaks.mjs';

const WATCHER = ['--dest', 'org.kde.StatusNotifierWatcher', '--object-path', '/StatusNotifierWatcher'];
const ICONS = fileURLToPath(new URL('../../icons/tray/', import.meta.url));
const gdbus = (...args) => execFileSync('gdbus', ['call', '--session', ...args], { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const strings = (reply) => [...reply.matchAll(/'([^']*)'/g)].map((m) => m[1]);
const CLOSE_WINDOW = fileURLToPath(new URL('./close-window.py', import.meta.url));

if (!process.env.LATCHKEY_DESKTOP_LOGS) throw new Error('no desktop: run inside scripts/lib/with-desktop (scripts/test does)');

/** Polls `check` (no signal to await) until it returns a truthy value, or fails naming `what` after `timeout` ms. */
export async function until(what, check, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Asks every window titled `title` to close, as a window manager's close button does; returns how many it asked. */
export const closeWindow = (title) => execFileSync('python3', [CLOSE_WINDOW, title], { encoding: 'utf8' }).trim();

/** The registered tray items, as [bus name, object path] pairs. */
export function registeredItems() {
  const reply = gdbus(...WATCHER, '--method', 'org.freedesktop.DBus.Properties.Get', 'org.kde.StatusNotifierWatcher', 'RegisteredSNIEntries');
  const found = strings(reply);
  return found.reduce((pairs, s, i) => (i % 2 ? pairs : [...pairs, [s, found[i + 1]]]), []);
}

/** Whether the watcher says a tray host registered (false once the drawn tray is gone). */
export const hostRegistered = () =>
  gdbus(...WATCHER, '--method', 'org.freedesktop.DBus.Properties.Get', 'org.kde.StatusNotifierWatcher', 'IsStatusNotifierHostRegistered') === '(<true>,)';

/** The process that owns a bus name (null once it is gone). */
function ownerPid(bus) {
  try {
    return Number(gdbus('--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.GetConnectionUnixProcessID', bus).match(/uint32 (\d+)/)[1]);
  } catch { return null; }
}

/** The tray item of the Latchkey process `pid` once it is registered: its bus name, path and menu path (tray-icon's
 * path names the id "main"). */
export async function trayItem(pid, timeout = 15000) {
  const [bus, path] = await until(`the tray item of process ${pid} to register`,
    () => registeredItems().find(([b, p]) => p.endsWith('_main') && ownerPid(b) === pid), timeout);
  const prop = (name) => gdbus('--dest', bus, '--object-path', path, '--method', 'org.freedesktop.DBus.Properties.Get', 'org.kde.StatusNotifierItem', name);
  const menu = strings(prop('Menu'))[0];
  const item = {
    bus,
    path,
    menu,
    /** The menu as dbusmenu lays it out: [{ id, label, enabled }], separators left out. */
    layout() {
      const reply = gdbus('--dest', bus, '--object-path', menu, '--method', 'com.canonical.dbusmenu.GetLayout', '--', '0', '-1', '@as []');
      return [...reply.matchAll(/<\((\d+), \{([^}]*)\}/g)].filter(([, , props]) => props.includes("'label'")).map(([, id, props]) => ({
        id: Number(id),
        label: props.match(/'label': <'([^']*)'>/)[1],
        enabled: !props.includes("'enabled': <false>"),
      }));
    },
    /** The menu's first line: the state in words. */
    status: () => item.layout()[0].label,
    /** Clicks a menu item found by its label (ids change when a menu is rebuilt). */
    click(label) {
      const entry = item.layout().find((e) => e.label === label);
      if (!entry) throw new Error(`no tray menu item "${label}" in ${JSON.stringify(item.layout())}`);
      gdbus('--dest', bus, '--object-path', menu, '--method', 'com.canonical.dbusmenu.Event', '--', String(entry.id), 'clicked', '<"">', '0');
    },
    /** The icon file the item names now (tray-icon writes each picture to a file and names its path). */
    iconFile: () => strings(prop('IconName'))[0],
    /** Which of icons/tray/*.png the icon shows, compared by pixels (ImageMagick: 0 differing pixels). */
    icon() {
      const file = item.iconFile();
      for (const name of readdirSync(ICONS).filter((n) => n.endsWith('.png'))) {
        try {
          execFileSync('compare', ['-metric', 'AE', file, ICONS + name, 'null:'], { stdio: 'pipe' });
          return name.replace(/\.png$/, '');
        } catch { /* differs (exit 1), or unreadable: the next one */ }
      }
      return null;
    },
    /** Resolves once `check()` holds, looking again at every signal the item sends (NewIcon, LayoutUpdated,
     * ItemsPropertiesUpdated...). */
    waitFor: (what, check, timeout = 30000) => onSignals(bus, what, check, timeout),
  };
  return item;
}

/** Awaits `check()` on every D-Bus signal from `bus` (a `gdbus monitor`), checking once at the start. */
function onSignals(bus, what, check, timeout) {
  return new Promise((resolve, reject) => {
    const monitor = spawn('gdbus', ['monitor', '--session', '--dest', bus], { stdio: ['ignore', 'pipe', 'ignore'] });
    let last;
    const done = (fn, value) => { clearTimeout(timer); monitor.kill(); fn(value); };
    const look = () => {
      try {
        last = check();
        if (last) done(resolve, last);
      } catch (e) { last = e.message; }
    };
    const timer = setTimeout(() => done(reject, new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`)), timeout);
    monitor.stdout.on('data', look);
    monitor.on('spawn', look);
  });
}

/** The parent of every process, from /proc. */
function parents() {
  return new Map(readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return [[Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])]];
    } catch { return []; }
  }));
}

/** The names of `pid`'s live child processes (WebKitWebProcess, WebKitNetworkProcess...). */
export function children(pid) {
  const comm = (p) => { try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim(); } catch { return null; } };
  return [...parents()].filter(([, ppid]) => ppid === pid).map(([p]) => comm(p)).filter((n) => n && !n.startsWith('<'));
}

/** Whether `pid` is the app (the window binary; the kernel keeps 15 characters of a process name). */
export const isApp = (pid) => nameOf(pid) === basename(APP).slice(0, 15);

/** The name of process `pid` (its comm: `latchkey-deskto`, `WebKitWebProces`...), or null once it is gone. */
export function nameOf(pid) {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return null; }
}

/** Whether `pid` runs (a zombie no longer does). */
export function running(pid) {
  try { return !/^[^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

// ---- the app without WebDriver ----

/** `latchkey sign-in` for the demo user (through `env`'s proxy, so the leak scan learns the tokens). Asynchronous: the
 * recording proxy lives in this process. */
export function signInCli(env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, ['sign-in', '--email', process.env.LATCHKEY_DEMO_EMAIL, '--password-stdin'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    const err = [];
    child.stderr.on('data', (c) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      recordOutput(Buffer.concat(err));
      if (code === 0) resolve();
      else reject(new Error(`latchkey sign-in exited ${code}: ${Buffer.concat(err)}`));
    });
    child.stdin.end(`${process.env.LATCHKEY_DEMO_PASSWORD}\n`);
  });
}

/** Starts Latchkey as a login does (`args`, hidden in the tray by default) with `env` added; what it prints joins the
 * run's record for the leak scan when it ends. */
export function startApp(env = {}, args = ['--background'], program = APP) {
  const child = spawn(program, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (c) => output.push(c));
  // 'exit' can come before the pipes are read to their end: wait for both ends too (at most 2 s, should a
  // grandchild hold a pipe open), so output() has everything the app printed.
  const ended = (stream) => new Promise((resolve) => { if (stream.readableEnded) resolve(); else stream.once('end', resolve); });
  const drained = () => Promise.race([Promise.all([ended(child.stdout), ended(child.stderr)]), new Promise((resolve) => setTimeout(resolve, 2000))]);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => drained().then(() => resolve({ code, signal }))));
  exited.then(() => recordOutput(Buffer.concat(output)));
  return {
    pid: child.pid,
    exited,
    output: () => Buffer.concat(output).toString(),
    /** Ends it however it is (SIGKILL), for a test's `finally`. */
    kill: async () => { if (running(child.pid)) child.kill('SIGKILL'); await exited; },
  };
}

// ---- dunst ----

const dunstctl = (...args) => execFileSync('dunstctl', args, { encoding: 'utf8', timeout: 10000 }).trim();

/** How many notifications are on screen. */
export const displayed = () => Number(dunstctl('count', 'displayed'));

/** Every notification dunst showed after the one numbered `since`, oldest first, as { id, appname, summary, body }:
 * what is on screen is moved to the history first (dunst lists only closed ones). */
export function notifications(since = 0) {
  dunstctl('close-all');
  const history = JSON.parse(dunstctl('history')).data[0];
  return history.map((n) => ({ id: n.id.data, appname: n.appname.data, summary: n.summary.data, body: n.body.data }))
    .filter((n) => n.id > since).sort((a, b) => a.id - b.id);
}

/** The number of the latest notification so far (0 for none): a test reads only those after it. */
export const lastNotification = () => Math.max(0, ...notifications().map((n) => n.id));

// ---- screenshots ----

/** The visible (mapped) X windows of class instance `name` bigger than a few pixels: [{ x, y, width, height }]. */
function windowsOf(name) {
  let ids;
  try {
    ids = execFileSync('xdotool', ['search', '--onlyvisible', '--classname', name], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch { return []; } // xdotool exits 1 when it finds none
  return ids.flatMap((id) => {
    try {
      const g = Object.fromEntries(execFileSync('xdotool', ['getwindowgeometry', '--shell', id], { encoding: 'utf8' })
        .split('\n').filter(Boolean).map((l) => l.split('=')).map(([k, v]) => [k, Number(v)]));
      return g.WIDTH > 20 && g.HEIGHT > 20 ? [{ x: g.X, y: g.Y, width: g.WIDTH, height: g.HEIGHT }] : [];
    } catch { return []; } // gone meanwhile
  });
}

/** Saves `area` of the screen to <screenshot dir>/<name>.png once it has painted (two grabs in a row the same). */
async function grab(name, area) {
  const dir = process.env.LATCHKEY_SCREENSHOT_DIR ?? '.state/screenshots';
  mkdirSync(dir, { recursive: true });
  const crop = `${area.width}x${area.height}+${area.x}+${area.y}`;
  const shot = () => execFileSync('import', ['-window', 'root', '-crop', crop, 'png:-']);
  let previous = null;
  await until(`a settled picture of ${name}`, () => {
    const now = shot();
    const same = previous !== null && now.equals(previous);
    previous = now;
    return same;
  });
  execFileSync('convert', ['png:-', '+repage', join(dir, `${name}.png`)], { input: previous });
}

/** Opens the drawn tray's menu for the icon (right click, as a person would) and saves it with the icon below it. */
export async function screenshotTrayMenu(name) {
  execFileSync('xdotool', ['mousemove', '15', '785', 'click', '3']);
  const [menu] = await until('the tray menu to open', () => windowsOf('gtk-sni-tray-standalone').filter((w) => w.y + w.height <= 770));
  await grab(name, { x: 0, y: menu.y - 10, width: menu.width + 10, height: 800 - (menu.y - 10) });
  execFileSync('xdotool', ['mousemove', '1200', '785', 'click', '1']); // outside the menu, on the empty tray bar
  await until('the tray menu to close', () => windowsOf('gtk-sni-tray-standalone').every((w) => w.y + w.height > 770));
}

/** Saves the notifications on screen (dunst's window, top right). */
export async function screenshotNotifications(name) {
  const [shown] = await until('a notification on screen', () => windowsOf('Dunst'));
  await grab(name, { x: shown.x - 10, y: shown.y - 10, width: shown.width + 20, height: shown.height + 20 });
}

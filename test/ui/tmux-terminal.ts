// A real terminal for the end-to-end tests: a tmux server of our own running a plain shell, keys sent with
// send-keys, the screen read with capture-pane -p. Every wait polls against a deadline (never a fixed sleep), so a
// loaded 2-core machine makes a test slower, not flaky; a failed wait shows what it last saw.
import {execFileSync, spawnSync} from 'node:child_process';
import {readdirSync, rmSync, statSync} from 'node:fs';
import {join} from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
export const WHY_NO_TMUX = ' (SKIPPED: tmux is not installed; apt-get install -y tmux)';
export const PROMPT = 'e2e$ ';

/** The environment the tmux server and everything in it inherit: no CI variables (Ink would print only its last frame). */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'CI' && !k.startsWith('CI_') && k !== 'NO_COLOR') env[k] = v;
  return {...env, TERM: 'xterm-256color'};
}

let servers = 0;

/** Poll `read` until `ok` holds; fail with what was awaited and what was last read. */
export async function poll<T>(what: string, read: () => T, ok: (v: T) => boolean, timeoutMs: number, show: (v: T) => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; ${show(v)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** One tmux server of our own (its own socket), one session in it running a plain shell in `cwd`. */
export class Terminal {
  private readonly socket = `kmemscope-e2e-${process.pid}-${++servers}`;
  private readonly target = 'e2e';
  private readonly socketPath: string;

  constructor(columns: number, rows: number, cwd: string = ROOT) {
    this.tmux('new-session', '-d', '-s', this.target, '-x', String(columns), '-y', String(rows), '-c', cwd, `env PS1='${PROMPT}' sh -i`);
    this.tmux('set-option', '-t', this.target, 'status', 'off');
    this.socketPath = this.tmux('display-message', '-p', '#{socket_path}').trim();
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8', env: cleanEnv()});
  }

  /** Keys by tmux name (Space, Enter, C-c, q ...). */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.target, ...keys);
  }

  /** Text typed literally. */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.target, '-l', text);
  }

  /** A command line typed into the shell once it prompts (typed earlier, the terminal would echo it before the prompt), and its exit code echoed after it. */
  async run(command: string): Promise<void> {
    await this.until('the prompt', (s) => s.trimEnd().endsWith(PROMPT.trimEnd()));
    this.type(`${command}; echo "exit=$?"`);
    this.keys('Enter');
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.target).replace(/\n$/, '');
  }

  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', this.target, '-x', String(columns), '-y', String(rows));
  }

  /** The process the shell is running in the foreground (the dashboard), by its id. */
  foregroundPid(): number {
    const shell = this.tmux('display-message', '-p', '-t', this.target, '#{pane_pid}').trim();
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', shell], {encoding: 'utf8'}).trim().split(/\s+/).filter(Boolean);
    if (children.length !== 1) throw new Error(`expected one process under the shell, found ${children.length}: ${children.join(' ')}`);
    return Number(children[0]);
  }

  /** Poll the screen until `ok` holds; fail with what was awaited and the last screen. */
  async until(what: string, ok: (screen: string) => boolean, timeoutMs = 15_000): Promise<string> {
    return poll(what, () => this.screen(), ok, timeoutMs, (s) => `the screen was:\n${s}`);
  }

  /** The server and its socket file (tmux leaves the file behind). */
  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], {env: cleanEnv()});
    rmSync(this.socketPath, {force: true});
  }
}

export const lines = (screen: string) => screen.split('\n');

/** The tick the header shows. */
export function tickOf(screen: string): number {
  const m = /\btick (\d+)\b/.exec(lines(screen)[0]);
  if (!m) throw new Error(`no tick in the header:\n${screen}`);
  return Number(m[1]);
}

export const NOTE = /Note at tick \d+/;

/** The shell is back: the dashboard's screen is gone, the command line and its exit code are there, then a prompt. */
export function shellIsBack(screen: string, command: string, code: number): boolean {
  const l = lines(screen).map((x) => x.trimEnd());
  const at = l.findIndex((x) => x.includes(command));
  return at >= 0 && l.slice(at + 1).some((x) => x === `exit=${code}`) && l.some((x, i) => i > at && x === PROMPT.trimEnd());
}

/** Build dist/ when any file under source/ is newer than dist/cli.js (npm test builds first; a lone vitest run may not). */
export function buildIfStale(): void {
  const built = (() => {
    try {
      return statSync(CLI).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, {withFileTypes: true}).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (newest(join(ROOT, 'source')) <= built) return;
  const r = spawnSync('npm', ['run', 'build'], {cwd: ROOT, encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
}

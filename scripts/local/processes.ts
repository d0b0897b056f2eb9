import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Child processes of the local stack (cognito-local, serverless-offline), each started in its own
 * process group so that stopping it also stops whatever it spawned (serverless-offline runs
 * workers, esbuild runs a service process). Whatever happens, nothing outlives the parent:
 * `stop()` sends SIGTERM to the group then SIGKILL after a grace period, and an `exit` hook
 * SIGKILLs any group still registered (it runs on `process.exit`, on an uncaught exception and
 * after the signal handlers of `exitOnSignals`).
 */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Every line written so far (stdout and stderr, colours stripped), oldest first. */
  lines(): readonly string[];
  /** Calls `listener` with every line from now on; returns a function that removes it. */
  onLine(listener: (line: string) => void): () => void;
  /** Resolves with the first line (past or future) that matches; rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

const MAX_KEPT_LINES = 20_000;
const STOP_GRACE_MS = 4_000;
const running = new Map<number, ManagedProcess>();

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** Starts `command` in its own process group and keeps its output for waitForLine and lines(). */
export function spawnManaged(name: string, command: string, args: string[], options: SpawnOptions = {}) {
  installExitHook();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`${name} could not be started (${command})`);
  const managed = manage(name, child, child.pid);
  running.set(child.pid, managed);
  return managed;
}

function manage(name: string, child: ChildProcess, pid: number): ManagedProcess {
  const kept: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((done) => {
    child.once('exit', (code) => {
      exitCode = code;
      running.delete(pid);
      done(code);
    });
    child.once('error', () => {
      exitCode = null;
      running.delete(pid);
      done(null);
    });
  });

  const take = (line: string) => {
    kept.push(line);
    if (kept.length > MAX_KEPT_LINES) kept.splice(0, kept.length - MAX_KEPT_LINES);
    for (const listener of listeners) listener(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) take(stripAnsi(part).replace(/\r$/, ''));
    });
    stream?.on('end', () => partial && take(stripAnsi(partial)));
  }

  const onLine = (listener: (line: string) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };

  return {
    name,
    pid,
    lines: () => kept,
    onLine,
    exited,
    waitForLine(pattern, timeoutMs) {
      for (const line of kept) {
        const match = line.match(pattern);
        if (match) return Promise.resolve(match);
      }
      return new Promise((resolve, reject) => {
        const fail = (why: string) => {
          cleanup();
          const tail = kept.slice(-25).join('\n');
          reject(new Error(`${name} ${why} before printing ${pattern}. Its last output:\n${tail}`));
        };
        const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
        const removeListener = onLine((line) => {
          const match = line.match(pattern);
          if (!match) return;
          cleanup();
          resolve(match);
        });
        void exited.then((code) => fail(`exited (code ${code})`));
        const cleanup = () => {
          clearTimeout(timer);
          removeListener();
        };
      });
    },
    async stop() {
      if (exitCode !== undefined) return;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      // The leader is gone; anything it left in its group goes too, and is waited for.
      killGroup(pid, 'SIGKILL');
      await waitForGroupGone(pid, STOP_GRACE_MS);
    },
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** True while any process of the group exists (zombies not yet reaped by init included). */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForGroupGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 25));
}

/** Stops every process this module started and that is still running. */
export async function stopAllManaged(): Promise<void> {
  await Promise.all([...running.values()].map((managed) => managed.stop()));
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous last resort: `exit` handlers cannot wait, so no grace period here.
  process.on('exit', () => {
    for (const pid of running.keys()) killGroup(pid, 'SIGKILL');
    for (const path of temporaryPaths) rmSync(path, { recursive: true, force: true });
  });
}

const temporaryPaths = new Set<string>();

/** A temporary directory of the stack: removed by `remove()`, or at exit if it was not. */
export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  installExitHook();
  const path = mkdtempSync(join(tmpdir(), prefix));
  temporaryPaths.add(path);
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      temporaryPaths.delete(path);
    },
  };
}

/**
 * For the CLI scripts: on Ctrl-C or a termination signal, run `cleanup` (which stops the stack)
 * and exit with the conventional code. A second signal exits at once (the exit hook still kills).
 * Returns the same shutdown for other causes (a parent gone, a child of the stack that died):
 * `shutdown(why, exitCode)` prints why, runs `cleanup` once and exits.
 */
export function exitOnSignals(cleanup: () => Promise<void>): (why: string, exitCode: number) => void {
  let stopping = false;
  const shutdown = (why: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${why}: stopping the local stack...`);
    cleanup().finally(() => process.exit(exitCode));
  };
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => (stopping ? process.exit(code) : shutdown(signal, code)));
  }
  return shutdown;
}

/**
 * For long-running CLI scripts (`npm run dev`): calls `onGone` when a process this one was started
 * under exits. A signal to `npm run dev` reaches npm, which dies without passing SIGTERM or SIGHUP on
 * through its shell and tsx; without this watch the stack would keep running under PID 1.
 * Polls every half second; returns a function that stops the watch.
 */
export function watchAncestors(onGone: (pid: number) => void, intervalMs = 500): () => void {
  const ancestors = ancestorPids();
  const firstParent = process.ppid;
  const timer = setInterval(() => {
    const gone = process.ppid !== firstParent ? firstParent : ancestors.find((pid) => !processAlive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** This process's parent, its parent, and so on, up to (not including) init. */
function ancestorPids(): number[] {
  const pids: number[] = [];
  let pid = process.ppid;
  while (pid > 1 && pids.length < 32) {
    pids.push(pid);
    try {
      pid = Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    } catch {
      break;
    }
  }
  return pids;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it; it is released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}

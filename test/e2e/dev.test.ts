import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `npm run dev` as a person runs it: started with npm, its printed AWS CLI steps followed (with
 * every AWS CLI major version on PATH) to a 200 from the protected route, then stopped by a
 * signal to npm or to one of its processes, after which no process and no listener may be left.
 */

interface DevSession {
  npm: ChildProcess;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
}

let session: DevSession | undefined;

afterEach(() => {
  // A failed test must not leave its stack behind: the whole group, whatever state it is in.
  if (session?.npm.pid) spawnSync('kill', ['-KILL', '--', `-${session.npm.pid}`]);
  session = undefined;
});

function startDev(): DevSession {
  const npm = spawn('npm', ['run', 'dev'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let text = '';
  const waiters = new Set<() => void>();
  for (const stream of [npm.stdout, npm.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      text += chunk;
      for (const wake of waiters) wake();
    });
  }
  const waitFor = (pattern: RegExp, timeoutMs = 240_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = text.match(pattern);
        if (!match) return;
        cleanup();
        resolve(match);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`npm run dev did not print ${pattern} in time. Its output:\n${text.slice(-3000)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  session = { npm, output: () => text, waitFor };
  return session;
}

/** The shell lines of the printed "AWS CLI" block, continuation lines joined. */
function printedCliSteps(output: string): string[] {
  const block = output.split('AWS CLI (v1 or v2)')[1]!.split('\n\n')[0]!.split('\n').slice(1);
  return block
    .map((line) => line.trim())
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'));
}

/** Every AWS CLI on PATH, one per major version (`aws-cli/1.…`, `aws-cli/2.…`). */
function awsClis(): { path: string; major: string }[] {
  const found = spawnSync('which', ['-a', 'aws'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const byMajor = new Map<string, string>();
  for (const path of found) {
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' });
    const major = `${version.stdout}${version.stderr}`.match(/aws-cli\/(\d+)\./)?.[1];
    if (major && !byMajor.has(major)) byMajor.set(major, path);
  }
  return [...byMajor].map(([major, path]) => ({ major, path }));
}

/** Runs printed lines in bash, with `aws` being the given CLI. */
function bash(lines: string[], aws: string): string {
  return execFileSync('bash', ['-euo', 'pipefail', '-c', `aws() { '${aws}' "$@"; }\n${lines.join('\n')}`], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** The pids of a process and all its descendants (process groups of the stack's children included). */
function processTree(root: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of table) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** The ports of every endpoint the dev stack printed. */
function printedPorts(output: string): number[] {
  return [...new Set([...output.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1])))];
}

async function expectEverythingGone(pids: number[], ports: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200));
  expect(pids.filter(alive)).toEqual([]);
  const stillListening = [];
  for (const port of ports) if (await listening(port)) stillListening.push(port);
  expect(stillListening).toEqual([]);
}

const clis = awsClis();

describe('npm run dev', { timeout: 600_000 }, () => {
  it.skipIf(clis.length === 0 && !process.env.CI)(
    'its printed AWS CLI steps reach a 200 from the protected route; SIGTERM to npm stops everything',
    async () => {
      // CI installs the AWS CLI (.ci/run); elsewhere this test needs one on PATH.
      expect(clis.length, 'no AWS CLI on PATH (apt-get install awscli)').toBeGreaterThan(0);
      const dev = startDev();
      await dev.waitFor(/as they happen:/);
      const steps = printedCliSteps(dev.output());
      const codeLine = steps.findIndex((line) => line.startsWith('CODE='));
      expect(codeLine).toBeGreaterThan(0);
      for (const cli of clis) {
        const user = `ann.v${cli.major}@example.org`;
        const forUser = (lines: string[]) => lines.map((line) => line.replaceAll('ann@example.org', user));
        bash(forUser(steps.slice(0, codeLine)), cli.path);
        const [, code] = await dev.waitFor(new RegExp(`✉ code (\\d+) for ${user.replace(/\./g, '\\.')}`));
        const answer = bash([steps[0]!, `CODE=${code}`, ...forUser(steps.slice(codeLine + 1))], cli.path);
        expect(answer, `with AWS CLI v${cli.major}`).toMatch(/^HTTP\/1\.1 200/m);
      }
      await dev.waitFor(/🔒 authorizer log: allowed/);

      const pids = processTree(dev.npm.pid!);
      const ports = printedPorts(dev.output());
      expect(pids.length).toBeGreaterThanOrEqual(5);
      process.kill(dev.npm.pid!, 'SIGTERM');
      await expectEverythingGone(pids, ports);
    },
  );

  // Ctrl-C reaches the whole foreground process group (npm itself ignores SIGINT and leaves it to
  // its child); SIGHUP and SIGTERM may reach npm alone, or any one process of the stack.
  it.each([
    ['SIGINT', 'the process group (Ctrl-C)'],
    ['SIGHUP', 'npm'],
    ['SIGTERM', 'cognito-local'],
  ] as const)('%s to %s stops everything', async (signal, target) => {
    const dev = startDev();
    await dev.waitFor(/as they happen:/);
    const pids = processTree(dev.npm.pid!);
    const ports = printedPorts(dev.output());
    if (target === 'npm') process.kill(dev.npm.pid!, signal);
    else if (target === 'cognito-local') process.kill(childPid(pids, 'cognito-local'), signal);
    else process.kill(-dev.npm.pid!, signal);
    await expectEverythingGone(pids, ports);
  });
});

/** The pid of the stack's child whose command line names `name`. */
function childPid(tree: number[], name: string): number {
  const line = execFileSync('pgrep', ['-f', '-P', tree.join(','), name], { encoding: 'utf8' }).split('\n')[0];
  return Number(line);
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, root, sessionLogin } from '../helpers/cli.ts';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Docker images and CI boxes run `npm start` as root from folders nobody else may enter
 * (`/root/...`, `mktemp -d`). PostgreSQL refuses to run as root, so the embedded one runs
 * as an unprivileged user, which can reach neither the binaries in node_modules nor
 * ./.data there. This runs a copy of the project whose binaries and data really live
 * under a 0700 folder, end to end.
 */
describe.skipIf(!isRoot)('serve as root from a 0700 folder (skipped: needs to run as root)', () => {
  let folder = '';
  let project = '';
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (!project) return;
    // A relocated cluster lives outside the folder; .data/postgres/data points at it.
    const cluster = await fs.readlink(path.join(project, '.data/postgres/data')).catch(() => undefined);
    if (cluster) await fs.rm(path.dirname(cluster), { recursive: true, force: true });
    await fs.rm(folder, { recursive: true, force: true });
  });

  async function placeProject(): Promise<void> {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-private-'));
    expect((await fs.stat(folder)).mode & 0o777).toBe(0o700);
    project = path.join(folder, 'opsdesk');
    await fs.mkdir(project);
    for (const entry of ['bin', 'src', 'migrations', 'package.json', 'tsconfig.json'])
      await fs.cp(path.join(root, entry), path.join(project, entry), { recursive: true });
    // Hard links: a real copy of node_modules (binaries included) under the 0700 folder, in a second.
    const modules = await fs.realpath(path.join(root, 'node_modules'));
    await promisify(execFile)('cp', ['-al', modules, path.join(project, 'node_modules')]);
  }

  function serve() {
    const child = spawn(process.execPath, ['bin/opsdesk.js', 'serve'], {
      cwd: project,
      env: cleanEnv({ NODE_ENV: 'development', SEED_DEMO: 'true', PORT: '0', LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    return { child, output: () => output };
  }

  async function started(server: ReturnType<typeof serve>): Promise<string> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const match = /serving at (http:\/\/[\d.:]+)/.exec(server.output());
      if (match?.[1]) return match[1];
      if (server.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`serve did not start: ${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function stop(server: ReturnType<typeof serve>): Promise<number | null> {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
    return server.child.exitCode;
  }

  const login = async (url: string) => (await sessionLogin(url, 'admin', 'opsdesk-demo-lantern')).status;

  const postmasterPid = async () =>
    Number(
      (await fs.readFile(path.join(project, '.data/postgres/data/postmaster.pid'), 'utf8')).split('\n')[0],
    );

  it('starts the embedded PostgreSQL, serves, keeps data across a restart and stops it on SIGTERM', async () => {
    await placeProject();

    const first = serve();
    const url = await started(first);
    expect((await fetch(`${url}/api/health/`)).status).toBe(200);
    expect(await login(url)).toBe(200);
    const pid = await postmasterPid();
    expect(await stop(first)).toBe(0);
    expect(() => process.kill(pid, 0)).toThrow();

    const second = serve();
    const again = await started(second);
    expect(second.output()).not.toContain('Seeded the demo organisation');
    expect(await login(again)).toBe(200);
    const secondPid = await postmasterPid();
    expect(await stop(second)).toBe(0);
    expect(() => process.kill(secondPid, 0)).toThrow();
  }, 180_000);
});

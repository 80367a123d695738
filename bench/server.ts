/**
 * The API under test: `node bin/opsdesk.js serve` as a child process on a free port
 * of 127.0.0.1, against the bench database, and the login that gives the scenarios
 * their API token.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface RunningServer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** The last lines the server wrote, for error messages. */
  output: () => string;
  stop: () => Promise<void>;
}

/** The server's settings: no demo seed, no rate limits, no in-process worker, quiet logs. */
export function serverEnv(databaseUrl: string, poolMax: number): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    NODE_ENV: 'development',
    SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    LOGIN_RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    WORKER_IN_PROCESS: 'false',
    DATABASE_POOL_MAX: String(poolMax),
  };
}

let compiled = false;

/** The bench measures what `npm start` serves: the compiled dist/, rebuilt once per run so it is never stale. */
function compileOnce(): void {
  if (compiled) return;
  const { status } = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  );
  if (status !== 0) throw new Error('the TypeScript build failed; the bench measures the compiled server');
  compiled = true;
}

const READY = /Opsdesk is serving at (http:\/\/\S+)/;

/**
 * `overrides` replace the settings above (e.g. a fixed PORT, WEB_CONCURRENCY); `nodeArguments`
 * go to node itself (`--cpu-prof`, which NODE_OPTIONS refuses).
 */
export async function startServer(
  databaseUrl: string,
  poolMax: number,
  overrides: Record<string, string> = {},
  nodeArguments: string[] = [],
): Promise<RunningServer> {
  compileOnce();
  // The caller's Opsdesk settings must not leak into the server under test.
  const excluded = new Set(['PUBLIC_URL', 'REDIS_URL', 'DATA_DIR', 'CORS_ORIGINS', 'TRUST_PROXY']);
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !excluded.has(name))),
    ...serverEnv(databaseUrl, poolMax),
    ...overrides,
  };
  const child = spawn(process.execPath, [...nodeArguments, 'bin/opsdesk.js', 'serve'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const remember = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stderr.on('data', remember);
  child.once('exit', (code, signal) => {
    lines.push(`[server exited: ${signal ?? `code ${code}`}]`);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    await exited;
    clearTimeout(timer);
  };

  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      reject(new Error(`server did not start within 90 s:\n${lines.join('\n')}`));
    }, 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      remember(chunk);
      stdout += chunk.toString('utf8');
      const match = READY.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${signal ?? code}) before it was ready:\n${lines.join('\n')}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  if (new URL(url).hostname !== '127.0.0.1') {
    await stop();
    throw new Error(`the server listens on ${url}; the benchmark only targets 127.0.0.1`);
  }
  if (child.pid === undefined) throw new Error('server has no pid');
  return { url, pid: child.pid, child, output: () => lines.join('\n'), stop };
}

/** Resident set size of a process in bytes (Linux), or undefined where /proc is unavailable. */
export async function rssOf(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match?.[1] ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function cookiesOf(response: Response, jar: Map<string, string>): void {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const index = pair?.indexOf('=') ?? -1;
    if (pair && index > 0) jar.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
  }
}

const cookieHeader = (jar: Map<string, string>) =>
  [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

export async function expectOk(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/**
 * Logs in the way the BMS frontend does (CSRF cookie + X-CSRFToken, session cookie),
 * then creates a personal API token so that the load runs with `Authorization: Bearer`.
 */
export async function loginAndCreateToken(
  baseUrl: string,
  username: string,
  password: string,
): Promise<string> {
  const jar = new Map<string, string>();
  const csrfResponse = await fetch(`${baseUrl}/api/csrf/`);
  cookiesOf(csrfResponse, jar);
  await expectOk(csrfResponse, 'GET /api/csrf/');
  const csrf = jar.get('csrftoken');
  if (!csrf) throw new Error('GET /api/csrf/ set no csrftoken cookie');

  const login = await fetch(`${baseUrl}/api/auth/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrftoken': csrf, cookie: cookieHeader(jar) },
    body: JSON.stringify({ username, password }),
  });
  cookiesOf(login, jar);
  await expectOk(login, 'POST /api/auth/login/');
  if (!jar.has('sessionid')) throw new Error('login set no sessionid cookie');

  const created = await fetch(`${baseUrl}/api/v2/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrftoken': csrf, cookie: cookieHeader(jar) },
    body: JSON.stringify({ name: `bench ${new Date().toISOString()}` }),
  });
  const body = (await expectOk(created, 'POST /api/v2/tokens')) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error('POST /api/v2/tokens returned no token');
  return body.token;
}

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/opsdesk.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const OPSDESK_SETTINGS = new Set([
  'DATABASE_URL',
  'MIGRATION_DATABASE_URL',
  'DATABASE_APP_ROLE',
  'PORT',
  'HOST',
  'NODE_ENV',
  'REDIS_URL',
  'SEED_DEMO',
  'CORS_ORIGINS',
  'SECRET_KEY',
  'LOG_LEVEL',
  'DATA_DIR',
  'AUTO_MIGRATE',
  'WORKER_IN_PROCESS',
  'WEB_CONCURRENCY',
]);

/** The environment of the test process minus every Opsdesk setting, plus `env`. */
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !OPSDESK_SETTINGS.has(key)));
  return { ...base, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env };
}

/** Starts the real CLI (`node bin/opsdesk.js ...`) as a child process. */
export function spawnOpsdesk(
  args: string[],
  env: Record<string, string>,
): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return Object.assign(child, { output: () => output });
}

/** Runs the CLI to completion (killed after 60 s). */
export function opsdesk(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Logs in to a running server as the BMS frontend does (`GET /api/csrf/`, then
 * `POST /api/auth/login/` with `X-CSRFToken`): the status, and the headers that carry
 * the session on later requests.
 */
export async function sessionLogin(
  url: string,
  username: string,
  password: string,
): Promise<{ status: number; headers: { cookie: string; 'x-csrftoken': string } }> {
  const csrf = await fetch(`${url}/api/csrf/`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${url}/api/auth/login/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-csrftoken': csrfToken,
      cookie: `csrftoken=${csrfToken}`,
    },
    body: JSON.stringify({ username, password }),
  });
  const session = response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .find((cookie) => cookie?.startsWith('sessionid='));
  return {
    status: response.status,
    headers: { cookie: `csrftoken=${csrfToken}; ${session ?? ''}`, 'x-csrftoken': csrfToken },
  };
}

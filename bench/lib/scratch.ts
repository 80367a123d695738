import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * What the benches that run on a scratch database of their own share: dropping and
 * creating it, counting what a run wrote, the load average they report, and timing
 * the real CLI as a child process.
 */

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** Drops the database `url` names (its sessions too) and creates it empty. */
export async function recreateDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  if (!/^\w+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
}

/** The one row of a counting query, on a connection of its own. */
export async function countsAt(url: string, sql: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const {
    rows: [row],
  } = await client.query(sql);
  await client.end();
  return row as Record<string, number>;
}

/** The 1, 5 and 15 minute load averages, as the benches print them. */
export const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/**
 * Runs `opsdesk ARGS` from the repository, timed from spawn to exit (CLI start
 * included); its stderr goes to `onStderr` when given, to this process's otherwise.
 */
export function timedCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  onStderr?: (chunk: Buffer) => void,
): Promise<{ code: number | null; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/opsdesk.js'), ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: onStderr ? ['ignore', 'inherit', 'pipe'] : 'inherit',
    });
    if (onStderr) child.stderr?.on('data', onStderr);
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, seconds: (performance.now() - started) / 1000 });
    });
  });
}

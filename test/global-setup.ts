import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { canConnect, startEmbeddedPostgres, type EmbeddedPostgres } from '../src/platform/db/embedded.ts';
import { migrationsFolder, runMigrations } from '../src/platform/db/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    templateDatabase: string;
  }
}

const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Migrations' content decides the template's name, so a changed migration gets a fresh template. */
async function migrationsDigest(): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else hash.update(entry.name).update(await fs.readFile(full));
    }
  };
  await walk(migrationsFolder);
  // The job queue's schema comes from graphile-worker itself: its version is part of the template too.
  hash.update(await fs.readFile(path.resolve('node_modules/graphile-worker/package.json')));
  return hash.digest('hex').slice(0, 12);
}

let embedded: EmbeddedPostgres | undefined;

/**
 * Finds a PostgreSQL for the integration tests: TEST_DATABASE_URL, else the machine's
 * on 127.0.0.1:5432, else the embedded one. Builds a migrated template database once;
 * each test file clones it (CREATE DATABASE ... TEMPLATE), which takes milliseconds.
 */
export async function setup(project: TestProject): Promise<void> {
  let serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    if (await canConnect(LOCAL)) serverUrl = LOCAL;
    else {
      embedded = await startEmbeddedPostgres(path.resolve('.data/test'));
      serverUrl = embedded.ownerUrl.replace(/\/opsdesk$/, '/postgres');
    }
  }
  const templateDatabase = `opsdesk_template_${await migrationsDigest()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(424242)');
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      templateDatabase,
    ]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE ${templateDatabase}`);
      const url = new URL(serverUrl);
      url.pathname = `/${templateDatabase}`;
      const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
      try {
        await runMigrations(pool);
      } catch (error) {
        await pool.end();
        await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
        throw error;
      }
      await pool.end();
    }
    await admin.query('SELECT pg_advisory_unlock(424242)');
  } finally {
    await admin.end();
  }
  project.provide('serverUrl', serverUrl);
  project.provide('templateDatabase', templateDatabase);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
}

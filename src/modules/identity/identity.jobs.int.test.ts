import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { enqueue } from '../../platform/jobs/define-job.ts';
import { runDueJobs } from '../../platform/jobs/worker.ts';
import { createIdentityJobs } from './identity.jobs.ts';

describe('identity jobs (graphile-worker round trip)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('purges expired sessions and keeps live ones', async () => {
    const person = await t.user();
    const live = await t.login(person);
    await t.login(person);
    await t.database.db.execute(
      sql`update sessions set expires_at = now() - interval '1 minute' where key = (select key from sessions order by created_at desc limit 1)`,
    );
    const jobs = createIdentityJobs({ db: t.database.db, identity: t.services.identity });
    const purge = jobs.find((job) => job.name === 'identity.purge-expired-sessions');
    expect(purge).toBeDefined();
    await enqueue(t.database.db, purge!, {});
    await runDueJobs({ pool: t.database.pool, jobs, log: pino({ level: 'silent' }) });

    const remaining = await t.database.db.execute<{ count: number }>(
      sql`select count(*)::int as count from sessions`,
    );
    expect(remaining.rows[0]?.count).toBe(1);
    expect((await live.get('/api/auth/user/')).statusCode).toBe(200);
    const queued = await t.database.db.execute<{ count: number }>(
      sql`select count(*)::int as count from graphile_worker.jobs`,
    );
    expect(queued.rows[0]?.count).toBe(0);
  });
});

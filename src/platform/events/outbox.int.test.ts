import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { thingMoved } from '../../../test/helpers/events.ts';
import { systemContext } from '../auth/actor.ts';
import { connectDatabase, type DatabaseHandle } from '../db/client.ts';
import {
  createEventListener,
  latestEventId,
  pruneEvents,
  readAfter,
  recordEvent,
  type EventWake,
} from './index.ts';

const ctx = systemContext('outbox-test');

describe('outbox', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = connectDatabase({ url: database.url, poolMax: 6, statementTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    await handle.close();
    await database.drop();
  });

  const record = (subjectId: string, to: string) =>
    handle.db.transaction((tx) => recordEvent(tx, ctx, thingMoved, { subjectId, payload: { to } }));

  it('keeps an event with its transaction: committed it is read, rolled back it never was', async () => {
    const start = await latestEventId(handle.db);
    await record('a', 'kept');
    await handle.db
      .transaction(async (tx) => {
        await recordEvent(tx, ctx, thingMoved, { subjectId: 'a', payload: { to: 'lost' } });
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const events = await readAfter(handle.db, start, 10);
    expect(events.map((event) => event.payload)).toEqual([{ to: 'kept' }]);
    expect(events[0]).toMatchObject({
      type: 'thing.moved',
      version: 1,
      subjectType: 'thing',
      subjectId: 'a',
      actorLabel: 'system:outbox-test',
    });
  });

  it('refuses a payload that does not match its schema, rolling the change back', async () => {
    const start = await latestEventId(handle.db);
    await expect(
      handle.db.transaction((tx) =>
        recordEvent(tx, ctx, thingMoved, { subjectId: 'a', payload: { to: 42 } as never }),
      ),
    ).rejects.toThrow(/Invalid payload for event thing.moved/);
    expect(await readAfter(handle.db, start, 10)).toEqual([]);
  });

  it('numbers events in commit order, so a cursor never skips one that commits late', async () => {
    const start = await latestEventId(handle.db);
    const slow = await handle.pool.connect();
    try {
      await slow.query('BEGIN');
      await slow.query(
        `INSERT INTO events (type, subject_type, subject_id, payload) VALUES ('thing.moved', 'thing', 'slow', '{"to":"slow"}')`,
      );
      // Inserted first, committed last.
      await record('fast', 'fast');
      const seen = await readAfter(handle.db, start, 10);
      expect(seen.map((event) => event.subjectId)).toEqual(['fast']);
      const cursor = seen[0]!.id;
      await slow.query('COMMIT');
      const after = await readAfter(handle.db, cursor, 10);
      expect(after.map((event) => event.subjectId)).toEqual(['slow']);
    } finally {
      slow.release();
    }
  });

  it('wakes listeners with the id once the transaction commits, not before', async () => {
    const listener = createEventListener({ pool: handle.pool });
    const wakes: EventWake[] = [];
    listener.subscribe((wake) => wakes.push(wake));
    await listener.start();
    try {
      expect(wakes).toEqual([{ resync: true }]);
      let insideId = 0;
      await handle.db.transaction(async (tx) => {
        await recordEvent(tx, ctx, thingMoved, { subjectId: 'b', payload: { to: 'x' } });
        await new Promise((resolve) => setTimeout(resolve, 200));
        insideId = wakes.length;
      });
      expect(insideId).toBe(1);
      const newest = await latestEventId(handle.db);
      for (let i = 0; i < 50 && wakes.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(wakes[1]).toEqual({ id: newest });
    } finally {
      await listener.close();
    }
  });

  it('filters by type and subject', async () => {
    const start = await latestEventId(handle.db);
    await record('x', '1');
    await record('y', '2');
    expect((await readAfter(handle.db, start, 10, { subjectId: 'y' })).map((e) => e.payload)).toEqual([
      { to: '2' },
    ]);
    expect(await readAfter(handle.db, start, 10, { types: ['other.type'] })).toEqual([]);
    expect(await readAfter(handle.db, start, 1)).toHaveLength(1);
  });

  it('prunes events older than the retention', async () => {
    await record('old', 'old');
    await handle.db.execute(
      sql`update events set occurred_at = now() - interval '40 days' where subject_id = 'old'`,
    );
    const deleted = await pruneEvents(handle.db, new Date(Date.now() - 30 * 86_400_000), 1);
    expect(deleted).toBe(1);
    expect(await readAfter(handle.db, 0, 100, { subjectId: 'old' })).toEqual([]);
    expect((await readAfter(handle.db, 0, 100)).length).toBeGreaterThan(0);
  });
});

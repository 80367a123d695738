import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { systemContext } from '../auth/actor.ts';
import { connectDatabase, type DatabaseHandle } from '../db/client.ts';
import { createEventCatalogue, defineEvent, recordEvent } from '../events/index.ts';
import { createStreamHub, type StreamHub } from './hub.ts';
import type { Frame } from './messages.ts';
import { createRealtimeMetrics, type CloseReason } from './metrics.ts';
import type { Transport } from './transports.ts';
import { createVisibility, visibleBy } from './visibility.ts';
import { postgresWakes } from './wake.ts';

const noteWritten = defineEvent({
  type: 'note.written',
  subject: 'note',
  description: 'test',
  payload: Type.Object({ text: Type.String() }),
  audience: 'all',
  visibility: 'everyone',
});

/** A client that never reads: everything sent stays in its buffer. */
function stuckClient() {
  const sent: Frame[] = [];
  let closedWith: { reason: CloseReason; message: string } | undefined;
  const listeners: (() => void)[] = [];
  const transport: Transport = {
    kind: 'sse',
    get closed() {
      return closedWith !== undefined;
    },
    send: (frame) => sent.push(frame),
    buffered: () => sent.reduce((sum, frame) => sum + frame.data.length, 0),
    drainedBelow: (bytes) =>
      transport.buffered() < bytes ? Promise.resolve() : new Promise<void>(() => undefined),
    heartbeat: () => undefined,
    close(reason, message) {
      closedWith = { reason, message };
      for (const listener of listeners) listener();
    },
    onClose: (listener) => listeners.push(listener),
  };
  return { transport, sent, closedWith: () => closedWith };
}

/** The fan-out on a real outbox and NOTIFY, with a client that stops reading. */
describe('stream hub backpressure', () => {
  let database: DatabaseHandle;
  let dropDatabase: () => Promise<void>;
  let hub: StreamHub;
  const metrics = createRealtimeMetrics();
  const ctx = systemContext('hub-test');

  beforeAll(async () => {
    const created = await createTestDatabase();
    dropDatabase = () => created.drop();
    database = connectDatabase({
      url: created.url,
      poolMax: 4,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 5_000,
    });
    const catalogue = createEventCatalogue([noteWritten]);
    hub = createStreamHub({
      db: database.db,
      wakes: postgresWakes(database.pool),
      visibility: createVisibility(
        catalogue,
        visibleBy([noteWritten], () => true),
      ),
      limits: { heartbeatMs: 60_000, maxBufferBytes: 16 * 1024, maxMessageBytes: 4096 },
      metrics,
      log: { warn: () => undefined },
    });
    await hub.start();
  });
  afterAll(async () => {
    await hub.close();
    await database.close();
    await dropDatabase();
  });

  it('closes a slow consumer once its buffer passes the limit, saying why, instead of buffering on', async () => {
    const stuck = stuckClient();
    const admin = systemContext('reader').actor;
    await hub.open({
      actor: admin,
      recheck: async () => admin,
      types: undefined,
      transport: stuck.transport,
      lastEventId: undefined,
    });
    expect(stuck.sent.map((frame) => frame.type)).toEqual(['stream.ready']);
    const text = 'z'.repeat(1000);
    for (let i = 0; i < 40; i++)
      await database.db.transaction((tx) =>
        recordEvent(tx, ctx, noteWritten, { subjectId: i, payload: { text } }),
      );
    for (let waited = 0; !stuck.closedWith() && waited < 15_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stuck.closedWith()?.reason).toBe('slow_consumer');
    const delivered = stuck.sent.filter((frame) => frame.type === 'note.written');
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.length).toBeLessThan(40);
    expect(stuck.transport.buffered()).toBeLessThanOrEqual(16 * 1024);
    expect(hub.size).toBe(0);
    const drops = await metrics.drops.get();
    expect(drops.values).toContainEqual(
      expect.objectContaining({ labels: { transport: 'sse', reason: 'slow_consumer' }, value: 1 }),
    );
  });
});

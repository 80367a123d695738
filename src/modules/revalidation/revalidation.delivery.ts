import { Type } from '@sinclair/typebox';
import type { Sealer } from '../../platform/auth/sealed.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { readAfter } from '../../platform/events/index.ts';
import { enqueue, type JobShape } from '../../platform/jobs/define-job.ts';
import { post, signedHeaders, type AttemptResult } from '../webhooks/index.ts';
import * as repository from './revalidation.repository.ts';
import type { RevalidationDelivery, RevalidationTarget } from './revalidation.tables.ts';

/** Turns new outbox events into one delivery per target (the union of their tags). */
export const dispatchJob: JobShape = {
  name: 'revalidation.dispatch',
  payload: Type.Object({}),
  maxAttempts: 5,
};

/** One attempt of one delivery; a failure queues the next attempt itself, on the retry schedule. */
export const deliverJob: JobShape = {
  name: 'revalidation.deliver',
  payload: Type.Object({ delivery_id: Type.Integer() }),
  maxAttempts: 3,
};

export interface RevalidationSettings {
  timeoutMs: number;
  /** Delays after each failed attempt; past the last the delivery is dead. */
  retrySchedule: readonly number[];
  allowPrivateNetworks: boolean;
}

export interface RevalidationDeliveryDeps {
  db: Database;
  sealer: Sealer;
  settings: RevalidationSettings;
  now?: () => Date;
  random?: () => number;
}

/** Events read per dispatch: their tags go out in one POST. */
const BATCH = 500;

/** The body a target receives: the tags to revalidate, and the events they come from. */
export const bodyOf = (delivery: RevalidationDelivery): string =>
  JSON.stringify({
    tags: delivery.tags,
    events: { first_id: delivery.firstEventId, last_id: delivery.lastEventId },
  });

export const messageIdOf = (delivery: Pick<RevalidationDelivery, 'id'>): string => `msg_reval_${delivery.id}`;

export function createRevalidationDelivery(deps: RevalidationDeliveryDeps) {
  const { db, sealer, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;

  const queue = (tx: Executor, deliveryId: number, runAt?: Date) =>
    enqueue(
      tx,
      deliverJob,
      { delivery_id: deliveryId },
      { jobKey: `revalidation.deliver:${deliveryId}`, jobKeyMode: 'replace', runAt },
    );

  /**
   * One target: the events after its cursor become one delivery of their tags (events
   * without tags move the cursor and send nothing). The events of one transaction are
   * next to each other in the outbox, so they travel together unless a batch ends
   * among them.
   */
  async function dispatchTarget(targetId: number): Promise<number> {
    let queued = 0;
    for (;;) {
      const more = await db.transaction(async (tx) => {
        const target = await repository.targetById(tx, targetId, { lock: 'update' });
        if (!target?.enabled) return false;
        const events = await readAfter(tx, target.cursor, BATCH);
        const first = events[0];
        const last = events.at(-1);
        if (!first || !last) return false;
        const tags = [...new Set(events.flatMap((event) => event.tags))];
        if (tags.length > 0) {
          const delivery = await repository.insertDelivery(tx, {
            targetId,
            firstEventId: first.id,
            lastEventId: last.id,
            tags,
          });
          await queue(tx, delivery.id);
          queued += 1;
        }
        await repository.setCursor(tx, targetId, last.id);
        return events.length === BATCH;
      });
      if (!more) return queued;
    }
  }

  function send(target: RevalidationTarget, body: string, id: string): Promise<AttemptResult> {
    const secret = sealer.open(target.secret);
    const timestamp = Math.floor(now().getTime() / 1000);
    return post(
      target.url,
      {
        ...signedHeaders([secret], id, timestamp, body),
        'user-agent': 'Opsdesk-Revalidation/1',
        // The simple check a Next.js route does; the signature is there for receivers that verify it.
        authorization: `Bearer ${secret}`,
      },
      body,
      { timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivateNetworks },
    );
  }

  return {
    /** Queues a delivery for each enabled target that has new events; answers how many. */
    async dispatch(): Promise<number> {
      let queued = 0;
      for (const id of await repository.enabledTargetIds(db)) queued += await dispatchTarget(id);
      return queued;
    },

    /**
     * One attempt: success ends the delivery; a failure is logged on it and the next
     * attempt queued after the schedule's delay (±10% jitter), or the delivery is dead.
     */
    async deliver(deliveryId: number): Promise<void> {
      const delivery = await repository.deliveryById(db, deliveryId);
      if (!delivery || delivery.status === 'succeeded' || delivery.status === 'dead') return;
      const target = await repository.targetById(db, delivery.targetId);
      if (!target?.enabled) return;
      const result = await send(target, bodyOf(delivery), messageIdOf(delivery));
      const attempts = delivery.attempts + 1;
      const outcome = { attempts, lastStatusCode: result.statusCode, lastError: result.error };
      if (result.succeeded) {
        await repository.updateDelivery(db, deliveryId, {
          ...outcome,
          status: 'succeeded',
          deliveredAt: now(),
        });
        return;
      }
      const delay = settings.retrySchedule[attempts - 1];
      await db.transaction(async (tx) => {
        if (delay === undefined) {
          await repository.updateDelivery(tx, deliveryId, { ...outcome, status: 'dead' });
          return;
        }
        await repository.updateDelivery(tx, deliveryId, { ...outcome, status: 'retrying' });
        await queue(tx, deliveryId, new Date(now().getTime() + Math.round(delay * (0.9 + 0.2 * random()))));
      });
    },

    /** Sends the delivery again from its first attempt (a dead one, after the target is fixed). */
    async retry(tx: Executor, delivery: RevalidationDelivery): Promise<void> {
      await repository.updateDelivery(tx, delivery.id, { status: 'pending', attempts: 0 });
      await queue(tx, delivery.id);
    },
  };
}

export type RevalidationSender = ReturnType<typeof createRevalidationDelivery>;

import { Type } from '@sinclair/typebox';
import type { Sealer } from '../../platform/auth/sealed.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { readAfter, type EventCatalogue, type StoredEvent } from '../../platform/events/index.ts';
import { enqueue, type JobShape } from '../../platform/jobs/define-job.ts';
import type { IdentityService } from '../identity/index.ts';
import type { NotificationsService } from '../notifications/index.ts';
import * as repository from './webhooks.repository.ts';
import { post, type AttemptResult } from './webhooks.sender.ts';
import { signedHeaders } from './webhooks.signing.ts';
import type { WebhookDelivery, WebhookEndpoint } from './webhooks.tables.ts';

/** Sends the open deliveries of one lane (endpoint + subject), oldest first. */
export const deliverLaneJob: JobShape = {
  name: 'webhooks.deliver-lane',
  payload: Type.Object({ endpoint_id: Type.Integer(), lane: Type.String() }),
  maxAttempts: 5,
};

/** Turns new outbox events into deliveries; `sweep` also requeues every open lane (start, cron). */
export const dispatchJob: JobShape = {
  name: 'webhooks.dispatch',
  payload: Type.Object({ sweep: Type.Optional(Type.Boolean()) }),
  maxAttempts: 5,
};

export interface DeliverySettings {
  timeoutMs: number;
  /** Delays after each failed attempt; past the last the delivery is dead. */
  retrySchedule: readonly number[];
  disableAfterDays: number;
  allowPrivateNetworks: boolean;
}

export interface DeliveryDeps {
  db: Database;
  sealer: Sealer;
  identity: Pick<IdentityService, 'managerIdsOf'>;
  notifications: Pick<NotificationsService, 'notify'>;
  settings: DeliverySettings;
  /** Which event types may leave by webhook at all (personal ones never do). */
  catalogue: Pick<EventCatalogue, 'get'>;
  now?: () => Date;
  random?: () => number;
}

const BATCH = 500;
const DAY_MS = 86_400_000;

/** The body of a delivery: the event as the Standard Webhooks payload shape (`type`, `timestamp`, `data`). */
export const bodyOf = (event: StoredEvent): string =>
  JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: {
      event_id: event.id,
      version: event.version,
      subject: { type: event.subjectType, id: event.subjectId },
      actor:
        event.actorId === null && event.actorLabel === null
          ? null
          : { id: event.actorId, label: event.actorLabel },
      ...(event.payload as Record<string, unknown>),
    },
  });

/** The message id of an event (the same at every attempt and replay, for receivers to dedupe on). */
export const messageIdOf = (eventId: number): string => `msg_evt_${eventId}`;

export function createDelivery(deps: DeliveryDeps) {
  const { db, sealer, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const leaseMs = settings.timeoutMs + 5_000;

  const laneKey = (endpointId: number, lane: string) => `webhooks.lane:${endpointId}:${lane}`;

  /** Queues the lane's job at `runAt` (or keeps an earlier pending one's time). */
  const wakeLane = (tx: Executor, endpointId: number, lane: string, runAt?: Date, replace = false) =>
    enqueue(
      tx,
      deliverLaneJob,
      { endpoint_id: endpointId, lane },
      { jobKey: laneKey(endpointId, lane), jobKeyMode: replace ? 'replace' : 'preserve_run_at', runAt },
    );

  /** The secrets to sign with now: the current one, and the previous during its overlap. */
  function secretsOf(endpoint: WebhookEndpoint): string[] {
    const secrets = [sealer.open(endpoint.secret)];
    if (
      endpoint.previousSecret &&
      endpoint.previousSecretExpiresAt &&
      endpoint.previousSecretExpiresAt > now()
    )
      secrets.push(sealer.open(endpoint.previousSecret));
    return secrets;
  }

  /** One endpoint: its new events become deliveries, lanes are woken, the cursor moves, all in one transaction. */
  async function dispatchEndpoint(endpointId: number): Promise<number> {
    let queued = 0;
    for (;;) {
      const more = await db.transaction(async (tx) => {
        // Waits for a dispatcher already on this endpoint, then reads from the cursor it left.
        const endpoint = await repository.endpointById(tx, endpointId, { lock: 'update' });
        if (!endpoint?.enabled) return false;
        const events = await readAfter(tx, endpoint.cursor, BATCH);
        const last = events.at(-1);
        if (!last) return false;
        const wanted = new Set(endpoint.eventTypes);
        const matching = events.filter(
          (event) =>
            !deps.catalogue.get(event.type)?.personal && (wanted.size === 0 || wanted.has(event.type)),
        );
        await repository.insertDeliveries(
          tx,
          matching.map((event) => ({
            endpointId,
            eventId: event.id,
            eventType: event.type,
            lane: `${event.subjectType}:${event.subjectId}`,
          })),
        );
        for (const lane of new Set(matching.map((event) => `${event.subjectType}:${event.subjectId}`)))
          await wakeLane(tx, endpointId, lane);
        await repository.setEndpointState(tx, endpointId, { cursor: last.id });
        queued += matching.length;
        return events.length === BATCH;
      });
      if (!more) return queued;
    }
  }

  /** Disables an endpoint failing for too long and tells the admins, in the failing attempt's transaction. */
  async function disableIfFailingTooLong(tx: Executor, endpoint: WebhookEndpoint, failingSince: Date) {
    if (now().getTime() - failingSince.getTime() < settings.disableAfterDays * DAY_MS) return;
    // Lanes fail side by side: only the first to get here disables and notifies.
    const current = await repository.endpointById(tx, endpoint.id, { lock: 'update' });
    if (!current?.enabled) return;
    const reason = `Every delivery has failed since ${failingSince.toISOString()}.`;
    await repository.updateEndpoint(tx, endpoint.id, { enabled: false, disabledReason: reason });
    await deps.notifications.notify(tx, {
      userIds: await deps.identity.managerIdsOf(null, tx),
      kind: 'webhook.disabled',
      title: `Webhook endpoint ${endpoint.url} was disabled`,
      body: `${reason} Fix the receiver, then enable the endpoint again; queued deliveries resume and failed ones can be replayed.`,
      data: { endpoint_id: endpoint.id, url: endpoint.url },
    });
  }

  /** Records an attempt's outcome: success, a retry at the next step of the schedule, or dead. */
  async function record(
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    startedAt: Date,
    result: AttemptResult,
    final = false,
  ): Promise<Date | undefined> {
    return db.transaction(async (tx) => {
      const attempts = delivery.attempts + 1;
      const attempt = {
        deliveryId: delivery.id,
        startedAt,
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        succeeded: result.succeeded,
        responseExcerpt: result.responseExcerpt,
        error: result.error,
      };
      const outcome = { attempts, lastStatusCode: result.statusCode, lastError: result.error };
      if (result.succeeded) {
        await repository.finishAttempt(
          tx,
          delivery.id,
          { ...outcome, status: 'succeeded', deliveredAt: now() },
          attempt,
        );
        if (endpoint.failingSince) await repository.setEndpointState(tx, endpoint.id, { failingSince: null });
        return undefined;
      }
      const delay = final ? undefined : settings.retrySchedule[attempts - 1];
      const nextAttemptAt =
        delay === undefined
          ? undefined
          : new Date(now().getTime() + Math.round(delay * (0.9 + 0.2 * random())));
      await repository.finishAttempt(
        tx,
        delivery.id,
        nextAttemptAt ? { ...outcome, status: 'retrying', nextAttemptAt } : { ...outcome, status: 'dead' },
        attempt,
      );
      const failingSince = await repository.markFailing(tx, endpoint.id, startedAt);
      await disableIfFailingTooLong(tx, endpoint, failingSince);
      return nextAttemptAt;
    });
  }

  /**
   * Works one lane: sends its head, and on success the next, until the lane is empty or
   * its head must wait (a retry's time, or another sender's lease): then the lane's job
   * is queued again for that time. A later event of the subject is never sent before an
   * earlier one succeeded or died.
   */
  async function deliverLane(endpointId: number, lane: string): Promise<void> {
    for (;;) {
      const endpoint = await repository.endpointById(db, endpointId);
      if (!endpoint?.enabled) return;
      const head = await repository.headOfLane(db, endpointId, lane);
      if (!head) return;
      const waitUntil =
        head.nextAttemptAt > now()
          ? head.nextAttemptAt
          : !(await repository.leaseDelivery(db, head.id, leaseMs))
            ? new Date(Math.max(head.leaseUntil?.getTime() ?? 0, now().getTime()) + 100)
            : undefined;
      if (waitUntil) {
        await wakeLane(db, endpointId, lane, waitUntil);
        return;
      }
      const [found] = await readAfter(db, head.eventId - 1, 1);
      const event = found?.id === head.eventId ? found : undefined;
      const startedAt = now();
      const result: AttemptResult = event
        ? await send(endpoint, event)
        : {
            succeeded: false,
            statusCode: null,
            durationMs: 0,
            responseExcerpt: '',
            error: 'The event was pruned from the outbox.',
          };
      // An event pruned from the outbox can never be sent: dead at once.
      const retryAt = await record(head, endpoint, startedAt, result, !event);
      if (retryAt) {
        await wakeLane(db, endpointId, lane, retryAt, true);
        return;
      }
    }
  }

  function send(endpoint: WebhookEndpoint, event: StoredEvent): Promise<AttemptResult> {
    const body = bodyOf(event);
    const timestamp = Math.floor(now().getTime() / 1000);
    return post(
      endpoint.url,
      signedHeaders(secretsOf(endpoint), messageIdOf(event.id), timestamp, body),
      body,
      {
        timeoutMs: settings.timeoutMs,
        allowPrivate: settings.allowPrivateNetworks,
      },
    );
  }

  return {
    secretsOf,
    wakeLane,
    deliverLane,

    /** Queues deliveries for every enabled endpoint's new events; with `sweep`, requeues every open lane. */
    async dispatch(options: { sweep?: boolean } = {}): Promise<number> {
      let queued = 0;
      const enabled = await repository.enabledEndpointIds(db);
      for (const id of enabled) queued += await dispatchEndpoint(id);
      if (options.sweep) {
        const open = (await repository.openLanes(db)).filter((lane) => enabled.includes(lane.endpointId));
        await db.transaction(async (tx) => {
          for (const lane of open) await wakeLane(tx, lane.endpointId, lane.lane, lane.runAt);
        });
      }
      return queued;
    },

    /** Sends a `webhook.ping` to the endpoint now, signed like a delivery; nothing is queued or retried. */
    ping(endpoint: WebhookEndpoint): Promise<AttemptResult> {
      const id = `msg_ping_${Date.now().toString(36)}${Math.floor(random() * 1e9).toString(36)}`;
      const body = JSON.stringify({
        type: 'webhook.ping',
        timestamp: now().toISOString(),
        data: { endpoint_id: endpoint.id },
      });
      const timestamp = Math.floor(now().getTime() / 1000);
      return post(endpoint.url, signedHeaders(secretsOf(endpoint), id, timestamp, body), body, {
        timeoutMs: settings.timeoutMs,
        allowPrivate: settings.allowPrivateNetworks,
      });
    },
  };
}

export type Delivery = ReturnType<typeof createDelivery>;

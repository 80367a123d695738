import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Sealer } from '../../platform/auth/sealed.ts';
import type { Database } from '../../platform/db/client.ts';
import { latestEventId, type EventCatalogue } from '../../platform/events/index.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import type { Delivery } from './webhooks.delivery.ts';
import { webhooksErrors } from './webhooks.errors.ts';
import * as repository from './webhooks.repository.ts';
import { newSecret } from './webhooks.signing.ts';
import { resolveTarget, UnsafeTargetError } from './webhooks.ssrf.ts';
import type { DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint } from './webhooks.tables.ts';

export interface EndpointInput {
  url?: string;
  description?: string;
  eventTypes?: string[];
  enabled?: boolean;
}

export interface WebhooksDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  sealer: Sealer;
  catalogue: EventCatalogue;
  delivery: Pick<Delivery, 'wakeLane' | 'ping'>;
  settings: { allowPrivateNetworks: boolean; secretOverlapHours: number };
  now?: () => Date;
}

/** What the audit log keeps of an endpoint: never a secret. */
const auditable = ({ secret: _s, previousSecret: _p, ...endpoint }: WebhookEndpoint) => endpoint;

/**
 * Webhook endpoints, managed by admins: each receives every event of the types it
 * subscribes to (admin-owned, so no per-object filtering). Secrets are shown once, at
 * creation and at rotation.
 */
export function createWebhooksService(deps: WebhooksDeps) {
  const { db, audit, sealer, catalogue, delivery, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const endpoints = listing(
    repository.endpointList,
    listQueries(db, repository.listEndpoints, repository.countEndpoints),
  );
  const deliveries = listing(
    repository.deliveryList,
    listQueries(db, repository.listDeliveries, repository.countDeliveries),
  );

  async function checkInput(input: EndpointInput): Promise<void> {
    if (input.url !== undefined) {
      try {
        await resolveTarget(input.url, settings.allowPrivateNetworks);
      } catch (error) {
        if (!(error instanceof UnsafeTargetError)) throw error;
        throw webhooksErrors.WEBHOOK_UNSAFE_URL({ message: error.message, fields: { url: [error.message] } });
      }
    }
    const unknown = (input.eventTypes ?? []).filter((type) => !catalogue.has(type));
    if (unknown.length > 0)
      throw fieldError('event_types', `Unknown event types: ${unknown.join(', ')} (see docs/events.md).`);
    const personal = (input.eventTypes ?? []).filter((type) => catalogue.get(type)?.personal);
    if (personal.length > 0)
      throw fieldError('event_types', `Personal events are never sent to webhooks: ${personal.join(', ')}.`);
  }

  async function endpoint(id: number): Promise<WebhookEndpoint> {
    const row = await repository.endpointById(db, id);
    if (!row) throw webhooksErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
    return row;
  }

  /** Queues the endpoint's open lanes again (after enabling it, or a replay). */
  async function wakeOpenLanes(
    tx: Parameters<Delivery['wakeLane']>[0],
    endpointId: number,
    lanes?: string[],
  ) {
    const open = lanes ?? (await repository.openLanes(tx, endpointId)).map((lane) => lane.lane);
    for (const lane of new Set(open)) await delivery.wakeLane(tx, endpointId, lane, undefined, true);
  }

  return {
    list: (params: ListParams): Promise<Page<WebhookEndpoint>> => endpoints.page(params),

    all: (params: ListParams): AsyncIterable<WebhookEndpoint> => endpoints.all(params),

    get: endpoint,

    /** Creates an endpoint receiving events from now on; answers it with its secret, shown this once. */
    async create(
      ctx: RequestContext,
      input: EndpointInput & { url: string },
    ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
      await checkInput(input);
      const secret = newSecret();
      const created = await db.transaction(async (tx) => {
        const row = await repository.insertEndpoint(tx, {
          url: input.url,
          description: input.description ?? '',
          eventTypes: input.eventTypes ?? [],
          enabled: input.enabled ?? true,
          secret: sealer.seal(secret),
          cursor: await latestEventId(tx),
          createdBy: ctx.actor.userId || null,
        });
        await audit.record(tx, ctx, {
          action: 'webhook_endpoint.created',
          resourceType: 'webhook_endpoint',
          resourceId: row.id,
          after: auditable(row),
        });
        return row;
      });
      return { endpoint: created, secret };
    },

    async update(ctx: RequestContext, id: number, input: EndpointInput, expectedVersion?: number) {
      await checkInput(input);
      return db.transaction(async (tx) => {
        const before = await repository.endpointById(tx, id, { lock: 'update' });
        if (!before) throw webhooksErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
        const enabling = input.enabled === true && !before.enabled;
        const after = await repository.updateEndpoint(
          tx,
          id,
          { ...input, ...(enabling && { failingSince: null, disabledReason: null }) },
          expectedVersion,
        );
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'webhook_endpoint.updated',
          resourceType: 'webhook_endpoint',
          resourceId: id,
          before: auditable(before),
          after: auditable(after),
        });
        if (enabling) await wakeOpenLanes(tx, id);
        return after;
      });
    },

    async remove(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await repository.endpointById(tx, id, { lock: 'update' });
        if (!before) throw webhooksErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
        if (!(await repository.deleteEndpoint(tx, id, expectedVersion)))
          throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'webhook_endpoint.deleted',
          resourceType: 'webhook_endpoint',
          resourceId: id,
          before: auditable(before),
        });
      });
    },

    /**
     * A new secret, shown this once; the previous one keeps signing (a second signature
     * in `webhook-signature`) for WEBHOOK_SECRET_OVERLAP_HOURS, while receivers switch.
     */
    async rotateSecret(
      ctx: RequestContext,
      id: number,
    ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
      const secret = newSecret();
      const rotated = await db.transaction(async (tx) => {
        const before = await repository.endpointById(tx, id, { lock: 'update' });
        if (!before) throw webhooksErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
        const after = await repository.updateEndpoint(tx, id, {
          secret: sealer.seal(secret),
          previousSecret: before.secret,
          previousSecretExpiresAt: new Date(now().getTime() + settings.secretOverlapHours * 3_600_000),
        });
        if (!after) throw webhooksErrors.WEBHOOK_ENDPOINT_NOT_FOUND();
        await audit.record(tx, ctx, {
          action: 'webhook_endpoint.secret_rotated',
          resourceType: 'webhook_endpoint',
          resourceId: id,
          after: { previous_secret_expires_at: after.previousSecretExpiresAt },
        });
        return after;
      });
      return { endpoint: rotated, secret };
    },

    async deliveries(endpointId: number, params: ListParams): Promise<Page<WebhookDelivery>> {
      await endpoint(endpointId);
      return deliveries.page(params, repository.deliveriesOfEndpoint(endpointId));
    },

    /** Every delivery of an endpoint matching `params` (exports); the endpoint is checked first by `deliveries`. */
    allDeliveries: (endpointId: number, params: ListParams): AsyncIterable<WebhookDelivery> =>
      deliveries.all(params, repository.deliveriesOfEndpoint(endpointId)),

    async delivery(
      endpointId: number,
      id: number,
    ): Promise<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] }> {
      const row = await repository.deliveryById(db, endpointId, id);
      if (!row) throw webhooksErrors.WEBHOOK_DELIVERY_NOT_FOUND();
      return { delivery: row, attempts: await repository.attemptsOf(db, id) };
    },

    /**
     * Sends deliveries again from a fresh retry schedule: one by id, or every delivery
     * in `statuses` (default retrying and dead) created in [from, to]. Answers how many.
     */
    async replay(
      ctx: RequestContext,
      endpointId: number,
      filter: { ids?: number[]; statuses?: DeliveryStatus[]; from?: Date; to?: Date },
    ): Promise<number> {
      await endpoint(endpointId);
      const requeued = await db.transaction(async (tx) => {
        const rows = await repository.requeue(tx, endpointId, {
          ...filter,
          statuses: filter.ids ? undefined : (filter.statuses ?? ['retrying', 'dead']),
        });
        if (filter.ids && rows.length === 0) throw webhooksErrors.WEBHOOK_DELIVERY_NOT_FOUND();
        await wakeOpenLanes(
          tx,
          endpointId,
          rows.map((row) => row.lane),
        );
        await audit.record(tx, ctx, {
          action: 'webhook_delivery.replayed',
          resourceType: 'webhook_endpoint',
          resourceId: endpointId,
          after: { deliveries: rows.map((row) => row.id) },
        });
        return rows.length;
      });
      return requeued;
    },

    async ping(id: number) {
      return delivery.ping(await endpoint(id));
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;

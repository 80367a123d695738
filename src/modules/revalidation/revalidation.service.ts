import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Sealer } from '../../platform/auth/sealed.ts';
import type { Database } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { latestEventId } from '../../platform/events/index.ts';
import { commonErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import { newSecret, resolveTarget, UnsafeTargetError } from '../webhooks/index.ts';
import type { RevalidationSender } from './revalidation.delivery.ts';
import { revalidationErrors } from './revalidation.errors.ts';
import * as repository from './revalidation.repository.ts';
import type { RevalidationDelivery, RevalidationTarget } from './revalidation.tables.ts';

export interface TargetInput {
  url?: string;
  description?: string;
  enabled?: boolean;
  /** The secret the frontend checks (its REVALIDATE_SECRET); none given: one is made. */
  secret?: string;
}

export interface RevalidationDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  sealer: Sealer;
  sender: Pick<RevalidationSender, 'retry'>;
  settings: { allowPrivateNetworks: boolean };
}

/** What the audit log keeps of a target: never its secret. */
const auditable = ({ secret: _s, ...target }: RevalidationTarget) => target;

/**
 * Next.js revalidation targets, managed by admins: each receives the cache tags of every
 * change from its creation on (docs/nextjs.md). The secret is shown once, at creation.
 */
export function createRevalidationService(deps: RevalidationDeps) {
  const { db, audit, sealer, sender, settings } = deps;
  const targets = listing(
    repository.targetList,
    listQueries(db, repository.listTargets, repository.countTargets),
  );
  const deliveries = listing(
    repository.deliveryList,
    listQueries(db, repository.listDeliveries, repository.countDeliveries),
  );

  async function checkUrl(url: string | undefined): Promise<void> {
    if (url === undefined) return;
    try {
      await resolveTarget(url, settings.allowPrivateNetworks);
    } catch (error) {
      if (!(error instanceof UnsafeTargetError)) throw error;
      throw revalidationErrors.REVALIDATION_UNSAFE_URL({
        message: error.message,
        fields: { url: [error.message] },
      });
    }
  }

  async function target(id: number): Promise<RevalidationTarget> {
    const row = await repository.targetById(db, id);
    if (!row) throw revalidationErrors.REVALIDATION_TARGET_NOT_FOUND();
    return row;
  }

  return {
    list: (params: ListParams): Promise<Page<RevalidationTarget>> => targets.page(params),

    all: (params: ListParams): AsyncIterable<RevalidationTarget> => targets.all(params),

    get: target,

    /** Creates a target hearing of changes from now on; answers it with its secret, shown this once. */
    async create(
      ctx: RequestContext,
      input: TargetInput & { url: string },
    ): Promise<{ target: RevalidationTarget; secret: string }> {
      await checkUrl(input.url);
      const secret = input.secret ?? newSecret();
      const created = await db.transaction(async (tx) => {
        const row = await repository.insertTarget(tx, {
          url: input.url,
          description: input.description ?? '',
          enabled: input.enabled ?? true,
          secret: sealer.seal(secret),
          cursor: await latestEventId(tx),
          createdBy: ctx.actor.userId || null,
        });
        await audit.record(tx, ctx, {
          action: 'revalidation_target.created',
          resourceType: 'revalidation_target',
          resourceId: row.id,
          after: auditable(row),
        });
        return row;
      });
      return { target: created, secret };
    },

    async update(
      ctx: RequestContext,
      id: number,
      input: TargetInput,
      expectedVersion?: number,
    ): Promise<RevalidationTarget> {
      await checkUrl(input.url);
      const { secret, ...fields } = input;
      return db.transaction(async (tx) => {
        const before = await repository.targetById(tx, id, { lock: 'update' });
        if (!before) throw revalidationErrors.REVALIDATION_TARGET_NOT_FOUND();
        // Re-enabled: changes made while disabled are skipped (a frontend revalidates on its own schedule too).
        const resuming = input.enabled === true && !before.enabled;
        const after = await repository.updateTarget(
          tx,
          id,
          {
            ...fields,
            ...(secret !== undefined && { secret: sealer.seal(secret) }),
            ...(resuming && { cursor: await latestEventId(tx) }),
          },
          expectedVersion,
        );
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'revalidation_target.updated',
          resourceType: 'revalidation_target',
          resourceId: id,
          before: auditable(before),
          after: auditable(after),
        });
        return after;
      });
    },

    async remove(ctx: RequestContext, id: number): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await repository.targetById(tx, id, { lock: 'update' });
        if (!before || !(await repository.deleteTarget(tx, id)))
          throw revalidationErrors.REVALIDATION_TARGET_NOT_FOUND();
        await audit.record(tx, ctx, {
          action: 'revalidation_target.deleted',
          resourceType: 'revalidation_target',
          resourceId: id,
          before: auditable(before),
        });
      });
    },

    /** The target's delivery log, newest first. */
    async deliveries(targetId: number, params: ListParams): Promise<Page<RevalidationDelivery>> {
      await target(targetId);
      return deliveries.page(params, repository.deliveriesOfTarget(targetId));
    },

    allDeliveries: (targetId: number, params: ListParams): AsyncIterable<RevalidationDelivery> =>
      deliveries.all(params, repository.deliveriesOfTarget(targetId)),

    /** Sends a delivery again (a dead one, once the frontend is back). */
    async retry(ctx: RequestContext, targetId: number, deliveryId: number): Promise<RevalidationDelivery> {
      return db.transaction(async (tx) => {
        const delivery = await repository.deliveryById(tx, deliveryId);
        if (delivery?.targetId !== targetId) throw revalidationErrors.REVALIDATION_DELIVERY_NOT_FOUND();
        await sender.retry(tx, delivery);
        await audit.record(tx, ctx, {
          action: 'revalidation_delivery.retried',
          resourceType: 'revalidation_target',
          resourceId: targetId,
          after: { delivery_id: deliveryId },
        });
        return { ...delivery, status: 'pending', attempts: 0 };
      });
    },
  };
}

export type RevalidationService = ReturnType<typeof createRevalidationService>;

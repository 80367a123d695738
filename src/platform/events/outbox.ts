import './formats.ts';
import { Value } from '@sinclair/typebox/value';
import type { Static, TObject } from '@sinclair/typebox';
import { and, asc, eq, gt, inArray, lt, max, sql, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../auth/actor.ts';
import type { Executor } from '../db/client.ts';
import type { EventDefinition } from './define-event.ts';
import { domainEvents, type EventAudience, type StoredEvent } from './events.tables.ts';

/** The NOTIFY channel an event's id is sent on when its transaction commits. */
export const EVENTS_CHANNEL = 'opsdesk_events';

/** Scope that read policies filter on; people are deduplicated and nulls dropped. */
export interface EventScope {
  departmentId?: number | null;
  locationId?: number | null;
  userIds?: readonly (number | null | undefined)[];
}

export interface EventInput<T extends TObject> {
  subjectId: string | number;
  payload: Static<T>;
  scope?: EventScope;
  /** Narrows the definition's audience for this one event (an internal note is for staff). */
  audience?: EventAudience;
}

/**
 * Writes an event in the caller's transaction: it commits (and is announced) with the
 * change it describes, or not at all. A payload that does not match its schema is a
 * programming error and rolls the change back.
 */
export async function recordEvent<T extends TObject>(
  tx: Executor,
  ctx: RequestContext | undefined,
  definition: EventDefinition<T>,
  event: EventInput<T>,
): Promise<void> {
  if (!Value.Check(definition.payload, event.payload)) {
    const problems = [...Value.Errors(definition.payload, event.payload)].map(
      (e) => `${e.path} ${e.message}`,
    );
    throw new Error(`Invalid payload for event ${definition.type}: ${problems.join('; ')}`);
  }
  const people = (event.scope?.userIds ?? []).filter((id): id is number => typeof id === 'number' && id > 0);
  await tx.insert(domainEvents).values({
    type: definition.type,
    version: definition.version,
    actorId: ctx?.actor.userId || null,
    actorLabel: ctx?.actor.username ?? null,
    subjectType: definition.subject,
    subjectId: String(event.subjectId),
    departmentId: event.scope?.departmentId ?? null,
    locationId: event.scope?.locationId ?? null,
    userIds: [...new Set(people)],
    audience: event.audience ?? definition.audience,
    payload: event.payload,
    tags: [...new Set(definition.tags(event.payload, String(event.subjectId)))],
    requestId: ctx?.requestId ?? null,
  });
}

/** What a reader wants: some types, one subject kind, one subject. */
export interface EventFilter {
  types?: readonly string[];
  subjectType?: string;
  subjectId?: string;
}

function conditionsOf(afterId: number, filter: EventFilter): SQL | undefined {
  return and(
    gt(domainEvents.id, afterId),
    filter.types && filter.types.length > 0 ? inArray(domainEvents.type, [...filter.types]) : undefined,
    filter.subjectType ? eq(domainEvents.subjectType, filter.subjectType) : undefined,
    filter.subjectId ? eq(domainEvents.subjectId, filter.subjectId) : undefined,
  );
}

/**
 * Committed events after `afterId`, oldest first, at most `limit`: the resume point of
 * every consumer (`Last-Event-ID`, a webhook endpoint's cursor). Ids follow commit
 * order, so nothing can appear later below the last id returned.
 */
export function readAfter(
  executor: Executor,
  afterId: number,
  limit: number,
  filter: EventFilter = {},
): Promise<StoredEvent[]> {
  return executor
    .select()
    .from(domainEvents)
    .where(conditionsOf(afterId, filter))
    .orderBy(asc(domainEvents.id))
    .limit(limit);
}

/** The id of the newest committed event (0 when none): where a new consumer starts. */
export async function latestEventId(executor: Executor): Promise<number> {
  const [row] = await executor.select({ id: max(domainEvents.id) }).from(domainEvents);
  return row?.id ?? 0;
}

/**
 * Deletes events older than `before` in batches (short transactions, no long lock on
 * the outbox); answers how many went.
 */
export async function pruneEvents(executor: Executor, before: Date, batchSize = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await executor.execute(
      sql`delete from ${domainEvents} where ${domainEvents.id} in (select ${domainEvents.id} from ${domainEvents} where ${lt(domainEvents.occurredAt, before)} order by ${domainEvents.id} limit ${batchSize})`,
    );
    total += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batchSize) return total;
  }
}

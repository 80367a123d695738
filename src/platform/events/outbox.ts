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
export function recordEvent<T extends TObject>(
  tx: Executor,
  ctx: RequestContext | undefined,
  definition: EventDefinition<T>,
  event: EventInput<T>,
): Promise<void> {
  return recordEvents(tx, ctx, definition, [event]);
}

/** Writes events of one type in one statement (an import's thousand creations), as recordEvent does one. */
export async function recordEvents<T extends TObject>(
  tx: Executor,
  ctx: RequestContext | undefined,
  definition: EventDefinition<T>,
  events: readonly EventInput<T>[],
): Promise<void> {
  if (events.length === 0) return;
  // The rows travel as one JSON parameter: a statement of the same text for one event or
  // a thousand (prepared once per connection), and no per-value work building it.
  const rows = JSON.stringify(events.map((event) => rowOf(ctx, definition, event)));
  await tx.execute(sql`
    insert into ${domainEvents} (${sql.raw(EVENT_COLUMNS)})
    select ${sql.raw(EVENT_COLUMNS)} from json_populate_recordset(null::${domainEvents}, ${rows}::json)`);
}

const EVENT_COLUMNS =
  'type, version, actor_id, actor_label, subject_type, subject_id, department_id, location_id, user_ids, audience, payload, tags, request_id';

function rowOf<T extends TObject>(
  ctx: RequestContext | undefined,
  definition: EventDefinition<T>,
  event: EventInput<T>,
) {
  if (!Value.Check(definition.payload, event.payload)) {
    const problems = [...Value.Errors(definition.payload, event.payload)].map(
      (e) => `${e.path} ${e.message}`,
    );
    throw new Error(`Invalid payload for event ${definition.type}: ${problems.join('; ')}`);
  }
  const people = (event.scope?.userIds ?? []).filter((id): id is number => typeof id === 'number' && id > 0);
  return {
    type: definition.type,
    version: definition.version,
    actor_id: ctx?.actor.userId || null,
    actor_label: ctx?.actor.username ?? null,
    subject_type: definition.subject,
    subject_id: String(event.subjectId),
    department_id: event.scope?.departmentId ?? null,
    location_id: event.scope?.locationId ?? null,
    user_ids: [...new Set(people)],
    audience: event.audience ?? definition.audience,
    payload: event.payload,
    tags: [...new Set(definition.tags(event.payload, String(event.subjectId)))],
    request_id: ctx?.requestId ?? null,
  };
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

import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import type { ListParams } from '../../platform/http/query.ts';
import * as repository from './audit.repository.ts';
import type { AuditEntry } from './audit.tables.ts';

export interface AuditRecord {
  action: string;
  resourceType: string;
  resourceId: string | number;
  before?: unknown;
  after?: unknown;
}

/** Dates to ISO strings, undefined dropped: what jsonb will store, and nothing secret. */
function snapshot(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return JSON.parse(
    JSON.stringify(value, (key, inner: unknown) =>
      /password|token_?hash|secret/i.test(key) ? undefined : inner,
    ),
  ) as unknown;
}

export function createAuditService({ db }: { db: Database }) {
  const entries = listing(
    repository.auditList,
    listQueries(db, repository.listEntries, repository.countEntries),
  );
  const entryOf = (ctx: RequestContext, record: AuditRecord) => ({
    actorId: ctx.actor.userId || null,
    actorLabel: ctx.actor.username,
    action: record.action,
    resourceType: record.resourceType,
    resourceId: String(record.resourceId),
    before: snapshot(record.before),
    after: snapshot(record.after),
    requestId: ctx.requestId,
    ip: ctx.ip,
    userAgent: ctx.userAgent?.slice(0, 500) ?? null,
  });

  return {
    /**
     * Appends an entry in the caller's transaction: the audit row commits or rolls
     * back with the change it describes.
     */
    record(tx: Executor, ctx: RequestContext, record: AuditRecord): Promise<unknown> {
      return repository.insertEntry(tx, entryOf(ctx, record));
    },

    /** Appends many entries in one statement, in order, in the caller's transaction (bulk writes). */
    async recordMany(tx: Executor, ctx: RequestContext, records: readonly AuditRecord[]): Promise<void> {
      if (records.length > 0)
        await repository.insertEntries(
          tx,
          records.map((record) => entryOf(ctx, record)),
        );
    },

    list(params: ListParams): Promise<Page<AuditEntry>> {
      return entries.page(params);
    },

    all(params: ListParams): AsyncIterable<AuditEntry> {
      return entries.all(params);
    },

    /** The trail of one resource, oldest first (a ticket's history, say). */
    historyOf(resourceType: string, resourceId: string | number): Promise<AuditEntry[]> {
      return repository.entriesOf(db, resourceType, String(resourceId));
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;

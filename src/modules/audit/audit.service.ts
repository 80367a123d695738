import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { iterateAll, paginate, type Page, listQueries } from '../../platform/db/list.ts';
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
  return {
    /**
     * Appends an entry in the caller's transaction: the audit row commits or rolls
     * back with the change it describes.
     */
    record(tx: Executor, ctx: RequestContext, record: AuditRecord): Promise<unknown> {
      return repository.insertEntry(tx, {
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
    },

    list(params: ListParams): Promise<Page<AuditEntry>> {
      return paginate(
        repository.auditList,
        params,
        undefined,
        listQueries(db, repository.listEntries, repository.countEntries),
      );
    },

    all(params: ListParams): AsyncIterable<AuditEntry> {
      return iterateAll(
        repository.auditList,
        params,
        undefined,
        listQueries(db, repository.listEntries, repository.countEntries),
      );
    },

    /** The trail of one resource, oldest first (a ticket's history, say). */
    historyOf(resourceType: string, resourceId: string | number): Promise<AuditEntry[]> {
      return repository.entriesOf(db, resourceType, String(resourceId));
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;

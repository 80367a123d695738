import { and, eq, sql } from 'drizzle-orm';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { enqueue, type JobShape } from '../../platform/jobs/define-job.ts';
import type { TicketBatch } from './tickets.batch.ts';
import { ticketErrors } from './tickets.errors.ts';
import { ImportFileError, parseImport, type ImportFormat } from './tickets.import.parse.ts';
import { runImport, type ImportMode, type ImportOutcome } from './tickets.import.ts';
import { ticketImports, type TicketImport } from './tickets.tables.ts';

/**
 * Ticket imports as the API runs them: a file of at most INLINE_ROWS rows runs within
 * its request; a larger one is stored as a `ticket_imports` row and run by a job
 * enqueued in the same transaction, its progress and row problems kept on the row.
 */
export const INLINE_ROWS = 1000;
/** Row problems kept on an import's record (and in its errors CSV). */
export const MAX_STORED_ERRORS = 10_000;

export interface ImportSettings {
  batchSize: number;
  maxRows: number;
}

export interface TicketImportsDeps {
  db: Database;
  tickets: TicketBatch;
  settings: ImportSettings;
  /** The job that runs a stored import (tickets.import.jobs.ts). */
  job: JobShape;
}

async function* chunksOf(data: Buffer): AsyncGenerator<Buffer> {
  // Slices, not copies: the parser reads them as a stream.
  for (let start = 0; start < data.length; start += 1 << 20) yield data.subarray(start, start + (1 << 20));
}

const isAdmin = (actor: Actor) => actor.role === 'admin' || actor.isSuperuser;

export function createTicketImports({ db, tickets, settings, job }: TicketImportsDeps) {
  /**
   * How many rows the file holds: read in full before anything is written or queued, so
   * a file that cannot be read (bad bytes, columns, too many rows) is refused at once.
   */
  async function rowCount(data: Buffer, format: ImportFormat): Promise<number> {
    let count = 0;
    for await (const _row of parseImport(chunksOf(data), format, settings.maxRows)) count += 1;
    return count;
  }

  const run = (
    ctx: RequestContext,
    data: Buffer,
    format: ImportFormat,
    mode: ImportMode,
    onProgress?: (p: { rows: number; created: number; failed: number }) => Promise<void>,
  ) =>
    runImport({ db, tickets }, ctx, parseImport(chunksOf(data), format, settings.maxRows), {
      mode,
      batchSize: settings.batchSize,
      maxErrors: MAX_STORED_ERRORS,
      onProgress,
    });

  return {
    /**
     * Starts an import: small files run now (the outcome), larger ones are stored and
     * queued (the record). A file that cannot be read is refused before anything is written.
     */
    async start(
      ctx: RequestContext,
      data: Buffer,
      format: ImportFormat,
      mode: ImportMode,
    ): Promise<{ outcome: ImportOutcome } | { record: TicketImport }> {
      if ((await rowCount(data, format)) <= INLINE_ROWS)
        return { outcome: await run(ctx, data, format, mode) };
      const record = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(ticketImports)
          .values({
            mode,
            format,
            actorId: ctx.actor.userId,
            actor: ctx.actor,
            requestId: ctx.requestId,
            sizeBytes: data.length,
            data,
          })
          .returning();
        if (!row) throw new Error('import insert returned nothing');
        await enqueue(tx, job, { import_id: row.id });
        return row;
      });
      return { record };
    },

    /** An import's record, for the person who started it or an admin; TICKET_IMPORT_NOT_FOUND otherwise. */
    async get(actor: Actor, id: number): Promise<TicketImport> {
      const [row] = await db
        .select()
        .from(ticketImports)
        .where(
          and(eq(ticketImports.id, id), isAdmin(actor) ? undefined : eq(ticketImports.actorId, actor.userId)),
        );
      if (!row) throw ticketErrors.TICKET_IMPORT_NOT_FOUND();
      return { ...row, data: null };
    },

    /** Runs a stored import (the job): progress on the record as it goes, the outcome at the end. */
    async runStored(id: number): Promise<void> {
      const claimed = await claim(db, id);
      if (!claimed?.data) return;
      const ctx: RequestContext = {
        actor: claimed.actor as Actor,
        requestId: claimed.requestId ?? `import-${id}`,
        ip: '127.0.0.1',
        userAgent: 'opsdesk import job',
      };
      const update = (values: Partial<typeof ticketImports.$inferInsert>) =>
        db
          .update(ticketImports)
          .set({ ...values, updatedAt: new Date() })
          .where(eq(ticketImports.id, id));
      try {
        const outcome = await run(ctx, claimed.data, claimed.format, claimed.mode, (progress) =>
          update(progress).then(() => undefined),
        );
        await update({
          status: outcome.ok ? 'succeeded' : 'failed',
          rows: outcome.rows,
          created: outcome.created,
          failed: outcome.failed,
          errors: outcome.errors,
          detail: outcome.ok ? null : 'Some rows are invalid; nothing was imported.',
          data: null,
          finishedAt: new Date(),
        });
      } catch (error) {
        if (!(error instanceof ImportFileError)) throw error;
        await update({ status: 'failed', detail: error.message, data: null, finishedAt: new Date() });
      }
    },
  };
}

/**
 * Marks a queued import as running and answers it with its file. A run that was cut off
 * (the worker died) starts again when it was all-or-nothing (its transaction rolled
 * back); a skip_invalid one had committed batches, so it fails, saying how far it got.
 */
async function claim(executor: Executor, id: number): Promise<TicketImport | undefined> {
  await executor
    .update(ticketImports)
    .set({
      status: 'failed',
      detail: sql`'The import was interrupted after ' || ${ticketImports.rows} || ' rows (' || ${ticketImports.created} || ' tickets created); import the remaining rows again.'`,
      data: null,
      finishedAt: sql`now()`,
    })
    .where(
      and(
        eq(ticketImports.id, id),
        eq(ticketImports.status, 'running'),
        eq(ticketImports.mode, 'skip_invalid'),
      ),
    );
  const [row] = await executor
    .update(ticketImports)
    .set({ status: 'running', rows: 0, created: 0, failed: 0, updatedAt: sql`now()` })
    .where(and(eq(ticketImports.id, id), sql`${ticketImports.status} in ('queued', 'running')`))
    .returning();
  return row;
}

export type TicketImports = ReturnType<typeof createTicketImports>;

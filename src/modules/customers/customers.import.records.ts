import { and, eq, sql } from 'drizzle-orm';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { defineErrors } from '../../platform/http/errors.ts';
import { enqueue, type JobShape } from '../../platform/jobs/define-job.ts';
import { decryptValue, encryptValue } from './customers.crypto.ts';
import { ImportFileError, parseImport } from './customers.import.parse.ts';
import type { CustomerImporter, ImportMode } from './customers.import.ts';
import { customerImports, type CustomerImport } from './customers.jobs.tables.ts';
import type { CustomerVault } from './customers.pii.ts';

/**
 * Uploaded customer imports: the file is checked (readable, within the row limit),
 * stored encrypted as a `customer_imports` row and run by a job enqueued in the same
 * transaction, its progress, counts and row problems kept on the row. The file is
 * sealed under a data key of its own wrapped by the current KEK, exactly like a
 * customer's fields, and both are nulled when the import has run: no plaintext of the
 * file ever reaches the database, and a finished import holds none of it.
 */
export const customerImportErrors = defineErrors({
  CUSTOMERS_IMPORT_NOT_FOUND: ['not_found', 'Not found.'],
});

export const IMPORT_BATCH_SIZE = 1000;
/** Rows of one file; larger files are split (the CLI has the same limit). */
export const IMPORT_MAX_ROWS = 1_000_000;
/** Row problems kept on an import's record (and in its errors CSV). */
export const MAX_STORED_ERRORS = 10_000;
/** The additional data of the sealed file: it opens as nothing else. */
const FILE_FIELD = 'customer_import_file';

export interface CustomerImportsDeps {
  db: Database;
  vault: CustomerVault;
  runImport: CustomerImporter;
  /** The job that runs a stored import (customers.import.jobs.ts). */
  job: JobShape;
}

async function* chunksOf(text: string): AsyncGenerator<string> {
  for (let start = 0; start < text.length; start += 1 << 20) yield text.slice(start, start + (1 << 20));
}

const isAdmin = (actor: Actor) => actor.role === 'admin' || actor.isSuperuser;

export function createCustomerImports({ db, vault, runImport, job }: CustomerImportsDeps) {
  const update = (executor: Executor, id: number, values: Partial<typeof customerImports.$inferInsert>) =>
    executor
      .update(customerImports)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(customerImports.id, id));

  return {
    /**
     * Stores and queues an import. The file is read in full first (UTF-8, columns, row
     * limit), so one that cannot be read is refused before anything is written.
     */
    async start(
      ctx: RequestContext,
      file: { data: Buffer; filename: string | null },
      options: { mode: ImportMode; sendWelcome: boolean },
    ): Promise<CustomerImport> {
      for await (const _row of parseImport([file.data], IMPORT_MAX_ROWS));
      const { dataKey, columns } = vault.newDataKey();
      // Checked as UTF-8 above: the text is the file.
      const sealed = encryptValue(dataKey, FILE_FIELD, file.data.toString('utf8'));
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(customerImports)
          .values({
            mode: options.mode,
            sendWelcome: options.sendWelcome,
            actorId: ctx.actor.userId,
            actor: ctx.actor,
            requestId: ctx.requestId,
            filename: file.filename?.slice(0, 200) ?? null,
            sizeBytes: file.data.length,
            dataKey: columns.dataKey,
            data: sealed,
          })
          .returning();
        if (!row) throw new Error('import insert returned nothing');
        await enqueue(tx, job, { import_id: row.id });
        return { ...row, data: null, dataKey: null };
      });
    },

    /** An import's record, for the person who started it or an admin; CUSTOMERS_IMPORT_NOT_FOUND otherwise. */
    async get(actor: Actor, id: number): Promise<CustomerImport> {
      const [row] = await db
        .select()
        .from(customerImports)
        .where(
          and(
            eq(customerImports.id, id),
            isAdmin(actor) ? undefined : eq(customerImports.actorId, actor.userId),
          ),
        );
      if (!row) throw customerImportErrors.CUSTOMERS_IMPORT_NOT_FOUND();
      return { ...row, data: null, dataKey: null };
    },

    /** Runs a stored import (the job): progress on the record as it goes, the outcome at the end. */
    async runStored(id: number): Promise<void> {
      const claimed = await claim(db, id);
      const key = claimed?.dataKey ? vault.dataKeyOf({ dataKey: claimed.dataKey }) : null;
      if (!claimed?.data || !key) return;
      const ctx: RequestContext = {
        actor: claimed.actor as Actor,
        requestId: claimed.requestId ?? `customer-import-${id}`,
        ip: '127.0.0.1',
        userAgent: 'opsdesk customer import job',
      };
      const finished = { data: null, dataKey: null, finishedAt: new Date() };
      try {
        const text = decryptValue(key, FILE_FIELD, claimed.data);
        const outcome = await runImport(ctx, parseImport(chunksOf(text), IMPORT_MAX_ROWS), {
          mode: claimed.mode,
          batchSize: IMPORT_BATCH_SIZE,
          sendWelcome: claimed.sendWelcome,
          importId: id,
          maxErrors: MAX_STORED_ERRORS,
          onProgress: (progress) => update(db, id, progress).then(() => undefined),
        });
        await update(db, id, {
          status: outcome.ok ? 'succeeded' : 'failed',
          rows: outcome.rows,
          created: outcome.created,
          failed: outcome.failed,
          duplicates: outcome.duplicates,
          errors: outcome.errors,
          detail: outcome.ok ? null : 'Some rows are invalid or duplicates; nothing was imported.',
          ...finished,
        });
      } catch (error) {
        if (!(error instanceof ImportFileError)) throw error;
        await update(db, id, { status: 'failed', detail: error.message, ...finished });
      }
    },
  };
}

/**
 * Marks a queued import as running and answers it with its file. A run that was cut off
 * (the worker died) starts again when it was all-or-nothing (its transaction rolled
 * back); a skip_invalid one had committed batches, so it fails, saying how far it got,
 * and its file is destroyed.
 */
async function claim(executor: Executor, id: number): Promise<CustomerImport | undefined> {
  await executor
    .update(customerImports)
    .set({
      status: 'failed',
      detail: sql`'The import was interrupted after ' || ${customerImports.rows} || ' rows (' || ${customerImports.created} || ' customers created); import the remaining rows again.'`,
      data: null,
      dataKey: null,
      finishedAt: sql`now()`,
    })
    .where(
      and(
        eq(customerImports.id, id),
        eq(customerImports.status, 'running'),
        eq(customerImports.mode, 'skip_invalid'),
      ),
    );
  const [row] = await executor
    .update(customerImports)
    .set({ status: 'running', rows: 0, created: 0, failed: 0, duplicates: 0, updatedAt: sql`now()` })
    .where(and(eq(customerImports.id, id), sql`${customerImports.status} in ('queued', 'running')`))
    .returning();
  return row;
}

export type CustomerImports = ReturnType<typeof createCustomerImports>;

import type { RequestContext } from '../../platform/auth/actor.ts';
import { bumpGeneration } from '../../platform/cache/count-cache.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import type { FieldErrors } from '../../platform/http/errors.ts';
import { batches, RolledBack } from '../../platform/imports/run.ts';
import type { NewTicketItem, TicketBatch } from './tickets.batch.ts';
import type { ParsedRow, RowError } from './tickets.import.parse.ts';

/**
 * Runs a ticket import: rows in batches through the rules of one create
 * (tickets.batch.ts), in one of two modes.
 * - `all_or_nothing`: one transaction for the whole file; any invalid row writes
 *   nothing, and every row is still checked so the answer lists all problems. The
 *   assignment roles it assigns stay locked until it commits (their creates wait).
 * - `skip_invalid`: a transaction per batch; invalid rows are reported and skipped.
 */

export const IMPORT_MODES = ['all_or_nothing', 'skip_invalid'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export interface ImportProgress {
  rows: number;
  created: number;
  failed: number;
}

export interface ImportOutcome extends ImportProgress {
  ok: boolean;
  /** The rows' problems, in row order; at most `maxErrors` (the count is in `failed`). */
  errors: RowError[];
  createdIds: number[];
}

export interface ImportSettings {
  mode: ImportMode;
  batchSize: number;
  maxErrors?: number;
  onProgress?: (progress: ImportProgress) => void | Promise<void>;
}

const flatten = (row: number, errors: FieldErrors): RowError[] =>
  Object.entries(errors).flatMap(([field, messages]) => messages.map((message) => ({ row, field, message })));

export async function runImport(
  deps: { db: Database; tickets: TicketBatch },
  ctx: RequestContext,
  rows: AsyncIterable<ParsedRow>,
  settings: ImportSettings,
): Promise<ImportOutcome> {
  const { db, tickets } = deps;
  const maxErrors = settings.maxErrors ?? 10_000;
  const outcome: ImportOutcome = { ok: true, rows: 0, created: 0, failed: 0, errors: [], createdIds: [] };
  const report = (errors: RowError[]) => {
    outcome.failed += 1;
    outcome.ok = false;
    outcome.errors.push(...errors.slice(0, Math.max(0, maxErrors - outcome.errors.length)));
  };

  /** One batch in `tx`: answers how many it created (all of them are rolled back when `allOrNothing` fails). */
  async function apply(tx: Executor, batch: ParsedRow[], allOrNothing: boolean) {
    const valid: { row: number; item: NewTicketItem }[] = [];
    for (const parsed of batch) {
      if (parsed.errors) report(parsed.errors);
      else valid.push(parsed);
    }
    const prepared = await tickets.prepareMany(
      ctx,
      valid.map((entry) => entry.item),
    );
    const results = await tickets.insertMany(tx, ctx, prepared, {
      allOrNothing: allOrNothing || !outcome.ok,
    });
    const created: number[] = [];
    results.forEach((result, index) => {
      const row = valid[index]?.row ?? 0;
      if (result.ticket) created.push(result.ticket.id);
      else if (Object.keys(result.errors).length > 0) report(flatten(row, result.errors));
    });
    return created;
  }

  const progress = async () =>
    settings.onProgress?.({ rows: outcome.rows, created: outcome.created, failed: outcome.failed });

  if (settings.mode === 'skip_invalid') {
    for await (const batch of batches(rows, settings.batchSize)) {
      outcome.rows += batch.length;
      const created = await db.transaction((tx) => apply(tx, batch, false));
      outcome.created += created.length;
      outcome.createdIds.push(...created);
      if (created.length > 0) await bumpGeneration(db, 'tickets');
      await progress();
    }
    // Skipped rows are reported, not a failure of the import.
    outcome.ok = true;
    return outcome;
  }

  const created: number[] = [];
  try {
    await db.transaction(async (tx) => {
      for await (const batch of batches(rows, settings.batchSize)) {
        outcome.rows += batch.length;
        const ids = await apply(tx, batch, true);
        if (outcome.ok) created.push(...ids);
        await progress();
      }
      if (!outcome.ok) throw new RolledBack();
    });
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
    return outcome;
  }
  outcome.created = created.length;
  outcome.createdIds = created;
  if (created.length > 0) await bumpGeneration(db, 'tickets');
  return outcome;
}

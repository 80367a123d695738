import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';

export interface JobContext {
  jobId: string;
  attempt: number;
  log: (message: string, extra?: Record<string, unknown>) => void;
}

/** A background task: its name (`<module>.<verb-noun>`), payload schema, handler and optional schedule. */
export interface JobDefinition<T extends TSchema = TSchema> {
  name: string;
  payload: T;
  /** A crontab time spec (`0 * * * *`); the job then also runs on that schedule with an empty payload. */
  cron?: string;
  maxAttempts?: number;
  handler(payload: Static<T>, context: JobContext): Promise<void>;
}

export const defineJob = <T extends TSchema>(definition: JobDefinition<T>): JobDefinition<T> => definition;

/** What enqueueing needs of a job: not its handler, whose dependencies only the worker has. */
export type JobShape<T extends TSchema = TSchema> = Pick<
  JobDefinition<T>,
  'name' | 'payload' | 'maxAttempts'
>;

/**
 * Enqueues a job in the caller's transaction (graphile-worker's `add_job`), so it
 * exists exactly when the write that caused it commits. `jobKey` replaces a pending
 * job with the same key instead of adding a second one (`preserve_run_at` keeps the
 * pending job's time; a running job with the key is left alone and a new one added). Returns the job's id (a
 * bigint, as text), which callers may hand to clients to refer to the job.
 */
export async function enqueue<T extends TSchema>(
  tx: Executor,
  job: JobShape<T>,
  payload: Static<T>,
  options: { jobKey?: string; jobKeyMode?: 'replace' | 'preserve_run_at'; runAt?: Date } = {},
): Promise<{ id: string }> {
  if (!Value.Check(job.payload, payload)) throw new Error(`Invalid payload for job ${job.name}`);
  const result = await tx.execute<{ id: string }>(
    sql`select (graphile_worker.add_job(${job.name}, ${JSON.stringify(payload)}::json, job_key => ${options.jobKey ?? null}, run_at => ${options.runAt ?? null}, job_key_mode => ${options.jobKeyMode ?? null}, max_attempts => ${job.maxAttempts ?? 25})).id::text as id`,
  );
  const [row] = result.rows;
  if (!row) throw new Error(`graphile_worker.add_job returned no job for ${job.name}`);
  return row;
}

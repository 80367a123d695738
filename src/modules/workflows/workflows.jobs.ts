import { Type } from '@sinclair/typebox';
import { defineJob, enqueue } from '../../platform/jobs/define-job.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { WorkflowsService } from './workflows.service.ts';

/** Retries the assignment queue; its handler needs the service, so it is bound in `createWorkflowsJobs`. */
export const drainAssignmentQueueJob = {
  name: 'workflows.drain-assignment-queue',
  payload: Type.Object({}),
  maxAttempts: 5,
};

/** Asks for a drain soon, in the caller's transaction; one pending drain at a time (job key). */
export async function requestQueueDrain(tx: Executor): Promise<void> {
  await enqueue(tx, drainAssignmentQueueJob, {}, { jobKey: drainAssignmentQueueJob.name });
}

/**
 * The queue is drained when load is released or membership changes (enqueued then), and
 * every minute, since availability also changes with time (shifts start, leave ends,
 * working hours open).
 */
export function createWorkflowsJobs(deps: { workflows: Pick<WorkflowsService, 'drainQueue'> }) {
  return [
    defineJob({
      ...drainAssignmentQueueJob,
      cron: '* * * * *',
      async handler(_payload, { log }) {
        const assigned = await deps.workflows.drainQueue();
        if (assigned > 0) log('assigned queued tickets', { assigned });
      },
    }),
  ];
}

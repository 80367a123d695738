import { Type } from '@sinclair/typebox';
import { defineJob } from '../../platform/jobs/define-job.ts';
import type { TicketImports } from './tickets.import.records.ts';

/** Enqueued with the stored import; defined here without its handler. A retry after a crash is safe (see `claim`). */
export const runImportJob = {
  name: 'tickets.import',
  payload: Type.Object({ import_id: Type.Integer() }),
  maxAttempts: 3,
};

export function createTicketImportJobs({ imports }: { imports: Pick<TicketImports, 'runStored'> }) {
  return [
    defineJob({
      ...runImportJob,
      async handler(payload, { log }) {
        await imports.runStored(payload.import_id);
        log('ticket import run', payload);
      },
    }),
  ];
}

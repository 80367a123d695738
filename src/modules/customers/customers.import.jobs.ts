import { Type } from '@sinclair/typebox';
import { defineJob, type JobShape } from '../../platform/jobs/define-job.ts';
import type { CustomerImports } from './customers.import.records.ts';

/** Enqueued with the stored import; defined here without its handler. A retry after a crash is safe (see `claim`). */
export const RUN_CUSTOMER_IMPORT = {
  name: 'customers.import',
  payload: Type.Object({ import_id: Type.Integer() }),
  maxAttempts: 3,
} satisfies JobShape;

export function createCustomerImportJobs({ imports }: { imports: Pick<CustomerImports, 'runStored'> }) {
  return [
    defineJob({
      ...RUN_CUSTOMER_IMPORT,
      async handler(payload, { log }) {
        await imports.runStored(payload.import_id);
        log('customer import run', payload);
      },
    }),
  ];
}

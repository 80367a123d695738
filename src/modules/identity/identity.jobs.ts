import { Type } from '@sinclair/typebox';
import type { Database } from '../../platform/db/client.ts';
import { defineJob } from '../../platform/jobs/define-job.ts';
import { deleteExpiredLoginStates } from './identity.oidc.repository.ts';
import * as repository from './identity.repository.ts';

export function createIdentityJobs({ db }: { db: Database }) {
  return [
    defineJob({
      name: 'identity.purge-expired-sessions',
      payload: Type.Object({}),
      cron: '17 * * * *',
      async handler(_payload, { log }) {
        const purged = await repository.deleteExpiredSessions(db);
        log('purged expired sessions', { count: purged });
      },
    }),
    defineJob({
      name: 'identity.purge-expired-oidc-logins',
      payload: Type.Object({}),
      cron: '47 * * * *',
      async handler(_payload, { log }) {
        const purged = await deleteExpiredLoginStates(db);
        log('purged abandoned OIDC logins', { count: purged });
      },
    }),
  ];
}

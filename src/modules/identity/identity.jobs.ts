import { Type } from '@sinclair/typebox';
import type { Database } from '../../platform/db/client.ts';
import { defineJob } from '../../platform/jobs/define-job.ts';
import { deleteExpiredLoginStates } from './identity.oidc.repository.ts';
import { purgeEndedFamilies } from './identity.repository.jwt.ts';
import * as repository from './identity.repository.ts';
import type { IdentityService } from './identity.service.ts';

/** Ended logins by token are kept this long, so a stolen refresh token presented later is still recognised and audited. */
const KEEP_ENDED_FAMILIES_DAYS = 30;

export function createIdentityJobs({
  db,
  identity,
}: {
  db: Database;
  identity: Pick<IdentityService, 'signingKeys'>;
}) {
  return [
    defineJob({
      name: 'identity.rotate-signing-keys',
      payload: Type.Object({}),
      // Hourly, so a key is replaced within the hour it becomes JWT_KEY_ROTATION_DAYS old; safe on every worker at once.
      cron: '7 * * * *',
      async handler(_payload, { log }) {
        const { rotation, purged } = await identity.signingKeys.rotateIfDue();
        if (rotation) log('rotated the JWT signing key', { kid: rotation.kid, retired: rotation.retiredKid });
        const families = await purgeEndedFamilies(db, KEEP_ENDED_FAMILIES_DAYS);
        log('purged ended JWT keys and logins by token', { keys: purged, families });
      },
    }),
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

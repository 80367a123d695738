import { Type } from '@sinclair/typebox';
import { bumpGeneration } from '../../platform/cache/count-cache.ts';
import type { Database } from '../../platform/db/client.ts';
import { defineJob } from '../../platform/jobs/define-job.ts';
import type { Escalation } from './sla.escalation.ts';
import type { SlaClocks } from './sla.service.ts';

/** What `sla.recompute` carries: the calendar or the policy that changed. */
export const recomputePayload = Type.Object({
  calendar_id: Type.Optional(Type.Integer()),
  policy_id: Type.Optional(Type.Integer()),
});

/** Enqueued (keyed per calendar or policy) by the change itself; defined here without its handler. */
export const recomputeJob = { name: 'sla.recompute', payload: recomputePayload, maxAttempts: 10 };

export function createSlaJobs(deps: {
  db: Database;
  clocks: Pick<SlaClocks, 'recompute'>;
  escalation: Escalation;
}) {
  return [
    defineJob({
      name: 'sla.escalate',
      payload: Type.Object({}),
      cron: '* * * * *',
      async handler(_payload, { log }) {
        const fired = await deps.escalation.escalateDue();
        if (fired > 0) log('escalation stages fired', { fired });
      },
    }),
    defineJob({
      ...recomputeJob,
      async handler(payload, { log }) {
        const count = await deps.clocks.recompute({
          calendarId: payload.calendar_id,
          policyId: payload.policy_id,
        });
        await bumpGeneration(deps.db, 'sla');
        log('recomputed SLA clocks', { count, ...payload });
      },
    }),
  ];
}

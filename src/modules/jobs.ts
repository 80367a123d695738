import type { Database } from '../platform/db/client.ts';
import { purgeIdempotencyKeysJob } from '../platform/http/idempotency.ts';
import type { JobDefinition } from '../platform/jobs/define-job.ts';
import { createCustomerImportJobs, createCustomersWelcomeJobs } from './customers/index.ts';
import { createAccountJobs, createIdentityJobs } from './identity/index.ts';
import { createNotificationsJobs } from './notifications/index.ts';
import { createRentalsJobs } from './rentals/index.ts';
import type { Services } from './services.ts';
import { createSlaJobs } from './sla/index.ts';
import { createTicketImportJobs } from './tickets/index.ts';
import { createWorkflowsJobs } from './workflows/index.ts';

/** Every background and scheduled job, for `opsdesk worker` (and `serve` with WORKER_IN_PROCESS). */
export function allJobs(services: Services, db: Database): JobDefinition[] {
  return [
    purgeIdempotencyKeysJob(db),
    ...services.outboxJobs,
    ...createIdentityJobs({ db, identity: services.identity }),
    ...createAccountJobs({ db, identity: services.identity }),
    ...createNotificationsJobs({ db, identity: services.identity, mailer: services.mailer }),
    ...createWorkflowsJobs({ workflows: services.workflows }),
    ...createTicketImportJobs({ imports: services.ticketImports }),
    ...createSlaJobs({ db, clocks: services.slaClocks, escalation: services.escalation }),
    ...createRentalsJobs({
      db,
      reminders: services.rentalReminders,
      mailer: services.mailer,
      customerEmail: async (id) => (await services.customers.getMany([id]))[0]?.email ?? null,
      calendarFor: services.calendarFor,
    }),
    ...createCustomersWelcomeJobs({ db, vault: services.customerVault, mailer: services.mailer }),
    ...createCustomerImportJobs({ imports: services.customerImports }),
  ] as JobDefinition[];
}

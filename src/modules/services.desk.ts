import { randomToken } from '../platform/auth/secrets.ts';
import { createFileStorage } from '../platform/files/index.ts';
import { enqueue } from '../platform/jobs/define-job.ts';
import type { IdentityService } from './identity/index.ts';
import type { NotificationsService } from './notifications/index.ts';
import { createReportsService } from './reports/index.ts';
import type { Platform } from './services.platform.ts';
import type { ServiceSettings } from './services.ts';
import type { wireWorkforce } from './services.workforce.ts';
import {
  createEscalation,
  createSlaClocks,
  createSlaExplainer,
  createSlaPolicies,
  createSlaReports,
  recomputeJob,
} from './sla/index.ts';
import {
  allowedTransitions,
  createTicketAttachmentsService,
  createTicketImports,
  createTicketReferenceService,
  createTicketsService,
  runImportJob,
  withTicketCache,
  withTicketReferenceCache,
  type TicketHooks,
  type TicketStatus,
} from './tickets/index.ts';
import { createWorkflowAdmin, createWorkflowsService, requestQueueDrain } from './workflows/index.ts';

type Workforce = ReturnType<typeof wireWorkforce>;

/** Tickets and their reference data; SLA clocks and workflows join the listeners of ticket changes later. */
export function wireTickets(
  { db, pool, audit, caching }: Platform,
  identity: IdentityService,
  sites: Workforce['sites'],
) {
  const ticketReference = withTicketReferenceCache(createTicketReferenceService({ db, audit }), caching);
  // Listeners of ticket changes, in order: SLA clocks first (they exist before a workflow's first step), then workflows.
  const ticketHooks: TicketHooks[] = [];
  const tickets = withTicketCache(
    createTicketsService({ db, pool, audit, identity, sites, hooks: ticketHooks }),
    caching,
  );
  return { ticketReference, ticketHooks, tickets };
}

type Tickets = ReturnType<typeof wireTickets>;

/** SLA clocks, policies and escalation, and the workflows that move and assign tickets. */
export function wireServiceDesk(
  { db, audit, now }: Platform,
  identity: IdentityService,
  { calendars, events, timeclock, timeoff }: Workforce,
  { ticketReference, ticketHooks, tickets }: Tickets,
  notifications: NotificationsService,
) {
  const slaClocks = createSlaClocks({ db, calendars, now });
  const workflows = createWorkflowsService({
    db,
    audit,
    identity,
    tickets,
    timeoff,
    timeclock,
    events,
    calendars,
    notifications,
    onStepEntered: slaClocks.stepEntered,
    onStepEnteredMany: slaClocks.stepEnteredMany,
    requestDrain: requestQueueDrain,
    now,
  });
  ticketHooks.push(slaClocks.ticketHooks, workflows.ticketHooks);
  const escalation = createEscalation({
    db,
    clocks: slaClocks,
    identity,
    notifications,
    tickets,
    reassign: (tx, ctx, ticket, userId, reason) => workflows.reassign(tx, ctx, ticket, userId, reason),
    now,
  });
  const explainSla = createSlaExplainer({ db, clocks: slaClocks, calendars, tickets, now });
  const workflowAdmin = createWorkflowAdmin({
    db,
    audit,
    identity,
    calendars,
    categoryExists: (id) => ticketReference.categoryExists(id),
    allowedMove: (kind, from, to) =>
      allowedTransitions(kind, from as TicketStatus).includes(to as TicketStatus),
    onMembershipChanged: requestQueueDrain,
  });
  const slaPolicies = createSlaPolicies({
    db,
    audit,
    calendars,
    categoryExists: (id) => ticketReference.categoryExists(id),
    onPolicyChanged: async (tx, policyId) => {
      await enqueue(
        tx,
        recomputeJob,
        { policy_id: policyId },
        { jobKey: `sla.recompute:policy:${policyId}` },
      );
    },
  });
  return { slaClocks, workflows, escalation, explainSla, workflowAdmin, slaPolicies };
}

/** Reports, and tickets' bulk imports and attachments. */
export function wireTicketTools(
  { db, audit }: Platform,
  identity: IdentityService,
  { tickets }: Tickets,
  settings: ServiceSettings,
) {
  const reports = createReportsService({ db, sla: createSlaReports({ db }), identity });
  const ticketImports = createTicketImports({
    db,
    tickets,
    settings: { batchSize: settings.ticketImportBatchSize, maxRows: settings.ticketImportMaxRows },
    job: runImportJob,
  });
  const ticketAttachments = createTicketAttachmentsService({
    db,
    audit,
    tickets,
    settings: {
      storage: createFileStorage(settings),
      // Without SECRET_KEY (tests building the app directly), links are signed with a key of this process's own.
      secret: settings.secretKey ?? randomToken(),
      maxBytes: settings.attachmentMaxBytes,
      linkSeconds: settings.downloadLinkSeconds,
    },
  });
  return { reports, ticketImports, ticketAttachments };
}

import type { Config } from '../config.ts';
import type { DatabaseHandle } from '../platform/db/client.ts';
import type { RedisLink } from '../platform/cache/redis.ts';
import { eventVisibilityRules } from './events.ts';
import { wireCustomers } from './services.customers.ts';
import { wireServiceDesk, wireTicketTools, wireTickets } from './services.desk.ts';
import { wireOutbox } from './services.outbox.ts';
import { wireIdentity, wireNotifications, wirePlatform } from './services.platform.ts';
import { wireRentals } from './services.rentals.ts';
import { wireWorkforce } from './services.workforce.ts';

export type ServiceSettings = Pick<
  Config,
  | 'overtimeThresholdHours'
  | 'rentalReminderQuietHours'
  | 'eventsRetentionDays'
  | 'webhookTimeoutMs'
  | 'webhookRetrySchedule'
  | 'webhookDisableAfterDays'
  | 'webhookSecretOverlapHours'
  | 'webhooksAllowPrivateNetworks'
  | 'sessionTtlHours'
  | 'dataDir'
  | 'secretKey'
  | 'attachmentMaxBytes'
  | 'downloadLinkSeconds'
  | 'smtpUrl'
  | 'mailFrom'
  | 'logLevel'
  | 'mfaIssuer'
  | 'mfaMaxAttempts'
  | 'mfaAttemptWindowSeconds'
  | 'mfaLockSeconds'
  | 'mfaChallengeSeconds'
  | 'lockoutThreshold'
  | 'lockoutBaseSeconds'
  | 'lockoutMaxSeconds'
  | 'accountTokenTtlMinutes'
  | 'publicUrl'
  | 'host'
  | 'port'
  | 'oidcAllowHttpIssuers'
  | 'webauthnRpId'
  | 'webauthnOrigins'
  | 'ticketImportBatchSize'
  | 'ticketImportMaxRows'
  | 'jwtAlgorithm'
  | 'jwtIssuer'
  | 'jwtAudience'
  | 'accessTokenTtlSeconds'
  | 'jwtKeyRotationDays'
  | 'refreshTokenIdleDays'
  | 'refreshTokenTtlDays'
  | 'customerDataKeys'
  | 'customerBlindIndexKey'
  | 'customerPhoneRegion'
  | 'isProduction'
  | 'cardProcessorUrl'
  | 'cardProcessorApiKey'
  | 'cardProcessorTimeoutMs'
  | 'cardWebhookSecret'
  | 'cardWebhookToleranceSeconds'
  | 'readCacheEntries'
  | 'readCacheTtlSeconds'
>;

/** Test seams: a clock every time-driven module reads (SLA clocks, assignment, notifications). */
export interface ServiceOptions {
  now?: () => Date;
  /** Shares cached reads between processes (REDIS_URL); without it each process caches alone. */
  redis?: RedisLink;
}

/** Every module's service, wired in dependency order; each area's wiring lives in its services.*.ts. */
export function createServices(
  handle: Pick<DatabaseHandle, 'db' | 'pool'>,
  settings: ServiceSettings,
  options: ServiceOptions = {},
) {
  const platform = wirePlatform(handle, settings, options);
  const identity = wireIdentity(platform, settings);
  // Calendars and notifications ask the SLA clocks and workflows, which need both and so come later.
  const workforce = wireWorkforce(platform, identity, settings, {
    policiesOnCalendar: (tx, calendarId) => desk.slaClocks.policiesOnCalendar(tx, calendarId),
    peopleOnCalendar: (tx, calendarId) => desk.workflows.peopleOnCalendar(tx, calendarId),
  });
  const ticketing = wireTickets(platform, identity, workforce.sites);
  const { notifications, mail } = wireNotifications(platform, (userId, executor) =>
    desk.workflows.workingCalendarOf(userId, executor),
  );
  const outbox = wireOutbox(platform, identity, notifications, settings);
  const desk = wireServiceDesk(platform, identity, workforce, ticketing, notifications);
  const customerServices = wireCustomers(platform, identity, settings);
  const rentals = wireRentals(platform, workforce.calendars, customerServices, notifications, settings);
  const ticketTools = wireTicketTools(platform, identity, ticketing, settings);
  const { policy } = platform;
  return {
    eventVisibility: eventVisibilityRules({
      policy,
      visibleIds: (actor, ids) => ticketing.tickets.visibleIds(actor, ids),
      userIdsInDepartment: (id) => identity.userIdsInDepartment(id),
    }),
    /** The outbox's upkeep and consumers: the nightly prune, webhook dispatch and delivery. */
    outboxJobs: outbox.outboxJobs,
    webhooks: outbox.webhooks,
    webhookDelivery: outbox.webhookDelivery,
    revalidation: outbox.revalidation,
    revalidationSender: outbox.revalidationSender,
    invalidation: platform.invalidation,
    /** Hits, misses and hit ratio of the read caches, for /metrics. */
    cacheMetrics: platform.caching.metrics,
    policy,
    audit: platform.audit,
    identity,
    sites: workforce.sites,
    calendars: workforce.calendars,
    mailer: platform.mailer,
    mail,
    notifications,
    tickets: ticketing.tickets,
    ticketReference: ticketing.ticketReference,
    workflows: desk.workflows,
    workflowAdmin: desk.workflowAdmin,
    slaClocks: desk.slaClocks,
    slaPolicies: desk.slaPolicies,
    escalation: desk.escalation,
    explainSla: desk.explainSla,
    reports: ticketTools.reports,
    ticketAttachments: ticketTools.ticketAttachments,
    ticketImports: ticketTools.ticketImports,
    events: workforce.events,
    timeclock: workforce.timeclock,
    timeoff: workforce.timeoff,
    ...customerServices,
    catalog: rentals.catalog,
    availability: rentals.availability,
    orders: rentals.orders,
    /** Orders as of another clock: the demo seed books past rentals through the same rules. */
    ordersAt: rentals.ordersAt,
    rentalReminders: rentals.rentalReminders,
    rentalsReports: rentals.rentalsReports,
    calendarFor: rentals.calendarFor,
    payments: rentals.payments,
    cardWebhooks: rentals.cardWebhooks,
    checkout: rentals.checkout,
    editDraft: rentals.editDraft,
  };
}

export type Services = ReturnType<typeof createServices>;

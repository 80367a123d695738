import type { FastifyPluginAsync } from 'fastify';
import { pino } from 'pino';
import { createPolicy, type PermissionGrants } from '../platform/auth/policy.ts';
import type { Config } from '../config.ts';
import { createSealer } from '../platform/auth/sealed.ts';
import { AppError } from '../platform/http/errors.ts';
import { randomToken } from '../platform/auth/secrets.ts';
import { createInvalidationBus } from '../platform/cache/invalidation.ts';
import type { RedisLink } from '../platform/cache/redis.ts';
import { createCacheMetrics, type TaggedCacheDeps } from '../platform/cache/tagged-cache.ts';
import type { Database, DatabaseHandle } from '../platform/db/client.ts';
import { createFileStorage } from '../platform/files/index.ts';
import { auditPermissions, auditRoutesV2, createAuditService } from './audit/index.ts';
import { createEventCatalogue, pruneEventsJob } from '../platform/events/index.ts';
import { realtimePermissions, type EventVisibilityRules } from '../platform/realtime/index.ts';
import { enqueue, type JobDefinition } from '../platform/jobs/define-job.ts';
import { purgeIdempotencyKeysJob } from '../platform/http/idempotency.ts';
import { createMailer } from '../platform/mail/index.ts';
import {
  createAccountJobs,
  createIdentityJobs,
  createIdentityService,
  identityEvents,
  identityEventVisibility,
  identityPermissions,
  identityRoutesRoot,
  identityRoutesV1,
  identityRoutesV2,
  relyingPartyOf,
} from './identity/index.ts';
import {
  calendarsErrors,
  calendarsPermissions,
  calendarsRoutesV2,
  createCalendarsService,
} from './calendars/index.ts';
import {
  createComposedMailService,
  createNotificationsJobs,
  createNotificationsService,
  mailPermissions,
  mailRateLimit,
  mailRoutesV1,
  mailRoutesV2,
  notificationsEvents,
  notificationsEventVisibility,
  notificationsPermissions,
  notificationsRoutesV2,
} from './notifications/index.ts';
import {
  createCustomerMerge,
  createCustomerPrivacy,
  createCustomersService,
  createCustomerVault,
  createDuplicateFinder,
  customerPrivacyRoutesV2,
  customersEvents,
  customersEventVisibility,
  customerKeysFrom,
  customersPermissions,
  customersRoutesV1,
  customersRoutesV2,
  queueWelcome,
  createCustomersWelcomeJobs,
  createCustomerImporter,
  createCustomerImportJobs,
  createCustomerImports,
  customerImportPermissions,
  customerImportRoutesV2,
  RUN_CUSTOMER_IMPORT,
} from './customers/index.ts';
import {
  availabilityRoutesV1,
  availabilityRoutesV2,
  catalogRoutesV1,
  catalogRoutesV2,
  createAvailability,
  createCatalogService,
  createOrdersService,
  createReminders,
  createRentalsJobs,
  createRentalsReports,
  rentalsReportsRoutesV2,
  type HealthSummary,
  ordersRoutesV1,
  ordersRoutesV2,
  rentalsEvents,
  rentalsEventVisibility,
  rentalCustomerLinks,
  rentalsPermissions,
  createCardWebhooks,
  createPaymentsService,
  paymentsRoutesV2,
  rentalPaymentEvents,
  checkoutRoutesV2,
  createCheckoutService,
  rentalCheckoutEvents,
  createOrderEditing,
  orderEditRoutesV2,
} from './rentals/index.ts';
import { createCardProvider, manualProvider } from '../platform/payments/index.ts';
import { createReportsService, reportsPermissions, reportsRoutesV2 } from './reports/index.ts';
import {
  createSitesService,
  sitesEvents,
  sitesEventVisibility,
  sitesPermissions,
  sitesRoutesV1,
  sitesRoutesV2,
  withSitesCache,
} from './sites/index.ts';
import {
  createEscalation,
  createSlaClocks,
  createSlaExplainer,
  createSlaJobs,
  createSlaPolicies,
  createSlaReports,
  recomputeJob,
  slaPermissions,
  slaPolicyRoutesV2,
  slaEvents,
  slaEventVisibility,
  slaRoutesV2,
} from './sla/index.ts';
import {
  allowedTransitions,
  createTicketAttachmentsService,
  createTicketReferenceService,
  createTicketImportJobs,
  createTicketImports,
  createTicketsService,
  customerTicketsRoutesV2,
  runImportJob,
  ticketImportRoutesV2,
  ticketEvents,
  ticketRequesterLinks,
  ticketReferenceEvents,
  ticketEventVisibility,
  ticketsPermissions,
  ticketsRoutesV1,
  ticketsRoutesV2,
  type TicketHooks,
  type TicketVisibilityDeps,
  type TicketStatus,
  withTicketCache,
  withTicketReferenceCache,
} from './tickets/index.ts';
import {
  createEventsService,
  createTimeclockService,
  createTimeoffService,
  eventsRoutesV1,
  eventsRoutesV2,
  timeclockRoutesV1,
  timeclockRoutesV2,
  timeoffRoutesV1,
  timeoffRoutesV2,
  workforceEvents,
  workforceEventVisibility,
  workforcePermissions,
} from './workforce/index.ts';
import {
  createWorkflowAdmin,
  createWorkflowsJobs,
  createWorkflowsService,
  requestQueueDrain,
  workflowAdminPermissions,
  workflowAdminRoutesV2,
  workflowsRoutesV2,
} from './workflows/index.ts';
import {
  createDelivery,
  createWebhooksJobs,
  createWebhooksService,
  webhooksPermissions,
  webhooksRoutesV2,
} from './webhooks/index.ts';
import {
  createRevalidationDelivery,
  createRevalidationJobs,
  createRevalidationService,
  revalidationPermissions,
  revalidationRoutesV2,
} from './revalidation/index.ts';

/**
 * The one place modules are wired: services in dependency order, then each module's
 * permissions and routes. Adding a module means adding it here and nowhere else.
 */
export interface ModuleSettings {
  sessionTtlHours: number;
  secureCookies: boolean;
  loginRateLimitPerMinute: number;
  mailRateLimitPerHour: number;
  ticketImportMaxBytes: number;
  /** CORS_ORIGINS: the origins a cookie-authenticated write may come from (CSRF). */
  allowedOrigins: readonly string[];
  refreshTokenTtlDays: number;
  /** The platform's readiness checks, for the dashboards that show them. */
  health: () => Promise<HealthSummary>;
}

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

export function createServices(
  { db, pool }: Pick<DatabaseHandle, 'db' | 'pool'>,
  settings: ServiceSettings,
  options: ServiceOptions = {},
) {
  const now = options.now ?? (() => new Date());
  const audit = createAuditService({ db });
  const caching: TaggedCacheDeps = {
    pool,
    metrics: createCacheMetrics(),
    redis: options.redis,
    maxEntries: settings.readCacheEntries,
    ttlMs: settings.readCacheTtlSeconds * 1000,
  };
  const log = pino({ level: settings.logLevel });
  // Listens only once the API calls start(); elsewhere (CLI, worker) it publishes and never caches.
  const invalidation = createInvalidationBus({ pool, log: log.child({ module: 'invalidation' }) });
  const mailer = createMailer({
    smtpUrl: settings.smtpUrl,
    from: settings.mailFrom,
    dataDir: settings.dataDir,
    log: log.child({ module: 'mail' }),
  });
  const policy = createPolicy(permissionGrants);
  const publicUrl = (settings.publicUrl ?? `http://${settings.host}:${settings.port}`).replace(/\/+$/, '');
  const identity = createIdentityService({
    db,
    audit,
    invalidation,
    sessionTtlHours: settings.sessionTtlHours,
    lockout: {
      threshold: settings.lockoutThreshold,
      baseSeconds: settings.lockoutBaseSeconds,
      maxSeconds: settings.lockoutMaxSeconds,
    },
    mailer,
    accountTokenTtlMinutes: settings.accountTokenTtlMinutes,
    publicUrl: settings.publicUrl,
    policy,
    mfa: {
      issuer: settings.mfaIssuer,
      maxAttempts: settings.mfaMaxAttempts,
      attemptWindowSeconds: settings.mfaAttemptWindowSeconds,
      lockSeconds: settings.mfaLockSeconds,
      challengeSeconds: settings.mfaChallengeSeconds,
      secretKey: settings.secretKey,
      now,
    },
    oidc: {
      // Without SECRET_KEY (tests building the app directly), secrets are sealed with a key of this process's own.
      secretKey: settings.secretKey ?? randomToken(),
      publicUrl,
      allowHttpIssuers: settings.oidcAllowHttpIssuers,
    },
    webauthn: {
      ...relyingPartyOf(settings),
      rpName: settings.mfaIssuer,
      challengeSeconds: settings.mfaChallengeSeconds,
    },
    jwt: {
      algorithm: settings.jwtAlgorithm,
      issuer: settings.jwtIssuer ?? publicUrl,
      audience: settings.jwtAudience,
      accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
      keyRotationDays: settings.jwtKeyRotationDays,
      refreshTokenIdleDays: settings.refreshTokenIdleDays,
      refreshTokenTtlDays: settings.refreshTokenTtlDays,
      // Without SECRET_KEY (tests building the app directly), keys are sealed with a key of this process's own.
      secretKey: settings.secretKey ?? randomToken(),
    },
  });
  const sites = withSitesCache(createSitesService({ db, audit }), caching);
  // A calendar change moves the due times of open tickets on it: recomputed by a job keyed per
  // calendar. A calendar that policies or people's working hours use cannot be deleted.
  const calendars = createCalendarsService({
    db,
    audit,
    onChanged: async (tx, event) => {
      if (event.version === null) {
        const policies = await slaClocks.policiesOnCalendar(tx, event.calendarId);
        const people = await workflows.peopleOnCalendar(tx, event.calendarId);
        if (policies.length > 0 || people > 0)
          throw calendarsErrors.CALENDARS_CALENDAR_IN_USE({
            message: `This calendar is in use (${[
              ...policies.map((name) => `SLA policy "${name}"`),
              ...(people > 0 ? [`the working hours of ${people} people`] : []),
            ].join(', ')}) and cannot be deleted.`,
          });
      }
      await enqueue(
        tx,
        recomputeJob,
        { calendar_id: event.calendarId },
        { jobKey: `sla.recompute:calendar:${event.calendarId}` },
      );
    },
  });
  const events = createEventsService({ db, audit, identity, sites });
  const timeclock = createTimeclockService({
    db,
    audit,
    identity,
    sites,
    overtimeThresholdMinutes: settings.overtimeThresholdHours * 60,
    onClockedIn: requestQueueDrain,
  });
  const timeoff = createTimeoffService({
    db,
    audit,
    identity,
    workingCalendar: (calendarId) => calendars.engineFor(calendarId),
    eventsFor: (userIds, from, to, executor) => events.occurrencesForUsers(userIds, from, to, executor),
  });
  const ticketReference = withTicketReferenceCache(createTicketReferenceService({ db, audit }), caching);
  // Listeners of ticket changes, in order: SLA clocks first (they exist before a workflow's first step), then workflows.
  const ticketHooks: TicketHooks[] = [];
  const tickets = withTicketCache(
    createTicketsService({ db, pool, audit, identity, sites, hooks: ticketHooks }),
    caching,
  );
  const notifications = createNotificationsService({
    db,
    workingCalendarOf: (userId, executor) => workflows.workingCalendarOf(userId, executor),
    now,
  });
  const mail = createComposedMailService({ db, audit });
  // Without SECRET_KEY (tests building the app directly), secrets are sealed with a key of this process's own.
  const webhookSealer = createSealer(settings.secretKey ?? randomToken(), 'webhook-secret');
  const webhookDelivery = createDelivery({
    db,
    sealer: webhookSealer,
    identity,
    notifications,
    settings: {
      timeoutMs: settings.webhookTimeoutMs,
      retrySchedule: settings.webhookRetrySchedule,
      disableAfterDays: settings.webhookDisableAfterDays,
      allowPrivateNetworks: settings.webhooksAllowPrivateNetworks,
    },
    catalogue: eventCatalogue,
    now,
  });
  const webhooks = createWebhooksService({
    db,
    audit,
    sealer: webhookSealer,
    catalogue: eventCatalogue,
    delivery: webhookDelivery,
    settings: {
      allowPrivateNetworks: settings.webhooksAllowPrivateNetworks,
      secretOverlapHours: settings.webhookSecretOverlapHours,
    },
    now,
  });
  // Without SECRET_KEY (tests building the app directly), secrets are sealed with a key of this process's own.
  const revalidationSealer = createSealer(settings.secretKey ?? randomToken(), 'revalidation-secret');
  const revalidationSender = createRevalidationDelivery({
    db,
    sealer: revalidationSealer,
    settings: {
      timeoutMs: settings.webhookTimeoutMs,
      retrySchedule: settings.webhookRetrySchedule,
      allowPrivateNetworks: settings.webhooksAllowPrivateNetworks,
    },
    now,
  });
  const revalidation = createRevalidationService({
    db,
    audit,
    sealer: revalidationSealer,
    sender: revalidationSender,
    settings: { allowPrivateNetworks: settings.webhooksAllowPrivateNetworks },
  });
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
  const customerVault = createCustomerVault(customerKeysFrom(settings), settings.customerPhoneRegion);
  const customers = createCustomersService({
    db,
    audit,
    identity,
    vault: customerVault,
    policy,
    onCreated: queueWelcome,
    now,
  });
  const customerImporter = createCustomerImporter({
    db,
    audit,
    identity,
    vault: customerVault,
    phoneRegion: settings.customerPhoneRegion,
    now,
  });
  const customerImports = createCustomerImports({
    db,
    vault: customerVault,
    runImport: customerImporter,
    job: RUN_CUSTOMER_IMPORT,
  });
  // The records of other modules that point at a customer: exported with them, moved by a merge.
  const customerLinks = [ticketRequesterLinks, rentalCustomerLinks];
  const customerPrivacy = createCustomerPrivacy({
    db,
    audit,
    vault: customerVault,
    links: customerLinks,
    now,
  });
  const customerMerge = createCustomerMerge({ db, audit, vault: customerVault, links: customerLinks });
  const customerDuplicates = createDuplicateFinder(db, customerVault);
  const catalog = createCatalogService({
    db,
    audit,
    calendarExists: (id) =>
      calendars.getCalendar(id).then(
        () => true,
        (error: unknown) => {
          if (error instanceof AppError && error.kind === 'not_found') return false;
          throw error;
        },
      ),
  });
  const calendarFor = (id: number) => calendars.engineFor(id);
  const availability = createAvailability({ db, calendarFor });
  const ordersAt = (clock: () => Date) =>
    createOrdersService({
      db,
      audit,
      customerExists: (id, executor) => customers.exists(id, executor),
      calendarFor,
      now: clock,
    });
  const orders = ordersAt(now);
  const rentalReminders = createReminders({
    db,
    notifications,
    calendarFor,
    quietHours: settings.rentalReminderQuietHours,
    now,
  });
  const payments = createPaymentsService({
    db,
    audit,
    manual: manualProvider,
    card: settings.cardProcessorUrl
      ? createCardProvider({
          baseUrl: settings.cardProcessorUrl,
          apiKey: settings.cardProcessorApiKey ?? '',
          timeoutMs: settings.cardProcessorTimeoutMs,
        })
      : undefined,
    now,
  });
  const cardWebhooks = createCardWebhooks({
    db,
    settlement: payments.settlement,
    settings: { secret: settings.cardWebhookSecret, toleranceSeconds: settings.cardWebhookToleranceSeconds },
    now,
  });
  const editDraft = createOrderEditing({
    db,
    audit,
    orders,
    customerExists: (id, executor) => customers.exists(id, executor),
  });
  const checkout = createCheckoutService({
    db,
    audit,
    storage: createFileStorage(settings),
    maxPhotoBytes: settings.attachmentMaxBytes,
    orderIn: (executor, id) => orders.orderIn(executor, id),
    now,
  });
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
  return {
    eventVisibility: eventVisibilityRules({
      policy,
      visibleIds: (actor, ids) => tickets.visibleIds(actor, ids),
      userIdsInDepartment: (id) => identity.userIdsInDepartment(id),
    }),
    /** The outbox's upkeep and consumers: the nightly prune, webhook dispatch and delivery. */
    outboxJobs: [
      pruneEventsJob(db, settings.eventsRetentionDays, now),
      ...createWebhooksJobs({ db, delivery: webhookDelivery, retentionDays: settings.eventsRetentionDays }),
      ...createRevalidationJobs({
        db,
        sender: revalidationSender,
        retentionDays: settings.eventsRetentionDays,
      }),
    ],
    webhooks,
    webhookDelivery,
    revalidation,
    revalidationSender,
    invalidation,
    /** Hits, misses and hit ratio of the read caches, for /metrics. */
    cacheMetrics: caching.metrics,
    policy,
    audit,
    identity,
    sites,
    calendars,
    mailer,
    mail,
    notifications,
    tickets,
    ticketReference,
    workflows,
    workflowAdmin,
    slaClocks,
    slaPolicies,
    escalation,
    explainSla,
    reports,
    ticketAttachments,
    ticketImports,
    events,
    timeclock,
    timeoff,
    customerVault,
    customers,
    customerImporter,
    customerImports,
    customerPrivacy,
    customerMerge,
    customerDuplicates,
    catalog,
    availability,
    orders,
    /** Orders as of another clock: the demo seed books past rentals through the same rules. */
    ordersAt,
    rentalReminders,
    rentalsReports: createRentalsReports({ db, now }),
    calendarFor,
    payments,
    cardWebhooks,
    checkout,
    editDraft,
  };
}

export type Services = ReturnType<typeof createServices>;

/** Every domain event type, gathered from the modules' `*.events.ts` (docs/events.md is checked against it). */
export const eventCatalogue = createEventCatalogue(
  ticketEvents,
  ticketReferenceEvents,
  slaEvents,
  workforceEvents,
  sitesEvents,
  identityEvents,
  rentalsEvents,
  rentalPaymentEvents,
  rentalCheckoutEvents,
  customersEvents,
  notificationsEvents,
);

/** Who may see each event type on a realtime stream: each module's rule for its own events. */
export function eventVisibilityRules(
  deps: TicketVisibilityDeps & { userIdsInDepartment: (departmentId: number) => Promise<number[]> },
): EventVisibilityRules {
  const { policy } = deps;
  return {
    ...ticketEventVisibility(deps),
    ...slaEventVisibility(deps),
    ...workforceEventVisibility(deps),
    ...sitesEventVisibility({ policy }),
    ...identityEventVisibility({ policy }),
    ...notificationsEventVisibility(),
    ...customersEventVisibility({ policy }),
    ...rentalsEventVisibility({ policy }),
  };
}

export const permissionGrants: PermissionGrants[] = [
  realtimePermissions,
  auditPermissions,
  identityPermissions,
  sitesPermissions,
  calendarsPermissions,
  notificationsPermissions,
  mailPermissions,
  ticketsPermissions,
  workflowAdminPermissions,
  slaPermissions,
  reportsPermissions,
  workforcePermissions,
  customersPermissions,
  customerImportPermissions,
  webhooksPermissions,
  revalidationPermissions,
  rentalsPermissions,
];

export interface ModuleRoutes {
  v1: FastifyPluginAsync[];
  v2: FastifyPluginAsync[];
  /** Routes outside /api, at fixed well-known paths (the JWKS). */
  root: FastifyPluginAsync[];
}

const mounted =
  <O extends object>(plugin: (app: never, options: O) => Promise<void>, options: O): FastifyPluginAsync =>
  async (app) => {
    await app.register(plugin as unknown as FastifyPluginAsync<O>, options);
  };

export function moduleRoutes(services: Services, settings: ModuleSettings): ModuleRoutes {
  const { mailRateLimitPerHour, ticketImportMaxBytes, health, ...identitySettings } = settings;
  const identityOptions = { identity: services.identity, ...identitySettings };
  const mailOptions = { mail: services.mail, rateLimit: mailRateLimit(mailRateLimitPerHour) };
  const ticketsOptions = {
    tickets: services.tickets,
    reference: services.ticketReference,
    attachments: services.ticketAttachments,
    customers: services.customers,
  };
  return {
    root: [mounted(identityRoutesRoot, { identity: services.identity })],
    v1: [
      mounted(identityRoutesV1, identityOptions),
      mounted(sitesRoutesV1, { sites: services.sites }),
      mounted(ticketsRoutesV1, ticketsOptions),
      mounted(eventsRoutesV1, { events: services.events }),
      mounted(timeclockRoutesV1, { timeclock: services.timeclock }),
      mounted(timeoffRoutesV1, { timeoff: services.timeoff }),
      mounted(mailRoutesV1, mailOptions),
      mounted(customersRoutesV1, { customers: services.customers }),
      mounted(catalogRoutesV1, { catalog: services.catalog }),
      mounted(availabilityRoutesV1, { availability: services.availability }),
      mounted(ordersRoutesV1, { orders: services.orders }),
    ],
    v2: [
      mounted(identityRoutesV2, identityOptions),
      mounted(sitesRoutesV2, { sites: services.sites }),
      mounted(ticketsRoutesV2, ticketsOptions),
      mounted(ticketImportRoutesV2, { imports: services.ticketImports, maxBytes: ticketImportMaxBytes }),
      mounted(workflowAdminRoutesV2, { admin: services.workflowAdmin }),
      mounted(workflowsRoutesV2, { workflows: services.workflows }),
      mounted(slaRoutesV2, { explain: services.explainSla }),
      mounted(slaPolicyRoutesV2, { policies: services.slaPolicies }),
      mounted(reportsRoutesV2, { reports: services.reports }),
      mounted(eventsRoutesV2, { events: services.events }),
      mounted(timeclockRoutesV2, { timeclock: services.timeclock }),
      mounted(timeoffRoutesV2, { timeoff: services.timeoff }),
      mounted(calendarsRoutesV2, { calendars: services.calendars }),
      mounted(notificationsRoutesV2, { notifications: services.notifications }),
      mounted(mailRoutesV2, mailOptions),
      mounted(auditRoutesV2, { audit: services.audit }),
      mounted(customersRoutesV2, { customers: services.customers }),
      mounted(customerImportRoutesV2, { imports: services.customerImports }),
      mounted(customerPrivacyRoutesV2, {
        customers: services.customers,
        privacy: services.customerPrivacy,
        merge: services.customerMerge,
        duplicates: services.customerDuplicates,
      }),
      mounted(customerTicketsRoutesV2, {
        tickets: services.tickets,
        customerExists: (id) => services.customers.exists(id),
        customers: services.customers,
      }),
      mounted(webhooksRoutesV2, { webhooks: services.webhooks }),
      mounted(revalidationRoutesV2, { revalidation: services.revalidation }),
      mounted(catalogRoutesV2, { catalog: services.catalog }),
      mounted(availabilityRoutesV2, { availability: services.availability }),
      mounted(ordersRoutesV2, { orders: services.orders }),
      mounted(rentalsReportsRoutesV2, { reports: services.rentalsReports, policy: services.policy, health }),
      mounted(paymentsRoutesV2, { payments: services.payments, cardWebhooks: services.cardWebhooks }),
      mounted(checkoutRoutesV2, { checkout: services.checkout, orders: services.orders }),
      mounted(orderEditRoutesV2, { editDraft: services.editDraft }),
    ],
  };
}

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

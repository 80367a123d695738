import type { FastifyPluginAsync } from 'fastify';
import { pino } from 'pino';
import type { PermissionGrants } from '../platform/auth/policy.ts';
import type { Config } from '../config.ts';
import { randomToken } from '../platform/auth/secrets.ts';
import type { Database, DatabaseHandle } from '../platform/db/client.ts';
import { createFileStorage } from '../platform/files/index.ts';
import { auditPermissions, auditRoutesV2, createAuditService } from './audit/index.ts';
import type { JobDefinition } from '../platform/jobs/define-job.ts';
import { purgeIdempotencyKeysJob } from '../platform/http/idempotency.ts';
import { createMailer } from '../platform/mail/index.ts';
import {
  createIdentityJobs,
  createIdentityService,
  identityPermissions,
  identityRoutesV1,
  identityRoutesV2,
} from './identity/index.ts';
import { calendarsPermissions, calendarsRoutesV2, createCalendarsService } from './calendars/index.ts';
import {
  createNotificationsJobs,
  createNotificationsService,
  notificationsPermissions,
  notificationsRoutesV2,
} from './notifications/index.ts';
import { createSitesService, sitesPermissions, sitesRoutesV1, sitesRoutesV2 } from './sites/index.ts';
import {
  createTicketAttachmentsService,
  createTicketReferenceService,
  createTicketsService,
  ticketsPermissions,
  ticketsRoutesV1,
  ticketsRoutesV2,
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
  workforcePermissions,
} from './workforce/index.ts';

/**
 * The one place modules are wired: services in dependency order, then each module's
 * permissions and routes. Adding a module means adding it here and nowhere else.
 */
export interface ModuleSettings {
  sessionTtlHours: number;
  secureCookies: boolean;
  loginRateLimitPerMinute: number;
}

export type ServiceSettings = Pick<
  Config,
  | 'overtimeThresholdHours'
  | 'sessionTtlHours'
  | 'dataDir'
  | 'secretKey'
  | 'attachmentMaxBytes'
  | 'downloadLinkSeconds'
  | 'smtpUrl'
  | 'mailFrom'
  | 'logLevel'
>;

export function createServices({ db, pool }: Pick<DatabaseHandle, 'db' | 'pool'>, settings: ServiceSettings) {
  const audit = createAuditService({ db });
  const identity = createIdentityService({ db, audit, sessionTtlHours: settings.sessionTtlHours });
  const sites = createSitesService({ db, audit });
  const calendars = createCalendarsService({ db, audit });
  const mailer = createMailer({
    smtpUrl: settings.smtpUrl,
    from: settings.mailFrom,
    dataDir: settings.dataDir,
    log: pino({ level: settings.logLevel }).child({ module: 'mail' }),
  });
  const notifications = createNotificationsService({
    db,
    identity,
    workingCalendarOf: () => Promise.resolve(null),
  });
  const tickets = createTicketsService({ db, pool, audit, identity, sites });
  const ticketReference = createTicketReferenceService({ db, audit });
  const ticketAttachments = createTicketAttachmentsService({
    db,
    audit,
    tickets,
    settings: {
      storage: createFileStorage(settings),
      // Without SECRET_KEY (development), links are signed with a key of this process's own.
      secret: settings.secretKey ?? randomToken(),
      maxBytes: settings.attachmentMaxBytes,
      linkSeconds: settings.downloadLinkSeconds,
    },
  });
  const events = createEventsService({ db, audit, identity, sites });
  const timeclock = createTimeclockService({
    db,
    audit,
    identity,
    sites,
    overtimeThresholdMinutes: settings.overtimeThresholdHours * 60,
  });
  const timeoff = createTimeoffService({
    db,
    audit,
    identity,
    workingCalendar: (calendarId) => calendars.engineFor(calendarId),
    eventsFor: (userIds, from, to, executor) => events.occurrencesForUsers(userIds, from, to, executor),
  });
  return {
    audit,
    identity,
    sites,
    calendars,
    mailer,
    notifications,
    tickets,
    ticketReference,
    ticketAttachments,
    events,
    timeclock,
    timeoff,
  };
}

export type Services = ReturnType<typeof createServices>;

export const permissionGrants: PermissionGrants[] = [
  auditPermissions,
  identityPermissions,
  sitesPermissions,
  calendarsPermissions,
  notificationsPermissions,
  ticketsPermissions,
  workforcePermissions,
];

export interface ModuleRoutes {
  v1: FastifyPluginAsync[];
  v2: FastifyPluginAsync[];
}

const mounted =
  <O extends object>(plugin: (app: never, options: O) => Promise<void>, options: O): FastifyPluginAsync =>
  async (app) => {
    await app.register(plugin as unknown as FastifyPluginAsync<O>, options);
  };

export function moduleRoutes(services: Services, settings: ModuleSettings): ModuleRoutes {
  const identityOptions = { identity: services.identity, ...settings };
  const ticketsOptions = {
    tickets: services.tickets,
    reference: services.ticketReference,
    attachments: services.ticketAttachments,
  };
  return {
    v1: [
      mounted(identityRoutesV1, identityOptions),
      mounted(sitesRoutesV1, { sites: services.sites }),
      mounted(ticketsRoutesV1, ticketsOptions),
      mounted(eventsRoutesV1, { events: services.events }),
      mounted(timeclockRoutesV1, { timeclock: services.timeclock }),
      mounted(timeoffRoutesV1, { timeoff: services.timeoff }),
    ],
    v2: [
      mounted(identityRoutesV2, identityOptions),
      mounted(sitesRoutesV2, { sites: services.sites }),
      mounted(ticketsRoutesV2, ticketsOptions),
      mounted(eventsRoutesV2, { events: services.events }),
      mounted(timeclockRoutesV2, { timeclock: services.timeclock }),
      mounted(timeoffRoutesV2, { timeoff: services.timeoff }),
      mounted(calendarsRoutesV2, { calendars: services.calendars }),
      mounted(notificationsRoutesV2, { notifications: services.notifications }),
      mounted(auditRoutesV2, { audit: services.audit }),
    ],
  };
}

/** Every background and scheduled job, for `opsdesk worker` (and `serve` with WORKER_IN_PROCESS). */
export function allJobs(services: Services, db: Database): JobDefinition[] {
  return [
    purgeIdempotencyKeysJob(db),
    ...createIdentityJobs({ db }),
    ...createNotificationsJobs({ db, identity: services.identity, mailer: services.mailer }),
  ] as JobDefinition[];
}

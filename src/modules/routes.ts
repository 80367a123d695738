import type { FastifyPluginAsync } from 'fastify';
import { auditRoutesV2 } from './audit/index.ts';
import { calendarsRoutesV2 } from './calendars/index.ts';
import {
  customerImportRoutesV2,
  customerPrivacyRoutesV2,
  customersRoutesV1,
  customersRoutesV2,
} from './customers/index.ts';
import { identityRoutesRoot, identityRoutesV1, identityRoutesV2 } from './identity/index.ts';
import { mailRateLimit, mailRoutesV1, mailRoutesV2, notificationsRoutesV2 } from './notifications/index.ts';
import {
  availabilityRoutesV1,
  availabilityRoutesV2,
  catalogRoutesV1,
  catalogRoutesV2,
  checkoutRoutesV2,
  orderEditRoutesV2,
  ordersRoutesV1,
  ordersRoutesV2,
  paymentsRoutesV2,
  rentalsReportsRoutesV2,
  type HealthSummary,
} from './rentals/index.ts';
import { reportsRoutesV2 } from './reports/index.ts';
import { revalidationRoutesV2 } from './revalidation/index.ts';
import type { Services } from './services.ts';
import { sitesRoutesV1, sitesRoutesV2 } from './sites/index.ts';
import { slaPolicyRoutesV2, slaRoutesV2 } from './sla/index.ts';
import {
  customerTicketsRoutesV2,
  ticketImportRoutesV2,
  ticketsRoutesV1,
  ticketsRoutesV2,
} from './tickets/index.ts';
import { webhooksRoutesV2 } from './webhooks/index.ts';
import { workflowAdminRoutesV2, workflowsRoutesV2 } from './workflows/index.ts';
import {
  eventsRoutesV1,
  eventsRoutesV2,
  timeclockRoutesV1,
  timeclockRoutesV2,
  timeoffRoutesV1,
  timeoffRoutesV2,
} from './workforce/index.ts';

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

/** The settings identity's routes take: all but those of other modules. */
type IdentitySettings = Omit<ModuleSettings, 'mailRateLimitPerHour' | 'ticketImportMaxBytes' | 'health'>;

/**
 * The options of modules served in both versions, built once: the v1 and v2 mail routes
 * share one rate limit, so a sender's sends through either count against the same budget.
 */
function sharedOptions(services: Services, identitySettings: IdentitySettings, mailRateLimitPerHour: number) {
  return {
    identity: { identity: services.identity, ...identitySettings },
    mail: { mail: services.mail, rateLimit: mailRateLimit(mailRateLimitPerHour) },
    tickets: {
      tickets: services.tickets,
      reference: services.ticketReference,
      attachments: services.ticketAttachments,
      customers: services.customers,
    },
  };
}

type SharedOptions = ReturnType<typeof sharedOptions>;

export function moduleRoutes(services: Services, settings: ModuleSettings): ModuleRoutes {
  const { mailRateLimitPerHour, ticketImportMaxBytes, health, ...identitySettings } = settings;
  const shared = sharedOptions(services, identitySettings, mailRateLimitPerHour);
  return {
    root: [mounted(identityRoutesRoot, { identity: services.identity })],
    v1: routesV1(services, shared),
    v2: routesV2(services, shared, { ticketImportMaxBytes, health }),
  };
}

function routesV1(services: Services, shared: SharedOptions): FastifyPluginAsync[] {
  return [
    mounted(identityRoutesV1, shared.identity),
    mounted(sitesRoutesV1, { sites: services.sites }),
    mounted(ticketsRoutesV1, shared.tickets),
    mounted(eventsRoutesV1, { events: services.events }),
    mounted(timeclockRoutesV1, { timeclock: services.timeclock }),
    mounted(timeoffRoutesV1, { timeoff: services.timeoff }),
    mounted(mailRoutesV1, shared.mail),
    mounted(customersRoutesV1, { customers: services.customers }),
    mounted(catalogRoutesV1, { catalog: services.catalog }),
    mounted(availabilityRoutesV1, { availability: services.availability }),
    mounted(ordersRoutesV1, { orders: services.orders }),
  ];
}

function routesV2(
  services: Services,
  shared: SharedOptions,
  { ticketImportMaxBytes, health }: Pick<ModuleSettings, 'ticketImportMaxBytes' | 'health'>,
): FastifyPluginAsync[] {
  return [
    mounted(identityRoutesV2, shared.identity),
    mounted(sitesRoutesV2, { sites: services.sites }),
    mounted(ticketsRoutesV2, shared.tickets),
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
    mounted(mailRoutesV2, shared.mail),
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
  ];
}

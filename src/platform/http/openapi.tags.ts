/**
 * The tags operations are grouped by, with what each holds: the documents declare them
 * at the top, as generators and doc viewers expect. A route with a tag missing here is
 * documented under "Operations tagged <name>." and the OpenAPI test fails until the tag
 * is described.
 */
export const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  meta: 'The index of the API version: the URL of each resource collection.',
  health: 'Liveness and readiness of the process and its dependencies.',
  auth: 'Logging in and out: sessions, CSRF, multi-factor challenges, passkeys, OIDC sign-in, JWT access and refresh tokens.',
  identity:
    'Users, departments, profiles, personal API tokens, service accounts, sessions, MFA and identity providers.',
  sites: 'Locations, the facilities at them and shift templates.',
  tickets:
    'Incident and service tickets, their comments, watchers, attachments, history and reference data (types, categories).',
  workflows:
    'Workflow definitions and versions, assignment roles and profiles, and the workflow run of a ticket.',
  sla: 'Service-level policies and the SLA clocks of tickets.',
  calendars: 'Business calendars: weekly hours, holidays, closures and business-time arithmetic.',
  reports: 'Service-desk reports: SLA compliance, response times, backlog and workload.',
  workforce: 'Scheduled events (recurring, with exceptions) and who is booked for them.',
  'time clock': 'Clocking in and out, breaks, time entries and weekly timesheets with their approval.',
  'time off': 'Time-off requests and their approval, policies, balances and the ledger of days granted.',
  notifications: 'The in-app notification inbox and outgoing e-mail.',
  audit: 'The audit trail of every change.',
  realtime:
    'Live streams of the domain events the caller may read, as Server-Sent Events (and over a WebSocket at /api/v2/stream/ws), resumable with Last-Event-ID.',
  rentals:
    'The rental catalog (categories, products, stock items), availability, orders whose bookings cannot overlap, their payments and ledger, and pickup and return per stock item.',
  webhooks:
    'Webhook endpoints, their deliveries and replays; the domain events delivered to subscribed URLs, signed as Standard Webhooks.',
  revalidation:
    'Next.js revalidation targets: frontends told the cache tags of every change (`ticket:42`, `tickets`), with their delivery log.',
  customers:
    'Customers (people and organisations with their contacts), their personal data encrypted at rest.',
};

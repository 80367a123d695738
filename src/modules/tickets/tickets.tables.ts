import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  jsonb,
  customType,
  date,
  index,
  integer,
  pgSequence,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';

export const TICKET_KINDS = ['incident', 'service'] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];
export const TICKET_STATUSES = [
  'open',
  'in_progress',
  'resolved',
  'closed',
  'completed',
  'cancelled',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const incidentTypes = pgTable(
  'incident_types',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    severityLevel: smallint().notNull().default(2),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('incident_types_name_key').on(sql`lower(${table.name})`),
    check('incident_types_severity_check', sql`${table.severityLevel} between 1 and 4`),
  ],
);

/** Categories, and subcategories (a parent set), for routing and reporting. */
export const ticketCategories = pgTable(
  'ticket_categories',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    parentId: integer().references((): never => ticketCategories.id as never, { onDelete: 'restrict' }),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('ticket_categories_name_key').on(
      sql`coalesce(${table.parentId}, 0)`,
      sql`lower(${table.name})`,
    ),
  ],
);

/**
 * Ticket numbers per kind (`INC-000042` is incident number 42). Sequences, not a
 * counter row: concurrent creates never wait on each other. Numbers are unique and
 * never reused; a create that rolls back leaves a gap, as in most trackers.
 */
export const incidentNumbers = pgSequence('ticket_numbers_incident');
export const serviceNumbers = pgSequence('ticket_numbers_service');

/**
 * One table for both kinds. People, facilities and departments belong to other
 * modules: their ids are stored here and checked through those modules' services,
 * never joined.
 */
export const tickets = pgTable(
  'tickets',
  {
    id: serial().primaryKey(),
    kind: text({ enum: TICKET_KINDS }).notNull(),
    number: integer().notNull(),
    title: text().notNull(),
    description: text().notNull().default(''),
    status: text({ enum: TICKET_STATUSES }).notNull().default('open'),
    priority: text({ enum: PRIORITIES }).notNull().default('medium'),
    incidentTypeId: integer().references(() => incidentTypes.id, { onDelete: 'set null' }),
    categoryId: integer().references(() => ticketCategories.id, { onDelete: 'set null' }),
    subcategoryId: integer().references(() => ticketCategories.id, { onDelete: 'set null' }),
    serviceType: text(),
    departmentId: integer(),
    facilityId: integer(),
    reporterId: integer(),
    /** The customer the ticket is for (customers module); the foreign key (on delete set null) is in migration SQL. */
    requesterCustomerId: integer(),
    assigneeId: integer(),
    dueDate: date({ mode: 'string' }),
    resolvedAt: timestamp({ withTimezone: true }),
    completedAt: timestamp({ withTimezone: true }),
    closedAt: timestamp({ withTimezone: true }),
    version: integer().notNull().default(1),
    ...timestamps,
    /** Title weighted above description; kept by PostgreSQL, never written by the application. */
    search: tsvector().generatedAlwaysAs(
      (): ReturnType<typeof sql> =>
        sql`setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')`,
    ),
  },
  (table) => [
    uniqueIndex('tickets_kind_number_key').on(table.kind, table.number),
    index('tickets_search_idx').using('gin', table.search),
    // Exact title matches rank first in a search; this finds them without a scan.
    index('tickets_title_lower_idx').on(sql`lower(${table.title})`),
    index('tickets_kind_created_idx').on(table.kind, table.createdAt, table.id),
    index('tickets_created_idx').on(table.createdAt, table.id),
    index('tickets_status_idx').on(table.status, table.priority),
    index('tickets_assignee_idx').on(table.assigneeId, table.status),
    index('tickets_reporter_idx').on(table.reporterId),
    index('tickets_requester_customer_idx').on(table.requesterCustomerId),
    index('tickets_department_idx').on(table.departmentId, table.createdAt),
    index('tickets_facility_idx').on(table.facilityId),
    check('tickets_kind_check', sql`${table.kind} in ('incident', 'service')`),
    check(
      'tickets_status_check',
      sql`${table.status} in ('open', 'in_progress', 'resolved', 'closed', 'completed', 'cancelled')`,
    ),
    check('tickets_priority_check', sql`${table.priority} in ('low', 'medium', 'high', 'critical')`),
  ],
);

export const ticketComments = pgTable(
  'ticket_comments',
  {
    id: serial().primaryKey(),
    ticketId: integer()
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    authorId: integer().notNull(),
    body: text().notNull(),
    /** Internal notes are for staff: viewers never see them. */
    internal: boolean().notNull().default(false),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [index('ticket_comments_ticket_idx').on(table.ticketId, table.id)],
);

export const ticketAttachments = pgTable(
  'ticket_attachments',
  {
    id: serial().primaryKey(),
    ticketId: integer()
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    uploaderId: integer().notNull(),
    filename: text().notNull(),
    contentType: text().notNull(),
    size: integer().notNull(),
    sha256: text().notNull(),
    storageKey: text().notNull().unique(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('ticket_attachments_ticket_idx').on(table.ticketId)],
);

export const ticketWatchers = pgTable(
  'ticket_watchers',
  {
    ticketId: integer()
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    userId: integer().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.ticketId, table.userId] }),
    index('ticket_watchers_user_idx').on(table.userId),
  ],
);

export const TICKET_IMPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type TicketImportStatus = (typeof TICKET_IMPORT_STATUSES)[number];

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/**
 * A ticket import too large to run within its request, run by a job: the file (until it
 * has run), who imports as whom, the progress, and each invalid row's problems.
 */
export const ticketImports = pgTable(
  'ticket_imports',
  {
    id: serial().primaryKey(),
    status: text({ enum: TICKET_IMPORT_STATUSES }).notNull().default('queued'),
    mode: text({ enum: ['all_or_nothing', 'skip_invalid'] }).notNull(),
    format: text({ enum: ['csv', 'ndjson'] }).notNull(),
    actorId: integer().notNull(),
    /** The importing person as the job acts: their actor at the time of the request. */
    actor: jsonb().notNull(),
    requestId: text(),
    sizeBytes: integer().notNull(),
    /** The file itself; emptied once the import has run. */
    data: bytea(),
    rows: integer().notNull().default(0),
    created: integer().notNull().default(0),
    failed: integer().notNull().default(0),
    /** Row problems, `{row, field, message}`, at most TICKET_IMPORT_MAX_ERRORS of them. */
    errors: jsonb().notNull().default([]),
    /** Why the whole file was refused, when it was. */
    detail: text(),
    finishedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('ticket_imports_actor_idx').on(table.actorId, table.id),
    check(
      'ticket_imports_status_check',
      sql`${table.status} in ('queued', 'running', 'succeeded', 'failed')`,
    ),
  ],
);

export type TicketImport = typeof ticketImports.$inferSelect;
export type IncidentType = typeof incidentTypes.$inferSelect;
export type TicketCategory = typeof ticketCategories.$inferSelect;
export type Ticket = Omit<typeof tickets.$inferSelect, 'search'>;
export type NewTicket = typeof tickets.$inferInsert;
export type TicketComment = typeof ticketComments.$inferSelect;
export type TicketAttachment = typeof ticketAttachments.$inferSelect;

import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';

/**
 * SLA policies, each ticket's clocks, the ledger that explains them, and the
 * escalations fired. Tickets, calendars, categories and people belong to other
 * modules: their ids are stored here.
 */

export const SLA_STATUSES = ['on_track', 'at_risk', 'breached', 'paused', 'met', 'missed'] as const;
export type SlaStatus = (typeof SLA_STATUSES)[number];
export const SLA_METRICS = ['first_response', 'resolution'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];

/** One escalation level: when it fires (percent of the resolution target spent) and what it does. */
export interface EscalationLevel {
  after_percent: number;
  raise_priority?: boolean;
  reassign_to_manager?: boolean;
}

/** Targets for one priority (and optionally one category), counted on a business calendar. */
export const slaPolicies = pgTable(
  'sla_policies',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    priority: text({ enum: ['low', 'medium', 'high', 'critical'] }).notNull(),
    /** Null: every category of this priority without a policy of its own. */
    categoryId: integer(),
    /** Null: counted around the clock. */
    calendarId: integer(),
    firstResponseMinutes: integer(),
    resolutionMinutes: integer().notNull(),
    /** Percent of a target spent at which a ticket is "at risk" and its people are told. */
    atRiskPercent: smallint().notNull().default(75),
    escalationLevels: jsonb().$type<EscalationLevel[]>().notNull().default([]),
    isActive: boolean().notNull().default(true),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('sla_policies_scope_key')
      .on(table.priority, sql`coalesce(${table.categoryId}, 0)`)
      .where(sql`${table.isActive}`),
    index('sla_policies_calendar_idx').on(table.calendarId),
    check('sla_policies_priority_check', sql`${table.priority} in ('low', 'medium', 'high', 'critical')`),
    check('sla_policies_at_risk_check', sql`${table.atRiskPercent} between 1 and 99`),
    check(
      'sla_policies_targets_check',
      sql`${table.resolutionMinutes} > 0 and (${table.firstResponseMinutes} is null or ${table.firstResponseMinutes} > 0)`,
    ),
  ],
);

/**
 * A ticket's SLA clocks as last computed. Instants are derived from the ledger, the
 * policy and the calendar, and recomputed whenever one of them changes; `nextCheckAt`
 * is the earliest instant at which the escalation job has something to do.
 */
export const ticketSlas = pgTable(
  'ticket_slas',
  {
    ticketId: integer().primaryKey(),
    policyId: integer().references(() => slaPolicies.id, { onDelete: 'set null' }),
    calendarId: integer(),
    /** Copies kept for reports, so they need not join the tickets module's tables. */
    kind: text().notNull(),
    priority: text().notNull(),
    departmentId: integer(),
    categoryId: integer(),
    assigneeId: integer(),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    firstResponseTargetMs: bigint({ mode: 'number' }),
    resolutionTargetMs: bigint({ mode: 'number' }),
    atRiskPercent: smallint().notNull().default(75),
    firstRespondedAt: timestamp({ withTimezone: true }),
    resolvedAt: timestamp({ withTimezone: true }),
    /** The clock stopped because the ticket was cancelled, not resolved: no resolution to measure. */
    cancelled: boolean().notNull().default(false),
    pausedSince: timestamp({ withTimezone: true }),
    firstResponseDueAt: timestamp({ withTimezone: true }),
    resolutionDueAt: timestamp({ withTimezone: true }),
    firstResponseBreached: boolean().notNull().default(false),
    resolutionBreached: boolean().notNull().default(false),
    status: text({ enum: SLA_STATUSES }).notNull().default('on_track'),
    stepKey: text(),
    stepName: text(),
    stepEnteredAt: timestamp({ withTimezone: true }),
    stepBudgetMs: bigint({ mode: 'number' }),
    stepDueAt: timestamp({ withTimezone: true }),
    nextCheckAt: timestamp({ withTimezone: true }),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    index('ticket_slas_next_check_idx')
      .on(table.nextCheckAt)
      .where(sql`${table.nextCheckAt} is not null`),
    index('ticket_slas_policy_idx').on(table.policyId),
    index('ticket_slas_calendar_idx').on(table.calendarId),
    index('ticket_slas_started_idx').on(table.startedAt),
    index('ticket_slas_resolved_idx').on(table.resolvedAt),
    index('ticket_slas_open_idx')
      .on(table.startedAt)
      .where(sql`${table.resolvedAt} is null`),
    check(
      'ticket_slas_status_check',
      sql`${table.status} in ('on_track', 'at_risk', 'breached', 'paused', 'met', 'missed')`,
    ),
  ],
);

/**
 * Everything that moved a ticket's clocks, in order: start, pauses and resumes, first
 * response, resolution and reopening, step entries, policy and calendar changes,
 * escalations. Due times are recomputed from it; the explanation endpoint reads it.
 */
export const slaLedger = pgTable(
  'sla_ledger',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    ticketId: integer().notNull(),
    at: timestamp({ withTimezone: true }).notNull(),
    kind: text().notNull(),
    details: jsonb().notNull().default({}),
    actorId: integer(),
  },
  (table) => [index('sla_ledger_ticket_idx').on(table.ticketId, table.id)],
);

/** The escalation stages fired for a ticket: the primary key makes each fire exactly once. */
export const slaEscalations = pgTable(
  'sla_escalations',
  {
    ticketId: integer().notNull(),
    metric: text({ enum: SLA_METRICS }).notNull(),
    /** `at_risk`, `breached`, or `level_N` for the policy's Nth escalation level. */
    stage: text().notNull(),
    firedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    actions: jsonb().notNull().default({}),
  },
  (table) => [primaryKey({ columns: [table.ticketId, table.metric, table.stage] })],
);

export type SlaPolicy = typeof slaPolicies.$inferSelect;
export type NewSlaPolicy = typeof slaPolicies.$inferInsert;
export type TicketSla = typeof ticketSlas.$inferSelect;
export type NewTicketSla = typeof ticketSlas.$inferInsert;
export type SlaLedgerEntry = typeof slaLedger.$inferSelect;
export type SlaEscalation = typeof slaEscalations.$inferSelect;

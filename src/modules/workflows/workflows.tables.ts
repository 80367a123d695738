import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { timestamps } from '../../platform/db/columns.ts';
import type { WorkflowDefinition } from './workflows.definition.ts';

/**
 * Workflows, their versions, each ticket's run of one, and the assignment machinery
 * (roles, members, round-robin pointers, the queue of tickets waiting for someone).
 * Tickets, users, departments, categories and calendars belong to other modules: their
 * ids are stored here and checked through those modules' services.
 */

export const WORKFLOW_VERSION_STATUSES = ['draft', 'published', 'retired'] as const;
export type WorkflowVersionStatus = (typeof WORKFLOW_VERSION_STATUSES)[number];
export const ASSIGNMENT_METHODS = ['auto', 'manual', 'escalation', 'queued', 'released'] as const;
export type AssignmentMethod = (typeof ASSIGNMENT_METHODS)[number];

/** A group of people a workflow step hands work to ("Network engineers", "Service desk L1"). */
export const assignmentRoles = pgTable(
  'assignment_roles',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [uniqueIndex('assignment_roles_name_key').on(sql`lower(${table.name})`)],
);

export const assignmentRoleMembers = pgTable(
  'assignment_role_members',
  {
    roleId: integer()
      .notNull()
      .references(() => assignmentRoles.id, { onDelete: 'cascade' }),
    userId: integer().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.roleId, table.userId] }),
    index('assignment_role_members_user_idx').on(table.userId),
  ],
);

/**
 * The round-robin pointer of a role: who got the last tie. Its row is also the lock
 * that serialises assignments to the role across every process.
 */
export const assignmentPointers = pgTable('assignment_pointers', {
  roleId: integer()
    .primaryKey()
    .references(() => assignmentRoles.id, { onDelete: 'cascade' }),
  lastUserId: integer(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Per person: how many open tickets they may hold at most, and the calendar of their working hours. */
export const assigneeProfiles = pgTable(
  'assignee_profiles',
  {
    userId: integer().primaryKey(),
    /** Null: no cap. */
    capacity: integer(),
    calendarId: integer(),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    check('assignee_profiles_capacity_check', sql`${table.capacity} is null or ${table.capacity} >= 0`),
  ],
);

/**
 * A named workflow and what it applies to. A null criterion matches anything; the
 * default workflow of a kind (at most one) applies when nothing more specific does.
 */
export const workflows = pgTable(
  'workflows',
  {
    id: serial().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    /** Incident and service tickets have different statuses, so a workflow is for one kind. */
    kind: text({ enum: ['incident', 'service'] }).notNull(),
    categoryId: integer(),
    subcategoryId: integer(),
    departmentId: integer(),
    priority: text({ enum: ['low', 'medium', 'high', 'critical'] }),
    isDefault: boolean().notNull().default(false),
    isActive: boolean().notNull().default(true),
    /** The version new tickets get; null until the first publish. */
    publishedVersionId: integer(),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('workflows_name_key').on(sql`lower(${table.name})`),
    uniqueIndex('workflows_one_default_per_kind')
      .on(table.kind)
      .where(sql`${table.isDefault}`),
    index('workflows_match_idx').on(table.categoryId, table.departmentId),
    check('workflows_kind_check', sql`${table.kind} in ('incident', 'service')`),
    check(
      'workflows_priority_check',
      sql`${table.priority} is null or ${table.priority} in ('low', 'medium', 'high', 'critical')`,
    ),
  ],
);

/**
 * The steps and transitions of one version of a workflow. A published version is never
 * changed: tickets running on it keep it while newer versions are published.
 */
export const workflowVersions = pgTable(
  'workflow_versions',
  {
    id: serial().primaryKey(),
    workflowId: integer()
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    number: integer().notNull(),
    status: text({ enum: WORKFLOW_VERSION_STATUSES }).notNull().default('draft'),
    definition: jsonb().$type<WorkflowDefinition>().notNull(),
    createdBy: integer(),
    publishedBy: integer(),
    publishedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('workflow_versions_number_key').on(table.workflowId, table.number),
    uniqueIndex('workflow_versions_one_draft')
      .on(table.workflowId)
      .where(sql`${table.status} = 'draft'`),
    check('workflow_versions_status_check', sql`${table.status} in ('draft', 'published', 'retired')`),
  ],
);

/** A ticket's run of a workflow version: where it is, and why this workflow was chosen. */
export const ticketWorkflows = pgTable(
  'ticket_workflows',
  {
    ticketId: integer().primaryKey(),
    workflowId: integer()
      .notNull()
      .references(() => workflows.id, { onDelete: 'restrict' }),
    versionId: integer()
      .notNull()
      .references(() => workflowVersions.id, { onDelete: 'restrict' }),
    /** The current step's key; null once the run has finished. */
    stepKey: text(),
    stepEnteredAt: timestamp({ withTimezone: true }).notNull(),
    finishedAt: timestamp({ withTimezone: true }),
    /** How the workflow was matched: the level, the criteria, the candidates passed over. */
    trace: jsonb().notNull(),
    version: integer().notNull().default(1),
    ...timestamps,
  },
  (table) => [
    index('ticket_workflows_version_idx').on(table.versionId),
    index('ticket_workflows_workflow_idx').on(table.workflowId),
  ],
);

/** Tickets waiting for someone of a role to become available, oldest first. */
export const assignmentQueue = pgTable(
  'assignment_queue',
  {
    ticketId: integer().primaryKey(),
    roleId: integer()
      .notNull()
      .references(() => assignmentRoles.id, { onDelete: 'cascade' }),
    stepKey: text(),
    requiresAvailability: boolean().notNull().default(false),
    reason: text().notNull(),
    queuedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('assignment_queue_role_idx').on(table.roleId, table.queuedAt)],
);

/** Every assignment decision, with the reason a person can read and the candidates behind it. */
export const ticketAssignments = pgTable(
  'ticket_assignments',
  {
    id: serial().primaryKey(),
    ticketId: integer().notNull(),
    userId: integer(),
    roleId: integer(),
    stepKey: text(),
    method: text({ enum: ASSIGNMENT_METHODS }).notNull(),
    reason: text().notNull(),
    details: jsonb().notNull().default({}),
    actorId: integer(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('ticket_assignments_ticket_idx').on(table.ticketId, table.id),
    index('ticket_assignments_user_idx').on(table.userId, table.createdAt),
    check(
      'ticket_assignments_method_check',
      sql`${table.method} in ('auto', 'manual', 'escalation', 'queued', 'released')`,
    ),
  ],
);

export type AssignmentRole = typeof assignmentRoles.$inferSelect;
export type AssigneeProfile = typeof assigneeProfiles.$inferSelect;
export type Workflow = typeof workflows.$inferSelect;
export type NewWorkflow = typeof workflows.$inferInsert;
export type WorkflowVersion = typeof workflowVersions.$inferSelect;
export type TicketWorkflow = typeof ticketWorkflows.$inferSelect;
export type TicketAssignment = typeof ticketAssignments.$inferSelect;
export type QueuedAssignment = typeof assignmentQueue.$inferSelect;

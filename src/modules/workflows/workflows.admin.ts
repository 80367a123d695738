import type { Database, Executor } from '../../platform/db/client.ts';
import type { AuditService } from '../audit/index.ts';
import type { CalendarsService } from '../calendars/index.ts';
import type { IdentityService } from '../identity/index.ts';
import { createProfileVerbs } from './workflows.admin.profiles.ts';
import { createRoleVerbs } from './workflows.admin.roles.ts';
import { createVersionVerbs } from './workflows.admin.versions.ts';
import { createWorkflowVerbs } from './workflows.admin.workflows.ts';

export type TicketKind = 'incident' | 'service';

export interface WorkflowAdminDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  identity: Pick<IdentityService, 'peopleByUserIds' | 'departmentsByIds'>;
  calendars: Pick<CalendarsService, 'getCalendar'>;
  /** Whether a ticket category (or subcategory) exists. */
  categoryExists: (id: number) => Promise<boolean>;
  /** Whether the ticket lifecycle of a kind lets a ticket move between two statuses. */
  allowedMove: (kind: TicketKind, from: string, to: string) => boolean;
  /**
   * Called in the transaction of every change that may let a role's queued tickets be
   * assigned now: members added or removed, a member's assignee profile changed.
   */
  onMembershipChanged: (tx: Executor, roleId: number) => Promise<void>;
}

/**
 * The admin side of workflows and assignment: assignment roles and their members,
 * assignee profiles (capacity, working-hours calendar), workflows and their versions
 * (drafts, publishing, retiring). Every write is one transaction with its audit row;
 * versioned resources refuse stale writes with VERSION_CONFLICT carrying the current
 * state. A workflow's version is the concurrency token of its versions too: every
 * draft change and every publish bumps it.
 */
export function createWorkflowAdmin(deps: WorkflowAdminDeps) {
  return {
    ...createRoleVerbs(deps),
    ...createProfileVerbs(deps),
    ...createWorkflowVerbs(deps),
    ...createVersionVerbs(deps),
  };
}

/** The workflow admin service: what the admin routes call. */
export type WorkflowAdmin = ReturnType<typeof createWorkflowAdmin>;

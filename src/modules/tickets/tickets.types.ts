import type pg from 'pg';
import type { Database } from '../../platform/db/client.ts';
import type { AuditService } from '../audit/index.ts';
import type { Department, IdentityService, Person } from '../identity/index.ts';
import type { Facility, SitesService } from '../sites/index.ts';
import type { TicketHooks } from './tickets.hooks.ts';
import type { TicketRow } from './tickets.repository.ts';
import type { Priority, TicketStatus } from './tickets.tables.ts';

export interface TicketView extends TicketRow {
  reporter: Person | null;
  assignee: Person | null;
  facility: Facility | null;
  department: Department | null;
}

export interface TicketInput {
  title?: string;
  description?: string;
  status?: TicketStatus;
  priority?: Priority;
  incidentTypeId?: number | null;
  categoryId?: number | null;
  subcategoryId?: number | null;
  serviceType?: string | null;
  departmentId?: number | null;
  facilityId?: number | null;
  reporterId?: number | null;
  /** A customers-module id; the database's foreign key refuses one that does not exist. */
  requesterCustomerId?: number | null;
  assigneeId?: number | null;
  dueDate?: string | null;
}

export interface TicketsDeps {
  db: Database;
  pool: pg.Pool;
  audit: Pick<AuditService, 'record' | 'recordMany' | 'historyOf'>;
  identity: Pick<IdentityService, 'peopleByUserIds' | 'departmentsByIds'>;
  sites: Pick<SitesService, 'facilitiesByIds'>;
  /** Listeners told of every change in its transaction (workflows, SLA), in this order. */
  hooks?: readonly TicketHooks[];
}

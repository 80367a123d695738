import { sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { streamRows } from '../../platform/db/stream.ts';
import {
  compileProjection,
  isoTime,
  labelOf,
  nested,
  type CompiledProjection,
  type Projection,
} from '../../platform/http/projection.ts';
import { departmentsForExport, peopleForExport } from '../identity/index.ts';
import { facilitiesForExport } from '../sites/index.ts';
import { PRIORITY_LABELS, STATUS_LABELS } from './tickets.presenters.ts';
import { IncidentTicketV1, ServiceTicketV1, TicketV2 } from './tickets.schemas.ts';
import { incidentTypes, ticketCategories, tickets } from './tickets.tables.ts';

/**
 * Flat ticket exports: one statement whose rows are the list's items already (people,
 * facility and department joined from their modules' export subqueries, times and
 * labels formatted by PostgreSQL), read from a server-side cursor and written straight
 * to the response. The projections mirror the presenters in tickets.presenters.ts; the
 * export tests hold every field equal to the JSON list's.
 */

const subcategories = alias(ticketCategories, 'subcategories');
const reporter = peopleForExport('reporter');
const assignee = peopleForExport('assignee');
const facility = facilitiesForExport('facility');
const department = departmentsForExport('department');

/** `INC-000042`, as `ticketNumber` writes it (a seventh digit widens it, never cuts it). */
const numberSql = sql<string>`(case ${tickets.kind} when 'incident' then 'INC-' else 'SRV-' end || lpad(${tickets.number}::text, greatest(6, length(${tickets.number}::text)), '0'))`;

const dueDate = sql<string | null>`${tickets.dueDate}::text`;

const v1Common = {
  id: tickets.id,
  number: numberSql,
  title: tickets.title,
  description: tickets.description,
  priority: labelOf(tickets.priority, PRIORITY_LABELS),
  assignee: assignee.profileV1,
  facility: facility.facilityV1,
  requester_customer: tickets.requesterCustomerId,
  version: tickets.version,
  created_at: isoTime(tickets.createdAt),
  updated_at: isoTime(tickets.updatedAt),
  status: labelOf(tickets.status, STATUS_LABELS),
} satisfies Projection;

const incidentV1: Projection = {
  ...v1Common,
  incident_type: nested(sql`${incidentTypes.id} is not null`, {
    id: incidentTypes.id,
    name: incidentTypes.name,
    description: incidentTypes.description,
    severity_level: incidentTypes.severityLevel,
    version: incidentTypes.version,
    created_at: isoTime(incidentTypes.createdAt),
  }),
  reporter: reporter.profileV1,
  resolved_at: isoTime(tickets.resolvedAt),
};

const serviceV1: Projection = {
  ...v1Common,
  service_type: tickets.serviceType,
  requested_by: reporter.profileV1,
  due_date: dueDate,
  completed_at: isoTime(tickets.completedAt),
};

const v2: Projection = {
  id: tickets.id,
  number: numberSql,
  kind: tickets.kind,
  title: tickets.title,
  description: tickets.description,
  status: tickets.status,
  priority: tickets.priority,
  incident_type: nested(sql`${incidentTypes.id} is not null`, {
    id: incidentTypes.id,
    name: incidentTypes.name,
    severity_level: incidentTypes.severityLevel,
  }),
  category: nested(sql`${ticketCategories.id} is not null`, {
    id: ticketCategories.id,
    name: ticketCategories.name,
  }),
  subcategory: nested(sql`${subcategories.id} is not null`, {
    id: subcategories.id,
    name: subcategories.name,
  }),
  service_type: tickets.serviceType,
  department: department.referenceV2,
  facility: facility.referenceV2,
  reporter: reporter.referenceV2,
  assignee: assignee.referenceV2,
  requester_customer_id: tickets.requesterCustomerId,
  due_date: dueDate,
  resolved_at: isoTime(tickets.resolvedAt),
  completed_at: isoTime(tickets.completedAt),
  closed_at: isoTime(tickets.closedAt),
  version: tickets.version,
  created_at: isoTime(tickets.createdAt),
  updated_at: isoTime(tickets.updatedAt),
};

/** The wire shapes a ticket list has: v2, and the two BMS (v1) views by kind. */
export type TicketExportShape = 'v2' | 'incident-v1' | 'service-v1';

/** Each shape's compiled projection (checked against its item schema at boot). */
export const ticketExportProjections: Record<TicketExportShape, CompiledProjection> = {
  v2: compileProjection(TicketV2, v2),
  'incident-v1': compileProjection(IncidentTicketV1, incidentV1),
  'service-v1': compileProjection(ServiceTicketV1, serviceV1),
};

/** The tables and export subqueries each shape reads. */
function joinsOf(shape: TicketExportShape): SQL {
  const common = [
    sql`left join ${incidentTypes} on ${incidentTypes.id} = ${tickets.incidentTypeId}`,
    reporter.join(tickets.reporterId),
    assignee.join(tickets.assigneeId),
    facility.join(tickets.facilityId),
  ];
  if (shape !== 'v2') return sql.join(common, sql` `);
  return sql.join(
    [
      ...common,
      sql`left join ${ticketCategories} on ${ticketCategories.id} = ${tickets.categoryId}`,
      sql`left join ${ticketCategories} as ${sql.identifier('subcategories')} on ${subcategories.id} = ${tickets.subcategoryId}`,
      department.join(tickets.departmentId),
    ],
    sql` `,
  );
}

/**
 * Every ticket matching `where`, in `orderBy` order, as rows of the shape's projection,
 * `batchSize` at a time from a server-side cursor.
 */
export function streamTicketExport(
  pool: pg.Pool,
  shape: TicketExportShape,
  where: SQL | undefined,
  orderBy: SQL[],
  batchSize: number,
): AsyncGenerator<unknown[][]> {
  const query = sql`select ${ticketExportProjections[shape].select} from ${tickets} ${joinsOf(shape)}
    ${where ? sql`where ${where}` : sql``} order by ${sql.join(orderBy, sql`, `)}`;
  return streamRows(pool, query, batchSize);
}

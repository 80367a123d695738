import { fieldError } from '../../platform/http/errors.ts';
import type { Static } from '@sinclair/typebox';
import type { AuditEntry } from '../audit/index.ts';
import { presentCustomerV2 } from '../customers/index.ts';
import { presentProfileV1, presentUserV2, type Person } from '../identity/index.ts';
import { presentFacilityV1, presentFacilityV2 } from '../sites/index.ts';
import type {
  AttachmentV2,
  CategoryV2,
  CommentV2,
  HistoryEntry,
  IncidentTicketV1,
  IncidentTypeV1,
  ServiceTicketV1,
  TicketV2,
} from './tickets.schemas.ts';
import type { RequesterCustomers } from './tickets.expand.ts';
import { ticketNumber, type TicketView } from './tickets.service.ts';
import type {
  IncidentType,
  Priority,
  TicketAttachment,
  TicketCategory,
  TicketComment,
  TicketStatus,
} from './tickets.tables.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** v1 shows statuses and priorities as labels ("In Progress"); they are stored as codes. */
export const STATUS_LABELS: Record<TicketStatus, string> = {
  open: 'Open',
  in_progress: 'In Progress',
  resolved: 'Resolved',
  closed: 'Closed',
  completed: 'Completed',
  cancelled: 'Cancelled',
};
export const PRIORITY_LABELS: Record<Priority, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

const personRef = (person: Person | null) =>
  person
    ? {
        id: person.user.id,
        username: person.user.username,
        full_name:
          [person.user.firstName, person.user.lastName].filter(Boolean).join(' ') || person.user.username,
      }
    : null;

export const presentIncidentTypeV1 = (type: IncidentType): Static<typeof IncidentTypeV1> => ({
  id: type.id,
  name: type.name,
  description: type.description,
  severity_level: type.severityLevel,
  version: type.version,
  created_at: type.createdAt.toISOString(),
});

const embeddedIncidentType = (view: TicketView): Static<typeof IncidentTypeV1> | null =>
  view.incidentTypeId === null || view.incidentTypeName === null
    ? null
    : {
        id: view.incidentTypeId,
        name: view.incidentTypeName,
        description: view.incidentTypeDescription ?? '',
        severity_level: view.incidentTypeSeverity ?? 2,
        version: view.incidentTypeVersion ?? 1,
        created_at: (view.incidentTypeCreatedAt ?? view.createdAt).toISOString(),
      };

function commonV1(view: TicketView) {
  return {
    id: view.id,
    number: ticketNumber(view.kind, view.number),
    title: view.title,
    description: view.description,
    priority: PRIORITY_LABELS[view.priority] as 'Low',
    assignee: view.assignee ? presentProfileV1(view.assignee) : null,
    facility: view.facility ? presentFacilityV1(view.facility) : null,
    requester_customer: view.requesterCustomerId,
    version: view.version,
    created_at: view.createdAt.toISOString(),
    updated_at: view.updatedAt.toISOString(),
  };
}

export const presentIncidentTicketV1 = (view: TicketView): Static<typeof IncidentTicketV1> => ({
  ...commonV1(view),
  status: STATUS_LABELS[view.status],
  incident_type: embeddedIncidentType(view),
  reporter: view.reporter ? presentProfileV1(view.reporter) : null,
  resolved_at: iso(view.resolvedAt),
});

export const presentServiceTicketV1 = (view: TicketView): Static<typeof ServiceTicketV1> => ({
  ...commonV1(view),
  status: STATUS_LABELS[view.status],
  service_type: view.serviceType,
  requested_by: view.reporter ? presentProfileV1(view.reporter) : null,
  due_date: view.dueDate,
  completed_at: iso(view.completedAt),
});

const NOTHING_EXPANDED: ReadonlySet<string> = new Set();

/** A related person: a reference, or the full user when `?expand=` names the property. */
const personV2 = (person: Person | null, expanded: boolean) =>
  expanded && person ? presentUserV2(person) : personRef(person);

/**
 * The requester as GET /api/v2/customers/{id} answers the caller (`requesters` were read
 * through the customers module as they may see them), or its id alone when they may not
 * read it.
 */
const requesterCustomerV2 = (id: number | null, requesters: RequesterCustomers) => {
  if (id === null) return null;
  const customer = requesters?.get(id);
  return customer ? presentCustomerV2(customer) : { id };
};

/**
 * A v2 ticket. Reporter, assignee and facility come as references, or in full when
 * `expand` names them: the rows were hydrated with the whole objects (one query per
 * relation for the page), so expanding costs no query. `requester_customer` is there
 * only when expanded, from `requesters` (tickets.expand.ts: one query for the page).
 */
export const presentTicketV2 = (
  view: TicketView,
  expand: ReadonlySet<string> = NOTHING_EXPANDED,
  requesters: RequesterCustomers = null,
): Static<typeof TicketV2> => ({
  id: view.id,
  number: ticketNumber(view.kind, view.number),
  kind: view.kind,
  title: view.title,
  description: view.description,
  status: view.status,
  priority: view.priority,
  incident_type:
    view.incidentTypeId === null || view.incidentTypeName === null
      ? null
      : {
          id: view.incidentTypeId,
          name: view.incidentTypeName,
          severity_level: view.incidentTypeSeverity ?? 2,
        },
  category:
    view.categoryId === null || view.categoryName === null
      ? null
      : { id: view.categoryId, name: view.categoryName },
  subcategory:
    view.subcategoryId === null || view.subcategoryName === null
      ? null
      : { id: view.subcategoryId, name: view.subcategoryName },
  service_type: view.serviceType,
  department: view.department ? { id: view.department.id, name: view.department.name } : null,
  facility: view.facility
    ? expand.has('facility')
      ? presentFacilityV2(view.facility)
      : { id: view.facility.id, name: view.facility.name }
    : null,
  reporter: personV2(view.reporter, expand.has('reporter')),
  assignee: personV2(view.assignee, expand.has('assignee')),
  requester_customer_id: view.requesterCustomerId,
  ...(expand.has('requester_customer') && {
    requester_customer: requesterCustomerV2(view.requesterCustomerId, requesters),
  }),
  due_date: view.dueDate,
  resolved_at: iso(view.resolvedAt),
  completed_at: iso(view.completedAt),
  closed_at: iso(view.closedAt),
  version: view.version,
  created_at: view.createdAt.toISOString(),
  updated_at: view.updatedAt.toISOString(),
});

export const presentComment = (comment: TicketComment, author: Person | null): Static<typeof CommentV2> => ({
  id: comment.id,
  ticket_id: comment.ticketId,
  author: personRef(author),
  body: comment.body,
  internal: comment.internal,
  created_at: comment.createdAt.toISOString(),
  updated_at: comment.updatedAt.toISOString(),
});

export const presentAttachment = (attachment: TicketAttachment): Static<typeof AttachmentV2> => ({
  id: attachment.id,
  ticket_id: attachment.ticketId,
  filename: attachment.filename,
  content_type: attachment.contentType,
  size: attachment.size,
  sha256: attachment.sha256,
  uploader_id: attachment.uploaderId,
  created_at: attachment.createdAt.toISOString(),
});

export const presentCategory = (category: TicketCategory): Static<typeof CategoryV2> => ({
  id: category.id,
  name: category.name,
  description: category.description,
  parent_id: category.parentId,
  version: category.version,
  created_at: category.createdAt.toISOString(),
});

/** Fields that carry no meaning for a reader of the history. */
const NOISE = new Set(['version', 'updatedAt', 'search']);

/** One audit entry as the ticket's history shows it: who did what, and which fields changed from what to what. */
export function presentHistoryEntry(entry: AuditEntry): Static<typeof HistoryEntry> {
  const before = (entry.before ?? {}) as Record<string, unknown>;
  const after = (entry.after ?? {}) as Record<string, unknown>;
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (NOISE.has(key) || JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    if (entry.action === 'ticket.created' && after[key] === null) continue;
    changes[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = {
      from: before[key] ?? null,
      to: after[key] ?? null,
    };
  }
  return { id: entry.id, at: entry.at.toISOString(), actor: entry.actorLabel, action: entry.action, changes };
}

/** Reads a label ("In Progress") or code ("in_progress") into the stored code. */
export function fromLabel<T extends string>(
  field: string,
  raw: string | undefined,
  codes: readonly T[],
  labels: Record<T, string>,
): T | undefined {
  if (raw === undefined) return undefined;
  const normalised = raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  const code = codes.find(
    (candidate) => candidate === normalised || labels[candidate].toLowerCase() === raw.trim().toLowerCase(),
  );
  if (!code)
    throw fieldError(
      field,
      `"${raw}" is not a valid choice; expected one of: ${codes.map((c) => labels[c]).join(', ')}.`,
    );
  return code;
}

import { Type } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { defineEvent, recordEvent } from '../../platform/events/index.ts';
import type { IncidentType, TicketCategory } from './tickets.tables.ts';

const IncidentTypeSnapshot = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  severity_level: Type.Integer(),
  version: Type.Integer(),
});

const REFERENCE_DATA = 'everyone signed in (incident types and categories are reference data)';

const incidentTypeEvent = (verb: 'created' | 'updated' | 'deleted', description: string) =>
  defineEvent({
    type: `incidenttype.${verb}`,
    subject: 'incident_type',
    description,
    payload: Type.Object({ incident_type: IncidentTypeSnapshot }),
    audience: 'all',
    visibility: REFERENCE_DATA,
  });

const INCIDENT_TYPE_EVENTS = {
  created: incidentTypeEvent('created', 'An incident type was created.'),
  // Tickets show their type's name and severity: a page of tickets is stale too.
  updated: incidentTypeEvent('updated', 'An incident type changed (name, description, severity).'),
  deleted: incidentTypeEvent('deleted', 'An incident type was deleted; the snapshot is its last state.'),
};

export const categoryCreated = defineEvent({
  type: 'category.created',
  subject: 'ticket_category',
  description: 'A ticket category (or a subcategory, with `parent_id`) was created.',
  payload: Type.Object({
    category: Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      parent_id: Type.Union([Type.Integer(), Type.Null()]),
    }),
  }),
  audience: 'all',
  visibility: REFERENCE_DATA,
});

/** The reference data's event types, for the catalogue. */
export const ticketReferenceEvents = [...Object.values(INCIDENT_TYPE_EVENTS), categoryCreated];

export function recordIncidentTypeChange(
  tx: Executor,
  ctx: RequestContext,
  verb: keyof typeof INCIDENT_TYPE_EVENTS,
  type: IncidentType,
) {
  return recordEvent(tx, ctx, INCIDENT_TYPE_EVENTS[verb], {
    subjectId: type.id,
    payload: {
      incident_type: {
        id: type.id,
        name: type.name,
        description: type.description,
        severity_level: type.severityLevel,
        version: type.version,
      },
    },
  });
}

export function recordCategoryCreated(tx: Executor, ctx: RequestContext, category: TicketCategory) {
  return recordEvent(tx, ctx, categoryCreated, {
    subjectId: category.id,
    payload: { category: { id: category.id, name: category.name, parent_id: category.parentId } },
  });
}

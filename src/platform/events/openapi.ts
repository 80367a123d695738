import { Type, type TObject } from '@sinclair/typebox';
import type { OpenApiExtras } from '../http/openapi.ts';
import type { EventCatalogue, EventDefinition } from './define-event.ts';

/** What every delivery's `data` carries before the event's own payload (webhooks.delivery.ts `bodyOf`). */
const EnvelopeData = Type.Object({
  event_id: Type.Integer({
    description: 'Outbox id: increases in commit order; the resume point of streams.',
  }),
  version: Type.Integer({ description: 'Payload version of this event type.' }),
  subject: Type.Object({ type: Type.String(), id: Type.Integer() }),
  actor: Type.Union([
    Type.Object({
      id: Type.Union([Type.Integer(), Type.Null()]),
      label: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
});

const pascal = (type: string): string =>
  type
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

/** `ticket.status_changed` -> `TicketStatusChangedEvent`. */
export const eventSchemaName = (definition: EventDefinition): string => `${pascal(definition.type)}Event`;

function deliveryBody(definition: EventDefinition): TObject {
  return Type.Object(
    {
      type: Type.Literal(definition.type),
      timestamp: Type.String({ format: 'date-time' }),
      data: Type.Composite([EnvelopeData, definition.payload]),
    },
    { description: definition.description },
  );
}

/**
 * The catalogue as OpenAPI webhooks of the v2 document: one named body per event type,
 * in the Standard Webhooks shape the deliveries use, so a generated client has a type
 * for each event (docs/events.md lists the same catalogue).
 */
export function eventOpenApiExtras(catalogue: EventCatalogue): OpenApiExtras {
  const { definitions } = catalogue;
  return {
    api: 'v2',
    schemas: Object.fromEntries(
      definitions.map((definition) => [eventSchemaName(definition), deliveryBody(definition)]),
    ),
    webhooks: Object.fromEntries(
      definitions.map((definition) => [
        definition.type,
        {
          schema: eventSchemaName(definition),
          summary: `The ${definition.type} event.`,
          description: `${definition.description} Who may see it: ${definition.visibility}`,
        },
      ]),
    ),
    tags: {
      webhooks: 'Domain events delivered to subscribed URLs, signed as Standard Webhooks (docs/webhooks.md).',
    },
  };
}

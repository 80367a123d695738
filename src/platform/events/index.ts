/**
 * Domain events: the outbox every module writes in the transaction of its change, the
 * catalogue of event types, and the reader API consumers (webhooks, realtime streams,
 * revalidation, caches) build on. See docs/events.md.
 */
export {
  createEventCatalogue,
  defaultTags,
  defineEvent,
  type EventCatalogue,
  type EventDefinition,
  type EventPayload,
} from './define-event.ts';
export {
  EVENTS_CHANNEL,
  latestEventId,
  pruneEvents,
  readAfter,
  recordEvent,
  recordEvents,
  type EventFilter,
  type EventInput,
  type EventScope,
} from './outbox.ts';
export { createEventListener, type EventListener, type EventWake } from './listener.ts';
export { pruneEventsJob } from './retention.ts';
export { renderCatalogue } from './catalogue-docs.ts';
export { eventOpenApiExtras, eventSchemaName } from './openapi.ts';
export { EVENT_AUDIENCES, type EventAudience, type StoredEvent } from './events.tables.ts';

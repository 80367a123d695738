import type { StoredEvent } from '../events/events.tables.ts';

/** An event as a stream carries it (the SSE `data` and the WebSocket message alike). */
export interface StreamEvent {
  id: string;
  type: string;
  version: number;
  occurred_at: string;
  subject: { type: string; id: string };
  actor_id: number | null;
  payload: unknown;
  /** Set when the event was larger than the stream's message limit: fetch the subject instead. */
  truncated?: true;
}

export const streamEventOf = (event: StoredEvent): StreamEvent => ({
  id: String(event.id),
  type: event.type,
  version: event.version,
  occurred_at: event.occurredAt.toISOString(),
  subject: { type: event.subjectType, id: event.subjectId },
  actor_id: event.actorId,
  payload: event.payload,
});

/**
 * The event serialized, or (over `maxBytes`) the same without its payload and marked
 * `truncated`: the client learns what changed and reads it over REST, and a resume
 * never loops on a message it cannot take.
 */
export function serializeEvent(event: StoredEvent, maxBytes: number): string {
  const message = streamEventOf(event);
  const full = JSON.stringify(message);
  if (Buffer.byteLength(full) <= maxBytes) return full;
  return JSON.stringify({ ...message, payload: null, truncated: true });
}

/** A frame on the wire: an event (with its id), or a control message of the stream itself. */
export type Frame =
  | { kind: 'event'; id: number; type: string; data: string }
  | { kind: 'control'; type: 'stream.ready' | 'stream.reset' | 'stream.closing'; data: string };

export const control = (
  type: 'stream.ready' | 'stream.reset' | 'stream.closing',
  body: Record<string, unknown>,
): Frame => ({ kind: 'control', type, data: JSON.stringify({ type, ...body }) });

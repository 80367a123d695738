import type { Executor } from '../../platform/db/client.ts';

/**
 * `calendar.changed`: a change that can move a computed time (weekly hours, zone,
 * holidays, closures, an import, deletion). The SLA module recomputes the due times
 * of open tickets on the calendar when it hears it ("when a calendar changes, open
 * tickets' due times are recomputed").
 *
 * There is no event bus yet, so the hook point is `onChanged` in the service's deps:
 * it runs inside the transaction of the change, after the change is written, so a
 * handler can enqueue its recompute job (graphile-worker `add_job`, job_key per
 * calendar) atomically with it, which is what the outbox will do once it exists.
 */
export const CALENDAR_CHANGED = 'calendar.changed';

export interface CalendarChangedEvent {
  calendarId: number;
  /** The calendar's version after the change; null when it was deleted. */
  version: number | null;
  reason: 'updated' | 'deleted' | 'closures' | 'imported';
}

/** Called in the changing transaction; a throw rolls the change back. */
export type CalendarChangedHook = (tx: Executor, event: CalendarChangedEvent) => Promise<void>;

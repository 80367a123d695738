import type { RequestContext } from '../../platform/auth/actor.ts';
import { iterateAll, paginate, type ListQueries, type Page } from '../../platform/db/list.ts';
import { fieldError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { calendarsErrors } from './calendars.errors.ts';
import { importICalendar } from './calendars.import.ts';
import * as repository from './calendars.repository.ts';
import type { Closure } from './calendars.repository.ts';
import type { CalendarsInternals } from './calendars.service.ts';
import { checkedClosure, type ClosureInput } from './calendars.validation.ts';
import { zoneNamed } from './calendars.zone.ts';

const holidayTaken = () => fieldError('date', 'This date is already a holiday of this calendar.');

/** Holidays and closures of a calendar: list, add, remove, import. */
export function createClosureVerbs(internals: CalendarsInternals) {
  const { db, audit, lockCalendar, touch } = internals;
  const queries: ListQueries<Closure> = {
    rows: (where, orderBy, limit, offset) => repository.listClosures(db, where, orderBy, limit, offset),
    count: (where) => repository.countClosures(db, where),
  };

  async function requireCalendar(calendarId: number): Promise<void> {
    if (!(await repository.calendarById(db, calendarId)))
      throw calendarsErrors.CALENDARS_CALENDAR_NOT_FOUND();
  }

  return {
    /** A calendar's holidays and closures (404 for an unknown calendar), each with the calendar's zone. */
    async listClosures(calendarId: number, params: ListParams): Promise<Page<Closure>> {
      await requireCalendar(calendarId);
      return paginate(repository.closureList, params, repository.closuresOf(calendarId), queries);
    },

    async *allClosures(calendarId: number, params: ListParams): AsyncIterable<Closure> {
      await requireCalendar(calendarId);
      yield* iterateAll(repository.closureList, params, repository.closuresOf(calendarId), queries);
    },

    /**
     * Adds a holiday (a local date; one manual holiday per date) or a closure (an
     * instant range; times without an offset are read in the calendar's zone). Bumps
     * the calendar's version: it is a `calendar.changed`.
     */
    async addClosure(ctx: RequestContext, calendarId: number, input: ClosureInput): Promise<Closure> {
      return db.transaction(async (tx) => {
        const calendar = await lockCalendar(tx, calendarId);
        const zone = zoneNamed(calendar.timeZone);
        if (!zone) throw new Error(`calendar ${calendarId} has an unknown zone ${calendar.timeZone}`);
        const checked = checkedClosure(input, zone);
        if (checked.kind === 'holiday' && (await repository.manualHolidayOn(tx, calendarId, checked.date)))
          throw holidayTaken();
        const [row] = await repository.insertClosures(tx, [
          checked.kind === 'holiday'
            ? { calendarId, kind: 'holiday', name: checked.name, date: checked.date }
            : {
                calendarId,
                kind: 'closure',
                name: checked.name,
                startsAt: checked.startsAt,
                endsAt: checked.endsAt,
              },
        ]);
        if (!row) throw new Error('insert returned no row');
        await audit.record(tx, ctx, {
          action: 'calendar_closure.created',
          resourceType: 'calendar_closure',
          resourceId: row.id,
          after: row,
        });
        await touch(tx, calendarId, 'closures');
        return { ...row, timeZone: calendar.timeZone };
      });
    },

    /** Removes a holiday or closure (imported ones too: a re-import brings them back). */
    async removeClosure(ctx: RequestContext, calendarId: number, closureId: number): Promise<void> {
      await db.transaction(async (tx) => {
        await lockCalendar(tx, calendarId);
        const before = await repository.deleteClosure(tx, calendarId, closureId);
        if (!before) throw calendarsErrors.CALENDARS_CLOSURE_NOT_FOUND();
        await audit.record(tx, ctx, {
          action: 'calendar_closure.deleted',
          resourceType: 'calendar_closure',
          resourceId: closureId,
          before,
        });
        await touch(tx, calendarId, 'closures');
      });
    },

    /** See calendars.import.ts. */
    importICalendar: (ctx: RequestContext, calendarId: number, icsText: string) =>
      importICalendar(internals, ctx, calendarId, icsText),
  };
}

import type { RequestContext } from '../../platform/auth/actor.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { sitesErrors } from './sites.errors.ts';
import * as repository from './sites.repository.ts';
import type { Shift } from './sites.tables.ts';
import {
  shiftNameTaken,
  translating,
  validatedShift,
  type ShiftInput,
  type SitesDeps,
} from './sites.rules.ts';

export function createShiftService({ db, audit }: SitesDeps) {
  const shiftListing = listing(
    repository.shiftList,
    listQueries(db, repository.listShifts, repository.countShifts),
  );
  return {
    listShifts(params: ListParams): Promise<Page<Shift>> {
      return shiftListing.page(params);
    },

    allShifts(params: ListParams): AsyncIterable<Shift> {
      return shiftListing.all(params);
    },

    async getShift(id: number): Promise<Shift> {
      const shift = await repository.shiftById(db, id);
      if (!shift) throw sitesErrors.SITES_SHIFT_NOT_FOUND();
      return shift;
    },

    /** Shifts by id, for other modules that embed one (a time entry's shift): one query for any number. */
    shiftsByIds(ids: number[]): Promise<Shift[]> {
      return repository.shiftsByIds(db, [...new Set(ids)]);
    },

    async createShift(ctx: RequestContext, given: ShiftInput): Promise<Shift> {
      const input = validatedShift(given, true);
      const name = input.name ?? '';
      return db.transaction(async (tx) => {
        if (await repository.shiftNameTaken(tx, name)) throw shiftNameTaken();
        const shift = await translating(
          repository.insertShift(tx, {
            name,
            description: input.description,
            startTime: input.startTime ?? null,
            endTime: input.endTime ?? null,
          }),
          { unique: shiftNameTaken },
        );
        await audit.record(tx, ctx, {
          action: 'shift.created',
          resourceType: 'shift',
          resourceId: shift.id,
          after: shift,
        });
        return shift;
      });
    },

    /** Applies a partial update; a stale `expectedVersion` is a VERSION_CONFLICT carrying the current shift. */
    async updateShift(
      ctx: RequestContext,
      id: number,
      given: ShiftInput,
      expectedVersion?: number,
    ): Promise<Shift> {
      const input = validatedShift(given, false);
      return db.transaction(async (tx) => {
        const before = await repository.shiftById(tx, id, { lock: true });
        if (!before) throw sitesErrors.SITES_SHIFT_NOT_FOUND();
        if (input.name !== undefined && (await repository.shiftNameTaken(tx, input.name, id)))
          throw shiftNameTaken();
        const after = await translating(repository.updateShift(tx, id, input, expectedVersion), {
          unique: shiftNameTaken,
        });
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'shift.updated',
          resourceType: 'shift',
          resourceId: id,
          before,
          after,
        });
        return after;
      });
    },

    async deleteShift(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await repository.shiftById(tx, id, { lock: true });
        if (!before) throw sitesErrors.SITES_SHIFT_NOT_FOUND();
        const deleted = await translating(repository.deleteShift(tx, id, expectedVersion), {
          reference: () => sitesErrors.SITES_SHIFT_IN_USE(),
        });
        if (!deleted) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'shift.deleted',
          resourceType: 'shift',
          resourceId: id,
          before,
        });
      });
    },
  };
}

import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { commonErrors } from '../../platform/http/errors.ts';
import type { Person } from '../identity/index.ts';
import { workforceErrors } from './workforce.errors.ts';
import { lockUserSchedules } from './workforce.events.repository.ts';
import { canApprove } from './workforce.policy.ts';
import type { TimeOffRequest } from './workforce.tables.ts';
import { addDays, startOfLocalDay } from './workforce.time.ts';
import type { TimeoffBalanceService } from './workforce.timeoff.balance.ts';
import {
  subjectOf,
  type EventOccurrence,
  type TimeoffContext,
  type TimeOffRequestView,
} from './workforce.timeoff.context.ts';
import * as repository from './workforce.timeoff.repository.ts';

export interface DecisionOptions {
  note?: string;
  expectedVersion?: number;
}

/** Deciding requests: the person's manager or an admin, never the person themselves. */
export function createTimeoffApproval(context: TimeoffContext, balance: TimeoffBalanceService) {
  const { db, clock, deps, view, personOf, visibleRow, policyFor, recordRequest } = context;

  /**
   * Decides a pending request. `beforeChange` runs first in the transaction (with the
   * request locked), `afterChange` after the change, in the same transaction.
   */
  async function decide(
    ctx: RequestContext,
    id: number,
    status: 'approved' | 'rejected',
    options: DecisionOptions,
    hooks: {
      beforeChange?: (tx: Executor, request: TimeOffRequest, person: Person) => Promise<void>;
      afterChange?: (tx: Executor, request: TimeOffRequest, person: Person) => Promise<void>;
    } = {},
  ): Promise<TimeOffRequestView> {
    const { actor } = ctx;
    const { note, expectedVersion } = options;
    const row = await db.transaction(async (tx) => {
      const before = await visibleRow(tx, actor, id, true);
      if (before.userId === actor.userId) throw workforceErrors.WORKFORCE_SELF_APPROVAL();
      const person = await personOf(before.userId);
      if (!canApprove(actor, subjectOf(person))) throw workforceErrors.WORKFORCE_FORBIDDEN();
      if (before.status !== 'pending')
        throw workforceErrors.WORKFORCE_INVALID_STATE({
          message: `This request is ${before.status}, not pending.`,
        });
      await hooks.beforeChange?.(tx, before, person);
      const after = await repository.updateRequest(
        tx,
        id,
        {
          status,
          approvedBy: actor.userId,
          approvedAt: clock(),
          ...(note !== undefined && { decisionNote: note }),
        },
        expectedVersion,
      );
      if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: await view(before) } });
      await recordRequest(tx, ctx, status, id, { before, after });
      await hooks.afterChange?.(tx, after, person);
      return after;
    });
    return view(row);
  }

  return {
    /**
     * Approves a pending request (the person's manager or an admin, never their own) when
     * the balance still covers it (days withdrawn since are counted), and reports the
     * person's scheduled events on those days, which now need someone else. It holds the
     * person's schedule lock, the one assigning them to an event takes, from the balance
     * check to the commit: an assignment made meanwhile is either listed here or waits
     * and then sees the time off as a conflict.
     */
    async approve(
      ctx: RequestContext,
      id: number,
      options: DecisionOptions = {},
    ): Promise<{ request: TimeOffRequestView; conflicts: EventOccurrence[] }> {
      let conflicts: EventOccurrence[] = [];
      const request = await decide(ctx, id, 'approved', options, {
        beforeChange: async (tx, row, person) => {
          await lockUserSchedules(tx, [row.userId]);
          await balance.checkBalance(tx, person, await policyFor(tx, row.requestType), row, false);
        },
        // Read in the approving transaction: the list matches the approval, and if it
        // cannot be read the approval does not happen either.
        afterChange: async (tx, row, person) => {
          const zone = person.user.timeZone;
          conflicts = await deps.eventsFor(
            [row.userId],
            startOfLocalDay(row.startDate, zone),
            startOfLocalDay(addDays(row.endDate, 1), zone),
            tx,
          );
        },
      });
      return { request, conflicts };
    },

    reject(ctx: RequestContext, id: number, options: DecisionOptions = {}): Promise<TimeOffRequestView> {
      return decide(ctx, id, 'rejected', options);
    },
  };
}

import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { iterateAll, type Page, paginate } from '../../platform/db/list.ts';
import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { workforceErrors } from './workforce.errors.ts';
import { approvedTimeOff, lockUserSchedules } from './workforce.events.repository.ts';
import { canApprove } from './workforce.policy.ts';
import type { TimeOffRequest } from './workforce.tables.ts';
import { localDateOf } from './workforce.time.ts';
import type { TimeoffBalanceService } from './workforce.timeoff.balance.ts';
import { subjectOf, type TimeoffContext, type TimeOffRequestView } from './workforce.timeoff.context.ts';
import * as repository from './workforce.timeoff.repository.ts';

export interface RequestInput {
  /** Someone else (their manager, or an admin); default the caller. */
  userId?: number;
  requestType?: string;
  startDate?: string;
  endDate?: string;
  reason?: string;
}

/** Asking for time off, changing and withdrawing a request, and reading them. */
export function createTimeoffRequests(context: TimeoffContext, balance: TimeoffBalanceService) {
  const {
    db,
    clock,
    visibleIds,
    hydrate,
    view,
    personOf,
    subjectPerson,
    visibleRow,
    policyFor,
    checkPeriod,
    refusingOverlap,
    recordRequest,
  } = context;

  return {
    /**
     * Which of these people are on approved time off at `at`, each on the local date of
     * their own zone (time off is taken in whole local days). Read through `executor`.
     */
    async onLeave(
      people: readonly { userId: number; timeZone: string }[],
      at: Date,
      executor: Executor = db,
    ): Promise<Set<number>> {
      if (people.length === 0) return new Set();
      const today = new Map(people.map((person) => [person.userId, localDateOf(at, person.timeZone)]));
      const dates = [...today.values()].sort();
      const found = await approvedTimeOff(
        executor,
        [...today.keys()],
        dates[0] ?? '',
        dates[dates.length - 1] ?? '',
      );
      return new Set(
        found
          .filter((row) => {
            const date = today.get(row.userId);
            return date !== undefined && row.startDate <= date && date <= row.endDate;
          })
          .map((row) => row.userId),
      );
    },

    async list(actor: Actor, params: ListParams): Promise<Page<TimeOffRequestView>> {
      const page = await paginate(
        repository.requestList,
        params,
        repository.requestsOfUsers(await visibleIds(actor)),
        {
          rows: (where, orderBy, limit, offset) => repository.listRequests(db, where, orderBy, limit, offset),
          count: (where) => repository.countRequests(db, where),
        },
      );
      return { ...page, rows: await hydrate(page.rows) };
    },

    async *all(actor: Actor, params: ListParams): AsyncGenerator<TimeOffRequestView> {
      const batch: TimeOffRequest[] = [];
      for await (const row of iterateAll(
        repository.requestList,
        params,
        repository.requestsOfUsers(await visibleIds(actor)),
        {
          rows: (where, orderBy, limit, offset) => repository.listRequests(db, where, orderBy, limit, offset),
        },
      )) {
        batch.push(row);
        if (batch.length >= 500) yield* await hydrate(batch.splice(0));
      }
      yield* await hydrate(batch.splice(0));
    },

    async get(actor: Actor, id: number): Promise<TimeOffRequestView> {
      return view(await visibleRow(db, actor, id));
    },

    /**
     * Asks for time off. The type needs a policy; the days need working time in its
     * calendar and room in the person's balance (pending requests included), unless the
     * policy allows going negative. Overlapping pending or approved requests of the same
     * person are refused by the database first; the balance is checked after the insert,
     * in its transaction, under the person's schedule lock, so two racing requests cannot
     * both count on the same days.
     */
    async request(ctx: RequestContext, input: RequestInput): Promise<TimeOffRequestView> {
      const fields: FieldErrors = {};
      for (const field of ['requestType', 'startDate', 'endDate'] as const)
        if (!input[field])
          fields[field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = ['This field is required.'];
      if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
      const { requestType = '', startDate = '', endDate = '' } = input;
      const person = await subjectPerson(ctx.actor, input.userId);
      const policy = await policyFor(db, requestType);
      await checkPeriod(policy, person.user.timeZone, startDate, endDate);
      const row = await db.transaction(async (tx) => {
        await lockUserSchedules(tx, [person.user.id]);
        const created = await refusingOverlap(
          repository.insertRequest(tx, {
            userId: person.user.id,
            requestType: policy.requestType,
            startDate,
            endDate,
            reason: input.reason ?? '',
          }),
        );
        await balance.checkBalance(tx, person, policy, created, true);
        await recordRequest(tx, ctx, 'requested', created.id, { after: created });
        return created;
      });
      return view(row);
    },

    /** Changes a pending request (its owner, or their manager); the same checks as a new one. */
    async update(
      ctx: RequestContext,
      id: number,
      input: RequestInput,
      expectedVersion?: number,
    ): Promise<TimeOffRequestView> {
      const { actor } = ctx;
      const row = await db.transaction(async (tx) => {
        const before = await visibleRow(tx, actor, id, true);
        const person = await personOf(before.userId);
        if (before.userId !== actor.userId && !canApprove(actor, subjectOf(person)))
          throw workforceErrors.WORKFORCE_FORBIDDEN();
        if (before.status !== 'pending')
          throw workforceErrors.WORKFORCE_INVALID_STATE({
            message: `This request is ${before.status}; only pending ones change.`,
          });
        const policy = await policyFor(tx, input.requestType ?? before.requestType);
        const startDate = input.startDate ?? before.startDate;
        const endDate = input.endDate ?? before.endDate;
        await checkPeriod(policy, person.user.timeZone, startDate, endDate);
        await lockUserSchedules(tx, [person.user.id]);
        const values = {
          requestType: policy.requestType,
          startDate,
          endDate,
          reason: input.reason ?? before.reason,
        };
        const after = await refusingOverlap(repository.updateRequest(tx, id, values, expectedVersion));
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: await view(before) } });
        await balance.checkBalance(tx, person, policy, after, true);
        await recordRequest(tx, ctx, 'updated', id, { before, after });
        return after;
      });
      return view(row);
    },

    /** Withdraws a request: pending, or approved and not yet begun (in the person's zone). */
    async cancel(ctx: RequestContext, id: number, expectedVersion?: number): Promise<TimeOffRequestView> {
      const { actor } = ctx;
      const row = await db.transaction(async (tx) => {
        const before = await visibleRow(tx, actor, id, true);
        const person = await personOf(before.userId);
        if (before.userId !== actor.userId && !canApprove(actor, subjectOf(person)))
          throw workforceErrors.WORKFORCE_FORBIDDEN();
        const today = localDateOf(clock(), person.user.timeZone);
        const cancellable =
          before.status === 'pending' || (before.status === 'approved' && before.startDate > today);
        if (!cancellable)
          throw workforceErrors.WORKFORCE_INVALID_STATE({
            message: 'Only pending requests, or approved ones that have not begun, can be cancelled.',
          });
        const after = await repository.updateRequest(tx, id, { status: 'cancelled' }, expectedVersion);
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: await view(before) } });
        await recordRequest(tx, ctx, 'cancelled', id, { before, after });
        return after;
      });
      return view(row);
    },
  };
}

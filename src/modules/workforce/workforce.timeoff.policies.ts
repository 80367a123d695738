import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import { translatingViolation } from '../../platform/db/errors.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { AppError, commonErrors, fieldError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { workforceErrors } from './workforce.errors.ts';
import { lockUserSchedules } from './workforce.events.repository.ts';
import type { LEDGER_KINDS, TimeOffLedgerEntry, TimeOffPolicy } from './workforce.tables.ts';
import type { TimeoffContext } from './workforce.timeoff.context.ts';
import * as repository from './workforce.timeoff.repository.ts';

export interface PolicyInput {
  requestType?: string;
  annualDays?: number;
  carryForwardMaxDays?: number;
  calendarId?: number | null;
  /** Whether requests may take more than the balance (unpaid leave, say); default false. */
  allowNegativeBalance?: boolean;
}

export interface LedgerInput {
  userId: number;
  requestType: string;
  year: number;
  kind: (typeof LEDGER_KINDS)[number];
  /** Default for an accrual: the policy's annual days. */
  days?: number;
  note?: string;
}

const typeTaken = () => fieldError('request_type', 'A policy for this kind of time off already exists.');

/** The kinds of time off and their rules (admins), and the days granted per person (the ledger). */
export function createTimeoffPolicies(context: TimeoffContext) {
  const { db, deps, visibleIds, policyFor, requireAdmin } = context;
  const { audit, identity } = deps;

  /** Runs a write that may give a second policy the same type (the unique constraint). */
  const uniqueType = <T>(write: Promise<T>) =>
    translatingViolation(write, '23505', 'time_off_policies_requestType_unique', typeTaken);

  async function checkCalendar(calendarId: number | null | undefined) {
    if (calendarId === null || calendarId === undefined) return;
    try {
      await deps.workingCalendar(calendarId);
    } catch (error) {
      if (error instanceof AppError && error.kind === 'not_found')
        throw fieldError('calendar_id', `Invalid pk "${calendarId}" - object does not exist.`);
      throw error;
    }
  }

  const ledgerListing = listing(
    repository.ledgerList,
    listQueries(db, repository.listLedger, repository.countLedger),
  );

  return {
    listPolicies(): Promise<TimeOffPolicy[]> {
      return repository.listPolicies(db);
    },

    async createPolicy(
      ctx: RequestContext,
      input: PolicyInput & { requestType: string },
    ): Promise<TimeOffPolicy> {
      requireAdmin(ctx.actor);
      await checkCalendar(input.calendarId);
      return db.transaction(async (tx) => {
        if (await repository.policyByType(tx, input.requestType)) throw typeTaken();
        const created = await uniqueType(
          repository.insertPolicy(tx, { ...input, requestType: input.requestType.trim() }),
        );
        await audit.record(tx, ctx, {
          action: 'time_off_policy.created',
          resourceType: 'time_off_policy',
          resourceId: created.id,
          after: created,
        });
        return created;
      });
    },

    /** Changes a policy; renaming its type renames it on every request and ledger row. */
    async updatePolicy(
      ctx: RequestContext,
      id: number,
      input: PolicyInput,
      expectedVersion?: number,
    ): Promise<TimeOffPolicy> {
      requireAdmin(ctx.actor);
      await checkCalendar(input.calendarId);
      return db.transaction(async (tx) => {
        const before = await repository.policyById(tx, id, true);
        if (!before) throw workforceErrors.WORKFORCE_NOT_FOUND();
        const renamed = input.requestType !== undefined && input.requestType.trim() !== before.requestType;
        if (renamed) {
          const clash = await repository.policyByType(tx, input.requestType ?? '');
          if (clash && clash.id !== id) throw typeTaken();
        }
        const after = await uniqueType(
          repository.updatePolicy(
            tx,
            id,
            { ...input, ...(input.requestType !== undefined && { requestType: input.requestType.trim() }) },
            expectedVersion,
          ),
        );
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        if (renamed) await repository.renameType(tx, before.requestType, after.requestType);
        await audit.record(tx, ctx, {
          action: 'time_off_policy.updated',
          resourceType: 'time_off_policy',
          resourceId: id,
          before,
          after,
        });
        return after;
      });
    },

    /** Removes a policy nobody's requests or ledger rows use. */
    async deletePolicy(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      requireAdmin(ctx.actor);
      await db.transaction(async (tx) => {
        const before = await repository.policyById(tx, id, true);
        if (!before) throw workforceErrors.WORKFORCE_NOT_FOUND();
        if (expectedVersion !== undefined && before.version !== expectedVersion)
          throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        if (await repository.typeInUse(tx, before.requestType))
          throw workforceErrors.WORKFORCE_INVALID_STATE({
            message: 'Requests or ledger entries use this kind of time off; it cannot be deleted.',
          });
        await repository.deletePolicy(tx, id);
        await audit.record(tx, ctx, {
          action: 'time_off_policy.deleted',
          resourceType: 'time_off_policy',
          resourceId: id,
          before,
        });
      });
    },

    async listLedger(actor: Actor, params: ListParams): Promise<Page<TimeOffLedgerEntry>> {
      return ledgerListing.page(params, repository.ledgerOfUsers(await visibleIds(actor)));
    },

    async *allLedger(actor: Actor, params: ListParams): AsyncGenerator<TimeOffLedgerEntry> {
      yield* ledgerListing.all(params, repository.ledgerOfUsers(await visibleIds(actor)));
    },

    /**
     * Grants (or, negative, withdraws) days: admins only. An accrual defaults to the
     * policy's annual days. Holds the person's schedule lock, as balance checks do, so a
     * withdrawal and an approval cannot both count on the same days.
     */
    async addLedgerEntry(ctx: RequestContext, input: LedgerInput): Promise<TimeOffLedgerEntry> {
      requireAdmin(ctx.actor);
      const [people, policy] = await Promise.all([
        identity.peopleByUserIds([input.userId]),
        policyFor(db, input.requestType),
      ]);
      if (people.length === 0)
        throw fieldError('user_id', `Invalid pk "${input.userId}" - object does not exist.`);
      const days = input.days ?? (input.kind === 'accrual' ? policy.annualDays : undefined);
      if (days === undefined) throw fieldError('days', 'This field is required.');
      return db.transaction(async (tx) => {
        await lockUserSchedules(tx, [input.userId]);
        const created = await repository.insertLedgerEntry(tx, {
          userId: input.userId,
          requestType: policy.requestType,
          year: input.year,
          kind: input.kind,
          days,
          note: input.note ?? '',
          createdBy: ctx.actor.userId || null,
        });
        await audit.record(tx, ctx, {
          action: 'time_off_ledger.added',
          resourceType: 'time_off_ledger',
          resourceId: created.id,
          after: created,
        });
        return created;
      });
    },
  };
}

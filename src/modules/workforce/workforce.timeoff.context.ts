import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { translatingViolation } from '../../platform/db/errors.ts';
import { AppError, commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import type { IdentityService, Person } from '../identity/index.ts';
import { workforceErrors } from './workforce.errors.ts';
import { canApprove, isAdmin, visibleUserIds } from './workforce.policy.ts';
import type { TimeOffPolicy, TimeOffRequest } from './workforce.tables.ts';
import { isDate } from './workforce.time.ts';
import { weekdayCalendar, workingDates, type WorkingCalendar } from './workforce.timeoff.rules.ts';
import * as repository from './workforce.timeoff.repository.ts';
import { recordTimeOff } from './workforce.outbox.ts';

/** A single request spans at most this many days. */
const MAX_REQUEST_DAYS = 366;

/** An occurrence of a scheduled event a person is assigned to. */
export interface EventOccurrence {
  eventId: number;
  userId: number;
  title: string;
  startsAt: Date;
  endsAt: Date;
}

export interface TimeOffRequestView extends TimeOffRequest {
  person: Person | null;
  approver: Person | null;
}

export interface TimeoffDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  identity: Pick<IdentityService, 'peopleByUserIds' | 'userIdsInDepartment'>;
  /** The calendar of a policy's `calendarId` (the calendars module); policies without one use weekdays 09-17. */
  workingCalendar: (calendarId: number) => Promise<WorkingCalendar>;
  /**
   * Occurrences of scheduled events of these people overlapping [from, to) (the events
   * service's `occurrencesForUsers`), read through `executor`: the approving transaction.
   */
  eventsFor: (userIds: number[], from: Date, to: Date, executor: Executor) => Promise<EventOccurrence[]>;
  now?: () => Date;
}

const nonNull = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;
const spanDays = (start: string, end: string) => (Date.parse(end) - Date.parse(start)) / 86_400_000 + 1;

export const subjectOf = (person: Person) => ({
  userId: person.user.id,
  departmentId: person.user.departmentId,
});

/** What the parts of the time-off service share: who sees what, people, policies, calendars. */
export function createTimeoffContext(deps: TimeoffDeps) {
  const { db, identity } = deps;
  const clock = deps.now ?? (() => new Date());

  const visibleIds = (actor: Actor) => visibleUserIds(actor, (id) => identity.userIdsInDepartment(id));

  async function hydrate(rows: TimeOffRequest[]): Promise<TimeOffRequestView[]> {
    const ids = [...new Set(rows.flatMap((row) => [row.userId, row.approvedBy]).filter(nonNull))];
    const people = new Map(
      (ids.length ? await identity.peopleByUserIds(ids) : []).map((p) => [p.user.id, p]),
    );
    return rows.map((row) => ({
      ...row,
      person: people.get(row.userId) ?? null,
      approver: row.approvedBy === null ? null : (people.get(row.approvedBy) ?? null),
    }));
  }

  async function view(row: TimeOffRequest): Promise<TimeOffRequestView> {
    const [result] = await hydrate([row]);
    if (!result) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return result;
  }

  async function personOf(userId: number): Promise<Person> {
    const [person] = await identity.peopleByUserIds([userId]);
    if (!person) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return person;
  }

  /** The person a request is for: the caller, or someone they manage. */
  async function subjectPerson(actor: Actor, userId = actor.userId): Promise<Person> {
    const [person] = await identity.peopleByUserIds([userId]);
    if (!person) throw fieldError('user_id', `Invalid pk "${userId}" - object does not exist.`);
    if (userId !== actor.userId && !canApprove(actor, subjectOf(person)))
      throw workforceErrors.WORKFORCE_FORBIDDEN({
        message: 'Only their manager or an admin can request time off for someone else.',
      });
    return person;
  }

  async function visibleRow(tx: Executor, actor: Actor, id: number, lock = false): Promise<TimeOffRequest> {
    const row = await repository.requestById(
      tx,
      id,
      repository.requestsOfUsers(await visibleIds(actor)),
      lock,
    );
    if (!row) throw workforceErrors.WORKFORCE_NOT_FOUND();
    return row;
  }

  /** The calendar a policy counts working days in; weekdays 09-17 in the person's zone without one. */
  async function calendarOf(
    policy: Pick<TimeOffPolicy, 'calendarId' | 'requestType'>,
    zone: string,
  ): Promise<WorkingCalendar> {
    if (policy.calendarId === null) return weekdayCalendar(zone);
    try {
      return await deps.workingCalendar(policy.calendarId);
    } catch (error) {
      // Counting in another calendar would change balances silently: say what is wrong instead.
      if (error instanceof AppError && error.kind === 'not_found')
        throw workforceErrors.WORKFORCE_INVALID_STATE({
          message: `The calendar of the "${policy.requestType}" policy no longer exists; an admin must choose another.`,
          cause: error,
        });
      throw error;
    }
  }

  async function policyFor(executor: Executor, requestType: string): Promise<TimeOffPolicy> {
    const policy = await repository.policyByType(executor, requestType);
    if (policy) return policy;
    const known = (await repository.listPolicies(executor)).map((p) => p.requestType);
    throw fieldError(
      'request_type',
      known.length
        ? `"${requestType}" is not a valid choice; expected one of: ${known.join(', ')}.`
        : 'No kinds of time off are set up yet; ask an admin to add a policy.',
    );
  }

  /** The dates of a request, checked: real dates, in order, not too long, with working days in them. */
  async function checkPeriod(policy: TimeOffPolicy, zone: string, startDate: string, endDate: string) {
    const fields: FieldErrors = {};
    if (!isDate(startDate)) fields.start_date = ['Date has wrong format. Use YYYY-MM-DD.'];
    if (!isDate(endDate)) fields.end_date = ['Date has wrong format. Use YYYY-MM-DD.'];
    else if (isDate(startDate) && endDate < startDate)
      fields.end_date = ['The end date must not be before the start date.'];
    else if (isDate(startDate) && spanDays(startDate, endDate) > MAX_REQUEST_DAYS)
      fields.end_date = [`A request spans at most ${MAX_REQUEST_DAYS} days; split it.`];
    if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
    const days = workingDates(await calendarOf(policy, zone), startDate, endDate, zone);
    if (days.length === 0) throw fieldError('end_date', 'These dates contain no working days.');
  }

  /** Runs a write that may collide with another request of the person's (the exclusion constraint). */
  const refusingOverlap = <T>(write: Promise<T>) =>
    translatingViolation(write, '23P01', 'time_off_requests_no_overlap', (cause) =>
      workforceErrors.WORKFORCE_OVERLAPPING_REQUEST({ cause }),
    );

  function requireAdmin(actor: Actor) {
    if (!isAdmin(actor)) throw workforceErrors.WORKFORCE_FORBIDDEN({ message: 'Only an admin can do this.' });
  }

  /** Stamps a change of a request in the audit log and the outbox, in its transaction. */
  const recordRequest = async (
    tx: Executor,
    ctx: RequestContext,
    action: string,
    id: number,
    change: { before?: TimeOffRequest; after?: TimeOffRequest },
  ): Promise<void> => {
    await deps.audit.record(tx, ctx, {
      action: `time_off.${action}`,
      resourceType: 'time_off_request',
      resourceId: id,
      ...change,
    });
    const request = change.after ?? change.before;
    if (request) await recordTimeOff(tx, ctx, action, request);
  };

  return {
    deps,
    db,
    clock,
    visibleIds,
    hydrate,
    view,
    personOf,
    subjectPerson,
    visibleRow,
    calendarOf,
    policyFor,
    checkPeriod,
    refusingOverlap,
    requireAdmin,
    recordRequest,
  };
}

export type TimeoffContext = ReturnType<typeof createTimeoffContext>;

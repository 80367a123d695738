import type { Actor } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { Person } from '../identity/index.ts';
import { workforceErrors } from './workforce.errors.ts';
import type { TimeOffPolicy, TimeOffRequest } from './workforce.tables.ts';
import { localDateOf } from './workforce.time.ts';
import type { TimeoffContext } from './workforce.timeoff.context.ts';
import {
  MAX_HISTORY_YEARS,
  rollBalance,
  shortfall,
  workingDates,
  type Usage,
  type WorkingCalendar,
  type YearBalance,
} from './workforce.timeoff.rules.ts';
import * as repository from './workforce.timeoff.repository.ts';

export interface TimeOffBalance extends YearBalance {
  requestType: string;
  pending: number;
  annualDays: number;
  carryForwardMaxDays: number;
  allowNegativeBalance: boolean;
}

/** The dates of a request that a balance counts: its working days within [from, to]. */
type Period = Pick<TimeOffRequest, 'startDate' | 'endDate'>;

const countByYear = (dates: string[]) => {
  const counts = new Map<number, number>();
  for (const date of dates) {
    const year = Number(date.slice(0, 4));
    counts.set(year, (counts.get(year) ?? 0) + 1);
  }
  return counts;
};
const daysText = (count: number) => `${count} ${count === 1 ? 'day' : 'days'}`;

/** A person's days of one type per year in [earliest, year]: granted, approved and pending. */
function usageOf(
  policy: TimeOffPolicy,
  calendar: WorkingCalendar,
  zone: string,
  ledger: { requestType: string; year: number; days: number }[],
  requests: TimeOffRequest[],
  earliest: number,
  year: number,
): Usage {
  const accrued = new Map<number, number>();
  const taken = new Map<number, number>();
  const pending = new Map<number, number>();
  for (const row of ledger.filter((entry) => entry.requestType === policy.requestType))
    accrued.set(row.year, row.days);
  for (const request of requests.filter((r) => r.requestType === policy.requestType)) {
    const from = request.startDate < `${earliest}-01-01` ? `${earliest}-01-01` : request.startDate;
    const to = request.endDate > `${year}-12-31` ? `${year}-12-31` : request.endDate;
    const days = countByYear(workingDates(calendar, from, to, zone));
    const into = request.status === 'approved' ? taken : pending;
    for (const [dateYear, count] of days) into.set(dateYear, (into.get(dateYear) ?? 0) + count);
  }
  return { accrued, taken, pending };
}

/** Balances: what a person has of each kind of leave, and whether a request fits in it. */
export function createTimeoffBalance(context: TimeoffContext) {
  const { db, clock, visibleIds, personOf, calendarOf, visibleRow } = context;

  async function loadHistory(executor: Executor, userId: number, earliest: number, year: number) {
    return Promise.all([
      repository.ledgerSums(executor, userId, earliest, year),
      repository.requestsOfUserBetween(
        executor,
        userId,
        ['approved', 'pending'],
        `${earliest}-01-01`,
        `${year}-12-31`,
      ),
    ]);
  }

  /**
   * Refuses a request that the balance of its type does not cover (400
   * WORKFORCE_INSUFFICIENT_BALANCE, saying what is available and what was asked),
   * unless the policy allows a negative balance. `countPending`: whether the days
   * other pending requests hold are spoken for (asking; not approving). The request
   * itself (`id`) is never counted twice. Call it holding the person's schedule lock,
   * so two requests cannot both be checked against the same days.
   */
  async function checkBalance(
    tx: Executor,
    person: Person,
    policy: TimeOffPolicy,
    request: Period & { id?: number },
    countPending: boolean,
  ): Promise<void> {
    if (policy.allowNegativeBalance) return;
    const zone = person.user.timeZone;
    const calendar = await calendarOf(policy, zone);
    const requested = countByYear(workingDates(calendar, request.startDate, request.endDate, zone));
    const years = [...requested.keys()];
    if (years.length === 0) return;
    const year = Math.max(...years);
    const earliest = Math.min(...years) - MAX_HISTORY_YEARS;
    const [ledger, requests] = await loadHistory(tx, person.user.id, earliest, year);
    const others = requests.filter(
      (row) => row.id !== request.id && (countPending || row.status === 'approved'),
    );
    const usage = usageOf(policy, calendar, zone, ledger, others, earliest, year);
    const missing = shortfall(requested, usage, policy.carryForwardMaxDays);
    if (!missing) return;
    const held = missing.remaining - missing.available;
    throw workforceErrors.WORKFORCE_INSUFFICIENT_BALANCE({
      message:
        `Not enough ${policy.requestType} left in ${missing.year}: ${daysText(missing.available)} available` +
        (held > 0 ? ` (${missing.remaining} remaining, ${held} held by pending requests)` : '') +
        `, ${missing.requested} requested.`,
      extra: {
        request_type: policy.requestType,
        year: missing.year,
        available: missing.available,
        requested: missing.requested,
      },
    });
  }

  /**
   * A person's balance per type of leave for `year`: accrued (the ledger), carried
   * forward (what the years before left, capped by the policy), taken (working days
   * of approved requests, counted now with the current calendar and holidays, so a
   * changed rule or a new holiday shows at once), pending, and remaining.
   */
  async function balances(
    actor: Actor,
    userId: number,
    givenYear?: number,
  ): Promise<{ person: Person; year: number; balances: TimeOffBalance[] }> {
    const visible = await visibleIds(actor);
    if (visible && !visible.includes(userId)) throw workforceErrors.WORKFORCE_NOT_FOUND();
    const person = await personOf(userId);
    const zone = person.user.timeZone;
    const year = givenYear ?? Number(localDateOf(clock(), zone).slice(0, 4));
    const earliest = year - MAX_HISTORY_YEARS;
    const [policies, [ledger, requests]] = await Promise.all([
      repository.listPolicies(db),
      loadHistory(db, userId, earliest, year),
    ]);
    const balances: TimeOffBalance[] = [];
    for (const policy of policies) {
      const calendar = await calendarOf(policy, zone);
      const { accrued, taken, pending } = usageOf(policy, calendar, zone, ledger, requests, earliest, year);
      const firstYear = Math.min(year, ...accrued.keys(), ...taken.keys());
      balances.push({
        requestType: policy.requestType,
        ...rollBalance(year, firstYear, accrued, taken, policy.carryForwardMaxDays),
        pending: pending.get(year) ?? 0,
        annualDays: policy.annualDays,
        carryForwardMaxDays: policy.carryForwardMaxDays,
        allowNegativeBalance: policy.allowNegativeBalance,
      });
    }
    return { person, year, balances };
  }

  /** The working days of a request as its policy's calendar counts them now. */
  async function workingDays(actor: Actor, id: number): Promise<string[]> {
    const row = await visibleRow(db, actor, id);
    const [person, policy] = await Promise.all([
      personOf(row.userId),
      repository.policyByType(db, row.requestType),
    ]);
    return workingDates(
      await calendarOf(policy ?? { calendarId: null, requestType: row.requestType }, person.user.timeZone),
      row.startDate,
      row.endDate,
      person.user.timeZone,
    );
  }

  return { checkBalance, balances, workingDays };
}

export type TimeoffBalanceService = ReturnType<typeof createTimeoffBalance>;

import { createTimeoffApproval } from './workforce.timeoff.approval.ts';
import { createTimeoffBalance } from './workforce.timeoff.balance.ts';
import { createTimeoffContext, type TimeoffDeps } from './workforce.timeoff.context.ts';
import { createTimeoffPolicies } from './workforce.timeoff.policies.ts';
import { createTimeoffRequests } from './workforce.timeoff.requests.ts';

export type { DecisionOptions } from './workforce.timeoff.approval.ts';
export type { TimeOffBalance, TimeoffBalanceService } from './workforce.timeoff.balance.ts';
export type { EventOccurrence, TimeoffDeps, TimeOffRequestView } from './workforce.timeoff.context.ts';
export type { LedgerInput, PolicyInput } from './workforce.timeoff.policies.ts';
export type { RequestInput } from './workforce.timeoff.requests.ts';
export {
  MAX_HISTORY_YEARS,
  rollBalance,
  shortfall,
  weekdayCalendar,
  workingDates,
  type OpenInterval,
  type WorkingCalendar,
  type YearBalance,
} from './workforce.timeoff.rules.ts';

/**
 * Time off: requests (workforce.timeoff.requests.ts), their approval
 * (.approval.ts), balances derived from the ledger and the calendar (.balance.ts),
 * and the policies and ledger admins keep (.policies.ts). A request and an approval
 * check the balance, and an approval the schedule, under the person's schedule lock.
 */
export function createTimeoffService(deps: TimeoffDeps) {
  const context = createTimeoffContext(deps);
  const balance = createTimeoffBalance(context);
  const { balances, workingDays } = balance;
  return {
    hydrate: context.hydrate,
    ...createTimeoffRequests(context, balance),
    ...createTimeoffApproval(context, balance),
    balances,
    workingDays,
    ...createTimeoffPolicies(context),
  };
}

export type TimeoffService = ReturnType<typeof createTimeoffService>;

import type { Static } from '@sinclair/typebox';
import { presentProfileV1, type Person } from '../identity/index.ts';
import type { TimeOffLedgerEntry, TimeOffPolicy, TimeOffRequest } from './workforce.tables.ts';
import { personRef } from './workforce.timeclock.presenters.ts';
import type {
  BalancesV2,
  ConflictV2,
  LedgerEntryV2,
  PolicyV2,
  TimeOffRequestV1,
  TimeOffRequestV2,
} from './workforce.timeoff.schemas.ts';
import type { EventOccurrence, TimeOffBalance, TimeOffRequestView } from './workforce.timeoff.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export const TIME_OFF_LABELS: Record<
  TimeOffRequest['status'],
  'Pending' | 'Approved' | 'Rejected' | 'Cancelled'
> = {
  pending: 'Pending',
  approved: 'Approved',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
};

export const presentTimeOffV1 = (view: TimeOffRequestView): Static<typeof TimeOffRequestV1> => ({
  id: view.id,
  user: view.person ? presentProfileV1(view.person) : null,
  request_type: view.requestType,
  start_date: view.startDate,
  end_date: view.endDate,
  reason: view.reason,
  status: TIME_OFF_LABELS[view.status],
  approved_by: view.approver ? presentProfileV1(view.approver) : null,
  approved_at: iso(view.approvedAt),
  version: view.version,
  created_at: view.createdAt.toISOString(),
  updated_at: view.updatedAt.toISOString(),
});

export const presentTimeOffV2 = (view: TimeOffRequestView): Static<typeof TimeOffRequestV2> => ({
  id: view.id,
  user: personRef(view.person),
  request_type: view.requestType,
  start_date: view.startDate,
  end_date: view.endDate,
  reason: view.reason,
  status: view.status,
  approved_by: personRef(view.approver),
  approved_at: iso(view.approvedAt),
  decision_note: view.decisionNote,
  version: view.version,
  created_at: view.createdAt.toISOString(),
  updated_at: view.updatedAt.toISOString(),
});

export const presentConflict = (occurrence: EventOccurrence): Static<typeof ConflictV2> => ({
  event_id: occurrence.eventId,
  user_id: occurrence.userId,
  title: occurrence.title,
  starts_at: occurrence.startsAt.toISOString(),
  ends_at: occurrence.endsAt.toISOString(),
});

export const presentBalances = (result: {
  person: Person;
  year: number;
  balances: TimeOffBalance[];
}): Static<typeof BalancesV2> => ({
  user: personRef(result.person) ?? { id: result.person.user.id, username: '', full_name: '' },
  year: result.year,
  balances: result.balances.map((balance) => ({
    request_type: balance.requestType,
    accrued: balance.accrued,
    carried_forward: balance.carriedForward,
    taken: balance.taken,
    pending: balance.pending,
    remaining: balance.remaining,
    annual_days: balance.annualDays,
    carry_forward_max_days: balance.carryForwardMaxDays,
    allow_negative_balance: balance.allowNegativeBalance,
  })),
});

export const presentPolicy = (policy: TimeOffPolicy): Static<typeof PolicyV2> => ({
  id: policy.id,
  request_type: policy.requestType,
  annual_days: policy.annualDays,
  carry_forward_max_days: policy.carryForwardMaxDays,
  calendar_id: policy.calendarId,
  allow_negative_balance: policy.allowNegativeBalance,
  version: policy.version,
  created_at: policy.createdAt.toISOString(),
  updated_at: policy.updatedAt.toISOString(),
});

export const presentLedgerEntry = (entry: TimeOffLedgerEntry): Static<typeof LedgerEntryV2> => ({
  id: entry.id,
  user_id: entry.userId,
  request_type: entry.requestType,
  year: entry.year,
  kind: entry.kind,
  days: entry.days,
  note: entry.note,
  created_by: entry.createdBy,
  created_at: entry.createdAt.toISOString(),
});

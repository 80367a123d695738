import { Type, type Static } from '@sinclair/typebox';
import { DateOnly, DateTime, Nullable, RelationInput, Version } from '../../platform/http/schemas.ts';
import { ProfileV1 } from '../identity/index.ts';
import { PersonRef } from './workforce.timeclock.schemas.ts';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const RequestType = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'A type with a policy, e.g. Vacation.',
});
const Reason = Type.String({ maxLength: 5000 });
const Days = Type.Number({ minimum: -366, maximum: 366 });
const Year = Type.Integer({ minimum: 1970, maximum: 9999 });

// v1: the Broadcast Management System contract.

const timeOffV1Fields = {
  id: Type.Integer(),
  user: Nullable(ProfileV1),
  request_type: Type.String(),
  start_date: DateOnly,
  end_date: DateOnly,
  reason: Type.String(),
  status: Type.Union(['Pending', 'Approved', 'Rejected', 'Cancelled'].map((value) => Type.Literal(value))),
  approved_by: Nullable(ProfileV1),
  approved_at: Nullable(DateTime),
  version: Type.Integer(),
  created_at: DateTime,
  updated_at: DateTime,
};

export const TimeOffRequestV1 = Type.Object(timeOffV1Fields, { title: 'TimeOffRequestV1' });

export const ConflictV2 = Type.Object({
  event_id: Type.Integer(),
  user_id: Type.Integer(),
  title: Type.String(),
  starts_at: DateTime,
  ends_at: DateTime,
});

/** A v1 write answers the request; an approval adds the person's events that now conflict. */
export const TimeOffRequestV1Reply = Type.Object({
  ...timeOffV1Fields,
  conflicts: Type.Optional(Type.Array(ConflictV2)),
});

export const TimeOffRequestV1Body = Type.Object(
  {
    user: Type.Optional(RelationInput),
    user_id: Type.Optional(Nullable(Id)),
    request_type: Type.Optional(RequestType),
    start_date: Type.Optional(DateOnly),
    end_date: Type.Optional(DateOnly),
    reason: Type.Optional(Nullable(Reason)),
    status: Type.Optional(
      Type.String({ maxLength: 40, description: 'As displayed ("Approved") or stored ("approved").' }),
    ),
    version: Type.Optional(Version),
  },
  { additionalProperties: true },
);
export type TimeOffRequestV1Body = Static<typeof TimeOffRequestV1Body>;

// v2

export const TimeOffRequestV2 = Type.Object(
  {
    id: Type.Integer(),
    user: Nullable(PersonRef),
    request_type: Type.String(),
    start_date: DateOnly,
    end_date: DateOnly,
    reason: Type.String(),
    status: Type.Union(['pending', 'approved', 'rejected', 'cancelled'].map((value) => Type.Literal(value))),
    approved_by: Nullable(PersonRef),
    approved_at: Nullable(DateTime),
    decision_note: Type.String(),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'TimeOffRequestV2' },
);

export const TimeOffCreateBody = Type.Object(
  {
    user_id: Type.Optional(Id),
    request_type: RequestType,
    start_date: DateOnly,
    end_date: DateOnly,
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const TimeOffUpdateBody = Type.Partial(
  Type.Object({ request_type: RequestType, start_date: DateOnly, end_date: DateOnly, reason: Reason }),
  { additionalProperties: false },
);

export const DecisionBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

export const ApprovalV2 = Type.Object({ request: TimeOffRequestV2, conflicts: Type.Array(ConflictV2) });

export const WorkingDaysV2 = Type.Object({ count: Type.Integer(), dates: Type.Array(DateOnly) });

export const BalancesQuery = Type.Object(
  {
    user: Type.Optional(Id),
    year: Type.Optional(Year),
  },
  { additionalProperties: false },
);

export const BalancesV2 = Type.Object({
  user: PersonRef,
  year: Type.Integer(),
  balances: Type.Array(
    Type.Object({
      request_type: Type.String(),
      accrued: Type.Number(),
      carried_forward: Type.Number(),
      taken: Type.Number(),
      pending: Type.Number(),
      remaining: Type.Number(),
      annual_days: Type.Number(),
      carry_forward_max_days: Type.Number(),
      allow_negative_balance: Type.Boolean(),
    }),
  ),
});

export const PolicyV2 = Type.Object(
  {
    id: Type.Integer(),
    request_type: Type.String(),
    annual_days: Type.Number(),
    carry_forward_max_days: Type.Number(),
    calendar_id: Nullable(Type.Integer()),
    allow_negative_balance: Type.Boolean({
      description:
        'Whether requests may take more days than the balance holds; otherwise they are refused (400).',
    }),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'TimeOffPolicyV2' },
);

const policyFields = {
  request_type: RequestType,
  annual_days: Type.Number({ minimum: 0, maximum: 366 }),
  carry_forward_max_days: Type.Number({ minimum: 0, maximum: 366 }),
  calendar_id: Nullable(Id),
  allow_negative_balance: Type.Boolean(),
};

export const PolicyCreateBody = Type.Object(
  { ...Type.Partial(Type.Object(policyFields)).properties, request_type: RequestType },
  { additionalProperties: false },
);
export const PolicyUpdateBody = Type.Partial(Type.Object(policyFields), { additionalProperties: false });

export const LedgerEntryV2 = Type.Object(
  {
    id: Type.Integer(),
    user_id: Type.Integer(),
    request_type: Type.String(),
    year: Type.Integer(),
    kind: Type.Union([Type.Literal('accrual'), Type.Literal('adjustment')]),
    days: Type.Number(),
    note: Type.String(),
    created_by: Nullable(Type.Integer()),
    created_at: DateTime,
  },
  { title: 'TimeOffLedgerEntryV2' },
);

export const LedgerCreateBody = Type.Object(
  {
    user_id: Id,
    request_type: RequestType,
    year: Year,
    kind: Type.Union([Type.Literal('accrual'), Type.Literal('adjustment')]),
    days: Type.Optional(Days),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  {
    additionalProperties: false,
    description:
      "Days granted (negative: withdrawn). An accrual without days grants the policy's annual days.",
  },
);

import { Type, type TSchema } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';

const literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((value) => Type.Literal(value)),
    { description },
  );

const Bound = (description: string) =>
  Type.String({
    maxLength: 64,
    description: `${description} An ISO 8601 date (its midnight) or date-time; without an offset it is read in time_zone.`,
  });
const rangeQuery = {
  from: Type.Optional(Bound('Start of the range (inclusive); default 30 days before `to`.')),
  to: Type.Optional(Bound('End of the range (exclusive); default the end of today.')),
  time_zone: Type.Optional(
    Type.String({ maxLength: 64, description: 'IANA zone for dates and periods; default UTC.' }),
  ),
};
const breakdown = ['priority', 'department', 'kind'] as const;

export const ComplianceQuery = Type.Object(
  {
    ...rangeQuery,
    group_by: Type.Optional(literals(['priority', 'department', 'period', 'kind'], 'Default priority.')),
    period: Type.Optional(
      literals(['day', 'week', 'month'], 'With group_by=period: days, ISO weeks or months; default week.'),
    ),
  },
  { additionalProperties: false },
);
export const ResponseTimesQuery = Type.Object(
  { ...rangeQuery, group_by: Type.Optional(literals(breakdown, 'Default priority.')) },
  { additionalProperties: false },
);
export const BacklogQuery = Type.Object(
  {
    group_by: Type.Optional(literals(['priority', 'department'], 'Without it, only the totals are given.')),
  },
  { additionalProperties: false },
);
export const WorkloadQuery = Type.Object({}, { additionalProperties: false });

const rangeFields = {
  from: DateTime,
  to: DateTime,
  time_zone: Type.String(),
};
const group = <T extends Record<string, TSchema>>(fields: T) =>
  Type.Object({
    key: Nullable(
      Type.String({
        description:
          "The group's value: a priority or kind code, a department id, or the first local date of a period.",
      }),
    ),
    label: Type.String(),
    ...fields,
  });

const ComplianceV2 = Type.Object({
  total: Type.Integer({ description: 'Tickets measured against the target.' }),
  met: Type.Integer(),
  breached: Type.Integer(),
  percent: Nullable(Type.Number({ description: 'met / total in percent, 2 decimals; null when none.' })),
});
const complianceFields = { resolution: ComplianceV2, first_response: ComplianceV2 };

export const ComplianceReportV2 = Type.Object(
  {
    ...rangeFields,
    group_by: Type.String(),
    period: Nullable(Type.String()),
    groups: Type.Array(group(complianceFields)),
    total: Type.Object(complianceFields),
  },
  {
    title: 'SlaComplianceReportV2',
    description:
      'Resolution: tickets resolved in the range that had a resolution target. First response: tickets ' +
      'first responded to in the range that had a first-response target. Met: the target was not breached.',
  },
);

const DurationV2 = Type.Object({
  count: Type.Integer({ description: 'Tickets the duration is known for.' }),
  mean_seconds: Nullable(Type.Number()),
  median_seconds: Nullable(Type.Number()),
});
const timesFields = {
  tickets: Type.Integer({ description: 'Tickets created in the range.' }),
  first_response: DurationV2,
  resolution: DurationV2,
};
export const ResponseTimesReportV2 = Type.Object(
  {
    ...rangeFields,
    group_by: Type.String(),
    groups: Type.Array(group(timesFields)),
    total: Type.Object(timesFields),
  },
  {
    title: 'ResponseTimesReportV2',
    description: 'Wall-clock seconds from creation, over the tickets created in the range.',
  },
);

const BucketV2 = Type.Object({
  bucket: Type.String({ description: 'under_1h, 1h_4h, 4h_24h, 1d_3d, 3d_7d or over_7d.' }),
  label: Type.String(),
  open: Type.Integer(),
  breached: Type.Integer({ description: 'Open tickets that missed a target already.' }),
});
const backlogFields = { open: Type.Integer(), breached: Type.Integer(), buckets: Type.Array(BucketV2) };
export const BacklogReportV2 = Type.Object(
  {
    as_of: DateTime,
    group_by: Nullable(Type.String()),
    groups: Type.Array(group(backlogFields)),
    total: Type.Object(backlogFields),
  },
  { title: 'BacklogReportV2', description: 'Open tickets by the age of their creation at as_of.' },
);

export const WorkloadReportV2 = Type.Object(
  {
    as_of: DateTime,
    assignees: Type.Array(
      Type.Object({
        assignee_id: Nullable(Type.Integer({ description: 'Null: the unassigned tickets.' })),
        assignee: Nullable(Type.Object({ id: Type.Integer(), username: Type.String(), name: Type.String() })),
        open: Type.Integer(),
        at_risk: Type.Integer(),
        breached: Type.Integer(),
        resolved_last_7_days: Type.Integer(),
      }),
    ),
  },
  { title: 'WorkloadReportV2', description: 'Per assignee, busiest first.' },
);

import { Type, type Static } from '@sinclair/typebox';
import { DateOnly, DateTime, Nullable, RelationInput, Version } from '../../platform/http/schemas.ts';
import { Expandable, ExpandOnly } from '../../platform/http/shape.ts';
import { CustomerIdRefV2, CustomerV2 } from '../customers/index.ts';
import { ProfileV1, UserV2 } from '../identity/index.ts';
import { FacilityV1, FacilityV2 } from '../sites/index.ts';

const Text = (max: number) => Type.String({ maxLength: max });
const Title = Type.String({ minLength: 1, maxLength: 300 });
const Label = Type.String({
  maxLength: 40,
  description: 'As displayed ("In Progress") or as stored ("in_progress").',
});

// v1: the Broadcast Management System contract.

export const IncidentTypeV1 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    severity_level: Type.Integer({ minimum: 1, maximum: 4 }),
    version: Type.Integer(),
    created_at: DateTime,
  },
  { title: 'IncidentTypeV1' },
);

export const IncidentTypeBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 150 })),
    description: Type.Optional(Text(2000)),
    severity_level: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
    version: Type.Optional(Version),
  },
  { additionalProperties: true },
);
export type IncidentTypeBody = Static<typeof IncidentTypeBody>;

const ticketV1Common = {
  id: Type.Integer(),
  number: Type.String({ examples: ['INC-000042'] }),
  title: Type.String(),
  description: Type.String(),
  priority: Type.Union(['Low', 'Medium', 'High', 'Critical'].map((value) => Type.Literal(value))),
  assignee: Nullable(ProfileV1),
  facility: Nullable(FacilityV1),
  requester_customer: Nullable(Type.Integer({ description: 'Id of the customer the ticket is for.' })),
  version: Type.Integer(),
  created_at: DateTime,
  updated_at: DateTime,
};

export const IncidentTicketV1 = Type.Object(
  {
    ...ticketV1Common,
    status: Type.Union(['Open', 'In Progress', 'Resolved', 'Closed'].map((value) => Type.Literal(value))),
    incident_type: Nullable(IncidentTypeV1),
    reporter: Nullable(ProfileV1),
    resolved_at: Nullable(DateTime),
  },
  { title: 'IncidentTicketV1' },
);

export const ServiceTicketV1 = Type.Object(
  {
    ...ticketV1Common,
    status: Type.Union(['Open', 'In Progress', 'Completed', 'Cancelled'].map((value) => Type.Literal(value))),
    service_type: Nullable(Type.String()),
    requested_by: Nullable(ProfileV1),
    due_date: Nullable(DateOnly),
    completed_at: Nullable(DateTime),
  },
  { title: 'ServiceTicketV1' },
);

/** v1 ticket writes, lenient like DRF: relations by id or `{id}`, labels as displayed or stored. */
export const TicketV1Body = Type.Object(
  {
    title: Type.Optional(Title),
    description: Type.Optional(Nullable(Text(20_000))),
    status: Type.Optional(Label),
    priority: Type.Optional(Label),
    incident_type: Type.Optional(RelationInput),
    incident_type_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    reporter: Type.Optional(RelationInput),
    reporter_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    requested_by: Type.Optional(RelationInput),
    requested_by_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    assignee: Type.Optional(RelationInput),
    assignee_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    facility: Type.Optional(RelationInput),
    facility_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    requester_customer: Type.Optional(RelationInput),
    requester_customer_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    service_type: Type.Optional(Nullable(Text(150))),
    due_date: Type.Optional(Nullable(DateOnly)),
    version: Type.Optional(Version),
  },
  { additionalProperties: true },
);
export type TicketV1Body = Static<typeof TicketV1Body>;

// v2

const Kind = Type.Union([Type.Literal('incident'), Type.Literal('service')]);
const Status = Type.Union(
  ['open', 'in_progress', 'resolved', 'closed', 'completed', 'cancelled'].map((value) => Type.Literal(value)),
);
const Priority = Type.Union(['low', 'medium', 'high', 'critical'].map((value) => Type.Literal(value)));
const PersonRef = Type.Object(
  { id: Type.Integer(), username: Type.String(), full_name: Type.String() },
  { title: 'PersonRefV2' },
);
const NamedRef = Type.Object({ id: Type.Integer(), name: Type.String() }, { title: 'NamedRefV2' });

export const TicketV2 = Type.Object(
  {
    id: Type.Integer(),
    number: Type.String(),
    kind: Kind,
    title: Type.String(),
    description: Type.String(),
    status: Status,
    priority: Priority,
    incident_type: Nullable(
      Type.Object({ id: Type.Integer(), name: Type.String(), severity_level: Type.Integer() }),
    ),
    category: Nullable(NamedRef),
    subcategory: Nullable(NamedRef),
    service_type: Nullable(Type.String()),
    department: Nullable(NamedRef),
    facility: Expandable(NamedRef, FacilityV2, 'The facility; in full with `expand=facility`.'),
    reporter: Expandable(PersonRef, UserV2, 'Who reported it; the full user with `expand=reporter`.'),
    assignee: Expandable(PersonRef, UserV2, 'Who works on it; the full user with `expand=assignee`.'),
    requester_customer_id: Nullable(Type.Integer({ description: 'The customer the ticket is for.' })),
    requester_customer: ExpandOnly(
      [CustomerV2, CustomerIdRefV2],
      'The customer the ticket is for; present only with `expand=requester_customer`, and then as `GET /api/v2/customers/{id}` would answer you: in full with `customers:pii`, e-mail and phone masked with `customers:read` alone, `{id}` only without `customers:read`. Null without a requester.',
    ),
    due_date: Nullable(DateOnly),
    resolved_at: Nullable(DateTime),
    completed_at: Nullable(DateTime),
    closed_at: Nullable(DateTime),
    version: Type.Integer(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'TicketV2' },
);

const ticketFields = {
  title: Title,
  description: Text(20_000),
  status: Status,
  priority: Priority,
  incident_type_id: Nullable(Type.Integer({ minimum: 1 })),
  category_id: Nullable(Type.Integer({ minimum: 1 })),
  subcategory_id: Nullable(Type.Integer({ minimum: 1 })),
  service_type: Nullable(Text(150)),
  department_id: Nullable(Type.Integer({ minimum: 1 })),
  facility_id: Nullable(Type.Integer({ minimum: 1 })),
  reporter_id: Nullable(Type.Integer({ minimum: 1 })),
  requester_customer_id: Nullable(Type.Integer({ minimum: 1 })),
  assignee_id: Nullable(Type.Integer({ minimum: 1 })),
  due_date: Nullable(DateOnly),
};

export const TicketCreateBody = Type.Object(
  { kind: Kind, ...Type.Partial(Type.Object(ticketFields)).properties, title: Title },
  { additionalProperties: false },
);
export type TicketCreateBody = Static<typeof TicketCreateBody>;

export const TicketUpdateBody = Type.Partial(Type.Object(ticketFields), { additionalProperties: false });
export type TicketUpdateBody = Static<typeof TicketUpdateBody>;

export const BulkBody = Type.Object(
  {
    ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 500 }),
    status: Type.Optional(Status),
    priority: Type.Optional(Priority),
    assignee_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  },
  {
    additionalProperties: false,
    description: 'One change (status, priority and/or assignee) for up to 500 tickets.',
  },
);

export const BulkResult = Type.Object(
  {
    results: Type.Array(
      Type.Object({
        id: Type.Integer(),
        ok: Type.Boolean(),
        code: Type.Optional(Type.String()),
        detail: Type.Optional(Type.String()),
        ticket: Type.Optional(TicketV2),
      }),
    ),
  },
  { title: 'BulkResultV2' },
);

export const CommentV2 = Type.Object(
  {
    id: Type.Integer(),
    ticket_id: Type.Integer(),
    author: Nullable(PersonRef),
    body: Type.String(),
    internal: Type.Boolean(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'CommentV2' },
);

export const CommentBody = Type.Object(
  { body: Type.String({ minLength: 1, maxLength: 20_000 }), internal: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const AttachmentV2 = Type.Object(
  {
    id: Type.Integer(),
    ticket_id: Type.Integer(),
    filename: Type.String(),
    content_type: Type.String(),
    size: Type.Integer(),
    sha256: Type.String(),
    uploader_id: Type.Integer(),
    created_at: DateTime,
  },
  { title: 'AttachmentV2' },
);

export const DownloadLink = Type.Object(
  { url: Type.String(), expires_at: DateTime },
  { title: 'DownloadLinkV2' },
);

export const WatcherBody = Type.Object(
  { user_id: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const TicketParams = Type.Object({ id: Id });
export const CommentParams = Type.Object({ id: Id, commentId: Id });
export const WatcherParams = Type.Object({ id: Id, userId: Id });
export const AttachmentParams = Type.Object({ id: Id, attachmentId: Id });

export const HistoryEntry = Type.Object(
  {
    id: Type.Integer(),
    at: DateTime,
    actor: Type.String(),
    action: Type.String(),
    changes: Type.Record(Type.String(), Type.Object({ from: Type.Unknown(), to: Type.Unknown() })),
  },
  { title: 'HistoryEntryV2' },
);

export const IncidentTypeV2 = Type.Object(IncidentTypeV1.properties, { title: 'IncidentTypeV2' });
export const IncidentTypeCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 150 }),
    description: Type.Optional(Text(2000)),
    severity_level: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
  },
  { additionalProperties: false },
);
export const IncidentTypeUpdateBody = Type.Partial(IncidentTypeCreateBody, { additionalProperties: false });

export const CategoryV2 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    parent_id: Nullable(Type.Integer()),
    version: Type.Integer(),
    created_at: DateTime,
  },
  { title: 'CategoryV2' },
);
export const CategoryBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 150 }),
    description: Type.Optional(Text(2000)),
    parent_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  },
  { additionalProperties: false },
);

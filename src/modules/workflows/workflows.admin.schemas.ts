import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../platform/http/schemas.ts';
import { UserV2 } from '../identity/index.ts';
import { WorkflowDefinition } from './workflows.definition.ts';
import { PRIORITIES, TICKET_KINDS } from '../tickets/index.ts';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 2000 });
const Kind = Type.Union(TICKET_KINDS.map((kind) => Type.Literal(kind)));
const Priority = Type.Union(PRIORITIES.map((priority) => Type.Literal(priority)));
const Version = Type.Integer({ description: 'Bumped by every change; the ETag.' });

// Assignment roles

const roleFields = {
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  member_count: Type.Integer(),
  version: Version,
  created_at: DateTime,
  updated_at: DateTime,
};

export const AssignmentRoleV2 = Type.Object(roleFields, { title: 'AssignmentRoleV2' });

export const RoleMemberV2 = Type.Object(
  { user: UserV2, added_at: DateTime },
  { title: 'AssignmentRoleMemberV2' },
);

export const AssignmentRoleDetailV2 = Type.Object(
  { ...roleFields, members: Type.Array(RoleMemberV2, { description: 'Oldest member first.' }) },
  { title: 'AssignmentRoleDetailV2' },
);

export const RoleCreateBody = Type.Object(
  { name: Name, description: Type.Optional(Description) },
  { additionalProperties: false },
);
export const RoleUpdateBody = Type.Partial(Type.Object({ name: Name, description: Description }), {
  additionalProperties: false,
});

export const MembersBody = Type.Object(
  {
    user_ids: Type.Array(Id, {
      minItems: 1,
      maxItems: 500,
      description: 'People to add: active users who are not viewers. Members already in the role stay.',
    }),
  },
  { additionalProperties: false },
);

export const MemberParams = Type.Object({ id: Id, userId: Id });

// Assignee profiles

export const AssigneeProfileV2 = Type.Object(
  {
    user_id: Type.Integer(),
    capacity: Nullable(
      Type.Integer({ description: 'Most open tickets this person holds at once; null: no cap.' }),
    ),
    calendar_id: Nullable(
      Type.Integer({ description: "Working-hours calendar; null: the person's working hours." }),
    ),
    version: Type.Integer({
      description: 'Bumped by every change; 0 while the person has no profile (the defaults apply).',
    }),
    created_at: Nullable(DateTime),
    updated_at: Nullable(DateTime),
  },
  { title: 'AssigneeProfileV2' },
);

export const ProfileBody = Type.Object(
  {
    capacity: Nullable(Type.Integer({ minimum: 0, maximum: 100_000 })),
    calendar_id: Nullable(Id),
  },
  { additionalProperties: false },
);

export const UserIdParams = Type.Object({ userId: Id });

// Workflows

export const WorkflowV2 = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    kind: Kind,
    category_id: Nullable(Type.Integer()),
    subcategory_id: Nullable(Type.Integer()),
    department_id: Nullable(Type.Integer()),
    priority: Nullable(Priority),
    is_default: Type.Boolean({
      description: 'Applies to tickets of its kind that no other workflow matches.',
    }),
    is_active: Type.Boolean(),
    published_version: Nullable(
      Type.Integer({
        description: 'The number of the version new tickets get; null before the first publish.',
      }),
    ),
    draft_version: Nullable(Type.Integer({ description: 'The number of the draft, if there is one.' })),
    version: Type.Integer({
      description: 'Bumped by every change to the workflow or its versions; the ETag.',
    }),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'WorkflowV2' },
);

const workflowFields = {
  name: Name,
  description: Description,
  kind: Type.Union([Type.Literal('incident'), Type.Literal('service')], {
    description: 'Cannot change once a version has been published.',
  }),
  category_id: Nullable(Id),
  subcategory_id: Nullable(Id),
  department_id: Nullable(Id),
  priority: Nullable(Priority),
  is_default: Type.Boolean({ description: 'At most one default per kind.' }),
  is_active: Type.Boolean(),
};

export const WorkflowCreateBody = Type.Object(
  {
    name: Name,
    kind: workflowFields.kind,
    description: Type.Optional(Description),
    category_id: Type.Optional(workflowFields.category_id),
    subcategory_id: Type.Optional(workflowFields.subcategory_id),
    department_id: Type.Optional(workflowFields.department_id),
    priority: Type.Optional(workflowFields.priority),
    is_default: Type.Optional(workflowFields.is_default),
    is_active: Type.Optional(workflowFields.is_active),
  },
  { additionalProperties: false },
);
export const WorkflowUpdateBody = Type.Partial(Type.Object(workflowFields), { additionalProperties: false });
export type WorkflowUpdateBody = Static<typeof WorkflowUpdateBody>;

// Versions

export const WorkflowVersionV2 = Type.Object(
  {
    id: Type.Integer(),
    workflow_id: Type.Integer(),
    number: Type.Integer(),
    status: Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('retired')]),
    definition: WorkflowDefinition,
    created_by: Nullable(Type.Integer()),
    published_by: Nullable(Type.Integer()),
    published_at: Nullable(DateTime),
    created_at: DateTime,
    updated_at: DateTime,
    workflow_version: Type.Integer({
      description: "The workflow's version, which is this resource's ETag: send it in If-Match.",
    }),
  },
  { title: 'WorkflowVersionV2' },
);

export const VersionCreateBody = Type.Object(
  {
    definition: Type.Optional(WorkflowDefinition),
    from: Type.Optional(
      Type.Integer({ minimum: 1, description: "Copy this version's definition instead of sending one." }),
    ),
  },
  { additionalProperties: false, description: 'Either `definition` or `from`.' },
);

export const VersionUpdateBody = Type.Object(
  { definition: WorkflowDefinition },
  { additionalProperties: false },
);

export const VersionParams = Type.Object({
  id: Id,
  number: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});

import type { Static } from '@sinclair/typebox';
import { presentUserV2 } from '../identity/index.ts';
import type { AssigneeProfileView } from './workflows.admin.profiles.ts';
import type { WorkflowRow, WorkflowVersionRow } from './workflows.admin.repository.ts';
import type { AssignmentRoleRow } from './workflows.admin.roles.repository.ts';
import type { AssignmentRoleDetail } from './workflows.admin.roles.ts';
import type {
  AssigneeProfileV2,
  AssignmentRoleDetailV2,
  AssignmentRoleV2,
  WorkflowV2,
  WorkflowVersionV2,
} from './workflows.admin.schemas.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export const presentRoleV2 = (role: AssignmentRoleRow): Static<typeof AssignmentRoleV2> => ({
  id: role.id,
  name: role.name,
  description: role.description,
  member_count: role.memberCount,
  version: role.version,
  created_at: role.createdAt.toISOString(),
  updated_at: role.updatedAt.toISOString(),
});

export const presentRoleDetailV2 = (role: AssignmentRoleDetail): Static<typeof AssignmentRoleDetailV2> => ({
  ...presentRoleV2(role),
  members: role.members.map((member) => ({
    user: presentUserV2(member.person),
    added_at: member.addedAt.toISOString(),
  })),
});

export const presentProfileV2 = (profile: AssigneeProfileView): Static<typeof AssigneeProfileV2> => ({
  user_id: profile.userId,
  capacity: profile.capacity,
  calendar_id: profile.calendarId,
  version: profile.version,
  created_at: iso(profile.createdAt),
  updated_at: iso(profile.updatedAt),
});

export const presentWorkflowV2 = (workflow: WorkflowRow): Static<typeof WorkflowV2> => ({
  id: workflow.id,
  name: workflow.name,
  description: workflow.description,
  kind: workflow.kind,
  category_id: workflow.categoryId,
  subcategory_id: workflow.subcategoryId,
  department_id: workflow.departmentId,
  priority: workflow.priority,
  is_default: workflow.isDefault,
  is_active: workflow.isActive,
  published_version: workflow.publishedNumber,
  draft_version: workflow.draftNumber,
  version: workflow.version,
  created_at: workflow.createdAt.toISOString(),
  updated_at: workflow.updatedAt.toISOString(),
});

export const presentVersionV2 = (version: WorkflowVersionRow): Static<typeof WorkflowVersionV2> => ({
  id: version.id,
  workflow_id: version.workflowId,
  number: version.number,
  status: version.status,
  definition: version.definition,
  created_by: version.createdBy,
  published_by: version.publishedBy,
  published_at: iso(version.publishedAt),
  created_at: version.createdAt.toISOString(),
  updated_at: version.updatedAt.toISOString(),
  workflow_version: version.workflowVersion,
});

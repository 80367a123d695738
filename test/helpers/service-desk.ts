import { systemContext } from '../../src/platform/auth/actor.ts';
import type { WorkflowDefinition } from '../../src/modules/workflows/index.ts';
import type { TestApp } from './app.ts';

/** Builders for the service-desk tests: calendars, SLA policies, roles and published workflows through the services. */
export const ctx = systemContext('service-desk-test');
const nineToFive = [{ start: '09:00', end: '17:00' }];
export const officeWeek = { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive };

export async function officeCalendar(t: TestApp, name = 'Office', holidays: string[] = []) {
  const calendar = await t.services.calendars.createCalendar(ctx, {
    name,
    timeZone: 'Europe/Berlin',
    weekly: officeWeek,
  });
  for (const date of holidays)
    await t.services.calendars.addClosure(ctx, calendar.id, { kind: 'holiday', name: 'Holiday', date });
  return calendar;
}

export function slaPolicy(
  t: TestApp,
  input: {
    priority: 'low' | 'medium' | 'high' | 'critical';
    calendarId?: number | null;
    resolutionMinutes: number;
    firstResponseMinutes?: number | null;
    atRiskPercent?: number;
    escalationLevels?: { after_percent: number; raise_priority?: boolean; reassign_to_manager?: boolean }[];
  },
) {
  return t.services.slaPolicies.createPolicy(ctx, { name: `${input.priority} policy`, ...input });
}

export async function role(t: TestApp, name: string, userIds: number[]) {
  const created = await t.services.workflowAdmin.createRole(ctx, { name });
  if (userIds.length > 0) await t.services.workflowAdmin.addMembers(ctx, created.id, userIds);
  return created;
}

export async function publishedWorkflow(
  t: TestApp,
  input: {
    name: string;
    kind?: 'incident' | 'service';
    isDefault?: boolean;
    priority?: 'low' | 'medium' | 'high' | 'critical' | null;
    categoryId?: number | null;
    departmentId?: number | null;
    subcategoryId?: number | null;
  },
  definition: WorkflowDefinition,
) {
  const workflow = await t.services.workflowAdmin.createWorkflow(ctx, { kind: 'incident', ...input });
  const draft = await t.services.workflowAdmin.createDraft(ctx, workflow.id, { definition });
  await t.services.workflowAdmin.publish(ctx, workflow.id, draft.number);
  return workflow;
}

/** Triage (assigned to a role), waiting (pauses the SLA), resolved, closed. */
export const supportFlow = (
  roleId: number,
  options: { requiresAvailability?: boolean } = {},
): WorkflowDefinition => ({
  steps: [
    {
      key: 'triage',
      name: 'Triage',
      status: 'open',
      role_id: roleId,
      sla_weight: 1,
      start: true,
      requires_availability: options.requiresAvailability ?? false,
    },
    { key: 'working', name: 'Working', status: 'in_progress', role_id: roleId, sla_weight: 3 },
    { key: 'waiting', name: 'Awaiting customer', status: 'in_progress', pauses_sla: true },
    { key: 'resolved', name: 'Resolved', status: 'resolved' },
    { key: 'closed', name: 'Closed', status: 'closed' },
  ],
  transitions: [
    { action: 'start', from: 'triage', to: 'working' },
    { action: 'wait', from: 'working', to: 'waiting', required_fields: ['comment'] },
    { action: 'resume', from: 'waiting', to: 'working' },
    { action: 'resolve', from: 'working', to: 'resolved', required_fields: ['description'] },
    { action: 'close', from: 'resolved', to: 'closed' },
    { action: 'reopen', from: 'resolved', to: 'working' },
  ],
});

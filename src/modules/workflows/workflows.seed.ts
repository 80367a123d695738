import type { RequestContext } from '../../platform/auth/actor.ts';
import type { SlaPolicies } from '../sla/index.ts';
import type { WorkflowAdmin } from './workflows.admin.ts';

const id = (people: Map<string, { id: number }>, ...usernames: string[]) =>
  usernames.flatMap((username) => {
    const person = people.get(username);
    return person ? [person.id] : [];
  });

/**
 * SLA policies per priority on the office calendar (critical around the clock, with
 * escalation), the teams steps assign to, people's working hours, and one workflow per
 * kind, so the demo tickets run workflows, get fair assignments and SLA clocks.
 */
export async function seedServiceDesk(
  { workflowAdmin, slaPolicies }: { workflowAdmin: WorkflowAdmin; slaPolicies: SlaPolicies },
  ctx: RequestContext,
  calendarId: number,
  people: Map<string, { id: number }>,
): Promise<void> {
  for (const [priority, firstResponseMinutes, resolutionMinutes] of [
    ['low', 480, 2400],
    ['medium', 240, 960],
    ['high', 60, 240],
  ] as const) {
    await slaPolicies.createPolicy(ctx, {
      name: `${priority[0]?.toUpperCase() ?? ''}${priority.slice(1)} priority`,
      priority,
      calendarId,
      firstResponseMinutes,
      resolutionMinutes,
      atRiskPercent: 75,
      escalationLevels: [{ after_percent: 100, raise_priority: true }],
    });
  }
  await slaPolicies.createPolicy(ctx, {
    name: 'Critical, around the clock',
    priority: 'critical',
    firstResponseMinutes: 15,
    resolutionMinutes: 240,
    atRiskPercent: 50,
    escalationLevels: [{ after_percent: 100, reassign_to_manager: true }],
  });
  const desk = await workflowAdmin.createRole(ctx, {
    name: 'Operations desk',
    description: 'First line: triage and fix.',
  });
  await workflowAdmin.addMembers(ctx, desk.id, id(people, 'agent', 'kwame.mensah'));
  const engineering = await workflowAdmin.createRole(ctx, {
    name: 'Broadcast engineering',
    description: 'Second line.',
  });
  await workflowAdmin.addMembers(ctx, engineering.id, id(people, 'li.wei', 'sofia.rossi'));
  for (const userId of id(people, 'agent', 'kwame.mensah', 'li.wei', 'sofia.rossi'))
    await workflowAdmin.putProfile(ctx, userId, { capacity: 25, calendarId });

  const incidents = await workflowAdmin.createWorkflow(ctx, {
    name: 'Incident handling',
    description: 'Triage by the desk, fixed by the desk or engineering; waiting for others stops the clock.',
    kind: 'incident',
    isDefault: true,
  });
  const incidentDraft = await workflowAdmin.createDraft(ctx, incidents.id, {
    definition: {
      steps: [
        { key: 'triage', name: 'Triage', status: 'open', role_id: desk.id, sla_weight: 1, start: true },
        { key: 'fixing', name: 'Fixing', status: 'in_progress', role_id: desk.id, sla_weight: 3 },
        {
          key: 'engineering',
          name: 'With engineering',
          status: 'in_progress',
          role_id: engineering.id,
          sla_weight: 3,
        },
        { key: 'waiting', name: 'Waiting for a third party', status: 'in_progress', pauses_sla: true },
        { key: 'resolved', name: 'Resolved', status: 'resolved' },
        { key: 'closed', name: 'Closed', status: 'closed' },
      ],
      transitions: [
        { action: 'start', from: 'triage', to: 'fixing' },
        {
          action: 'escalate',
          name: 'Hand to engineering',
          from: 'fixing',
          to: 'engineering',
          required_fields: ['comment'],
        },
        { action: 'wait', from: 'fixing', to: 'waiting', required_fields: ['comment'] },
        { action: 'wait', from: 'engineering', to: 'waiting', required_fields: ['comment'] },
        { action: 'resume', from: 'waiting', to: 'fixing' },
        { action: 'resolve', from: 'fixing', to: 'resolved', required_fields: ['description'] },
        { action: 'resolve', from: 'engineering', to: 'resolved', required_fields: ['description'] },
        { action: 'reopen', from: 'resolved', to: 'fixing' },
        { action: 'close', from: 'resolved', to: 'closed' },
        { action: 'close', from: 'triage', to: 'closed' },
      ],
    },
  });
  await workflowAdmin.publish(ctx, incidents.id, incidentDraft.number);

  const requests = await workflowAdmin.createWorkflow(ctx, {
    name: 'Service requests',
    description: 'Taken by the desk, done or cancelled.',
    kind: 'service',
    isDefault: true,
  });
  const requestDraft = await workflowAdmin.createDraft(ctx, requests.id, {
    definition: {
      steps: [
        { key: 'new', name: 'New', status: 'open', role_id: desk.id, sla_weight: 1, start: true },
        { key: 'doing', name: 'In progress', status: 'in_progress', role_id: desk.id, sla_weight: 4 },
        { key: 'completed', name: 'Completed', status: 'completed' },
        { key: 'cancelled', name: 'Cancelled', status: 'cancelled' },
      ],
      transitions: [
        { action: 'take', from: 'new', to: 'doing' },
        { action: 'complete', from: 'doing', to: 'completed' },
        { action: 'cancel', from: 'new', to: 'cancelled' },
        { action: 'cancel', from: 'doing', to: 'cancelled' },
        { action: 'return', from: 'doing', to: 'new' },
      ],
    },
  });
  await workflowAdmin.publish(ctx, requests.id, requestDraft.number);
}

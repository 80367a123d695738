import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import {
  ctx,
  officeCalendar,
  publishedWorkflow,
  role,
  slaPolicy,
  supportFlow,
} from '../../../test/helpers/service-desk.ts';
import type { NewTicketItem } from './tickets.batch.ts';

/**
 * Many tickets created in one batch end exactly where the same tickets created one by
 * one end: numbers, statuses, assignees (fair assignment, capacity, queueing), workflow
 * runs and match traces, SLA clocks (business-hours due times, step budgets, pauses),
 * ledgers, assignment decisions, notifications and audit entries. Two databases set up
 * alike, one clock, the same inputs; one through `create`, one through `insertMany`.
 */
const clock = new Date('2026-11-23T16:30:00+01:00');

async function serviceDesk(t: TestApp) {
  const agents = [];
  for (let index = 0; index < 4; index += 1)
    agents.push((await t.user({ role: 'agent', department: 'Support' })).user.id);
  const network = await t.services.ticketReference.createCategory(ctx, { name: 'Network' });
  const wifi = await t.services.ticketReference.createCategory(ctx, { name: 'Wi-Fi', parentId: network.id });
  const calendar = await officeCalendar(t);
  await slaPolicy(t, {
    priority: 'high',
    calendarId: calendar.id,
    resolutionMinutes: 480,
    firstResponseMinutes: 60,
  });
  await slaPolicy(t, {
    priority: 'critical',
    resolutionMinutes: 120,
    escalationLevels: [{ after_percent: 50 }],
  });
  const desk = await role(t, 'Service desk', agents);
  const networkTeam = await role(t, 'Network team', agents.slice(0, 2));
  // One of the network team takes at most two open tickets: the rest of its work queues.
  await t.services.workflowAdmin.putProfile(ctx, agents[0] as number, { capacity: 2, calendarId: null });
  await t.services.workflowAdmin.putProfile(ctx, agents[1] as number, { capacity: 1, calendarId: null });
  await publishedWorkflow(t, { name: 'Incidents', isDefault: true }, supportFlow(desk.id));
  await publishedWorkflow(t, { name: 'Network', categoryId: network.id }, supportFlow(networkTeam.id));
  // Service tickets start in a waiting step (the clock paused) and in progress: the one-ticket path.
  await publishedWorkflow(
    t,
    { name: 'Requests', kind: 'service', isDefault: true },
    {
      steps: [
        {
          key: 'waiting',
          name: 'Waiting',
          status: 'in_progress',
          pauses_sla: true,
          sla_weight: 1,
          start: true,
        },
        { key: 'done', name: 'Done', status: 'completed' },
      ],
      transitions: [{ action: 'finish', from: 'waiting', to: 'done' }],
    },
  );
  return { agents, network: network.id, wifi: wifi.id };
}

function inputs({ agents, network, wifi }: Awaited<ReturnType<typeof serviceDesk>>): NewTicketItem[] {
  const priorities = ['low', 'medium', 'high', 'critical'] as const;
  return Array.from({ length: 40 }, (_, index): NewTicketItem => {
    const priority = priorities[index % 4] as (typeof priorities)[number];
    // Service tickets start in progress: the one-ticket path, between the batched ones.
    if (index % 10 === 9 || index % 11 === 0)
      return { kind: 'service', input: { title: `Request ${index}`, priority } };
    return {
      kind: 'incident',
      input: {
        title: `Incident ${index}`,
        priority,
        ...(index % 3 === 0 && { categoryId: network }),
        ...(index % 6 === 0 && { subcategoryId: wifi }),
        ...(index % 7 === 0 && { assigneeId: agents[3] }),
      },
    };
  });
}

async function outcome(t: TestApp) {
  const rows = async (query: ReturnType<typeof sql>) => (await t.database.db.execute(query)).rows;
  return {
    tickets: await rows(
      sql`select id, kind, number, title, status, priority, category_id, assignee_id, reporter_id, department_id, version from tickets order by id`,
    ),
    clocks: await rows(
      sql`select ticket_id, policy_id, calendar_id, priority, assignee_id, started_at, first_response_due_at, resolution_due_at,
            status, paused_since, step_key, step_budget_ms, step_due_at, next_check_at, version from ticket_slas order by ticket_id`,
    ),
    ledger: await rows(
      sql`select ticket_id, at, kind, details, actor_id from sla_ledger order by ticket_id, id`,
    ),
    escalations: await rows(
      sql`select ticket_id, metric, stage, actions from sla_escalations order by 1, 2, 3`,
    ),
    runs: await rows(
      sql`select ticket_id, workflow_id, version_id, step_key, step_entered_at, finished_at, trace, version from ticket_workflows order by ticket_id`,
    ),
    assignments: await rows(
      sql`select ticket_id, user_id, role_id, step_key, method, reason, details, actor_id from ticket_assignments order by ticket_id, id`,
    ),
    queue: await rows(
      sql`select ticket_id, role_id, step_key, reason from assignment_queue order by ticket_id`,
    ),
    pointers: await rows(sql`select role_id, last_user_id from assignment_pointers order by role_id`),
    notifications: await rows(
      sql`select user_id, kind, title, body, ticket_id from notifications order by ticket_id, id`,
    ),
    audit: await rows(
      sql`select action, resource_id, before - 'updatedAt' - 'createdAt' as before, after - 'updatedAt' - 'createdAt' as after
          from audit_log where resource_type = 'ticket' order by resource_id::int, id`,
    ),
  };
}

describe('tickets created in a batch and one by one', () => {
  // Entries are compared per ticket, in order: a batch writes each table once, so ids interleave differently.
  let single: TestApp;
  let batch: TestApp;

  beforeAll(async () => {
    [single, batch] = await Promise.all([
      createTestApp({}, undefined, { now: () => clock }),
      createTestApp({}, undefined, { now: () => clock }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([single.close(), batch.close()]);
  });

  it('end in the same state: numbers, clocks, workflows, fair assignment, queue, audit', async () => {
    const items = inputs(await serviceDesk(single));
    expect(inputs(await serviceDesk(batch))).toEqual(items);

    for (const { kind, input } of items) await single.services.tickets.create(ctx, kind, input);

    const { tickets } = batch.services;
    const prepared = await tickets.prepareMany(ctx, items);
    const created = await batch.database.db.transaction((tx) => tickets.insertMany(tx, ctx, prepared));
    expect(created.every((result) => result.ticket)).toBe(true);

    const [expected, actual] = await Promise.all([outcome(single), outcome(batch)]);
    expect(actual.tickets).toEqual(expected.tickets);
    expect(actual.clocks).toEqual(expected.clocks);
    expect(actual.ledger).toEqual(expected.ledger);
    expect(actual.escalations).toEqual(expected.escalations);
    expect(actual.runs).toEqual(expected.runs);
    expect(actual.assignments).toEqual(expected.assignments);
    expect(actual.queue).toEqual(expected.queue);
    expect(actual.pointers).toEqual(expected.pointers);
    expect(actual.notifications).toEqual(expected.notifications);
    expect(actual.audit).toEqual(expected.audit);

    // The scenario exercises what it claims: business-hours due times, queueing, a capped member, a paused clock.
    expect(expected.queue.length).toBeGreaterThan(0);
    expect(new Set(expected.tickets.map((row) => row.assignee_id)).size).toBeGreaterThan(3);
    expect(expected.clocks.some((row) => row.status === 'paused')).toBe(true);
    expect(expected.clocks.some((row) => row.calendar_id !== null && row.resolution_due_at !== null)).toBe(
      true,
    );
  }, 120_000);

  it('reports each invalid row with its fields and writes nothing of it', async () => {
    const { tickets } = batch.services;
    const prepared = await tickets.prepareMany(ctx, [
      { kind: 'incident', input: { title: 'Fine' } },
      { kind: 'incident', input: { title: 'Bad type', incidentTypeId: 999_999, facilityId: 999_999 } },
      { kind: 'service', input: { title: 'Bad status', status: 'resolved' } },
    ]);
    const before = await batch.database.db.execute(sql`select count(*)::int as n from tickets`);
    const refused = await batch.database.db.transaction((tx) =>
      tickets.insertMany(tx, ctx, prepared, { allOrNothing: true }),
    );
    expect(refused.map((result) => result.errors)).toEqual([
      {},
      {
        facility_id: ['Invalid pk "999999" - object does not exist.'],
        incident_type_id: ['Invalid pk "999999" - object does not exist.'],
      },
      { status: ['A new ticket starts open or in progress.'] },
    ]);
    const after = await batch.database.db.execute(sql`select count(*)::int as n from tickets`);
    expect(after.rows).toEqual(before.rows);
  });
});

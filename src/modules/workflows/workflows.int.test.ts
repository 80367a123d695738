import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import {
  ctx,
  officeCalendar,
  publishedWorkflow,
  role,
  supportFlow,
} from '../../../test/helpers/service-desk.ts';
import { runDueJobs } from '../../platform/jobs/worker.ts';
import { allJobs } from '../index.ts';

let clock = new Date('2026-11-23T10:00:00+01:00');

interface AssignmentBody {
  user_id: number | null;
  method: string;
  reason: string;
  details: { skipped: { user_id: number; why: string }[] };
}

describe('fair assignment', () => {
  let t: TestApp;
  let roleId: number;
  let agents: number[];
  let admin: Browser;

  beforeAll(async () => {
    // The burst below queues for the pool far longer than a request would: it measures
    // fairness, not latency, so a busy machine must not turn its wait into a 503 or a
    // test timeout.
    t = await createTestApp({ DATABASE_CONNECT_TIMEOUT_MS: '60000' }, undefined, { now: () => clock });
    admin = await t.login(await t.user({ role: 'admin' }));
    agents = [];
    for (let index = 0; index < 5; index += 1)
      agents.push((await t.user({ role: 'agent', department: 'Support' })).user.id);
    roleId = (await role(t, 'Service desk', agents)).id;
    await publishedWorkflow(t, { name: 'Incidents', isDefault: true }, supportFlow(roleId));
  });
  afterAll(async () => {
    await t.close();
  });

  const openLoad = async () => {
    const rows = await t.database.db.execute<{ assignee_id: number; open: number }>(
      sql`select assignee_id, count(*)::int as open from tickets where status in ('open', 'in_progress') and assignee_id is not null group by assignee_id`,
    );
    return new Map(rows.rows.map((row) => [row.assignee_id, row.open]));
  };

  it('spreads 500 tickets created at once over 5 available agents: 100 each, plus or minus 1', async () => {
    // All 500 race; at most a few dozen wait at once for one of the pool's 12 connections, so the
    // database sees 12 competing transactions either way, and no request times out in the queue.
    const pending = Array.from({ length: 500 }, (_, index) => index);
    await Promise.all(
      Array.from({ length: 48 }, async () => {
        for (let index = pending.shift(); index !== undefined; index = pending.shift())
          await t.services.tickets.create(ctx, 'incident', { title: `Burst ${index}`, priority: 'medium' });
      }),
    );
    const load = await openLoad();
    expect([...load.keys()].sort()).toEqual([...agents].sort());
    for (const agent of agents) {
      expect(load.get(agent)).toBeGreaterThanOrEqual(99);
      expect(load.get(agent)).toBeLessThanOrEqual(101);
    }
  }, 180_000);

  it('skips people on leave and at capacity, says so, and round-robins among ties', async () => {
    const [onLeave, capped, ...rest] = agents as [number, number, ...number[]];
    await t.database.db.execute(
      sql`insert into time_off_requests (user_id, request_type, start_date, end_date, status) values (${onLeave}, 'vacation', '2026-11-20', '2026-11-30', 'approved')`,
    );
    await t.services.workflowAdmin.putProfile(ctx, capped, { capacity: 1, calendarId: null });
    const before = await openLoad();
    const created = [];
    for (let index = 0; index < 3; index += 1)
      created.push(
        await t.services.tickets.create(ctx, 'incident', { title: `After leave ${index}`, priority: 'low' }),
      );
    const assignees = created.map((ticket) => ticket.assigneeId);
    expect(assignees.every((id) => id !== null && rest.includes(id))).toBe(true);
    // Three tickets over three tied agents (all at 100): one each, in turn.
    expect(new Set(assignees).size).toBe(3);
    const after = await openLoad();
    expect(after.get(onLeave)).toBe(before.get(onLeave));

    const response = await admin.get(`/api/v2/tickets/${created[0]!.id}/assignments`);
    expect(response.statusCode, response.body).toBe(200);
    const [decision] = response.json<{ results: AssignmentBody[] }>().results;
    expect(decision?.method).toBe('auto');
    expect(decision?.reason).toBe(
      'least loaded of 3 available (100 open tickets); 3 tied, taken in turn; 2 skipped: 1 on leave, 1 at capacity',
    );
    expect(decision?.details.skipped).toEqual([
      { user_id: onLeave, why: 'on leave' },
      { user_id: capped, why: 'at capacity' },
    ]);
  });

  it('records a manual reassignment with who did it, in the audit log too', async () => {
    const ticket = await t.services.tickets.create(ctx, 'incident', { title: 'Move me', priority: 'low' });
    const target = agents.find((id) => id !== ticket.assigneeId)!;
    const change = await admin.patch(
      `/api/v2/tickets/${ticket.id}`,
      { assignee_id: target },
      { 'if-match': `"${ticket.version}"` },
    );
    expect(change.statusCode, change.body).toBe(200);
    const decisions = (await admin.get(`/api/v2/tickets/${ticket.id}/assignments`)).json<{
      results: AssignmentBody[];
    }>().results;
    expect(decisions.map((decision) => decision.method)).toEqual(['auto', 'manual']);
    expect(decisions[1]).toMatchObject({ user_id: target });
    expect(decisions[1]?.reason).toMatch(/^assigned by /);
    const history = await t.services.audit.historyOf('ticket', ticket.id);
    expect(
      history.some(
        (entry) =>
          entry.action === 'ticket.updated' && (entry.after as { assigneeId?: number }).assigneeId === target,
      ),
    ).toBe(true);
  });
});

describe('availability, the queue and draining it', () => {
  let t: TestApp;
  let agentId: number;
  let roleId: number;

  beforeAll(async () => {
    // Saturday: the office calendar is closed.
    clock = new Date('2026-11-28T10:00:00+01:00');
    t = await createTestApp({}, undefined, { now: () => clock });
    const agent = await t.user({ role: 'agent' });
    agentId = agent.user.id;
    const calendar = await officeCalendar(t);
    await t.services.workflowAdmin.putProfile(ctx, agentId, { capacity: null, calendarId: calendar.id });
    roleId = (await role(t, 'On duty', [agentId])).id;
    await publishedWorkflow(
      t,
      { name: 'On duty only', isDefault: true },
      supportFlow(roleId, { requiresAvailability: true }),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('queues a ticket when nobody is on duty, and assigns it when someone clocks in', async () => {
    const ticket = await t.services.tickets.create(ctx, 'incident', {
      title: 'Weekend alarm',
      priority: 'high',
    });
    expect(ticket.assigneeId).toBeNull();
    const [queued] = await t.services.workflows.assignmentsOf(ctx.actor, ticket.id);
    expect(queued).toMatchObject({ method: 'queued', userId: null });
    expect(queued?.reason).toBe('queued to the role: nobody available of 1 member; 1 skipped: 1 off shift');
    const waiting = await t.services.workflows.queueOf(ctx.actor, roleId);
    expect(waiting).toMatchObject([
      { ticketId: ticket.id, roleId, stepKey: 'triage', requiresAvailability: true },
    ]);

    await t.services.timeclock.clockIn(
      { ...ctx, actor: { ...ctx.actor, userId: agentId, role: 'agent' } },
      {},
    );
    await runDueJobs({
      pool: t.database.pool,
      jobs: allJobs(t.services, t.database.db),
      log: pino({ level: 'silent' }),
    });
    expect((await t.services.tickets.get(ctx.actor, ticket.id)).assigneeId).toBe(agentId);
    const decisions = await t.services.workflows.assignmentsOf(ctx.actor, ticket.id);
    expect(decisions.map((decision) => decision.method)).toEqual(['queued', 'auto']);
    expect(await t.services.workflows.drainQueue()).toBe(0);
    expect(await t.services.workflows.queueOf(ctx.actor, roleId)).toEqual([]);
  });

  it('assigns within the calendar working hours without a clock-in', async () => {
    await t.services.timeclock.clockOut(
      { ...ctx, actor: { ...ctx.actor, userId: agentId, role: 'agent' } },
      {},
    );
    clock = new Date('2026-11-30T10:00:00+01:00');
    const ticket = await t.services.tickets.create(ctx, 'incident', {
      title: 'Monday morning',
      priority: 'low',
    });
    expect(ticket.assigneeId).toBe(agentId);
  });
});

describe('workflow matching and versions', () => {
  let t: TestApp;
  let agentBrowser: Browser;
  let roleId: number;

  beforeAll(async () => {
    clock = new Date('2026-11-23T10:00:00+01:00');
    t = await createTestApp({}, undefined, { now: () => clock });
    const agent = await t.user({ role: 'agent', department: 'Network' });
    agentBrowser = await t.login(agent);
    roleId = (await role(t, 'Network team', [agent.user.id])).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('picks the most specific workflow by the fallback levels and records the trace', async () => {
    const category = await t.services.ticketReference.createCategory(ctx, { name: 'Network' });
    const department = await t.services.identity.ensureDepartment(ctx, 'Network');
    await publishedWorkflow(t, { name: 'Default incidents', isDefault: true }, supportFlow(roleId));
    await publishedWorkflow(
      t,
      { name: 'Network in Network', categoryId: category.id, departmentId: department.id },
      supportFlow(roleId),
    );
    await publishedWorkflow(
      t,
      {
        name: 'Critical network',
        categoryId: category.id,
        departmentId: department.id,
        priority: 'critical',
      },
      supportFlow(roleId),
    );

    const high = await t.services.tickets.create(ctx, 'incident', {
      title: 'Switch flapping',
      priority: 'high',
      categoryId: category.id,
      departmentId: department.id,
    });
    const run = (await agentBrowser.get(`/api/v2/tickets/${high.id}/workflow`)).json<{
      trace: { level: string; workflow: { name: string }; considered: { name: string; outcome: string }[] };
      step: { key: string };
      transitions: { action: string }[];
    }>();
    expect(run.trace.level).toBe('category_department');
    expect(run.trace.workflow.name).toBe('Network in Network');
    expect(run.trace.considered).toEqual(
      expect.arrayContaining([
        {
          workflow_id: expect.any(Number),
          name: 'Critical network',
          level: null,
          outcome: 'does not apply: priority is high, the workflow wants critical',
        },
        {
          workflow_id: expect.any(Number),
          name: 'Default incidents',
          level: 'default',
          outcome: 'applies, but less specific (default)',
        },
      ]),
    );
    expect(run.step.key).toBe('triage');
    expect(run.transitions.map((transition) => transition.action)).toEqual(['start']);

    const critical = await t.services.tickets.create(ctx, 'incident', {
      title: 'Core down',
      priority: 'critical',
      categoryId: category.id,
      departmentId: department.id,
    });
    expect((await t.services.workflows.runOf(ctx.actor, critical.id)).run.trace).toMatchObject({
      level: 'partial',
      workflow: { name: 'Critical network' },
    });
    const other = await t.services.tickets.create(ctx, 'incident', {
      title: 'Kettle broken',
      priority: 'low',
    });
    expect((await t.services.workflows.runOf(ctx.actor, other.id)).run.trace).toMatchObject({
      level: 'default',
    });
  });

  it('keeps running tickets on their version when a new one is published', async () => {
    const workflow = await publishedWorkflow(
      t,
      { name: 'Service requests', kind: 'service', isDefault: true },
      {
        steps: [
          { key: 'new', name: 'New', status: 'open', role_id: roleId, start: true },
          { key: 'doing', name: 'Doing', status: 'in_progress' },
          { key: 'done', name: 'Done', status: 'completed' },
        ],
        transitions: [
          { action: 'take', from: 'new', to: 'doing' },
          { action: 'finish', from: 'doing', to: 'done' },
        ],
      },
    );
    const running = await t.services.tickets.create(ctx, 'service', {
      title: 'New laptop',
      priority: 'medium',
    });
    const draft = await t.services.workflowAdmin.createDraft(ctx, workflow.id, {
      definition: {
        steps: [
          { key: 'new', name: 'New', status: 'open', role_id: roleId, start: true },
          { key: 'approve', name: 'Approval', status: 'in_progress' },
          { key: 'done', name: 'Done', status: 'completed' },
        ],
        transitions: [
          { action: 'ask', from: 'new', to: 'approve' },
          { action: 'approve', from: 'approve', to: 'done' },
        ],
      },
    });
    await t.services.workflowAdmin.publish(ctx, workflow.id, draft.number);
    const fresh = await t.services.tickets.create(ctx, 'service', { title: 'New phone', priority: 'medium' });

    const old = await agentBrowser.post(`/api/v2/tickets/${running.id}/transitions`, { action: 'take' });
    expect(old.statusCode, old.body).toBe(200);
    expect(old.json<{ version: number }>().version).toBe(1);
    const refused = await agentBrowser.post(`/api/v2/tickets/${fresh.id}/transitions`, { action: 'take' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ detail: string }>().detail).toBe(
      '"take" is not available from step "new"; available: ask.',
    );
    expect(
      (await agentBrowser.post(`/api/v2/tickets/${fresh.id}/transitions`, { action: 'ask' })).json<{
        version: number;
      }>().version,
    ).toBe(2);
  });

  it('answers bad transition input with a 400 naming the field, and changes nothing', async () => {
    const ticket = await t.services.tickets.create(ctx, 'incident', { title: 'Bad input', priority: 'low' });
    await agentBrowser.post(`/api/v2/tickets/${ticket.id}/transitions`, { action: 'start' });
    const typed = await agentBrowser.post(`/api/v2/tickets/${ticket.id}/transitions`, {
      action: 'resolve',
      fields: { description: 'Done', facility_id: 'abc' },
    });
    expect(typed.statusCode).toBe(400);
    const missing = await agentBrowser.post(`/api/v2/tickets/${ticket.id}/transitions`, {
      action: 'resolve',
      fields: { description: 'Done', facility_id: 999_999 },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json<{ errors: { field: string }[] }>().errors.map((error) => error.field)).toEqual([
      'facility_id',
    ]);
    const unknownField = await agentBrowser.post(`/api/v2/tickets/${ticket.id}/transitions`, {
      action: 'resolve',
      fields: { title: 'sneaky' },
    });
    expect(unknownField.statusCode).toBe(400);
    const after = await t.services.tickets.get(ctx.actor, ticket.id);
    expect(after).toMatchObject({ status: 'in_progress', description: '' });
    expect((await t.services.workflows.runOf(ctx.actor, ticket.id)).run.stepKey).toBe('working');
  });

  it('follows a status set directly (v1 frontends) when a transition leads there', async () => {
    const ticket = await t.services.tickets.create(ctx, 'incident', {
      title: 'Direct status',
      priority: 'low',
    });
    const v1 = await agentBrowser.patch(`/api/incident-tickets/${ticket.id}/`, { status: 'In Progress' });
    expect(v1.statusCode, v1.body).toBe(200);
    expect((await t.services.workflows.runOf(ctx.actor, ticket.id)).run.stepKey).toBe('working');
  });
});

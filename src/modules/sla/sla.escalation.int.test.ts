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
import { connectDatabase, type DatabaseHandle } from '../../platform/db/client.ts';
import { createServices } from '../index.ts';

// Monday 18:00 in Berlin: after the agent's working hours.
let clock = new Date('2026-11-23T17:00:00Z');

describe('escalation', () => {
  let t: TestApp;
  let second: DatabaseHandle;
  let agentId: number;
  let managerId: number;

  beforeAll(async () => {
    t = await createTestApp({}, undefined, { now: () => clock });
    // A second process's pool: its own connections to the same database.
    second = connectDatabase({ url: t.config.databaseUrl!, poolMax: 6, statementTimeoutMs: 10_000 });
    agentId = (await t.user({ role: 'agent', department: 'Ops' })).user.id;
    managerId = (await t.user({ role: 'manager', department: 'Ops' })).user.id;
    const team = await role(t, 'Ops desk', [agentId]);
    // The agent works office hours; the manager has no working-hours calendar (any time).
    const office = await officeCalendar(t);
    await t.services.workflowAdmin.putProfile(ctx, agentId, { capacity: null, calendarId: office.id });
    await publishedWorkflow(t, { name: 'Ops', isDefault: true }, supportFlow(team.id));
    // Around the clock: 60 min to resolve; at risk at 75%; at 150% raise the priority and hand it to a manager.
    await slaPolicy(t, {
      priority: 'high',
      resolutionMinutes: 60,
      atRiskPercent: 75,
      escalationLevels: [{ after_percent: 150, raise_priority: true, reassign_to_manager: true }],
    });
  });
  afterAll(async () => {
    await second.close();
    await t.close();
  });

  const count = async (query: ReturnType<typeof sql>) =>
    (await t.database.db.execute<{ n: number }>(query)).rows[0]?.n ?? 0;

  it('fires each stage once per ticket with two workers racing, and escalates as the policy says', async () => {
    clock = new Date('2026-11-23T17:00:00Z');
    const department = await t.services.identity.ensureDepartment(ctx, 'Ops');
    const tickets = [];
    for (let index = 0; index < 20; index += 1)
      tickets.push(
        await t.services.tickets.create(ctx, 'incident', {
          title: `Outage ${index}`,
          priority: 'high',
          departmentId: department.id,
        }),
      );
    expect(tickets.every((ticket) => ticket.assigneeId === agentId)).toBe(true);
    const otherProcess = createServices(second, t.config, { now: () => clock });

    // 50 minutes in: past 75% of 60, not yet due.
    clock = new Date('2026-11-23T17:50:00Z');
    const [firstRun, secondRun] = await Promise.all([
      t.services.escalation.escalateDue(),
      otherProcess.escalation.escalateDue(),
    ]);
    expect(firstRun + secondRun).toBe(20);
    expect(await count(sql`select count(*)::int as n from sla_escalations where stage = 'at_risk'`)).toBe(20);
    expect(
      await count(
        sql`select count(*)::int as n from notifications where kind = 'sla.at_risk' and user_id = ${agentId}`,
      ),
    ).toBe(20);
    expect(
      await count(
        sql`select count(*)::int as n from notifications where kind = 'sla.at_risk' and user_id = ${managerId}`,
      ),
    ).toBe(20);
    expect(await count(sql`select count(*)::int as n from ticket_slas where status = 'at_risk'`)).toBe(20);
    // The agent's e-mails wait for Tuesday 09:00 Berlin; the manager's go now.
    expect(
      await count(
        sql`select count(*)::int as n from notifications where kind = 'sla.at_risk' and user_id = ${agentId} and email_state = 'scheduled' and email_at = '2026-11-24T08:00:00Z'`,
      ),
    ).toBe(20);
    expect(
      await count(
        sql`select count(*)::int as n from notifications where kind = 'sla.at_risk' and user_id = ${managerId} and email_at = ${clock}`,
      ),
    ).toBe(20);

    // Two hours in: breached (100%) and level 1 (150%) in one pass.
    clock = new Date('2026-11-23T19:00:00Z');
    await Promise.all([
      t.services.escalation.escalateDue(),
      otherProcess.escalation.escalateDue(),
      t.services.escalation.escalateDue(),
    ]);
    expect(await count(sql`select count(*)::int as n from sla_escalations`)).toBe(60);
    expect(
      await count(
        sql`select count(*)::int as n from notifications where kind = 'sla.breached' and user_id = ${agentId}`,
      ),
    ).toBe(20);
    expect(
      await count(
        sql`select count(*)::int as n from notifications where kind = 'sla.escalated' and user_id = ${managerId}`,
      ),
    ).toBe(20);
    for (const ticket of tickets) {
      const after = await t.services.tickets.get(ctx.actor, ticket.id);
      expect(after.priority).toBe('critical');
      expect(after.assigneeId).toBe(managerId);
    }
    expect(
      await count(sql`select count(*)::int as n from ticket_assignments where method = 'escalation'`),
    ).toBe(20);
    expect(await count(sql`select count(*)::int as n from sla_ledger where kind = 'escalated'`)).toBe(60);
    // Each fired stage is also a domain event, written once however many workers raced.
    for (const type of ['sla.at_risk', 'sla.breached', 'sla.escalated'])
      expect(await count(sql`select count(*)::int as n from events where type = ${type}`), type).toBe(20);
    expect(
      await count(
        sql`select count(*)::int as n from events where type = 'sla.escalated' and payload->'reassigned'->>'to' = ${String(managerId)}`,
      ),
    ).toBe(20);
    // Level 1 raised the priority to critical first: the escalation e-mails ignore working hours.
    expect(
      await count(
        sql`select count(*)::int as n from notifications where kind = 'sla.escalated' and user_id = ${agentId} and email_at = ${clock}`,
      ),
    ).toBe(20);
    expect(
      await count(
        sql`select count(*)::int as n from ticket_slas where status = 'breached' and resolution_breached`,
      ),
    ).toBe(20);
    // Nothing is left to do until a clock moves.
    expect(await count(sql`select count(*)::int as n from ticket_slas where next_check_at is not null`)).toBe(
      0,
    );
    expect(await t.services.escalation.escalateDue()).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { failure } from '../../../test/helpers/service-context.ts';
import {
  ctx,
  officeCalendar,
  publishedWorkflow,
  role,
  supportFlow,
} from '../../../test/helpers/service-desk.ts';

/** The office calendar is closed then, so nobody of a role that needs availability is. */
const SATURDAY = new Date('2026-11-28T10:00:00+01:00');

describe('deleting an assignment role', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({}, undefined, { now: () => SATURDAY });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is refused while tickets wait in its queue, also on a retired workflow version, naming them', async () => {
    const agent = await t.user({ role: 'agent' });
    const calendar = await officeCalendar(t);
    await t.services.workflowAdmin.putProfile(ctx, agent.user.id, {
      capacity: null,
      calendarId: calendar.id,
    });
    const weekend = await role(t, 'Weekend desk', [agent.user.id]);
    const workflow = await publishedWorkflow(
      t,
      { name: 'Weekend', isDefault: true },
      supportFlow(weekend.id, { requiresAvailability: true }),
    );
    const ticket = await t.services.tickets.create(ctx, 'incident', { title: 'Queued', priority: 'high' });
    expect(await t.services.workflows.queueOf(ctx.actor, weekend.id)).toMatchObject([
      { ticketId: ticket.id },
    ]);

    // A new version without the role retires the one the ticket runs on.
    const weekday = await role(t, 'Weekday desk', [agent.user.id]);
    const draft = await t.services.workflowAdmin.createDraft(ctx, workflow.id, {
      definition: supportFlow(weekday.id),
    });
    await t.services.workflowAdmin.publish(ctx, workflow.id, draft.number);

    const refused = await failure(t.services.workflowAdmin.deleteRole(ctx, weekend.id));
    expect(refused.code).toBe('WORKFLOWS_ROLE_IN_USE');
    expect(refused.message).toBe(
      `Tickets wait in this role's queue (#${ticket.id}); assign them or move them on first.`,
    );
    expect(refused.extra).toEqual({ versions: [], queued_tickets: [ticket.id] });
    expect(await t.services.workflows.queueOf(ctx.actor, weekend.id)).toMatchObject([
      { ticketId: ticket.id },
    ]);
  });
});

describe('the queue of an assignment role', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({}, undefined, { now: () => SATURDAY });
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows a manager only the queued tickets of their department; an admin all', async () => {
    const agent = await t.user({ role: 'agent' });
    const calendar = await officeCalendar(t);
    await t.services.workflowAdmin.putProfile(ctx, agent.user.id, {
      capacity: null,
      calendarId: calendar.id,
    });
    const night = await role(t, 'Night desk', [agent.user.id]);
    await publishedWorkflow(
      t,
      { name: 'Night', isDefault: true },
      supportFlow(night.id, { requiresAvailability: true }),
    );
    const playoutManager = await t.user({ role: 'manager', department: 'Playout' });
    const studioManager = await t.user({ role: 'manager', department: 'Studio' });
    const playout = await t.services.tickets.create(ctx, 'incident', {
      title: 'Playout queued',
      priority: 'high',
      departmentId: playoutManager.user.departmentId,
    });
    const studio = await t.services.tickets.create(ctx, 'incident', {
      title: 'Studio queued',
      priority: 'high',
      departmentId: studioManager.user.departmentId,
    });

    const queuedFor = async (person: Parameters<TestApp['login']>[0]) => {
      const response = await (await t.login(person)).get(`/api/v2/assignment-roles/${night.id}/queue`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ results: { ticket_id: number }[] }>().results.map((entry) => entry.ticket_id);
    };
    expect(await queuedFor(playoutManager)).toEqual([playout.id]);
    expect(await queuedFor(studioManager)).toEqual([studio.id]);
    expect(await queuedFor(await t.user({ role: 'admin' }))).toEqual([playout.id, studio.id]);
  });
});

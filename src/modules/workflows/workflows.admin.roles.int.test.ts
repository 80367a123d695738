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

describe('deleting an assignment role', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Saturday: the office calendar is closed, so nobody of a role that needs availability is.
    const saturday = new Date('2026-11-28T10:00:00+01:00');
    t = await createTestApp({}, undefined, { now: () => saturday });
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
    expect(await t.services.workflows.queueOf(weekend.id)).toMatchObject([{ ticketId: ticket.id }]);

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
    expect(await t.services.workflows.queueOf(weekend.id)).toMatchObject([{ ticketId: ticket.id }]);
  });
});

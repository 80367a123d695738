import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { ctx, publishedWorkflow, role, slaPolicy } from '../../../test/helpers/service-desk.ts';

/**
 * v1 clients (the Django-era frontends) set a status directly. A status the ticket's
 * workflow reaches by transitions the caller may take is reached by walking them, each
 * step with its history, SLA ledger entry, workflow step and assignment, in one
 * transaction; any other is refused with the reason. v2 keeps explicit transitions.
 */

interface HistoryEntry {
  action: string;
  changes: Record<string, { from: unknown; to: unknown }>;
}
interface TicketV1 {
  id: number;
  status: string;
  version: number;
  resolved_at?: string | null;
  completed_at?: string | null;
  assignee: { user: { id: number } } | null;
}

describe('v1 status changes walk the workflow', () => {
  let t: TestApp;
  let agent: Browser;
  let manager: Browser;
  let reporter: Browser;
  let workshopMemberId: number;

  beforeAll(async () => {
    t = await createTestApp();
    const agentPerson = await t.user({ role: 'agent', department: 'Desk' });
    const workshopPerson = await t.user({ role: 'agent', department: 'Workshop' });
    workshopMemberId = workshopPerson.user.id;
    agent = await t.login(agentPerson);
    manager = await t.login(await t.user({ role: 'manager', department: 'Desk' }));
    reporter = await t.login(await t.user({ role: 'viewer', department: 'Desk' }));
    const desk = await role(t, 'Desk', [agentPerson.user.id]);
    const workshop = await role(t, 'Workshop', [workshopMemberId]);
    const supervisors = await role(t, 'Supervisors', []);
    await slaPolicy(t, { priority: 'medium', resolutionMinutes: 480, firstResponseMinutes: 60 });
    await publishedWorkflow(
      t,
      { name: 'Requests', kind: 'service', isDefault: true },
      {
        steps: [
          { key: 'new', name: 'New', status: 'open', role_id: desk.id, sla_weight: 1, start: true },
          { key: 'doing', name: 'Doing', status: 'in_progress', role_id: workshop.id, sla_weight: 3 },
          { key: 'done', name: 'Done', status: 'completed' },
          { key: 'cancelled', name: 'Cancelled', status: 'cancelled' },
        ],
        transitions: [
          { action: 'take', from: 'new', to: 'doing' },
          { action: 'complete', from: 'doing', to: 'done' },
          { action: 'cancel', from: 'new', to: 'cancelled' },
          { action: 'cancel', from: 'doing', to: 'cancelled' },
        ],
      },
    );
    await publishedWorkflow(
      t,
      { name: 'Incidents', kind: 'incident', isDefault: true },
      {
        steps: [
          { key: 'triage', name: 'Triage', status: 'open', role_id: desk.id, start: true },
          { key: 'working', name: 'Working', status: 'in_progress' },
          { key: 'resolved', name: 'Resolved', status: 'resolved' },
          { key: 'closed', name: 'Closed', status: 'closed' },
        ],
        transitions: [
          { action: 'start', from: 'triage', to: 'working' },
          { action: 'resolve', from: 'working', to: 'resolved', required_fields: ['description'] },
          { action: 'close', from: 'resolved', to: 'closed' },
          { action: 'reopen', from: 'resolved', to: 'working' },
          { action: 'dismiss', from: 'triage', to: 'closed', required_role_id: supervisors.id },
        ],
      },
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const historyOf = async (id: number) => {
    const response = await manager.get(`/api/v2/tickets/${id}/history`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json<HistoryEntry[]>();
  };
  const statusSteps = (history: HistoryEntry[]) =>
    history
      .filter((entry) => entry.action === 'ticket.status_changed')
      .map((entry) => `${String(entry.changes.status?.from)}->${String(entry.changes.status?.to)}`);
  const transitions = (history: HistoryEntry[]) =>
    history
      .filter((entry) => entry.action === 'workflow.transitioned')
      .map((entry) => entry.changes.action?.to);

  it('PATCH open -> Completed on a service ticket walks open -> in progress -> completed', async () => {
    const created = await reporter.post('/api/service-tickets/', { title: 'Projector bulb' });
    expect(created.statusCode, created.body).toBe(201);
    const ticket = created.json<TicketV1>();
    expect(ticket.status).toBe('Open');

    const done = await agent.patch(`/api/service-tickets/${ticket.id}/`, {
      status: 'Completed',
      version: ticket.version,
    });
    expect(done.statusCode, done.body).toBe(200);
    const body = done.json<TicketV1>();
    expect(body.status).toBe('Completed');
    expect(body.completed_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // Entering "doing" handed the work to the workshop's member, as taking the step does.
    expect(body.assignee?.user.id).toBe(workshopMemberId);

    const history = await historyOf(ticket.id);
    expect(statusSteps(history)).toEqual(['open->in_progress', 'in_progress->completed']);
    expect(transitions(history)).toEqual(['take', 'complete']);

    const run = (await manager.get(`/api/v2/tickets/${ticket.id}/workflow`)).json<{
      step: { key: string };
      finished_at: string | null;
    }>();
    expect(run.step.key).toBe('done');
    expect(run.finished_at).not.toBeNull();

    const sla = (await manager.get(`/api/v2/tickets/${ticket.id}/sla`)).json<{
      status: string;
      resolution: { stopped_at: string | null };
      first_response: { stopped_at: string | null };
      ledger: { kind: string; details: { step?: string } }[];
    }>();
    expect(sla.status).toBe('met');
    expect(sla.resolution.stopped_at).not.toBeNull();
    expect(sla.first_response.stopped_at).not.toBeNull();
    expect(
      sla.ledger.filter((entry) => entry.kind === 'step_entered').map((entry) => entry.details.step),
    ).toEqual(['new', 'doing', 'done']);
    expect(sla.ledger.map((entry) => entry.kind)).toContain('resolved');

    const assignments = (await manager.get(`/api/v2/tickets/${ticket.id}/assignments`)).json<{
      results: { step: string | null; user_id: number | null }[];
    }>().results;
    expect(assignments).toContainEqual(expect.objectContaining({ step: 'doing', user_id: workshopMemberId }));
  });

  it('PUT works the same way; a status already held changes nothing', async () => {
    const ticket = (await reporter.post('/api/service-tickets/', { title: 'Cable run' })).json<TicketV1>();
    const same = await agent.put(`/api/service-tickets/${ticket.id}/`, {
      title: 'Cable run',
      status: 'Open',
    });
    expect(same.statusCode, same.body).toBe(200);
    expect(statusSteps(await historyOf(ticket.id))).toEqual([]);
    const done = await agent.put(`/api/service-tickets/${ticket.id}/`, {
      title: 'Cable run (two)',
      status: 'Completed',
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ title: 'Cable run (two)', status: 'Completed' });
    expect(statusSteps(await historyOf(ticket.id))).toEqual(['open->in_progress', 'in_progress->completed']);
  });

  it('incident open -> Closed walks start, resolve, close, with the fields the request gives', async () => {
    const ticket = (await reporter.post('/api/incident-tickets/', { title: 'Fader stuck' })).json<TicketV1>();
    const closed = await agent.patch(`/api/incident-tickets/${ticket.id}/`, {
      status: 'Closed',
      description: 'Cleaned the fader.',
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'Closed', description: 'Cleaned the fader.' });
    expect(closed.json<TicketV1>().resolved_at).toMatch(/^\d{4}-/);
    const history = await historyOf(ticket.id);
    expect(statusSteps(history)).toEqual(['open->in_progress', 'in_progress->resolved', 'resolved->closed']);
    expect(transitions(history)).toEqual(['start', 'resolve', 'close']);
  });

  it('incident open -> Resolved, then Closed, each by its own path', async () => {
    const ticket = (
      await reporter.post('/api/incident-tickets/', { title: 'Mic hum', description: 'Ground loop.' })
    ).json<TicketV1>();
    const resolved = await agent.patch(`/api/incident-tickets/${ticket.id}/`, { status: 'Resolved' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json<TicketV1>().resolved_at).toMatch(/^\d{4}-/);
    const closed = await agent.patch(`/api/incident-tickets/${ticket.id}/`, { status: 'Closed' });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(transitions(await historyOf(ticket.id))).toEqual(['start', 'resolve', 'close']);
  });

  it('takes the shortest path of the actions the caller may take: a manager dismisses in one step', async () => {
    const ticket = (await reporter.post('/api/incident-tickets/', { title: 'Duplicate' })).json<TicketV1>();
    const closed = await manager.patch(`/api/incident-tickets/${ticket.id}/`, { status: 'Closed' });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(transitions(await historyOf(ticket.id))).toEqual(['dismiss']);
  });

  it('refuses a status reached only through a missing field: a 400 naming it, nothing changed', async () => {
    const ticket = (await reporter.post('/api/incident-tickets/', { title: 'No notes' })).json<TicketV1>();
    const refused = await agent.patch(`/api/incident-tickets/${ticket.id}/`, { status: 'Resolved' });
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json()).toEqual({
      description: ['This field is required on the way to "resolved" (action "resolve").'],
    });
    const after = (await manager.get(`/api/incident-tickets/${ticket.id}/`)).json<TicketV1>();
    expect(after).toMatchObject({ status: 'Open', version: ticket.version });
    expect(statusSteps(await historyOf(ticket.id))).toEqual([]);
  });

  it('refuses a status no allowed path reaches with a 409 that says why', async () => {
    const ticket = (await reporter.post('/api/incident-tickets/', { title: 'Stuck' })).json<TicketV1>();
    const closed = await agent.patch(`/api/incident-tickets/${ticket.id}/`, { status: 'Closed' });
    expect(closed.statusCode, closed.body).toBe(400);
    expect(closed.json()).toEqual({
      description: ['This field is required on the way to "closed" (action "resolve").'],
    });

    const service = (await reporter.post('/api/service-tickets/', { title: 'Wrong kind' })).json<TicketV1>();
    const wrongKind = await agent.patch(`/api/service-tickets/${service.id}/`, { status: 'Resolved' });
    expect(wrongKind.statusCode, wrongKind.body).toBe(409);
    expect(wrongKind.json()).toMatchObject({
      code: 'TICKET_INVALID_TRANSITION',
      from: 'open',
      to: 'resolved',
    });
    expect(wrongKind.json<{ detail: string }>().detail).toMatch(/resolved/);
    expect(wrongKind.json<{ allowed: string[] }>().allowed.sort()).toEqual([
      'cancelled',
      'completed',
      'in_progress',
    ]);

    const finished = (
      await reporter.post('/api/service-tickets/', { title: 'Done for good' })
    ).json<TicketV1>();
    expect(
      (await agent.patch(`/api/service-tickets/${finished.id}/`, { status: 'Cancelled' })).statusCode,
    ).toBe(200);
    const reopen = await agent.patch(`/api/service-tickets/${finished.id}/`, { status: 'Open' });
    expect(reopen.statusCode).toBe(409);
    expect(reopen.json<{ detail: string; allowed: string[] }>()).toMatchObject({ allowed: [] });
    expect(reopen.json<{ detail: string }>().detail).toMatch(/final/);
  });

  it('a role the caller lacks (or a comment v1 cannot give) blocks every path: 409 that says so', async () => {
    const nightAgent = await t.user({ role: 'agent', department: 'Night' });
    const nightReporter = await t.login(await t.user({ role: 'viewer', department: 'Night' }));
    const supervisors = await role(t, 'Night supervisors', []);
    const department = await t.services.identity.ensureDepartment(ctx, 'Night');
    await publishedWorkflow(
      t,
      { name: 'Night incidents', kind: 'incident', departmentId: department.id },
      {
        steps: [
          { key: 'triage', name: 'Triage', status: 'open', start: true },
          { key: 'working', name: 'Working', status: 'in_progress' },
          { key: 'closed', name: 'Closed', status: 'closed' },
        ],
        transitions: [
          { action: 'start', from: 'triage', to: 'working' },
          { action: 'close', from: 'working', to: 'closed', required_fields: ['comment'] },
          { action: 'dismiss', from: 'triage', to: 'closed', required_role_id: supervisors.id },
        ],
      },
    );
    const ticket = (await nightReporter.post('/api/incident-tickets/', { title: 'Hum' })).json<TicketV1>();
    const refused = await (
      await t.login(nightAgent)
    ).patch(`/api/incident-tickets/${ticket.id}/`, {
      status: 'Closed',
    });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'TICKET_INVALID_TRANSITION', from: 'open', to: 'closed' });
    const { detail } = refused.json<{ detail: string }>();
    expect(detail).toContain('"dismiss" is for members of "Night supervisors" (or a manager)');
    expect(detail).toContain('"close" needs a comment (take it through /api/v2/tickets/{id}/transitions)');
    const after = await t.services.tickets.get(ctx.actor, ticket.id);
    expect(after).toMatchObject({ status: 'open', version: ticket.version });
  });

  it('v2 keeps explicit transitions: a direct jump is still refused', async () => {
    const ticket = (await reporter.post('/api/service-tickets/', { title: 'v2 client' })).json<TicketV1>();
    const response = await agent.patch(
      `/api/v2/tickets/${ticket.id}`,
      { status: 'completed' },
      { 'if-match': `"${ticket.version}"` },
    );
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      code: 'TICKET_INVALID_TRANSITION',
      from: 'open',
      to: 'completed',
    });
  });
});

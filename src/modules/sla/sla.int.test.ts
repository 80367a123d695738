import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import {
  ctx,
  officeCalendar,
  publishedWorkflow,
  role,
  slaPolicy,
  supportFlow,
} from '../../../test/helpers/service-desk.ts';
import { runDueJobs } from '../../platform/jobs/worker.ts';
import { allJobs } from '../index.ts';
import { pino } from 'pino';

/** The clock every time-driven module of the app reads; tests move it. */
let clock = new Date('2026-11-27T15:30:00Z');

interface SlaBody {
  status: string;
  resolution: {
    due_at: string | null;
    due_at_utc: string | null;
    breached: boolean;
    elapsed_minutes: number;
  };
  first_response: { due_at: string | null; stopped_at: string | null };
  step: { key: string; budget_minutes: number | null; due_at: string | null } | null;
  pauses: { from: string; to: string | null; reason: string }[];
  ledger: { kind: string }[];
  explanation: string[];
}

describe('SLA clocks on business calendars', () => {
  let t: TestApp;
  let admin: Browser;
  let policyId: number;
  let fridayTicketId: number;

  beforeAll(async () => {
    t = await createTestApp({}, undefined, { now: () => clock });
    const person = await t.user({ role: 'admin' });
    admin = await t.login(person);
    const calendar = await officeCalendar(t, 'Office hours', ['2026-12-25']);
    policyId = (
      await slaPolicy(t, {
        priority: 'high',
        calendarId: calendar.id,
        resolutionMinutes: 240,
        firstResponseMinutes: 60,
      })
    ).id;
  });
  afterAll(async () => {
    await t.close();
  });

  async function ticketAt(at: string, title = 'Printer on fire') {
    clock = new Date(at);
    return t.services.tickets.create(ctx, 'incident', { title, priority: 'high' });
  }

  async function slaOf(ticketId: number): Promise<SlaBody> {
    const response = await admin.get(`/api/v2/tickets/${ticketId}/sla`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json<SlaBody>();
  }

  it('Friday 16:30 + 4 business hours on Mon-Fri 09:00-17:00 is Monday 12:30, and says why', async () => {
    const ticket = await ticketAt('2026-11-27T16:30:00+01:00');
    fridayTicketId = ticket.id;
    const sla = await slaOf(ticket.id);
    expect(sla.resolution.due_at).toBe('2026-11-30T12:30:00+01:00');
    expect(sla.first_response.due_at).toBe('2026-11-30T09:30:00+01:00');
    expect(sla.status).toBe('on_track');
    expect(sla.explanation).toContain(
      'Counted: Fri 27 Nov 16:30–17:00 (30 min); Mon 30 Nov 09:00–12:30 (3 h 30 min).',
    );
    expect(sla.explanation.join('\n')).toMatch(/Resolution due Mon 30 Nov 2026 12:30/);
    expect(sla.explanation).toContain(
      'Not counted (outside working hours): Fri 27 Nov 2026 17:00 GMT+1 – Mon 30 Nov 2026 09:00 GMT+1.',
    );
    expect(sla.explanation.join('\n')).toMatch(
      /Policy "high policy": first response within 1 h, resolution within 4 h of business time on calendar "Office hours"/,
    );
  });

  it('counts across the autumn DST switch: Friday 16:30 CEST + 4 h is Monday 12:30 CET', async () => {
    const ticket = await ticketAt('2026-10-23T16:30:00+02:00');
    const sla = await slaOf(ticket.id);
    expect(sla.resolution.due_at).toBe('2026-10-26T12:30:00+01:00');
    expect(sla.resolution.due_at_utc).toBe('2026-10-26T11:30:00.000Z');
  });

  it('skips a holiday and names it', async () => {
    const ticket = await ticketAt('2026-12-24T16:30:00+01:00');
    const sla = await slaOf(ticket.id);
    expect(sla.resolution.due_at).toBe('2026-12-28T12:30:00+01:00');
    expect(sla.explanation.join('\n')).toMatch(/Skipped the holiday 2026-12-25 \(Holiday\)/);
  });

  it('recomputes open tickets when their calendar changes (a new holiday on the due day)', async () => {
    const ticket = await ticketAt('2027-01-08T16:30:00+01:00');
    expect((await slaOf(ticket.id)).resolution.due_at).toBe('2027-01-11T12:30:00+01:00');
    const calendarId = (
      await t.services.calendars.listCalendars({
        filters: {},
        search: undefined,
        sort: [],
        relevance: false,
        pagination: { kind: 'cursor', limit: 10, after: undefined },
      })
    ).rows[0]!.id;
    await t.services.calendars.addClosure(ctx, calendarId, {
      kind: 'holiday',
      name: 'Snow day',
      date: '2027-01-11',
    });
    await runDueJobs({
      pool: t.database.pool,
      jobs: allJobs(t.services, t.database.db),
      log: pino({ level: 'silent' }),
    });
    const sla = await slaOf(ticket.id);
    expect(sla.resolution.due_at).toBe('2027-01-12T12:30:00+01:00');
    expect(sla.ledger.map((entry) => entry.kind)).toContain('calendar_changed');
  });

  it('recomputes open tickets when their policy changes, and the ledger says so', async () => {
    const policy = await t.services.slaPolicies.getPolicy(policyId);
    await t.services.slaPolicies.updatePolicy(ctx, policyId, { resolutionMinutes: 120 }, policy.version);
    await runDueJobs({
      pool: t.database.pool,
      jobs: allJobs(t.services, t.database.db),
      log: pino({ level: 'silent' }),
    });
    const sla = await slaOf(fridayTicketId);
    // 30 min on Friday, 1 h 30 min on Monday.
    expect(sla.resolution.due_at).toBe('2026-11-30T10:30:00+01:00');
    expect(sla.ledger.map((entry) => entry.kind)).toContain('policy_changed');
  });
});

describe('SLA pauses, first response and per-step budgets', () => {
  let t: TestApp;
  let agentBrowser: Browser;
  let agentId: number;

  beforeAll(async () => {
    clock = new Date('2026-11-23T09:00:00+01:00');
    t = await createTestApp({}, undefined, { now: () => clock });
    const agent = await t.user({ role: 'agent', department: 'Support' });
    agentId = agent.user.id;
    agentBrowser = await t.login(agent);
    const calendar = await officeCalendar(t);
    await slaPolicy(t, {
      priority: 'high',
      calendarId: calendar.id,
      resolutionMinutes: 240,
      firstResponseMinutes: 60,
    });
    const support = await role(t, 'Support L1', [agentId]);
    await publishedWorkflow(t, { name: 'Support', isDefault: true }, supportFlow(support.id));
  });
  afterAll(async () => {
    await t.close();
  });

  it('pauses in a waiting step, resumes, and moves the due time by the paused business time', async () => {
    clock = new Date('2026-11-23T09:00:00+01:00');
    const ticket = await t.services.tickets.create(ctx, 'incident', {
      title: 'VPN down',
      priority: 'high',
      departmentId: null,
    });
    expect(ticket.assigneeId).toBe(agentId);
    const first = (await agentBrowser.get(`/api/v2/tickets/${ticket.id}/sla`)).json<SlaBody>();
    expect(first.resolution.due_at).toBe('2026-11-23T13:00:00+01:00');
    // Triage has weight 1 of 4: a quarter of the 4 h target.
    expect(first.step).toMatchObject({
      key: 'triage',
      budget_minutes: 60,
      due_at: '2026-11-23T10:00:00+01:00',
    });

    clock = new Date('2026-11-23T10:00:00+01:00');
    const start = await agentBrowser.post(`/api/v2/tickets/${ticket.id}/transitions`, { action: 'start' });
    expect(start.statusCode, start.body).toBe(200);
    const refused = await agentBrowser.post(`/api/v2/tickets/${ticket.id}/transitions`, { action: 'wait' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ errors: { field: string }[] }>().errors.map((error) => error.field)).toEqual([
      'comment',
    ]);
    const wait = await agentBrowser.post(`/api/v2/tickets/${ticket.id}/transitions`, {
      action: 'wait',
      comment: 'Asked for logs',
    });
    expect(wait.statusCode, wait.body).toBe(200);
    const paused = (await agentBrowser.get(`/api/v2/tickets/${ticket.id}/sla`)).json<SlaBody>();
    expect(paused.status).toBe('paused');
    expect(paused.resolution.due_at).toBeNull();
    // The move out of "open" by the agent was the first response.
    expect(paused.first_response.stopped_at).toBe('2026-11-23T10:00:00+01:00');

    clock = new Date('2026-11-24T11:00:00+01:00');
    expect(
      (await agentBrowser.post(`/api/v2/tickets/${ticket.id}/transitions`, { action: 'resume' })).statusCode,
    ).toBe(200);
    const resumed = (await agentBrowser.get(`/api/v2/tickets/${ticket.id}/sla`)).json<SlaBody>();
    // 1 h counted before the pause; 3 h left from Tuesday 11:00.
    expect(resumed.resolution.due_at).toBe('2026-11-24T14:00:00+01:00');
    expect(resumed.pauses).toEqual([
      {
        from: '2026-11-23T10:00:00+01:00',
        to: '2026-11-24T11:00:00+01:00',
        reason: 'waiting in step "Awaiting customer"',
      },
    ]);
    expect(resumed.explanation.join('\n')).toMatch(
      /Paused Mon 23 Nov 2026 10:00 .* – Tue 24 Nov 2026 11:00 .*waiting in step "Awaiting customer"/,
    );
    expect(resumed.ledger.map((entry) => entry.kind)).toEqual(
      expect.arrayContaining(['started', 'step_entered', 'first_response', 'paused', 'resumed']),
    );

    clock = new Date('2026-11-24T15:00:00+01:00');
    const resolve = await agentBrowser.post(`/api/v2/tickets/${ticket.id}/transitions`, {
      action: 'resolve',
      fields: { description: 'Rebooted the concentrator' },
    });
    expect(resolve.statusCode, resolve.body).toBe(200);
    const done = (await agentBrowser.get(`/api/v2/tickets/${ticket.id}/sla`)).json<SlaBody>();
    expect(done.status).toBe('missed');
    expect(done.resolution.breached).toBe(true);
  });
});

describe('tickets from before SLA clocks', () => {
  let t: TestApp;

  beforeAll(async () => {
    clock = new Date('2026-11-23T09:00:00Z');
    t = await createTestApp({}, undefined, { now: () => clock });
    await slaPolicy(t, { priority: 'high', resolutionMinutes: 60 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('starts the clock at creation on the first change that moves it, without escalating the past', async () => {
    const ticket = await t.services.tickets.create(ctx, 'incident', { title: 'Old one', priority: 'high' });
    await t.database.db.execute(sql`delete from ticket_slas where ticket_id = ${ticket.id}`);
    await t.database.db.execute(sql`delete from sla_ledger where ticket_id = ${ticket.id}`);
    const admin = await t.login(await t.user({ role: 'admin' }));
    const missing = await admin.get(`/api/v2/tickets/${ticket.id}/sla`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ code: string }>().code).toBe('SLA_NO_CLOCK');

    // The ticket row's created_at is the database's clock: the change comes three hours after it.
    clock = new Date(ticket.createdAt.getTime() + 3 * 3_600_000);
    await t.services.tickets.update(ctx, ticket.id, { status: 'in_progress' });
    const sla = (await admin.get(`/api/v2/tickets/${ticket.id}/sla`)).json<SlaBody>();
    expect(sla.status).toBe('breached');
    expect(sla.resolution.due_at).toBe(
      new Date(ticket.createdAt.getTime() + 3_600_000).toISOString().replace('.000Z', 'Z'),
    );
    expect(await t.services.escalation.escalateDue()).toBe(0);
    const notified = await t.database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from notifications where kind like 'sla.%'`,
    );
    expect(notified.rows[0]?.n).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, TestApp } from '../../../test/helpers/app.ts';
import { createTestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { bumpGeneration } from '../../platform/cache/generation-cache.ts';
import { ticketSlas } from '../../platform/db/schema.ts';

type NewRow = typeof ticketSlas.$inferInsert;
interface Compliance {
  total: number;
  met: number;
  breached: number;
  percent: number | null;
}
interface ComplianceReport {
  from: string;
  to: string;
  time_zone: string;
  groups: { key: string | null; label: string; resolution: Compliance; first_response: Compliance }[];
  total: { resolution: Compliance; first_response: Compliance };
}
interface Problem {
  errors?: { field: string; message: string }[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => new Date(iso);
const c = (total: number, met: number): Compliance => ({
  total,
  met,
  breached: total - met,
  percent: total ? Math.round((met * 10_000) / total) / 100 : null,
});
/** Each group of a compliance report as key -> [resolution, first response]. */
const byGroup = (report: ComplianceReport) =>
  Object.fromEntries(report.groups.map((g) => [String(g.key), [g.resolution, g.first_response]]));

describe('reports (v2)', () => {
  let t: TestApp;
  let reader: Browser;
  let network: number;
  let facilities: number;
  let alice: { id: number; username: string };
  let bob: { id: number; username: string };
  let nextId = 1;
  let now: number;

  const insert = (...rows: Omit<NewRow, 'ticketId'>[]) =>
    t.database.db.insert(ticketSlas).values(rows.map((row) => ({ ticketId: nextId++, ...row })));
  const targets = { firstResponseTargetMs: HOUR, resolutionTargetMs: 4 * HOUR };
  const march = '/api/v2/reports/sla-compliance?from=2026-03-02&to=2026-03-30';
  const marchBerlin = `${march}&time_zone=Europe/Berlin`;

  beforeAll(async () => {
    t = await createTestApp();
    // An admin reads every department's figures (a manager only their own: reports.scope.int.test.ts).
    reader = await t.login(await t.user({ role: 'admin' }));
    const ctx = systemContext('test');
    network = (await t.services.identity.ensureDepartment(ctx, 'Network')).id;
    facilities = (await t.services.identity.ensureDepartment(ctx, 'Facilities')).id;
    const a = await t.user({ role: 'agent' });
    const b = await t.user({ role: 'agent' });
    alice = { id: a.user.id, username: a.user.username };
    bob = { id: b.user.id, username: b.user.username };

    // March 2026: resolved and responded tickets with known instants (Berlin is UTC+1 until the 29th).
    await insert(
      // 1: high, Network: responded in 30 min, resolved in 2 h; both met.
      {
        ...targets,
        kind: 'incident',
        priority: 'high',
        departmentId: network,
        startedAt: at('2026-03-03T08:00:00Z'),
        firstRespondedAt: at('2026-03-03T08:30:00Z'),
        resolvedAt: at('2026-03-03T10:00:00Z'),
        status: 'met',
      },
      // 2: high, Network: responded in 2 h, resolved in 6 h; both breached.
      {
        ...targets,
        kind: 'incident',
        priority: 'high',
        departmentId: network,
        startedAt: at('2026-03-04T08:00:00Z'),
        firstRespondedAt: at('2026-03-04T10:00:00Z'),
        resolvedAt: at('2026-03-04T14:00:00Z'),
        firstResponseBreached: true,
        resolutionBreached: true,
        status: 'missed',
      },
      // 3: high, Facilities, service: resolved Sunday 23:30 UTC = Monday 00:30 in Berlin (next week there).
      {
        ...targets,
        kind: 'service',
        priority: 'high',
        departmentId: facilities,
        startedAt: at('2026-03-08T20:00:00Z'),
        firstRespondedAt: at('2026-03-08T20:10:00Z'),
        resolvedAt: at('2026-03-08T23:30:00Z'),
        status: 'met',
      },
      // 4: low, Facilities: no first-response target (its response is not measured); resolution breached.
      {
        resolutionTargetMs: DAY,
        kind: 'incident',
        priority: 'low',
        departmentId: facilities,
        startedAt: at('2026-03-10T09:00:00Z'),
        firstRespondedAt: at('2026-03-10T10:00:00Z'),
        resolvedAt: at('2026-03-12T09:00:00Z'),
        resolutionBreached: true,
        status: 'missed',
      },
      // 5: low, no department, service: both met.
      {
        ...targets,
        kind: 'service',
        priority: 'low',
        startedAt: at('2026-03-17T09:00:00Z'),
        firstRespondedAt: at('2026-03-17T09:20:00Z'),
        resolvedAt: at('2026-03-17T12:00:00Z'),
        status: 'met',
      },
      // 6: critical, Network: responded in 5 min, still open.
      {
        ...targets,
        kind: 'incident',
        priority: 'critical',
        departmentId: network,
        startedAt: at('2026-03-20T09:00:00Z'),
        firstRespondedAt: at('2026-03-20T09:05:00Z'),
      },
      // 7: medium without any target (no policy): counts in response times only.
      {
        kind: 'incident',
        priority: 'medium',
        startedAt: at('2026-03-05T08:00:00Z'),
        resolvedAt: at('2026-03-05T10:00:00Z'),
        status: 'met',
      },
      // 8: before the range altogether.
      {
        ...targets,
        kind: 'incident',
        priority: 'high',
        startedAt: at('2026-02-28T08:00:00Z'),
        firstRespondedAt: at('2026-02-28T08:10:00Z'),
        resolvedAt: at('2026-03-01T12:00:00Z'),
        status: 'met',
      },
      // 9: critical, Network: responded in range; resolved 22:30 UTC on the 29th = 00:30 on the 30th in Berlin, after it.
      {
        ...targets,
        kind: 'incident',
        priority: 'critical',
        departmentId: network,
        startedAt: at('2026-03-25T08:00:00Z'),
        firstRespondedAt: at('2026-03-25T09:00:00Z'),
        resolvedAt: at('2026-03-29T22:30:00Z'),
        status: 'met',
      },
    );

    // The present: open tickets of every age, and recent resolutions.
    now = Date.now();
    const ago = (ms: number) => new Date(now - ms);
    await insert(
      {
        kind: 'incident',
        priority: 'high',
        departmentId: network,
        assigneeId: alice.id,
        startedAt: ago(HOUR / 2),
      },
      {
        kind: 'incident',
        priority: 'high',
        departmentId: facilities,
        assigneeId: alice.id,
        startedAt: ago(2 * HOUR),
        firstResponseBreached: true,
        status: 'breached',
      },
      {
        kind: 'incident',
        priority: 'low',
        departmentId: network,
        assigneeId: alice.id,
        startedAt: ago(10 * HOUR),
        status: 'at_risk',
      },
      {
        kind: 'service',
        priority: 'low',
        startedAt: ago(2 * DAY),
        resolutionBreached: true,
        status: 'breached',
      },
      {
        kind: 'incident',
        priority: 'critical',
        departmentId: facilities,
        assigneeId: bob.id,
        startedAt: ago(5 * DAY),
        status: 'at_risk',
      },
      {
        kind: 'incident',
        priority: 'high',
        departmentId: network,
        startedAt: ago(10 * DAY),
        resolutionBreached: true,
        status: 'breached',
      },
      // Resolved: not in the backlog; in the workload when within the last 7 days.
      { kind: 'incident', priority: 'high', startedAt: ago(3 * HOUR), resolvedAt: ago(HOUR), status: 'met' },
      {
        kind: 'incident',
        priority: 'low',
        assigneeId: alice.id,
        startedAt: ago(3 * DAY),
        resolvedAt: ago(2 * DAY),
      },
      {
        kind: 'incident',
        priority: 'low',
        assigneeId: bob.id,
        startedAt: ago(2 * DAY),
        resolvedAt: ago(DAY),
      },
      {
        kind: 'incident',
        priority: 'low',
        assigneeId: bob.id,
        startedAt: ago(9 * DAY),
        resolvedAt: ago(8 * DAY),
      },
    );
    await bumpGeneration(t.database.db, 'sla');
  });
  afterAll(async () => {
    await t.close();
  });

  it('reports compliance per priority, with every priority and the totals', async () => {
    const response = await reader.get(`${march}&time_zone=Europe/Berlin`);
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json<ComplianceReport>();
    expect(report).toMatchObject({
      from: '2026-03-02T00:00:00+01:00',
      to: '2026-03-30T00:00:00+02:00',
      time_zone: 'Europe/Berlin',
      group_by: 'priority',
      period: null,
    });
    expect(report.groups.map((g) => [g.key, g.label])).toEqual([
      ['critical', 'Critical'],
      ['high', 'High'],
      ['medium', 'Medium'],
      ['low', 'Low'],
    ]);
    expect(byGroup(report)).toEqual({
      critical: [c(0, 0), c(2, 2)],
      high: [c(3, 2), c(3, 2)],
      medium: [c(0, 0), c(0, 0)],
      low: [c(2, 1), c(1, 1)],
    });
    expect(report.groups[1]?.resolution.percent).toBe(66.67);
    expect(report.total).toEqual({ resolution: c(5, 3), first_response: c(6, 5) });
  });

  it('reports compliance per department (by name, none last) and per kind', async () => {
    const departments = (await reader.get(`${marchBerlin}&group_by=department`)).json<ComplianceReport>();
    expect(departments.groups.map((g) => [g.key, g.label])).toEqual([
      [String(facilities), 'Facilities'],
      [String(network), 'Network'],
      [null, 'No department'],
    ]);
    expect(byGroup(departments)).toEqual({
      [facilities]: [c(2, 1), c(1, 1)],
      [network]: [c(2, 1), c(4, 3)],
      null: [c(1, 1), c(1, 1)],
    });
    const kinds = (await reader.get(`${marchBerlin}&group_by=kind`)).json<ComplianceReport>();
    expect(byGroup(kinds)).toEqual({
      incident: [c(3, 1), c(4, 3)],
      service: [c(2, 2), c(2, 2)],
    });
  });

  it('reports compliance per ISO week in the given zone', async () => {
    const berlin = (
      await reader.get(`${march}&group_by=period&period=week&time_zone=Europe/Berlin`)
    ).json<ComplianceReport>();
    expect(berlin.groups.map((g) => [g.key, g.label])).toEqual([
      ['2026-03-02', '2026-W10'],
      ['2026-03-09', '2026-W11'],
      ['2026-03-16', '2026-W12'],
      ['2026-03-23', '2026-W13'],
    ]);
    expect(byGroup(berlin)).toEqual({
      '2026-03-02': [c(2, 1), c(3, 2)],
      '2026-03-09': [c(2, 1), c(0, 0)],
      '2026-03-16': [c(1, 1), c(2, 2)],
      '2026-03-23': [c(0, 0), c(1, 1)],
    });
    // In UTC ticket 3 was resolved on Sunday, in the first week; and ticket 9 on the 29th, in range.
    const utc = (await reader.get(`${march}&group_by=period`)).json<ComplianceReport>();
    expect(byGroup(utc)).toMatchObject({
      '2026-03-02': [c(3, 2), c(3, 2)],
      '2026-03-09': [c(1, 0), c(0, 0)],
      '2026-03-23': [c(1, 1), c(1, 1)],
    });
    const months = (
      await reader.get(`${march}&group_by=period&period=month&time_zone=Europe/Berlin`)
    ).json<ComplianceReport>();
    expect(months.groups.map((g) => [g.key, g.label])).toEqual([['2026-03-01', '2026-03']]);
    expect(months.total).toEqual(berlin.total);
  });

  it('reports mean and median times to first response and resolution', async () => {
    const response = await reader.get(
      '/api/v2/reports/response-times?from=2026-03-02&to=2026-03-30&time_zone=Europe/Berlin',
    );
    expect(response.statusCode, response.body).toBe(200);
    const stats = (count: number, mean: number | null, median: number | null) => ({
      count,
      mean_seconds: mean,
      median_seconds: median,
    });
    expect(response.json()).toMatchObject({
      group_by: 'priority',
      groups: [
        {
          key: 'critical',
          tickets: 2,
          first_response: stats(2, 1950, 1950),
          resolution: stats(1, 397_800, 397_800),
        },
        {
          key: 'high',
          tickets: 3,
          first_response: stats(3, 3200, 1800),
          resolution: stats(3, 13_800, 12_600),
        },
        { key: 'medium', tickets: 1, first_response: stats(0, null, null), resolution: stats(1, 7200, 7200) },
        {
          key: 'low',
          tickets: 2,
          first_response: stats(2, 2400, 2400),
          resolution: stats(2, 91_800, 91_800),
        },
      ],
      total: { tickets: 8, first_response: stats(7, 2614.286, 1800), resolution: stats(7, 90_000, 12_600) },
    });
    const byDepartment = await reader.get(
      '/api/v2/reports/response-times?from=2026-03-02&to=2026-03-30&group_by=department',
    );
    expect(byDepartment.json()).toMatchObject({
      groups: [
        { key: String(facilities), label: 'Facilities', tickets: 2, resolution: stats(2, 92_700, 92_700) },
        { key: String(network), label: 'Network', tickets: 4 },
        { key: null, label: 'No department', tickets: 2 },
      ],
    });
  });

  it('buckets the open backlog by age, with the breached among them', async () => {
    const bucket = (name: string, open: number, breached: number) => ({ bucket: name, open, breached });
    const response = await reader.get('/api/v2/reports/backlog');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      group_by: null,
      groups: [],
      total: {
        open: 7,
        breached: 3,
        buckets: [
          { ...bucket('under_1h', 1, 0), label: 'Under 1 hour' },
          bucket('1h_4h', 1, 1),
          bucket('4h_24h', 1, 0),
          bucket('1d_3d', 1, 1),
          bucket('3d_7d', 1, 0),
          // Ticket 6 of March is still open.
          bucket('over_7d', 2, 1),
        ],
      },
    });
    const byPriority = await reader.get('/api/v2/reports/backlog?group_by=priority');
    const groups = byPriority.json<{ groups: { key: string; open: number; breached: number }[] }>().groups;
    expect(groups.map(({ key, open, breached }) => [key, open, breached])).toEqual([
      ['critical', 2, 0],
      ['high', 3, 2],
      ['medium', 0, 0],
      ['low', 2, 1],
    ]);
    const byDepartment = await reader.get('/api/v2/reports/backlog?group_by=department');
    expect(byDepartment.json()).toMatchObject({
      group_by: 'department',
      groups: [
        { key: String(facilities), label: 'Facilities', open: 2, breached: 1 },
        { key: String(network), label: 'Network', open: 4, breached: 1 },
        { key: null, label: 'No department', open: 1, breached: 1 },
      ],
    });
  });

  it('shows each assignee’s workload, busiest first, with names', async () => {
    const response = await reader.get('/api/v2/reports/workload');
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json<{ as_of: string; assignees: unknown[] }>();
    expect(new Date(report.as_of).getTime() % 60_000).toBe(0);
    expect(report.assignees).toEqual([
      { assignee_id: null, assignee: null, open: 3, at_risk: 0, breached: 2, resolved_last_7_days: 1 },
      {
        assignee_id: alice.id,
        assignee: { id: alice.id, username: alice.username, name: expect.stringMatching(/^Test User/) },
        open: 3,
        at_risk: 1,
        breached: 1,
        resolved_last_7_days: 1,
      },
      {
        assignee_id: bob.id,
        assignee: expect.objectContaining({ username: bob.username }),
        open: 1,
        at_risk: 1,
        breached: 0,
        resolved_last_7_days: 1,
      },
    ]);
  });

  it('serves a cached answer until the SLA or tickets generation is bumped', async () => {
    const url = '/api/v2/reports/sla-compliance?from=2025-06-01&to=2025-07-01';
    const total = async () => (await reader.get(url)).json<ComplianceReport>().total.resolution.total;
    expect(await total()).toBe(0);
    const june = {
      ...targets,
      kind: 'incident',
      priority: 'high',
      startedAt: at('2025-06-10T08:00:00Z'),
      resolvedAt: at('2025-06-10T09:00:00Z'),
    };
    await insert(june);
    expect(await total()).toBe(0);
    await bumpGeneration(t.database.db, 'sla');
    expect(await total()).toBe(1);
    await insert(june);
    expect(await total()).toBe(1);
    await bumpGeneration(t.database.db, 'tickets');
    expect(await total()).toBe(2);
  });

  it('checks the parameters and who may read', async () => {
    const problem = async (url: string) => {
      const response = await reader.get(url);
      expect(response.statusCode, url).toBe(400);
      return Object.fromEntries(
        (response.json<Problem>().errors ?? []).map(({ field, message }) => [field, message]),
      );
    };
    const base = '/api/v2/reports/sla-compliance';
    expect(Object.keys(await problem(`${base}?from=2026-03-10&to=2026-03-01`))).toEqual(['to']);
    expect(await problem(`${base}?from=2025-01-01&to=2026-01-03`)).toEqual({
      to: 'A report covers at most 366 days; narrow the range.',
    });
    expect(Object.keys(await problem(`${base}?time_zone=Mars/Olympus`))).toEqual(['time_zone']);
    expect(Object.keys(await problem(`${base}?from=yesterday`))).toEqual(['from']);
    expect(Object.keys(await problem(`${base}?period=week`))).toEqual(['period']);
    await problem(`${base}?group_by=assignee`);
    await problem(`${base}?colour=red`);
    await problem('/api/v2/reports/backlog?group_by=kind');
    // A leap year's 366 days are allowed.
    expect((await reader.get(`${base}?from=2024-01-01&to=2025-01-01`)).statusCode).toBe(200);

    const fallback = (await reader.get(`${base}?time_zone=europe/berlin`)).json<ComplianceReport>();
    expect(fallback.time_zone).toBe('Europe/Berlin');
    const to = new Date(fallback.to);
    expect(to.getTime() - new Date(fallback.from).getTime()).toBeGreaterThanOrEqual(30 * DAY - HOUR);
    expect(to.getTime()).toBeGreaterThan(now);
    expect(to.getTime() - now).toBeLessThanOrEqual(DAY + HOUR);

    const agent = await t.login(await t.user({ role: 'agent' }));
    const admin = await t.login(await t.user({ role: 'admin' }));
    for (const path of ['sla-compliance', 'response-times', 'backlog', 'workload']) {
      expect((await agent.get(`/api/v2/reports/${path}`)).statusCode).toBe(403);
      expect((await admin.get(`/api/v2/reports/${path}`)).statusCode).toBe(200);
    }
  });
});

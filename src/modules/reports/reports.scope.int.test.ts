import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { ctx, slaPolicy } from '../../../test/helpers/service-desk.ts';
import { ticketSlas } from '../../platform/db/schema.ts';

interface Compliance {
  total: number;
  met: number;
}
interface ComplianceReport {
  groups: { key: string | null; resolution: Compliance }[];
  total: { resolution: Compliance; first_response: Compliance };
}
interface ResponseTimesReport {
  total: { tickets: number; resolution: { count: number; mean_seconds: number | null } };
}
interface BacklogReport {
  total: { open: number };
}
interface WorkloadReport {
  assignees: { assignee_id: number | null; open: number; resolved_last_7_days: number }[];
}

const HOUR = 3_600_000;
const day = (offset: number) => new Date(Date.now() + offset * 24 * HOUR).toISOString().slice(0, 10);

/** Who reads which department's figures, and what counts as resolved. */
describe('reports: scope and resolution', () => {
  let t: TestApp;
  let admin: Browser;
  let networkManager: Browser;
  let managerWithoutDepartment: Browser;
  let network: number;
  let facilities: number;
  let networkAgent: number;
  let facilitiesAgent: number;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login(await t.user({ role: 'admin' }));
    const networkBoss = await t.user({ role: 'manager', department: 'Network' });
    networkManager = await t.login(networkBoss);
    managerWithoutDepartment = await t.login(await t.user({ role: 'manager' }));
    network = networkBoss.user.departmentId ?? 0;
    networkAgent = (await t.user({ role: 'agent', department: 'Network' })).user.id;
    const other = await t.user({ role: 'agent', department: 'Facilities' });
    facilities = other.user.departmentId ?? 0;
    facilitiesAgent = other.user.id;
  });
  afterAll(async () => {
    await t.close();
  });

  it("shows a manager only their department's tickets and agents in every report; an admin all", async () => {
    const started = new Date(Date.now() - 2 * HOUR);
    const resolved = new Date(Date.now() - HOUR);
    const targets = { firstResponseTargetMs: HOUR, resolutionTargetMs: 4 * HOUR };
    let ticketId = 100_000;
    const row = (departmentId: number, assigneeId: number, done: boolean) => ({
      ticketId: ticketId++,
      ...targets,
      kind: 'incident',
      priority: 'high',
      departmentId,
      assigneeId,
      startedAt: started,
      firstRespondedAt: resolved,
      resolvedAt: done ? resolved : null,
    });
    await t.database.db
      .insert(ticketSlas)
      .values([
        row(network, networkAgent, true),
        row(network, networkAgent, false),
        row(facilities, facilitiesAgent, true),
        row(facilities, facilitiesAgent, true),
        row(facilities, facilitiesAgent, false),
      ]);
    const range = `from=${day(-1)}&to=${day(1)}`;
    const read = async (browser: Browser) => {
      const get = async <T>(path: string) => {
        const response = await browser.get(`/api/v2/reports/${path}`);
        expect(response.statusCode, response.body).toBe(200);
        return response.json<T>();
      };
      const compliance = await get<ComplianceReport>(`sla-compliance?${range}&group_by=department`);
      const times = await get<ResponseTimesReport>(`response-times?${range}`);
      const backlog = await get<BacklogReport>('backlog');
      const workload = await get<WorkloadReport>('workload');
      return {
        resolved: compliance.total.resolution.total,
        departments: compliance.groups.filter((g) => g.resolution.total > 0).map((g) => Number(g.key)),
        created: times.total.tickets,
        open: backlog.total.open,
        assignees: workload.assignees.map((a) => a.assignee_id),
      };
    };
    expect(await read(networkManager)).toEqual({
      resolved: 1,
      departments: [network],
      created: 2,
      open: 1,
      assignees: [networkAgent],
    });
    expect(await read(managerWithoutDepartment)).toEqual({
      resolved: 0,
      departments: [],
      created: 0,
      open: 0,
      assignees: [],
    });
    const all = await read(admin);
    expect(all).toMatchObject({ resolved: 3, created: 5, open: 2 });
    expect(all.assignees.sort()).toEqual([networkAgent, facilitiesAgent].sort());
  });

  it('does not count a cancelled ticket as resolved in compliance or resolution times', async () => {
    await slaPolicy(t, { priority: 'low', calendarId: null, resolutionMinutes: 240 });
    const done = await t.services.tickets.create(ctx, 'service', {
      title: 'Done',
      priority: 'low',
      assigneeId: networkAgent,
      departmentId: network,
    });
    const dropped = await t.services.tickets.create(ctx, 'service', {
      title: 'Dropped',
      priority: 'low',
      assigneeId: networkAgent,
      departmentId: network,
    });
    await t.services.tickets.update(ctx, done.id, { status: 'in_progress' });
    await t.services.tickets.update(ctx, done.id, { status: 'completed' });
    await t.services.tickets.update(ctx, dropped.id, { status: 'cancelled' });

    const range = `from=${day(-1)}&to=${day(1)}`;
    const before = await networkManager.get(`/api/v2/reports/sla-compliance?${range}&group_by=kind`);
    const service = before.json<ComplianceReport>().groups.find((g) => g.key === 'service');
    expect(service?.resolution).toMatchObject({ total: 1, met: 1 });
    const times = (await networkManager.get(`/api/v2/reports/response-times?${range}&group_by=kind`)).json<
      ResponseTimesReport & { groups: ({ key: string } & ResponseTimesReport['total'])[] }
    >();
    expect(times.groups.find((g) => g.key === 'service')).toMatchObject({
      tickets: 2,
      resolution: { count: 1 },
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import {
  officeCalendar,
  publishedWorkflow,
  role,
  slaPolicy,
  supportFlow,
} from '../../../test/helpers/service-desk.ts';
import { PreparingClient } from '../../platform/db/client.ts';

/**
 * What one routed v1 create costs (workflow match, SLA clock on a business calendar, fair
 * assignment, audit): the SQL round trips it makes, counted on the pool's connections,
 * and the Node CPU time per create over a run of creates.
 */
const RUNS = Number(process.env.CREATE_COST_RUNS ?? 50);

let statements: string[] = [];
const original = Object.getOwnPropertyDescriptor(PreparingClient.prototype, 'query')?.value as (
  ...args: unknown[]
) => unknown;
PreparingClient.prototype.query = function (this: PreparingClient, ...args: unknown[]) {
  const config = args[0] as string | { text?: string };
  statements.push(typeof config === 'string' ? config : (config.text ?? ''));
  return original.apply(this, args);
} as PreparingClient['query'];

describe('the cost of one routed create', () => {
  let t: TestApp;
  let reporter: Browser;

  beforeAll(async () => {
    t = await createTestApp();
    const agents = [];
    for (let index = 0; index < 5; index += 1)
      agents.push((await t.user({ role: 'agent', department: 'Support' })).user.id);
    const calendar = await officeCalendar(t);
    await slaPolicy(t, {
      priority: 'high',
      calendarId: calendar.id,
      resolutionMinutes: 480,
      firstResponseMinutes: 60,
    });
    const desk = await role(t, 'Service desk', agents);
    await publishedWorkflow(t, { name: 'Incidents', isDefault: true }, supportFlow(desk.id));
    reporter = await t.login(await t.user({ role: 'manager', department: 'Support' }));
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (index: number) =>
    reporter.post('/api/incident-tickets/', { title: `Playout server down ${index}`, priority: 'High' });

  it('creates a routed ticket in few round trips and reports its CPU time', async () => {
    for (let index = 0; index < 5; index += 1) expect((await create(index)).statusCode).toBe(201);
    statements = [];
    const response = await create(99);
    expect(response.statusCode).toBe(201);
    const body = response.json<{ assignee: unknown }>();
    expect(body.assignee).not.toBeNull();
    const count = statements.length;
    console.log(
      `round trips per create: ${count}\n${statements.map((s) => `  ${s.slice(0, 140).replace(/\s+/g, ' ')}`).join('\n')}`,
    );

    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let index = 0; index < RUNS; index += 1) await create(1000 + index);
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - started;
    console.log(
      `${RUNS} creates: ${((used.user + used.system) / 1000 / RUNS).toFixed(2)} ms CPU and ${(wall / RUNS).toFixed(2)} ms wall each; load average ${(
        await import('node:os')
      )
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
    );
    // 40 before the count cache followed the tickets tag and a create embedded what its checks read.
    expect(count).toBeLessThanOrEqual(37);
  }, 300_000);
});

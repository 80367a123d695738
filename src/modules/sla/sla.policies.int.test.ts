import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, TestApp } from '../../../test/helpers/app.ts';
import { createTestApp } from '../../../test/helpers/app.ts';
import { ctxOf, failure } from '../../../test/helpers/service-context.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { auditLog, slaPolicies, ticketSlas } from '../../platform/db/schema.ts';
import { createSlaPolicies } from './sla.policies.ts';

interface PolicyV2 {
  id: number;
  name: string;
  priority: string;
  category_id: number | null;
  calendar_id: number | null;
  first_response_minutes: number | null;
  resolution_minutes: number;
  at_risk_percent: number;
  escalation_levels: { after_percent: number; raise_priority: boolean; reassign_to_manager: boolean }[];
  is_active: boolean;
  version: number;
}
interface Problem {
  code: string;
  errors?: { field: string; message: string }[];
}

const fieldsOf = (problem: Problem): Record<string, string[]> => {
  const fields: Record<string, string[]> = {};
  for (const { field, message } of problem.errors ?? []) (fields[field] ??= []).push(message);
  return fields;
};

describe('SLA policies (v2)', () => {
  let t: TestApp;
  let admin: Browser;
  let manager: Browser;
  let agent: Browser;
  let viewer: Browser;
  let categoryId: number;
  let otherCategoryId: number;
  let calendarId: number;

  const create = (body: Record<string, unknown>) => admin.post('/api/v2/sla-policies', body);
  const created = async (body: Record<string, unknown>): Promise<PolicyV2> => {
    const response = await create(body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json<PolicyV2>();
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login(await t.user({ role: 'admin' }));
    manager = await t.login(await t.user({ role: 'manager' }));
    agent = await t.login(await t.user({ role: 'agent' }));
    viewer = await t.login(await t.user({ role: 'viewer' }));
    const ctx = systemContext('test');
    categoryId = (await t.services.ticketReference.createCategory(ctx, { name: 'Network' })).id;
    otherCategoryId = (await t.services.ticketReference.createCategory(ctx, { name: 'Hardware' })).id;
    calendarId = (
      await t.services.calendars.createCalendar(ctx, {
        name: 'Office',
        timeZone: 'Europe/Berlin',
        weekly: { '1': [{ start: '09:00', end: '17:00' }] },
      })
    ).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates, reads, lists, updates (If-Match) and deletes a policy', async () => {
    const response = await create({
      name: '  Critical network  ',
      priority: 'critical',
      category_id: categoryId,
      calendar_id: calendarId,
      first_response_minutes: 15,
      resolution_minutes: 240,
      escalation_levels: [{ after_percent: 50 }, { after_percent: 100, reassign_to_manager: true }],
    });
    expect(response.statusCode, response.body).toBe(201);
    const policy = response.json<PolicyV2>();
    expect(response.headers.location).toBe(`/api/v2/sla-policies/${policy.id}`);
    expect(response.headers.etag).toBe('"1"');
    expect(policy).toMatchObject({
      name: 'Critical network',
      priority: 'critical',
      category_id: categoryId,
      calendar_id: calendarId,
      first_response_minutes: 15,
      resolution_minutes: 240,
      at_risk_percent: 75,
      escalation_levels: [
        { after_percent: 50, raise_priority: false, reassign_to_manager: false },
        { after_percent: 100, raise_priority: false, reassign_to_manager: true },
      ],
      is_active: true,
      version: 1,
    });

    const url = `/api/v2/sla-policies/${policy.id}`;
    for (const reader of [manager, agent, viewer]) {
      const get = await reader.get(url);
      expect(get.statusCode).toBe(200);
      expect(get.json()).toEqual(policy);
    }
    const other = await created({ name: 'Low default', priority: 'low', resolution_minutes: 2880 });
    const byPriority = await viewer.get('/api/v2/sla-policies?priority=critical');
    expect(byPriority.json<{ data: PolicyV2[] }>().data.map((row) => row.id)).toEqual([policy.id]);
    const byCategory = await viewer.get(`/api/v2/sla-policies?category_id=${categoryId}`);
    expect(byCategory.json<{ data: PolicyV2[] }>().data.map((row) => row.id)).toEqual([policy.id]);
    const page = await viewer.get('/api/v2/sla-policies?limit=1&sort=-name');
    expect(page.json()).toMatchObject({ data: [{ id: other.id }], has_more: true });
    const csv = await viewer.get('/api/v2/sla-policies?format=csv&priority=low');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\n')[1]).toContain('Low default');

    expect((await admin.patch(url, { resolution_minutes: 300 })).statusCode).toBe(428);
    const updated = await admin.patch(
      url,
      { resolution_minutes: 300, at_risk_percent: 80 },
      { 'if-match': '"1"' },
    );
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({ resolution_minutes: 300, at_risk_percent: 80, version: 2 });
    expect(updated.headers.etag).toBe('"2"');
    const stale = await admin.patch(url, { name: 'Stale' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json<{ current: PolicyV2 }>().current.version).toBe(2);

    expect((await admin.delete(url)).statusCode).toBe(428);
    expect((await admin.delete(url, { 'if-match': '"1"' })).statusCode).toBe(412);
    expect((await admin.delete(url, { 'if-match': '"2"' })).statusCode).toBe(204);
    expect((await admin.get(url)).statusCode).toBe(404);
    expect((await admin.patch(url, { name: 'x' }, { 'if-match': '*' })).statusCode).toBe(404);

    const trail = await t.database.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, 'sla_policy'), eq(auditLog.resourceId, String(policy.id))));
    expect(trail.map((entry) => entry.action)).toEqual([
      'sla_policy.created',
      'sla_policy.updated',
      'sla_policy.deleted',
    ]);
  });

  it('refuses bad fields with a message per field', async () => {
    const missing = await create({ name: 'No target', priority: 'high' });
    expect(missing.statusCode).toBe(400);

    const references = await create({
      name: 'Dangling',
      priority: 'high',
      resolution_minutes: 60,
      category_id: 999_999,
      calendar_id: 999_999,
    });
    expect(references.statusCode).toBe(400);
    expect(fieldsOf(references.json<Problem>())).toEqual({
      category_id: ['Invalid pk "999999" - object does not exist.'],
      calendar_id: ['Invalid pk "999999" - object does not exist.'],
    });

    const levels = await create({
      name: 'Levels',
      priority: 'high',
      resolution_minutes: 60,
      first_response_minutes: 90,
      escalation_levels: [{ after_percent: 80 }, { after_percent: 80 }, { after_percent: 50 }],
    });
    expect(levels.statusCode).toBe(400);
    expect(fieldsOf(levels.json<Problem>())).toEqual({
      escalation_levels: [
        "Level 2: after_percent (80) must be greater than level 1's (80).",
        "Level 3: after_percent (50) must be greater than level 2's (80).",
      ],
      first_response_minutes: [
        'The first response target (90 min) cannot exceed the resolution target (60 min).',
      ],
    });

    const schema = [
      { name: 'x', priority: 'urgent', resolution_minutes: 60 },
      { name: 'x', priority: 'high', resolution_minutes: 0 },
      { name: 'x', priority: 'high', resolution_minutes: 60, at_risk_percent: 100 },
      { name: 'x', priority: 'high', resolution_minutes: 60, escalation_levels: [{ after_percent: 1001 }] },
      {
        name: 'x',
        priority: 'high',
        resolution_minutes: 60,
        escalation_levels: [10, 20, 30, 40, 50, 60].map((after_percent) => ({ after_percent })),
      },
      { name: 'x', priority: 'high', resolution_minutes: 60, colour: 'red' },
      { name: '', priority: 'high', resolution_minutes: 60 },
    ];
    for (const body of schema) expect((await create(body)).statusCode, JSON.stringify(body)).toBe(400);

    const policy = await created({ name: 'Medium', priority: 'medium', resolution_minutes: 120 });
    const patch = await admin.patch(
      `/api/v2/sla-policies/${policy.id}`,
      { first_response_minutes: 180 },
      { 'if-match': '"1"' },
    );
    expect(patch.statusCode).toBe(400);
    expect(Object.keys(fieldsOf(patch.json<Problem>()))).toEqual(['first_response_minutes']);
  });

  it('keeps one active policy per priority and category', async () => {
    const first = await created({
      name: 'High network',
      priority: 'high',
      category_id: categoryId,
      resolution_minutes: 480,
    });
    const clash = await create({
      name: 'High network again',
      priority: 'high',
      category_id: categoryId,
      resolution_minutes: 240,
    });
    expect(clash.statusCode).toBe(400);
    expect(fieldsOf(clash.json<Problem>()).category_id?.[0]).toContain(`"High network" (id ${first.id})`);

    // Another category, the catch-all of the priority, and an inactive twin are all fine.
    await created({
      name: 'High hardware',
      priority: 'high',
      category_id: otherCategoryId,
      resolution_minutes: 480,
    });
    const fallback = await created({ name: 'High default', priority: 'high', resolution_minutes: 480 });
    const twin = await created({
      name: 'High network (draft)',
      priority: 'high',
      category_id: categoryId,
      resolution_minutes: 240,
      is_active: false,
    });
    const catchAllClash = await create({ name: 'High default 2', priority: 'high', resolution_minutes: 60 });
    expect(fieldsOf(catchAllClash.json<Problem>()).priority?.[0]).toContain(
      `"High default" (id ${fallback.id})`,
    );

    const activate = await admin.patch(
      `/api/v2/sla-policies/${twin.id}`,
      { is_active: true },
      { 'if-match': '"1"' },
    );
    expect(activate.statusCode).toBe(400);
    expect(Object.keys(fieldsOf(activate.json<Problem>()))).toEqual(['category_id']);

    const inactive = await viewer.get(`/api/v2/sla-policies?is_active=false&category_id=${categoryId}`);
    expect(inactive.json<{ data: PolicyV2[] }>().data.map((row) => row.id)).toEqual([twin.id]);
  });

  it('lets only admins write, and everyone who works tickets read', async () => {
    const body = { name: 'Nope', priority: 'low', category_id: categoryId, resolution_minutes: 60 };
    for (const browser of [manager, agent, viewer])
      expect((await browser.post('/api/v2/sla-policies', body)).statusCode).toBe(403);
    const policy = await created({
      name: 'Readable',
      priority: 'low',
      category_id: categoryId,
      resolution_minutes: 60,
    });
    const url = `/api/v2/sla-policies/${policy.id}`;
    expect((await manager.patch(url, { name: 'x' }, { 'if-match': '"1"' })).statusCode).toBe(403);
    expect((await manager.delete(url, { 'if-match': '"1"' })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
  });

  it('deactivates instead of deleting a policy tickets were measured by', async () => {
    const policy = await created({
      name: 'Measured',
      priority: 'medium',
      category_id: categoryId,
      resolution_minutes: 60,
    });
    await t.database.db.insert(ticketSlas).values({
      ticketId: 4242,
      policyId: policy.id,
      kind: 'incident',
      priority: 'medium',
      startedAt: new Date('2026-03-02T09:00:00Z'),
    });
    const url = `/api/v2/sla-policies/${policy.id}`;
    const removed = await admin.delete(url, { 'if-match': '"1"' });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toMatchObject({ id: policy.id, is_active: false, version: 2 });
    expect(removed.headers.etag).toBe('"2"');
    // A second DELETE changes nothing: the policy stays for its tickets' history.
    const again = await admin.delete(url, { 'if-match': '"2"' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ is_active: false, version: 2 });
    const [row] = await t.database.db.select().from(ticketSlas).where(eq(ticketSlas.ticketId, 4242));
    expect(row?.policyId).toBe(policy.id);
    // Its scope is free again.
    await created({
      name: 'Measured v2',
      priority: 'medium',
      category_id: categoryId,
      resolution_minutes: 90,
    });
  });

  it('calls onPolicyChanged in the transaction when clocks move, and not for a rename', async () => {
    const changed: number[] = [];
    let fail = false;
    const policies = createSlaPolicies({
      db: t.database.db,
      audit: t.services.audit,
      calendars: t.services.calendars,
      categoryExists: (id) => Promise.resolve(id === categoryId),
      onPolicyChanged: (_tx, id) => {
        if (fail) return Promise.reject(new Error('recompute failed'));
        changed.push(id);
        return Promise.resolve();
      },
    });
    const person = await t.user({ role: 'admin' });
    const ctx = ctxOf(person);
    const policy = await policies.createPolicy(ctx, {
      name: 'Hooked',
      priority: 'critical',
      resolutionMinutes: 60,
    });
    expect(changed).toEqual([]);
    const renamed = await policies.updatePolicy(ctx, policy.id, { name: 'Hooked!' }, 1);
    expect(changed).toEqual([]);
    const retargeted = await policies.updatePolicy(ctx, policy.id, { calendarId }, renamed.version);
    expect(changed).toEqual([policy.id]);

    fail = true;
    await expect(
      policies.updatePolicy(ctx, policy.id, { resolutionMinutes: 30 }, retargeted.version),
    ).rejects.toThrow('recompute failed');
    const [stored] = await t.database.db.select().from(slaPolicies).where(eq(slaPolicies.id, policy.id));
    expect(stored).toMatchObject({ resolutionMinutes: 60, version: retargeted.version });

    fail = false;
    expect((await failure(policies.updatePolicy(ctx, policy.id, { name: 'x' }, 1))).code).toBe(
      'VERSION_CONFLICT',
    );
    await policies.deletePolicy(ctx, policy.id, retargeted.version);
    expect(changed).toEqual([policy.id, policy.id]);
    expect((await failure(policies.getPolicy(policy.id))).code).toBe('SLA_POLICY_NOT_FOUND');
  });
});

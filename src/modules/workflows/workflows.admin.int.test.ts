import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, TestApp } from '../../../test/helpers/app.ts';
import { createTestApp } from '../../../test/helpers/app.ts';
import type { WorkflowDefinition } from './workflows.definition.ts';
import { ticketWorkflows } from './workflows.tables.ts';

interface RoleV2 {
  id: number;
  name: string;
  member_count: number;
  version: number;
  members?: { user: { id: number; username: string }; added_at: string }[];
}
interface ProfileV2 {
  user_id: number;
  capacity: number | null;
  calendar_id: number | null;
  version: number;
}
interface WorkflowV2 {
  id: number;
  name: string;
  kind: string;
  is_default: boolean;
  published_version: number | null;
  draft_version: number | null;
  version: number;
}
interface VersionV2 {
  id: number;
  workflow_id: number;
  number: number;
  status: string;
  definition: WorkflowDefinition;
  published_at: string | null;
  published_by: number | null;
  workflow_version: number;
}
interface Problem {
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
  versions?: { workflow_id: number; number: number; status: string }[];
}

const fieldsOf = (problem: Problem): Record<string, string[]> => {
  const fields: Record<string, string[]> = {};
  for (const { field, message } of problem.errors ?? []) (fields[field] ??= []).push(message);
  return fields;
};
const etag = (response: { headers: Record<string, unknown> }) => ({
  'if-match': String(response.headers.etag),
});
const ANY = { 'if-match': '*' };

/** A complete incident workflow: triage (start, worked by `roleId`) -> work -> resolved -> closed. */
const incidentFlow = (roleId: number | null = null): WorkflowDefinition => ({
  steps: [
    { key: 'triage', name: 'Triage', status: 'open', start: true, role_id: roleId },
    { key: 'work', name: 'Work', status: 'in_progress' },
    { key: 'done', name: 'Resolved', status: 'resolved' },
    { key: 'closed', name: 'Closed', status: 'closed' },
  ],
  transitions: [
    { action: 'start', from: 'triage', to: 'work' },
    { action: 'resolve', from: 'work', to: 'done' },
    { action: 'close', from: 'done', to: 'closed' },
  ],
});

describe('workflow admin routes (v2)', () => {
  let t: TestApp;
  let admin: Browser;
  let manager: Browser;
  let agent: Browser;
  let viewer: Browser;
  let agentId: number;
  let managerId: number;
  let viewerId: number;
  let departmentId: number;
  let counter = 0;
  const unique = (name: string) => `${name} ${++counter}`;

  const createWorkflow = async (body: Record<string, unknown>) => {
    const response = await admin.post('/api/v2/workflows', {
      name: unique('Flow'),
      kind: 'incident',
      ...body,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<WorkflowV2>();
  };
  const createRole = async () => {
    const response = await admin.post('/api/v2/assignment-roles', { name: unique('Role') });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<RoleV2>();
  };
  /** Creates a draft of `definition` and publishes it; answers the published version. */
  const publish = async (workflowId: number, definition: WorkflowDefinition) => {
    const draft = await admin.post(`/api/v2/workflows/${workflowId}/versions`, { definition });
    expect(draft.statusCode, draft.body).toBe(201);
    const { number } = draft.json<VersionV2>();
    const published = await admin.post(`/api/v2/workflows/${workflowId}/versions/${number}/publish`);
    expect(published.statusCode, published.body).toBe(200);
    return published.json<VersionV2>();
  };
  /** Publishing `definition` as a draft of a new workflow of `kind`: the problem answered. */
  const publishProblem = async (kind: 'incident' | 'service', definition: WorkflowDefinition) => {
    const workflow = await createWorkflow({ kind });
    const draft = await admin.post(`/api/v2/workflows/${workflow.id}/versions`, { definition });
    expect(draft.statusCode, draft.body).toBe(201);
    const response = await admin.post(`/api/v2/workflows/${workflow.id}/versions/1/publish`);
    expect(response.statusCode, response.body).toBe(400);
    const problem = response.json<Problem>();
    expect(problem.code).toBe('WORKFLOWS_DEFINITION_INVALID');
    // Nothing was published.
    expect(
      (await admin.get(`/api/v2/workflows/${workflow.id}`)).json<WorkflowV2>().published_version,
    ).toBeNull();
    return fieldsOf(problem);
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login(await t.user({ role: 'admin' }));
    const managerPerson = await t.user({ role: 'manager', department: 'Network' });
    const agentPerson = await t.user({ role: 'agent', department: 'Network' });
    const viewerPerson = await t.user({ role: 'viewer' });
    managerId = managerPerson.user.id;
    agentId = agentPerson.user.id;
    viewerId = viewerPerson.user.id;
    departmentId = agentPerson.department?.id ?? 0;
    manager = await t.login(managerPerson);
    agent = await t.login(agentPerson);
    viewer = await t.login(viewerPerson);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('assignment roles', () => {
    it('creates, reads, lists, updates (If-Match) and deletes a role', async () => {
      const create = await admin.post('/api/v2/assignment-roles', {
        name: 'Network engineers',
        description: 'L2',
      });
      expect(create.statusCode).toBe(201);
      const role = create.json<RoleV2>();
      expect(create.headers.location).toBe(`/api/v2/assignment-roles/${role.id}`);
      expect(create.headers.etag).toBe(`"${role.version}"`);
      expect(role).toMatchObject({ name: 'Network engineers', member_count: 0, members: [] });

      const url = `/api/v2/assignment-roles/${role.id}`;
      const get = await agent.get(url);
      expect(get.statusCode).toBe(200);
      expect(get.json()).toEqual(role);
      const list = await manager.get('/api/v2/assignment-roles?search=network');
      expect(list.json<{ data: RoleV2[] }>().data).toEqual([
        expect.objectContaining({ id: role.id, member_count: 0 }),
      ]);
      const csv = await admin.get('/api/v2/assignment-roles?format=csv');
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      expect(csv.body).toContain('Network engineers');

      const clash = await admin.post('/api/v2/assignment-roles', { name: 'NETWORK ENGINEERS' });
      expect(clash.statusCode).toBe(400);
      expect(fieldsOf(clash.json<Problem>())).toHaveProperty('name');

      expect((await admin.patch(url, { description: 'x' })).statusCode).toBe(428);
      const updated = await admin.patch(url, { name: 'Network L2' }, etag(get));
      expect(updated.statusCode).toBe(200);
      expect(updated.json<RoleV2>()).toMatchObject({ name: 'Network L2', version: role.version + 1 });
      const stale = await admin.patch(url, { name: 'Stale' }, etag(get));
      expect(stale.statusCode).toBe(412);
      expect(stale.json()).toMatchObject({ current: { name: 'Network L2' } });

      expect((await admin.delete(url, etag(get))).statusCode).toBe(412);
      expect((await admin.delete(url, etag(updated))).statusCode).toBe(204);
      expect((await admin.get(url)).statusCode).toBe(404);
      expect((await admin.patch(url, { name: 'Gone' }, ANY)).statusCode).toBe(404);
    });

    it('adds members idempotently, refuses viewers, inactive and unknown people, removes members', async () => {
      const role = await createRole();
      const url = `/api/v2/assignment-roles/${role.id}/members`;
      const added = await admin.post(url, { user_ids: [agentId, managerId] });
      expect(added.statusCode, added.body).toBe(200);
      const withMembers = added.json<RoleV2>();
      expect(withMembers.member_count).toBe(2);
      expect(withMembers.members?.map((member) => member.user.id).sort()).toEqual(
        [agentId, managerId].sort(),
      );
      expect(withMembers.version).toBe(role.version + 1);

      const again = await admin.post(url, { user_ids: [agentId, agentId] });
      expect(again.statusCode).toBe(200);
      expect(again.json<RoleV2>()).toMatchObject({ member_count: 2, version: withMembers.version });

      const inactive = await t.user({ role: 'agent', isActive: false });
      const refused = await admin.post(url, { user_ids: [agentId, viewerId, inactive.user.id, 999_999] });
      expect(refused.statusCode).toBe(400);
      const fields = fieldsOf(refused.json<Problem>());
      expect(Object.keys(fields).sort()).toEqual(['user_ids.1', 'user_ids.2', 'user_ids.3']);
      expect(fields['user_ids.1']?.[0]).toMatch(/viewer/);
      expect(fields['user_ids.2']?.[0]).toMatch(/inactive/);
      expect(fields['user_ids.3']?.[0]).toMatch(/does not exist/);
      expect((await admin.get(`/api/v2/assignment-roles/${role.id}`)).json<RoleV2>().member_count).toBe(2);

      expect((await admin.delete(`${url}/${managerId}`)).statusCode).toBe(204);
      expect((await admin.delete(`${url}/${managerId}`)).statusCode).toBe(404);
      const after = (await agent.get(`/api/v2/assignment-roles/${role.id}`)).json<RoleV2>();
      expect(after.members?.map((member) => member.user.id)).toEqual([agentId]);
      expect(
        (await admin.post('/api/v2/assignment-roles/999999/members', { user_ids: [agentId] })).statusCode,
      ).toBe(404);

      const audit = await admin.get(`/api/v2/audit-log?resource_type=assignment_role&resource_id=${role.id}`);
      expect(
        audit
          .json<{ data: { action: string }[] }>()
          .data.map((entry) => entry.action)
          .sort(),
      ).toEqual([
        'assignment_role.created',
        'assignment_role.member_removed',
        'assignment_role.members_added',
      ]);
    });

    it('refuses to delete a role that a draft or published version names', async () => {
      const role = await createRole();
      const workflow = await createWorkflow({});
      await publish(workflow.id, incidentFlow(role.id));
      const url = `/api/v2/assignment-roles/${role.id}`;
      const refused = await admin.delete(url, ANY);
      expect(refused.statusCode).toBe(409);
      const problem = refused.json<Problem>();
      expect(problem.code).toBe('WORKFLOWS_ROLE_IN_USE');
      expect(problem.versions).toEqual([
        expect.objectContaining({ workflow_id: workflow.id, number: 1, status: 'published' }),
      ]);

      // Named by a transition of a draft only: refused as well.
      const other = await createRole();
      const definition = incidentFlow();
      definition.transitions[0] = { ...definition.transitions[0]!, required_role_id: other.id };
      const draft = await admin.post(`/api/v2/workflows/${workflow.id}/versions`, { definition });
      expect(draft.statusCode).toBe(201);
      expect(
        (await admin.delete(`/api/v2/assignment-roles/${other.id}`, ANY)).json<Problem>().versions,
      ).toEqual([expect.objectContaining({ number: 2, status: 'draft' })]);
      expect((await admin.delete(`/api/v2/workflows/${workflow.id}/versions/2`, ANY)).statusCode).toBe(204);
      expect((await admin.delete(`/api/v2/assignment-roles/${other.id}`, ANY)).statusCode).toBe(204);
    });
  });

  describe('assignee profiles', () => {
    it('answers the defaults, then creates (If-Match "0") and replaces a profile', async () => {
      const url = `/api/v2/assignee-profiles/${agentId}`;
      const initial = await manager.get(url);
      expect(initial.statusCode).toBe(200);
      expect(initial.headers.etag).toBe('"0"');
      expect(initial.json()).toMatchObject({
        user_id: agentId,
        capacity: null,
        calendar_id: null,
        version: 0,
      });

      expect((await admin.put(url, { capacity: 3, calendar_id: null })).statusCode).toBe(428);
      const created = await admin.put(url, { capacity: 3, calendar_id: null }, etag(initial));
      expect(created.statusCode, created.body).toBe(200);
      expect(created.json<ProfileV2>()).toMatchObject({ capacity: 3, version: 1 });
      const stale = await admin.put(url, { capacity: 5, calendar_id: null }, etag(initial));
      expect(stale.statusCode).toBe(412);
      expect(stale.json()).toMatchObject({ current: { capacity: 3, version: 1 } });

      const missing = await admin.put(url, { capacity: 5, calendar_id: 999_999 }, ANY);
      expect(missing.statusCode).toBe(400);
      expect(fieldsOf(missing.json<Problem>())).toEqual({ calendar_id: ['Calendar 999999 does not exist.'] });
      const negative = await admin.put(url, { capacity: -1, calendar_id: null }, ANY);
      expect(negative.statusCode).toBe(400);
      expect(fieldsOf(negative.json<Problem>())).toHaveProperty('capacity');

      const calendar = await admin.post('/api/v2/calendars', { name: unique('Hours'), weekly: {} });
      const calendarId = calendar.json<{ id: number }>().id;
      const replaced = await admin.put(url, { capacity: null, calendar_id: calendarId }, etag(created));
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json<ProfileV2>()).toMatchObject({
        capacity: null,
        calendar_id: calendarId,
        version: 2,
      });

      const list = await agent.get(`/api/v2/assignee-profiles?calendar=${calendarId}`);
      expect(list.json<{ data: ProfileV2[] }>().data.map((row) => row.user_id)).toEqual([agentId]);
      expect((await admin.get('/api/v2/assignee-profiles/999999')).statusCode).toBe(404);
      expect(
        (await admin.put('/api/v2/assignee-profiles/999999', { capacity: 1, calendar_id: null }, ANY))
          .statusCode,
      ).toBe(404);
    });
  });

  describe('workflows', () => {
    it('creates, reads, lists, updates (If-Match) and deletes a workflow', async () => {
      const category = await admin.post('/api/v2/categories', { name: unique('Network') });
      expect(category.statusCode, category.body).toBe(201);
      const categoryId = category.json<{ id: number }>().id;
      const create = await admin.post('/api/v2/workflows', {
        name: 'Network outages',
        kind: 'incident',
        category_id: categoryId,
        department_id: departmentId,
        priority: 'high',
      });
      expect(create.statusCode, create.body).toBe(201);
      const workflow = create.json<WorkflowV2>();
      expect(create.headers.location).toBe(`/api/v2/workflows/${workflow.id}`);
      expect(workflow).toMatchObject({
        kind: 'incident',
        category_id: categoryId,
        department_id: departmentId,
        priority: 'high',
        is_default: false,
        is_active: true,
        published_version: null,
        draft_version: null,
      });

      const url = `/api/v2/workflows/${workflow.id}`;
      const get = await agent.get(url);
      expect(get.json()).toEqual(workflow);
      expect(get.headers.etag).toBe(`"${workflow.version}"`);
      const list = await manager.get(`/api/v2/workflows?category=${categoryId}&kind=incident`);
      expect(list.json<{ data: WorkflowV2[] }>().data.map((row) => row.id)).toEqual([workflow.id]);

      const bad = await admin.post('/api/v2/workflows', {
        name: 'network OUTAGES',
        kind: 'incident',
        category_id: 999_999,
        subcategory_id: 999_998,
        department_id: 999_997,
      });
      expect(bad.statusCode).toBe(400);
      expect(Object.keys(fieldsOf(bad.json<Problem>())).sort()).toEqual([
        'category_id',
        'department_id',
        'name',
        'subcategory_id',
      ]);
      const noKind = await admin.post('/api/v2/workflows', { name: 'No kind' });
      expect(fieldsOf(noKind.json<Problem>())).toHaveProperty('kind');

      expect((await admin.patch(url, { is_active: false })).statusCode).toBe(428);
      const updated = await admin.patch(url, { is_active: false, priority: null }, etag(get));
      expect(updated.statusCode, updated.body).toBe(200);
      expect(updated.json<WorkflowV2>()).toMatchObject({ is_active: false, version: workflow.version + 1 });
      expect((await admin.patch(url, { name: 'Stale' }, etag(get))).statusCode).toBe(412);
      expect((await admin.delete(url, etag(get))).statusCode).toBe(412);
      expect((await admin.delete(url, etag(updated))).statusCode).toBe(204);
      expect((await admin.get(url)).statusCode).toBe(404);
    });

    it('keeps at most one default workflow per kind', async () => {
      const first = await createWorkflow({ kind: 'incident', is_default: true });
      const second = await admin.post('/api/v2/workflows', {
        name: unique('Flow'),
        kind: 'incident',
        is_default: true,
      });
      expect(second.statusCode).toBe(400);
      expect(fieldsOf(second.json<Problem>()).is_default?.[0]).toContain(first.name);
      const service = await createWorkflow({ kind: 'service', is_default: true });
      expect(service.is_default).toBe(true);

      const other = await createWorkflow({ kind: 'incident' });
      const url = `/api/v2/workflows/${other.id}`;
      const clash = await admin.patch(url, { is_default: true }, ANY);
      expect(clash.statusCode).toBe(400);
      expect(fieldsOf(clash.json<Problem>())).toHaveProperty('is_default');
      // Moving the service default to incident clashes too.
      const moved = await admin.patch(`/api/v2/workflows/${service.id}`, { kind: 'incident' }, ANY);
      expect(fieldsOf(moved.json<Problem>())).toHaveProperty('is_default');

      expect(
        (await admin.patch(`/api/v2/workflows/${first.id}`, { is_default: false }, ANY)).statusCode,
      ).toBe(200);
      const now = await admin.patch(url, { is_default: true }, ANY);
      expect(now.statusCode).toBe(200);
      expect(
        (await admin.get('/api/v2/workflows?is_default=true&kind=incident')).json<{ data: WorkflowV2[] }>()
          .data,
      ).toEqual([expect.objectContaining({ id: other.id })]);
    });

    it('refuses to delete a workflow that tickets run on', async () => {
      const workflow = await createWorkflow({});
      const version = await publish(workflow.id, incidentFlow());
      await t.database.db.insert(ticketWorkflows).values({
        ticketId: 900_001,
        workflowId: workflow.id,
        versionId: version.id,
        stepKey: 'triage',
        stepEnteredAt: new Date(),
        trace: {},
      });
      const refused = await admin.delete(`/api/v2/workflows/${workflow.id}`, ANY);
      expect(refused.statusCode).toBe(409);
      expect(refused.json<Problem>().code).toBe('WORKFLOWS_WORKFLOW_IN_USE');
    });
  });

  describe('versions', () => {
    it('drafts, edits, publishes, and retires the old version on the next publish', async () => {
      const role = await createRole();
      const workflow = await createWorkflow({});
      const base = `/api/v2/workflows/${workflow.id}/versions`;

      const bothOrNeither = await admin.post(base, {});
      expect(bothOrNeither.statusCode).toBe(400);
      const create = await admin.post(base, { definition: { steps: [], transitions: [] } });
      expect(create.statusCode, create.body).toBe(201);
      const draft = create.json<VersionV2>();
      expect(create.headers.location).toBe(`${base}/1`);
      expect(draft).toMatchObject({ number: 1, status: 'draft', published_at: null });
      expect(create.headers.etag).toBe(`"${draft.workflow_version}"`);
      const second = await admin.post(base, { definition: incidentFlow() });
      expect(second.statusCode).toBe(409);
      expect(second.json<Problem>().code).toBe('WORKFLOWS_DRAFT_EXISTS');

      expect((await admin.put(`${base}/1`, { definition: incidentFlow(role.id) })).statusCode).toBe(428);
      const edited = await admin.put(`${base}/1`, { definition: incidentFlow(role.id) }, etag(create));
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json<VersionV2>().definition.steps[0]?.role_id).toBe(role.id);
      const stale = await admin.put(`${base}/1`, { definition: incidentFlow() }, etag(create));
      expect(stale.statusCode).toBe(412);
      const unknownField = await admin.put(
        `${base}/1`,
        { definition: { steps: [{ key: 'x' }], transitions: [] } },
        ANY,
      );
      expect(unknownField.statusCode).toBe(400);

      const published = await admin.post(`${base}/1/publish`, undefined, etag(edited));
      expect(published.statusCode, published.body).toBe(200);
      const v1 = published.json<VersionV2>();
      expect(v1).toMatchObject({ status: 'published', published_at: expect.any(String) as string });
      expect(v1.published_by).not.toBeNull();
      expect((await agent.get(`/api/v2/workflows/${workflow.id}`)).json<WorkflowV2>()).toMatchObject({
        published_version: 1,
        draft_version: null,
      });

      const immutable = await admin.put(`${base}/1`, { definition: incidentFlow() }, ANY);
      expect(immutable.statusCode).toBe(409);
      expect(immutable.json<Problem>()).toMatchObject({ code: 'WORKFLOWS_VERSION_NOT_DRAFT' });
      expect(immutable.json<Problem>().detail).toMatch(/Version 1 is published/);
      expect((await admin.delete(`${base}/1`, ANY)).statusCode).toBe(409);
      expect((await admin.post(`${base}/1/publish`)).statusCode).toBe(409);

      // A ticket runs on version 1 while version 2 is published.
      await t.database.db.insert(ticketWorkflows).values({
        ticketId: 900_002,
        workflowId: workflow.id,
        versionId: v1.id,
        stepKey: 'work',
        stepEnteredAt: new Date(),
        trace: {},
      });
      const copy = await admin.post(base, { from: 1 });
      expect(copy.statusCode, copy.body).toBe(201);
      expect(copy.json<VersionV2>()).toMatchObject({ number: 2, status: 'draft', definition: v1.definition });
      expect((await admin.post(`${base}/2/publish`, undefined, etag(create))).statusCode).toBe(412);
      const v2 = await admin.post(`${base}/2/publish`);
      expect(v2.statusCode, v2.body).toBe(200);

      const versions = await manager.get(base);
      expect(versions.json<{ data: VersionV2[] }>().data.map((row) => [row.number, row.status])).toEqual([
        [2, 'published'],
        [1, 'retired'],
      ]);
      expect((await admin.get(`/api/v2/workflows/${workflow.id}`)).json<WorkflowV2>().published_version).toBe(
        2,
      );
      const [run] = await t.database.db
        .select()
        .from(ticketWorkflows)
        .where(eq(ticketWorkflows.ticketId, 900_002));
      expect(run).toMatchObject({ versionId: v1.id, stepKey: 'work' });

      // The kind is fixed once published; a draft can be deleted.
      const kind = await admin.patch(`/api/v2/workflows/${workflow.id}`, { kind: 'service' }, ANY);
      expect(kind.statusCode).toBe(400);
      expect(fieldsOf(kind.json<Problem>())).toHaveProperty('kind');
      const third = await admin.post(base, { from: 1 });
      expect((await admin.delete(`${base}/3`, etag(v2))).statusCode).toBe(412);
      expect((await admin.delete(`${base}/3`, etag(third))).statusCode).toBe(204);
      expect((await admin.get(`${base}/3`)).statusCode).toBe(404);
      expect((await admin.post(base, { from: 9 })).statusCode).toBe(400);
    });

    it('refuses to publish two start steps', async () => {
      const definition = incidentFlow();
      definition.steps[1] = { ...definition.steps[1]!, start: true };
      const fields = await publishProblem('incident', definition);
      expect(fields.steps).toEqual(['Exactly one step must be the start step (found 2).']);
    });

    it('lists every problem by path: unreachable step, dangling transition, unknown roles', async () => {
      const definition = incidentFlow(999_999);
      definition.steps.push({ key: 'orphan', name: 'Orphan', status: 'in_progress' });
      definition.transitions.push(
        { action: 'escalate', from: 'work', to: 'nowhere' },
        { action: 'hand_over', from: 'triage', to: 'work', required_role_id: 999_998 },
      );
      const fields = await publishProblem('incident', definition);
      expect(fields).toEqual({
        'steps.0.role_id': ['Assignment role 999999 does not exist.'],
        'steps.4': [
          'Step "orphan" is not an end, yet no transition leaves it: tickets would be stuck there.',
          'Step "orphan" cannot be reached from the start step.',
        ],
        'transitions.3.to': ['No step "nowhere".'],
        'transitions.4.required_role_id': ['Assignment role 999998 does not exist.'],
      });
    });

    it('refuses statuses of the other kind and moves the lifecycle forbids', async () => {
      const resolved = await publishProblem('service', {
        steps: [
          { key: 'open', name: 'Open', status: 'open', start: true },
          { key: 'resolved', name: 'Resolved', status: 'resolved' },
        ],
        transitions: [{ action: 'resolve', from: 'open', to: 'resolved' }],
      });
      expect(resolved['steps.1.status']).toEqual(['"resolved" is not a status of service tickets.']);

      const skip = await publishProblem('service', {
        steps: [
          { key: 'open', name: 'Open', status: 'open', start: true },
          { key: 'done', name: 'Done', status: 'completed' },
        ],
        transitions: [{ action: 'complete', from: 'open', to: 'done' }],
      });
      expect(skip).toEqual({
        'transitions.0.to': ['A service ticket cannot go from "open" to "completed".'],
      });
    });
  });

  it('lets only admins write (403), managers and agents read, viewers not', async () => {
    const workflow = await createWorkflow({});
    const role = await createRole();
    for (const browser of [manager, agent]) {
      expect((await browser.post('/api/v2/workflows', { name: 'Nope', kind: 'incident' })).statusCode).toBe(
        403,
      );
      expect(
        (await browser.patch(`/api/v2/workflows/${workflow.id}`, { name: 'Nope' }, ANY)).statusCode,
      ).toBe(403);
      expect((await browser.post(`/api/v2/workflows/${workflow.id}/versions`, { from: 1 })).statusCode).toBe(
        403,
      );
      expect((await browser.post('/api/v2/assignment-roles', { name: 'Nope' })).statusCode).toBe(403);
      expect(
        (await browser.post(`/api/v2/assignment-roles/${role.id}/members`, { user_ids: [agentId] }))
          .statusCode,
      ).toBe(403);
      expect(
        (await browser.put(`/api/v2/assignee-profiles/${agentId}`, { capacity: 1, calendar_id: null }, ANY))
          .statusCode,
      ).toBe(403);
      expect((await browser.get(`/api/v2/workflows/${workflow.id}`)).statusCode).toBe(200);
    }
    expect((await viewer.get('/api/v2/workflows')).statusCode).toBe(403);
  });

  it('exports versions as CSV and documents every route in OpenAPI', async () => {
    const workflow = await createWorkflow({});
    await publish(workflow.id, incidentFlow());
    const csv = await agent.get(`/api/v2/workflows/${workflow.id}/versions?format=csv`);
    expect(csv.statusCode).toBe(200);
    const [header, row] = csv.body.trim().split('\n');
    expect(header).toContain('definition.steps');
    expect(row).toContain('published');

    const doc = (await admin.get('/api/v2/openapi.json')).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(Object.keys(doc.paths['/api/v2/workflows/{id}/versions/{number}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
    for (const path of [
      '/api/v2/assignment-roles/{id}/members/{userId}',
      '/api/v2/assignee-profiles/{userId}',
      '/api/v2/workflows/{id}/versions/{number}/publish',
    ])
      expect(doc.paths, path).toHaveProperty([path]);
  });

  it('answers 404 for workflows, versions and roles that do not exist', async () => {
    const workflow = await createWorkflow({});
    for (const url of [
      '/api/v2/workflows/999999',
      '/api/v2/workflows/999999/versions',
      `/api/v2/workflows/${workflow.id}/versions/1`,
      '/api/v2/assignment-roles/999999',
    ])
      expect((await admin.get(url)).statusCode, url).toBe(404);
    expect((await admin.post(`/api/v2/workflows/${workflow.id}/versions/1/publish`)).statusCode).toBe(404);
    expect((await admin.post('/api/v2/workflows/999999/versions', { from: 1 })).statusCode).toBe(404);
    expect((await admin.get('/api/v2/workflows/999999/versions?format=csv')).statusCode).toBe(404);
    expect((await admin.delete('/api/v2/workflows/999999', ANY)).statusCode).toBe(404);
  });
});

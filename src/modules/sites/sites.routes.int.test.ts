import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, TestApp } from '../../../test/helpers/app.ts';
import { createTestApp } from '../../../test/helpers/app.ts';
import type { RequestContext } from '../../platform/auth/actor.ts';

interface LocationV1 {
  id: number;
  name: string;
  description: string;
  created_at: string;
}
interface FacilityV1 {
  id: number;
  name: string;
  description: string;
  location: LocationV1 | null;
  status: 'Active' | 'Inactive';
  created_at: string;
}
interface AuditEntry {
  id: number;
  actor: string;
  actor_id: number | null;
  action: string;
  resource_type: string;
  resource_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request_id: string | null;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe('sites routes', () => {
  let t: TestApp;
  let admin: Browser;
  let adminName: string;
  let manager: Browser;
  let agent: Browser;
  let viewer: Browser;
  let requestCounter = 0;
  const rid = (label: string) => `sites-${label}-${++requestCounter}`;

  beforeAll(async () => {
    t = await createTestApp();
    const adminPerson = await t.user({ role: 'admin' });
    adminName = adminPerson.user.username;
    admin = await t.login(adminPerson);
    manager = await t.login(await t.user({ role: 'manager', department: 'Sites' }));
    agent = await t.login(await t.user({ role: 'agent', department: 'Sites' }));
    viewer = await t.login(await t.user({ role: 'viewer' }));
  });
  afterAll(async () => {
    await t.close();
  });

  const auditOf = async (type: string, id: number): Promise<AuditEntry[]> => {
    const response = await admin.get(`/api/v2/audit-log?resource_type=${type}&resource_id=${id}&limit=100`);
    expect(response.statusCode).toBe(200);
    return response.json<{ data: AuditEntry[] }>().data;
  };

  describe('v1 locations', () => {
    it('creates, reads, lists, updates and deletes a location in the contract shape', async () => {
      const create = await manager.post('/api/locations/', { name: 'Studio A', description: 'Main studio' });
      expect(create.statusCode).toBe(201);
      const location = create.json<LocationV1 & Record<string, unknown>>();
      expect(location).toMatchObject({ name: 'Studio A', description: 'Main studio' });
      expect(Number.isInteger(location.id)).toBe(true);
      expect(location.created_at).toMatch(ISO);
      for (const key of ['id', 'name', 'description', 'created_at']) expect(location).toHaveProperty(key);

      const get = await viewer.get(`/api/locations/${location.id}/`);
      expect(get.statusCode).toBe(200);
      expect(get.json()).toEqual(location);

      const list = await agent.get('/api/locations/?search=Studio%20A');
      expect(list.json()).toEqual({ count: 1, next: null, previous: null, results: [location] });

      const patch = await manager.patch(`/api/locations/${location.id}/`, { description: 'Renovated' });
      expect(patch.statusCode).toBe(200);
      expect(patch.json()).toMatchObject({ id: location.id, name: 'Studio A', description: 'Renovated' });

      const put = await manager.put(`/api/locations/${location.id}/`, {
        name: 'Studio A1',
        description: null,
      });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ name: 'Studio A1', description: '' });

      const remove = await manager.delete(`/api/locations/${location.id}/`);
      expect(remove.statusCode).toBe(204);
      expect(remove.body).toBe('');
      expect((await manager.get(`/api/locations/${location.id}/`)).statusCode).toBe(404);
      expect((await manager.delete(`/api/locations/${location.id}/`)).statusCode).toBe(404);
    });

    it('answers DRF field errors for a blank or missing name', async () => {
      const empty = await manager.post('/api/locations/', { name: '' });
      expect(empty.statusCode).toBe(400);
      expect(empty.json()).toEqual({ name: ['This field may not be blank.'] });
      const spaces = await manager.post('/api/locations/', { name: '   ' });
      expect(spaces.statusCode).toBe(400);
      expect(spaces.json()).toEqual({ name: ['This field may not be blank.'] });
      const missing = await manager.post('/api/locations/', { description: 'no name' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toEqual({ name: ['This field is required.'] });
    });

    it('refuses a duplicate name (any case) with a field error, on create and on rename', async () => {
      expect((await manager.post('/api/locations/', { name: 'Control Room' })).statusCode).toBe(201);
      const duplicate = await manager.post('/api/locations/', { name: 'control room' });
      expect(duplicate.statusCode).toBe(400);
      expect(duplicate.json()).toEqual({ name: ['A location with this name already exists.'] });

      const other = (await manager.post('/api/locations/', { name: 'Edit Suite' })).json<LocationV1>();
      const rename = await manager.patch(`/api/locations/${other.id}/`, { name: 'CONTROL ROOM' });
      expect(rename.statusCode).toBe(400);
      expect(rename.json()).toEqual({ name: ['A location with this name already exists.'] });
      expect((await manager.get(`/api/locations/${other.id}/`)).json()).toMatchObject({ name: 'Edit Suite' });
    });

    it('refuses to delete a location that has facilities (409) and keeps both', async () => {
      const location = (
        await manager.post('/api/locations/', { name: 'Transmitter Site' })
      ).json<LocationV1>();
      const facility = (
        await manager.post('/api/facilities/', { name: 'Mast', location_id: location.id })
      ).json<FacilityV1>();
      const v1 = await manager.delete(`/api/locations/${location.id}/`);
      expect(v1.statusCode).toBe(409);
      expect(v1.json<{ detail: string }>().detail).toMatch(/1 facility/);

      const v2get = await admin.get(`/api/v2/locations/${location.id}`);
      const v2 = await admin.delete(`/api/v2/locations/${location.id}`, {
        'if-match': String(v2get.headers.etag),
      });
      expect(v2.statusCode).toBe(409);
      expect(v2.headers['content-type']).toMatch(/^application\/problem\+json/);

      expect((await manager.get(`/api/locations/${location.id}/`)).statusCode).toBe(200);
      expect((await manager.get(`/api/facilities/${facility.id}/`)).statusCode).toBe(200);
      expect((await auditOf('location', location.id)).map((entry) => entry.action)).toEqual([
        'location.created',
      ]);
    });

    it('refuses writes from a viewer and an agent (403)', async () => {
      const location = (await manager.post('/api/locations/', { name: 'Guarded' })).json<LocationV1>();
      for (const browser of [viewer, agent]) {
        expect((await browser.post('/api/locations/', { name: 'Nope' })).statusCode).toBe(403);
        expect((await browser.patch(`/api/locations/${location.id}/`, { name: 'Nope' })).statusCode).toBe(
          403,
        );
        expect((await browser.delete(`/api/locations/${location.id}/`)).statusCode).toBe(403);
        expect((await browser.post('/api/facilities/', { name: 'Nope' })).statusCode).toBe(403);
        expect((await browser.post('/api/shifts/', { name: 'Nope' })).statusCode).toBe(403);
        expect((await browser.post('/api/v2/locations', { name: 'Nope' })).statusCode).toBe(403);
      }
      expect((await manager.get(`/api/locations/${location.id}/`)).json()).toMatchObject({ name: 'Guarded' });
      const nope = await t.database.pool.query(
        "SELECT (SELECT count(*) FROM locations WHERE name = 'Nope') + (SELECT count(*) FROM facilities WHERE name = 'Nope') + (SELECT count(*) FROM shifts WHERE name = 'Nope') AS n",
      );
      expect(Number(nope.rows[0]?.n)).toBe(0);
    });
  });

  describe('v1 facilities', () => {
    let location: LocationV1;
    beforeAll(async () => {
      location = (await manager.post('/api/locations/', { name: 'Facility Campus' })).json<LocationV1>();
    });

    it('embeds the full location object and answers status Active/Inactive', async () => {
      const create = await manager.post('/api/facilities/', {
        name: 'Studio 1',
        description: 'Big one',
        location_id: location.id,
      });
      expect(create.statusCode).toBe(201);
      const facility = create.json<FacilityV1>();
      expect(facility).toMatchObject({ name: 'Studio 1', description: 'Big one', status: 'Active' });
      expect(facility.location).toEqual((await manager.get(`/api/locations/${location.id}/`)).json());
      expect(facility.created_at).toMatch(ISO);

      // The relation may also be given as "location": id, or as a nested object with an id.
      const byLocation = await manager.post('/api/facilities/', { name: 'Studio 2', location: location.id });
      expect(byLocation.statusCode).toBe(201);
      expect(byLocation.json<FacilityV1>().location?.id).toBe(location.id);
      const byObject = await manager.post('/api/facilities/', {
        name: 'Studio 3',
        location: { id: location.id, name: 'ignored' },
        status: 'Inactive',
      });
      expect(byObject.statusCode).toBe(201);
      expect(byObject.json<FacilityV1>()).toMatchObject({
        status: 'Inactive',
        location: { id: location.id },
      });

      const patch = await manager.patch(`/api/facilities/${facility.id}/`, { status: 'Inactive' });
      expect(patch.statusCode).toBe(200);
      expect(patch.json()).toMatchObject({
        status: 'Inactive',
        location: { id: location.id, name: location.name },
      });

      const detached = await manager.patch(`/api/facilities/${facility.id}/`, { location: null });
      expect(detached.statusCode).toBe(200);
      expect(detached.json<FacilityV1>().location).toBeNull();

      expect((await manager.delete(`/api/facilities/${facility.id}/`)).statusCode).toBe(204);
      expect((await manager.get(`/api/facilities/${facility.id}/`)).statusCode).toBe(404);
    });

    it('answers a field error for an unknown location', async () => {
      const create = await manager.post('/api/facilities/', { name: 'Orphan', location_id: 99999 });
      expect(create.statusCode).toBe(400);
      expect(create.json()).toEqual({ location_id: ['Invalid pk "99999" - object does not exist.'] });

      const facility = (
        await manager.post('/api/facilities/', { name: 'Movable', location_id: location.id })
      ).json<FacilityV1>();
      const move = await manager.patch(`/api/facilities/${facility.id}/`, { location_id: 99999 });
      expect(move.statusCode).toBe(400);
      expect(move.json()).toEqual({ location_id: ['Invalid pk "99999" - object does not exist.'] });
    });

    it('refuses a duplicate name at the same location, allows it at another', async () => {
      expect(
        (await manager.post('/api/facilities/', { name: 'Gallery', location_id: location.id })).statusCode,
      ).toBe(201);
      const duplicate = await manager.post('/api/facilities/', { name: 'GALLERY', location_id: location.id });
      expect(duplicate.statusCode).toBe(400);
      expect(duplicate.json()).toEqual({
        name: ['A facility with this name already exists at this location.'],
      });
      const elsewhere = (await manager.post('/api/locations/', { name: 'Second Campus' })).json<LocationV1>();
      expect(
        (await manager.post('/api/facilities/', { name: 'Gallery', location_id: elsewhere.id })).statusCode,
      ).toBe(201);
    });

    it('hides an inactive facility from agents and viewers, shows it to managers and admins', async () => {
      const inactive = (
        await manager.post('/api/facilities/', {
          name: 'Mothballed',
          location_id: location.id,
          status: 'Inactive',
        })
      ).json<FacilityV1>();
      const active = (
        await manager.post('/api/facilities/', { name: 'Busy', location_id: location.id })
      ).json<FacilityV1>();

      for (const browser of [agent, viewer]) {
        const get = await browser.get(`/api/facilities/${inactive.id}/`);
        expect(get.statusCode).toBe(404);
        expect(get.json()).toMatchObject({ detail: 'Not found.' });
        expect((await browser.get(`/api/v2/facilities/${inactive.id}`)).statusCode).toBe(404);
        // They cannot write facilities at all: the same 403 for an invisible one as for any other,
        // so the answer reveals nothing about its existence.
        for (const id of [inactive.id, active.id, 99999]) {
          expect((await browser.patch(`/api/facilities/${id}/`, { name: 'x' })).statusCode).toBe(403);
          expect((await browser.delete(`/api/facilities/${id}/`)).statusCode).toBe(403);
        }
        const list = (await browser.get('/api/facilities/?page_size=100')).json<{
          results: FacilityV1[];
          count: number;
        }>();
        const ids = list.results.map((facility) => facility.id);
        expect(ids).toContain(active.id);
        expect(ids).not.toContain(inactive.id);
        expect(list.results.every((facility) => facility.status === 'Active')).toBe(true);
        expect(list.count).toBe(list.results.length);
        const v2 = (await browser.get('/api/v2/facilities?limit=100')).json<{ data: { id: number }[] }>();
        expect(v2.data.map((facility) => facility.id)).not.toContain(inactive.id);
      }

      for (const browser of [manager, admin]) {
        expect((await browser.get(`/api/facilities/${inactive.id}/`)).json()).toMatchObject({
          id: inactive.id,
          status: 'Inactive',
        });
        const ids = (await browser.get('/api/facilities/?page_size=100'))
          .json<{ results: FacilityV1[] }>()
          .results.map((facility) => facility.id);
        expect(ids).toEqual(expect.arrayContaining([inactive.id, active.id]));
      }
      expect((await manager.get(`/api/facilities/?status=Inactive&page_size=100`)).json()).toMatchObject({
        results: expect.arrayContaining([expect.objectContaining({ id: inactive.id })]) as unknown,
      });
    });

    it('treats an inactive facility as not found in the service for an agent (update and delete)', async () => {
      const inactive = (
        await manager.post('/api/facilities/', { name: 'Hidden Store', status: 'Inactive' })
      ).json<FacilityV1>();
      const agentPerson = await t.user({ role: 'agent' });
      const ctx: RequestContext = {
        actor: {
          userId: agentPerson.user.id,
          username: agentPerson.user.username,
          role: 'agent',
          departmentId: null,
          isStaff: false,
          isSuperuser: false,
          via: 'session',
        },
        requestId: 'service-level',
        ip: '127.0.0.1',
        userAgent: undefined,
      };
      await expect(t.services.sites.getFacility(ctx.actor, inactive.id)).rejects.toMatchObject({
        code: 'SITES_FACILITY_NOT_FOUND',
      });
      await expect(
        t.services.sites.updateFacility(ctx, inactive.id, { name: 'Found' }),
      ).rejects.toMatchObject({
        code: 'SITES_FACILITY_NOT_FOUND',
      });
      await expect(t.services.sites.deleteFacility(ctx, inactive.id)).rejects.toMatchObject({
        code: 'SITES_FACILITY_NOT_FOUND',
      });
      expect((await manager.get(`/api/facilities/${inactive.id}/`)).json()).toMatchObject({
        name: 'Hidden Store',
      });
    });
  });

  describe('v1 shifts', () => {
    it('creates, updates and deletes a shift with HH:MM:SS times', async () => {
      const create = await manager.post('/api/shifts/', {
        name: 'Morning',
        start_time: '06:00',
        end_time: '14:30:15',
      });
      expect(create.statusCode).toBe(201);
      const shift = create.json<{
        id: number;
        start_time: string | null;
        end_time: string | null;
        created_at: string;
      }>();
      expect(shift).toMatchObject({
        name: 'Morning',
        description: '',
        start_time: '06:00:00',
        end_time: '14:30:15',
      });
      expect(shift.created_at).toMatch(ISO);

      expect((await viewer.get(`/api/shifts/${shift.id}/`)).json()).toEqual(shift);

      const overnight = await manager.patch(`/api/shifts/${shift.id}/`, {
        start_time: '22:00',
        end_time: '06:00',
      });
      expect(overnight.statusCode).toBe(200);
      expect(overnight.json()).toMatchObject({ start_time: '22:00:00', end_time: '06:00:00' });

      const cleared = await manager.patch(`/api/shifts/${shift.id}/`, { end_time: '' });
      expect(cleared.statusCode).toBe(200);
      expect(cleared.json()).toMatchObject({ start_time: '22:00:00', end_time: null });

      const bad = await manager.patch(`/api/shifts/${shift.id}/`, { start_time: '25:00' });
      expect(bad.statusCode).toBe(400);
      expect(Object.keys(bad.json<object>())).toEqual(['start_time']);

      const duplicate = await manager.post('/api/shifts/', { name: 'MORNING' });
      expect(duplicate.statusCode).toBe(400);
      expect(duplicate.json()).toEqual({ name: ['A shift with this name already exists.'] });

      expect((await manager.delete(`/api/shifts/${shift.id}/`)).statusCode).toBe(204);
      expect((await manager.get(`/api/shifts/${shift.id}/`)).statusCode).toBe(404);
    });
  });

  describe('v2', () => {
    it('creates with 201 + Location + ETag, and updates only with a current If-Match', async () => {
      const create = await manager.post('/api/v2/locations', { name: 'HQ', time_zone: 'europe/berlin' });
      expect(create.statusCode).toBe(201);
      const location = create.json<{ id: number; version: number; time_zone: string }>();
      expect(create.headers.location).toBe(`/api/v2/locations/${location.id}`);
      expect(create.headers.etag).toBe(`"${location.version}"`);
      expect(location.time_zone).toBe('Europe/Berlin');

      const get = await agent.get(String(create.headers.location));
      expect(get.statusCode).toBe(200);
      expect(get.headers.etag).toBe(create.headers.etag);

      const without = await manager.patch(`/api/v2/locations/${location.id}`, { description: 'x' });
      expect(without.statusCode).toBe(428);
      const updated = await manager.patch(
        `/api/v2/locations/${location.id}`,
        { description: 'Head office' },
        { 'if-match': String(get.headers.etag) },
      );
      expect(updated.statusCode).toBe(200);
      expect(updated.headers.etag).toBe(`"${location.version + 1}"`);
      const stale = await manager.patch(
        `/api/v2/locations/${location.id}`,
        { description: 'Lost update' },
        { 'if-match': String(get.headers.etag) },
      );
      expect(stale.statusCode).toBe(412);
      expect(stale.json()).toMatchObject({ current: { description: 'Head office' } });

      const staleDelete = await manager.delete(`/api/v2/locations/${location.id}`, {
        'if-match': String(get.headers.etag),
      });
      expect(staleDelete.statusCode).toBe(412);
      expect((await manager.delete(`/api/v2/locations/${location.id}`)).statusCode).toBe(428);
      const deleted = await manager.delete(`/api/v2/locations/${location.id}`, {
        'if-match': String(updated.headers.etag),
      });
      expect(deleted.statusCode).toBe(204);
      expect((await manager.get(`/api/v2/locations/${location.id}`)).statusCode).toBe(404);
    });

    it('handles facilities and shifts the same way, with problem+json field errors', async () => {
      const location = (await manager.post('/api/v2/locations', { name: 'v2 Site' })).json<{ id: number }>();
      const create = await manager.post('/api/v2/facilities', {
        name: 'v2 Studio',
        location_id: location.id,
      });
      expect(create.statusCode).toBe(201);
      const facility = create.json<{ id: number; status: string; location: unknown; location_id: number }>();
      expect(create.headers.location).toBe(`/api/v2/facilities/${facility.id}`);
      expect(facility).toMatchObject({
        status: 'active',
        location_id: location.id,
        location: { id: location.id, name: 'v2 Site' },
      });
      const patched = await manager.patch(
        `/api/v2/facilities/${facility.id}`,
        { status: 'inactive' },
        { 'if-match': String(create.headers.etag) },
      );
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ status: 'inactive' });

      const unknown = await manager.post('/api/v2/facilities', { name: 'Nowhere', location_id: 99999 });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(unknown.json()).toMatchObject({
        status: 400,
        errors: [{ field: 'location_id', message: 'Invalid pk "99999" - object does not exist.' }],
      });
      const extra = await manager.post('/api/v2/facilities', { name: 'Strict', colour: 'red' });
      expect(extra.statusCode).toBe(400);

      const shift = await manager.post('/api/v2/shifts', {
        name: 'v2 Late',
        start_time: '14:00',
        end_time: '22:00',
      });
      expect(shift.statusCode).toBe(201);
      expect(shift.headers.location).toMatch(/^\/api\/v2\/shifts\/\d+$/);
      expect(shift.json()).toMatchObject({ start_time: '14:00:00', end_time: '22:00:00' });
      const badTime = await manager.post('/api/v2/shifts', { name: 'v2 Bad', start_time: '7am' });
      expect(badTime.statusCode).toBe(400);
    });
  });

  describe('audit trail', () => {
    it('records created, updated and deleted for a facility with before/after, actor and request id', async () => {
      const location = (await admin.post('/api/locations/', { name: 'Audited Campus' })).json<LocationV1>();
      const createId = rid('create');
      const create = await admin.post(
        '/api/facilities/',
        { name: 'Audited', location_id: location.id },
        { 'x-request-id': createId },
      );
      expect(create.statusCode).toBe(201);
      expect(create.headers['x-request-id']).toBe(createId);
      const facility = create.json<FacilityV1>();

      const updateId = rid('update');
      const update = await admin.patch(
        `/api/facilities/${facility.id}/`,
        { description: 'now described', status: 'Inactive' },
        { 'x-request-id': updateId },
      );
      expect(update.statusCode).toBe(200);

      // A failed write leaves no trace.
      const failed = await admin.patch(
        `/api/facilities/${facility.id}/`,
        { location_id: 99999 },
        { 'x-request-id': rid('failed') },
      );
      expect(failed.statusCode).toBe(400);

      const deleteId = rid('delete');
      expect(
        (await admin.delete(`/api/facilities/${facility.id}/`, { 'x-request-id': deleteId })).statusCode,
      ).toBe(204);

      const entries = await auditOf('facility', facility.id);
      // Newest first.
      expect(entries.map((entry) => entry.action)).toEqual([
        'facility.deleted',
        'facility.updated',
        'facility.created',
      ]);
      const [deleted, updated, created] = entries as [AuditEntry, AuditEntry, AuditEntry];
      for (const entry of entries) {
        expect(entry.actor).toBe(adminName);
        expect(entry.resource_type).toBe('facility');
        expect(entry.resource_id).toBe(String(facility.id));
        expect(entry.actor_id).toEqual(expect.any(Number));
      }
      expect(created.request_id).toBe(createId);
      expect(created.before).toBeNull();
      expect(created.after).toMatchObject({
        id: facility.id,
        name: 'Audited',
        status: 'active',
        locationId: location.id,
      });

      expect(updated.request_id).toBe(updateId);
      expect(updated.before).toMatchObject({ description: '', status: 'active' });
      expect(updated.after).toMatchObject({ description: 'now described', status: 'inactive' });

      expect(deleted.request_id).toBe(deleteId);
      expect(deleted.before).toMatchObject({ id: facility.id, description: 'now described' });
      expect(deleted.after).toBeNull();
    });

    it('records every location and shift write, in v1 and v2', async () => {
      const location = (await manager.post('/api/locations/', { name: 'Trail Loc' })).json<{ id: number }>();
      await manager.patch(`/api/locations/${location.id}/`, { description: 'd' });
      const v2 = await manager.get(`/api/v2/locations/${location.id}`);
      await manager.patch(
        `/api/v2/locations/${location.id}`,
        { address: 'Main St 1' },
        { 'if-match': String(v2.headers.etag) },
      );
      expect((await manager.delete(`/api/locations/${location.id}/`)).statusCode).toBe(204);
      expect((await auditOf('location', location.id)).map((entry) => entry.action)).toEqual([
        'location.deleted',
        'location.updated',
        'location.updated',
        'location.created',
      ]);

      const shift = await manager.post('/api/v2/shifts', { name: 'Trail Shift' });
      const shiftId = shift.json<{ id: number }>().id;
      await manager.patch(
        `/api/v2/shifts/${shiftId}`,
        { description: 'x' },
        { 'if-match': String(shift.headers.etag) },
      );
      expect((await manager.delete(`/api/v2/shifts/${shiftId}`, { 'if-match': '*' })).statusCode).toBe(204);
      const trail = await auditOf('shift', shiftId);
      expect(trail.map((entry) => entry.action)).toEqual(['shift.deleted', 'shift.updated', 'shift.created']);
      expect(trail[1]?.before).toMatchObject({ description: '' });
      expect(trail[1]?.after).toMatchObject({ description: 'x' });
    });

    it('lets only admins read the audit log', async () => {
      for (const browser of [manager, agent, viewer]) {
        expect((await browser.get('/api/v2/audit-log')).statusCode).toBe(403);
      }
    });
  });
});

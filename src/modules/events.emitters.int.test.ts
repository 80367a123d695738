import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';
import { ctxOf } from '../../test/helpers/service-context.ts';
import { systemContext } from '../platform/auth/actor.ts';
import { latestEventId, readAfter, type StoredEvent } from '../platform/events/index.ts';
import type { Person } from './identity/index.ts';
import { eventCatalogue } from './index.ts';

/**
 * Each module writes its events in the transaction of the change: a change through the
 * services leaves exactly its events in the outbox, in order, with payloads that match
 * the catalogue's schemas and the scope policies filter on.
 */
describe('domain events from the modules', () => {
  let t: TestApp;
  let admin: Person;
  let agent: Person;
  const ctx = systemContext('events-test');

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.user({ role: 'admin' });
    agent = await t.user({ role: 'agent', department: 'Ops' });
  });
  afterAll(async () => {
    await t.close();
  });

  /** The events `work` wrote. */
  async function eventsOf(work: () => Promise<unknown>): Promise<StoredEvent[]> {
    const start = await latestEventId(t.database.db);
    await work();
    const events = await readAfter(t.database.db, start, 100);
    for (const event of events) expect(eventCatalogue.has(event.type), event.type).toBe(true);
    return events;
  }
  const typesOf = (events: StoredEvent[]) => events.map((event) => event.type);

  it('tickets: created, updated, status steps, assigned, comment added, deleted', async () => {
    const { tickets } = t.services;
    let id = 0;
    const created = await eventsOf(async () => {
      id = (await tickets.create(ctxOf(agent), 'incident', { title: 'Playout down', priority: 'high' })).id;
    });
    expect(typesOf(created)).toContain('ticket.created');
    expect(created[0]).toMatchObject({
      subjectType: 'ticket',
      subjectId: String(id),
      departmentId: agent.user.departmentId,
      userIds: [agent.user.id],
      actorId: agent.user.id,
      payload: { ticket: { id, title: 'Playout down', status: 'open', priority: 'high' } },
    });
    expect(
      typesOf(await eventsOf(() => tickets.update(ctxOf(admin), id, { title: 'Playout server down' }))),
    ).toEqual(['ticket.updated']);
    const assigned = await eventsOf(() => tickets.update(ctxOf(admin), id, { assigneeId: agent.user.id }));
    expect(assigned.find((event) => event.type === 'ticket.assigned')?.payload).toMatchObject({
      from_assignee_id: null,
      to_assignee_id: agent.user.id,
    });
    const moved = await eventsOf(() => tickets.update(ctxOf(admin), id, { status: 'in_progress' }));
    expect(moved.find((event) => event.type === 'ticket.status_changed')?.payload).toMatchObject({
      from: 'open',
      to: 'in_progress',
    });
    const note = await eventsOf(() =>
      tickets.addComment(ctxOf(agent), id, { body: 'on it', internal: true }),
    );
    expect(note).toMatchObject([
      { type: 'ticket.comment_added', audience: 'staff', payload: { comment: { body: 'on it' } } },
    ]);
    expect(typesOf(await eventsOf(() => tickets.remove(ctxOf(admin), id)))).toEqual(['ticket.deleted']);
  });

  it('a failed change writes no event', async () => {
    const events = await eventsOf(() =>
      t.services.tickets.update(ctxOf(agent), 999_999, { title: 'nope' }).catch(() => undefined),
    );
    expect(events).toEqual([]);
  });

  it('sites and facilities', async () => {
    let locationId = 0;
    const events = await eventsOf(async () => {
      const location = await t.services.sites.createLocation(ctx, { name: 'Studio 9' });
      locationId = location.id;
      await t.services.sites.updateLocation(ctx, location.id, { address: 'Main St 1' });
      const facility = await t.services.sites.createFacility(ctx, {
        name: 'Gallery',
        locationId: location.id,
      });
      await t.services.sites.deleteFacility(ctx, facility.id);
      await t.services.sites.deleteLocation(ctx, location.id);
    });
    expect(typesOf(events)).toEqual([
      'site.created',
      'site.updated',
      'facility.created',
      'facility.deleted',
      'site.deleted',
    ]);
    expect(events[1]).toMatchObject({ locationId, payload: { site: { address: 'Main St 1' } } });
  });

  it('users: created, updated, deactivated', async () => {
    let person: Person | undefined;
    const created = await eventsOf(async () => {
      person = await t.user({ role: 'viewer', department: 'Ops' });
    });
    expect(typesOf(created)).toEqual(['user.created']);
    const updated = await eventsOf(() =>
      t.services.identity.updatePerson(ctxOf(admin), { profileId: person!.profile.id }, { isActive: false }),
    );
    expect(typesOf(updated)).toEqual(['user.updated', 'user.deactivated']);
    expect(updated[0]).toMatchObject({ payload: { user: { is_active: false } }, userIds: [person!.user.id] });
  });

  it('workforce: time entries, scheduled events, time off', async () => {
    const { timeclock, events: schedule, timeoff } = t.services;
    const clock = await eventsOf(async () => {
      await timeclock.clockIn(ctxOf(agent), {});
      await new Promise((resolve) => setTimeout(resolve, 20));
      await timeclock.clockOut(ctxOf(agent), {});
    });
    expect(typesOf(clock)).toEqual(['timeentry.clocked_in', 'timeentry.clocked_out']);
    expect(clock[1]).toMatchObject({
      userIds: [agent.user.id],
      payload: { entry: { user_id: agent.user.id } },
    });

    const scheduled = await eventsOf(async () => {
      const event = await schedule.create(ctxOf(admin), {
        title: 'Rehearsal',
        eventType: 'meeting',
        startsAt: new Date('2027-02-01T09:00:00Z'),
        endsAt: new Date('2027-02-01T10:00:00Z'),
        assigneeIds: [agent.user.id],
      });
      await schedule.remove(ctxOf(admin), event.id);
    });
    expect(typesOf(scheduled)).toEqual(['event.created', 'event.deleted']);
    expect(scheduled[0]).toMatchObject({ payload: { event: { assignee_ids: [agent.user.id] } } });

    await timeoff.createPolicy(ctxOf(admin), { requestType: 'Sick', allowNegativeBalance: true });
    const requested = await eventsOf(() =>
      timeoff.request(ctxOf(agent), { requestType: 'Sick', startDate: '2027-03-01', endDate: '2027-03-02' }),
    );
    expect(requested).toMatchObject([
      { type: 'timeoff.requested', userIds: [agent.user.id], payload: { request: { status: 'pending' } } },
    ]);
  });
});

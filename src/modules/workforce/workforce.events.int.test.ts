import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorOf, ctxOf, failure } from '../../../test/helpers/service-context.ts';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { Person } from '../identity/index.ts';
import { createEventsService, type EventInput, type EventsService } from './workforce.events.ts';
import { timeOffRequests } from './workforce.tables.ts';

const at = (iso: string) => new Date(iso);
/** A one-off event on a future day; hours in UTC. */
const slot = (day: string, from: string, to: string): Pick<EventInput, 'startsAt' | 'endsAt'> => ({
  startsAt: at(`${day}T${from}:00Z`),
  endsAt: at(`${day}T${to}:00Z`),
});

interface ConflictJson {
  user_id: number;
  kind: 'event' | 'time_off';
  id: number;
  title: string;
  starts_at: string;
  ends_at: string;
}
interface EventV1Json {
  id: number;
  version: number;
  start_time: string;
  rrule: string | null;
  assigned_users: { user: { id: number; username: string } }[];
  created_by: { user: { id: number } } | null;
}
interface PageV1 {
  count: number;
  next: string | null;
  previous: string | null;
  results: EventV1Json[];
}
interface OccurrencePageV1 {
  count: number;
  next: string | null;
  results: { id: string; event_id: number; start_time: string; occurrence_start: string }[];
}
interface PageV2 {
  data: { id: string; event_id: number; starts_at: string; occurrence_start: string }[];
  next_cursor: string | null;
  has_more: boolean;
}

const conflictsOf = (error: AppError) => (error.extra?.conflicts ?? []) as ConflictJson[];

describe('scheduled events', () => {
  let t: TestApp;
  let events: EventsService;
  let admin: Person;
  let opsManager: Person;
  let opsAgent: Person;
  let opsAgent2: Person;
  let opsViewer: Person;
  let newsManager: Person;
  let newsAgent: Person;

  beforeAll(async () => {
    t = await createTestApp();
    events = createEventsService({
      db: t.database.db,
      audit: t.services.audit,
      identity: t.services.identity,
      sites: t.services.sites,
    });
    admin = await t.user({ role: 'admin' });
    opsManager = await t.user({ role: 'manager', department: 'Ops' });
    opsAgent = await t.user({ role: 'agent', department: 'Ops' });
    opsAgent2 = await t.user({ role: 'agent', department: 'Ops' });
    opsViewer = await t.user({ role: 'viewer', department: 'Ops' });
    newsManager = await t.user({ role: 'manager', department: 'News' });
    newsAgent = await t.user({ role: 'agent', department: 'News' });
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (by: Person, input: EventInput, override?: boolean) =>
    events.create(ctxOf(by), { title: 'Shift', eventType: 'shift', ...input }, { override });

  describe('visibility and permissions', () => {
    it('shows an event to its assignees, their manager, its creator and admins; 404 to everyone else', async () => {
      const event = await create(opsManager, {
        ...slot('2027-01-04', '08:00', '16:00'),
        assigneeIds: [opsAgent.user.id],
      });
      expect(event.assignees.map((p) => p.user.id)).toEqual([opsAgent.user.id]);
      expect(event.creator?.user.id).toBe(opsManager.user.id);
      for (const who of [opsAgent, opsManager, admin])
        expect((await events.get(actorOf(who), event.id)).id).toBe(event.id);
      for (const who of [opsAgent2, opsViewer, newsManager, newsAgent]) {
        const error = await failure(events.get(actorOf(who), event.id));
        expect(error.code).toBe('WORKFORCE_NOT_FOUND');
      }
    });

    it('shows open events (nobody assigned) to everyone', async () => {
      const open = await create(opsManager, { ...slot('2027-01-05', '08:00', '09:00'), title: 'Open shift' });
      for (const who of [newsAgent, opsViewer])
        expect((await events.get(actorOf(who), open.id)).title).toBe('Open shift');
    });

    it('lets only managers and admins schedule; managers assign only their own department', async () => {
      for (const who of [opsAgent, opsViewer]) {
        const error = await failure(create(who, slot('2027-01-06', '08:00', '09:00')));
        expect(error.code).toBe('WORKFORCE_FORBIDDEN');
      }
      const foreign = await failure(
        create(opsManager, { ...slot('2027-01-06', '08:00', '09:00'), assigneeIds: [newsAgent.user.id] }),
      );
      expect(foreign.code).toBe('WORKFORCE_FORBIDDEN');
      expect(foreign.message).toBe('You can only assign members of your department.');
      const byAdmin = await create(admin, {
        ...slot('2027-01-06', '08:00', '09:00'),
        assigneeIds: [newsAgent.user.id, opsAgent.user.id],
      });
      expect(byAdmin.assigneeIds.sort()).toEqual([newsAgent.user.id, opsAgent.user.id].sort());
      // Mixed departments: the Ops manager sees it (one of theirs) but cannot change it.
      expect((await events.get(actorOf(opsManager), byAdmin.id)).id).toBe(byAdmin.id);
      const change = await failure(events.update(ctxOf(opsManager), byAdmin.id, { title: 'Mine now' }));
      expect(change.code).toBe('WORKFORCE_FORBIDDEN');
    });

    it('answers 404 on every id-based operation for a manager who cannot see the event', async () => {
      const event = await create(opsManager, {
        ...slot('2027-01-07', '08:00', '09:00'),
        rrule: 'FREQ=DAILY;COUNT=3',
        assigneeIds: [opsAgent.user.id],
      });
      const key = event.startsAt;
      const outsider = newsManager;
      const attempts: (() => Promise<unknown>)[] = [
        () => events.get(actorOf(outsider), event.id),
        () => events.getOccurrence(actorOf(outsider), event.id, key),
        () => events.update(ctxOf(outsider), event.id, { title: 'x' }),
        () => events.remove(ctxOf(outsider), event.id),
        () => events.editOccurrence(ctxOf(outsider), event.id, key, { title: 'x' }),
        () => events.cancelOccurrence(ctxOf(outsider), event.id, key),
      ];
      for (const attempt of attempts) expect((await failure(attempt())).code).toBe('WORKFORCE_NOT_FOUND');
      // Untouched.
      const after = await events.get(actorOf(admin), event.id);
      expect(after.version).toBe(event.version);
      expect(after.exceptions).toEqual([]);
    });

    it('validates fields, references and the rule, all at once', async () => {
      const error = await failure(
        create(opsManager, {
          title: '  ',
          startsAt: at('2027-01-08T10:00:00Z'),
          endsAt: at('2027-01-08T09:00:00Z'),
          timeZone: 'Mars/Olympus',
          rrule: 'FREQ=WEEKLY;BYDAY=XX',
        }),
      );
      expect(error.fields).toEqual({
        title: ['This field may not be blank.'],
        time_zone: ['"Mars/Olympus" is not a known time zone.'],
        rrule: ['BYDAY=XX is not a valid value.'],
      });
      const ends = await failure(
        create(opsManager, { startsAt: at('2027-01-08T10:00:00Z'), endsAt: at('2027-01-08T09:00:00Z') }),
      );
      expect(ends.fields).toEqual({ ends_at: ['The end must be after the start.'] });
      const refs = await failure(
        create(opsManager, {
          ...slot('2027-01-08', '08:00', '09:00'),
          locationId: 99999,
          assigneeIds: [99999],
        }),
      );
      expect(refs.fields).toEqual({
        location_id: ['Invalid pk "99999" - object does not exist.'],
        assignee_ids: ['Invalid pk "99999" - object does not exist.'],
      });
      const offRule = await failure(
        create(opsManager, {
          ...slot('2027-01-08', '08:00', '09:00'),
          rrule: 'FREQ=WEEKLY;BYDAY=MO',
          timeZone: 'UTC',
        }),
      );
      expect(offRule.fields?.rrule?.[0]).toMatch(/start must be an occurrence of its rule/);
    });
  });

  describe('conflicts', () => {
    it('refuses to assign someone to overlapping events, listing the conflicts; adjacent events are fine', async () => {
      const first = await create(opsManager, {
        ...slot('2027-02-01', '08:00', '12:00'),
        title: 'Morning',
        assigneeIds: [opsAgent.user.id],
      });
      const adjacent = await create(opsManager, {
        ...slot('2027-02-01', '12:00', '14:00'),
        assigneeIds: [opsAgent.user.id],
      });
      expect(adjacent.id).toBeGreaterThan(first.id);
      const error = await failure(
        create(opsManager, {
          ...slot('2027-02-01', '11:00', '13:00'),
          assigneeIds: [opsAgent.user.id, opsAgent2.user.id],
        }),
      );
      expect(error.code).toBe('WORKFORCE_CONFLICT');
      expect(error.kind).toBe('conflict');
      expect(conflictsOf(error)).toEqual([
        {
          user_id: opsAgent.user.id,
          kind: 'event',
          id: first.id,
          title: 'Morning',
          starts_at: '2027-02-01T08:00:00.000Z',
          ends_at: '2027-02-01T12:00:00.000Z',
        },
        {
          user_id: opsAgent.user.id,
          kind: 'event',
          id: adjacent.id,
          title: 'Shift',
          starts_at: '2027-02-01T12:00:00.000Z',
          ends_at: '2027-02-01T14:00:00.000Z',
        },
      ]);
      expect(error.extra?.conflict_count).toBe(2);
      // Cancelled events hold nobody.
      await events.update(ctxOf(opsManager), first.id, { status: 'cancelled' });
      await events.update(ctxOf(opsManager), adjacent.id, { status: 'cancelled' });
      const fits = await create(opsManager, {
        ...slot('2027-02-01', '11:00', '13:00'),
        assigneeIds: [opsAgent.user.id],
      });
      expect(fits.assigneeIds).toEqual([opsAgent.user.id]);
      // Reactivating a cancelled one checks everyone again.
      const back = await failure(events.update(ctxOf(opsManager), first.id, { status: 'scheduled' }));
      expect(conflictsOf(back).map((c) => c.id)).toEqual([fits.id]);
    });

    it('finds the occurrence of a recurring event that a new event overlaps', async () => {
      const weekly = await create(opsManager, {
        startsAt: at('2027-03-01T08:00:00Z'), // Monday 09:00 Berlin
        endsAt: at('2027-03-01T09:00:00Z'),
        timeZone: 'Europe/Berlin',
        rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=8',
        title: 'Stand-up',
        eventType: 'meeting',
        assigneeIds: [opsAgent2.user.id],
      });
      // Four weeks later it is summer time: the stand-up is at 07:00Z.
      const error = await failure(
        create(opsManager, { ...slot('2027-03-29', '06:30', '07:30'), assigneeIds: [opsAgent2.user.id] }),
      );
      expect(conflictsOf(error)).toEqual([
        {
          user_id: opsAgent2.user.id,
          kind: 'event',
          id: weekly.id,
          title: 'Stand-up',
          starts_at: '2027-03-29T07:00:00.000Z',
          ends_at: '2027-03-29T08:00:00.000Z',
        },
      ]);
      // At 08:00Z (the winter time slot) it is free.
      await create(opsManager, { ...slot('2027-03-29', '08:00', '09:00'), assigneeIds: [opsAgent2.user.id] });
      // After COUNT runs out there is nothing to collide with.
      await create(opsManager, { ...slot('2027-04-26', '07:00', '08:00'), assigneeIds: [opsAgent2.user.id] });
    });

    it('lets a manager override, and audits the override with the conflicts', async () => {
      const first = await create(opsManager, {
        ...slot('2027-02-08', '08:00', '12:00'),
        assigneeIds: [opsAgent.user.id],
      });
      const forced = await create(
        opsManager,
        { ...slot('2027-02-08', '10:00', '11:00'), title: 'Forced', assigneeIds: [opsAgent.user.id] },
        true,
      );
      expect(forced.assigneeIds).toEqual([opsAgent.user.id]);
      const [entry] = await t.services.audit.historyOf('scheduled_event', forced.id);
      expect(entry?.action).toBe('event.created');
      expect(entry?.after).toMatchObject({
        title: 'Forced',
        assigneeIds: [opsAgent.user.id],
        override: true,
        conflicts: [{ user_id: opsAgent.user.id, kind: 'event', id: first.id }],
      });
      // An override that overrides nothing records nothing special.
      const plain = await create(
        opsManager,
        { ...slot('2027-02-09', '08:00', '09:00'), assigneeIds: [opsAgent.user.id] },
        true,
      );
      const [plainEntry] = await t.services.audit.historyOf('scheduled_event', plain.id);
      expect(plainEntry?.after).not.toHaveProperty('override');
    });

    it('checks new assignees on update, and everyone when the times change', async () => {
      const busy = await create(opsManager, {
        ...slot('2027-02-15', '08:00', '12:00'),
        assigneeIds: [opsAgent.user.id],
      });
      const other = await create(opsManager, {
        ...slot('2027-02-15', '13:00', '14:00'),
        assigneeIds: [opsAgent2.user.id],
      });
      const added = await events.update(ctxOf(opsManager), other.id, {
        assigneeIds: [opsAgent2.user.id, opsAgent.user.id],
      });
      expect(added.assigneeIds.sort()).toEqual([opsAgent.user.id, opsAgent2.user.id].sort());
      const moving = await failure(
        events.update(ctxOf(opsManager), busy.id, slot('2027-02-15', '12:30', '13:30')),
      );
      expect(conflictsOf(moving).map((c) => [c.user_id, c.id])).toEqual([[opsAgent.user.id, other.id]]);
      // Overridden once, an existing assignee is not re-checked when someone else is added.
      const forced = await create(
        opsManager,
        { ...slot('2027-02-15', '09:00', '10:00'), assigneeIds: [opsAgent.user.id] },
        true,
      );
      const plusOne = await events.update(ctxOf(opsManager), forced.id, {
        assigneeIds: [opsAgent.user.id, opsViewer.user.id],
      });
      expect(plusOne.assigneeIds).toHaveLength(2);
      // Removing people never conflicts.
      await events.update(ctxOf(opsManager), forced.id, { assigneeIds: [] });
    });

    it('treats approved time off (whole days in the person’s zone) as a conflict; pending time off is not', async () => {
      const person = await t.user({ role: 'agent', department: 'Ops' });
      await t.services.identity.updatePerson(
        systemContext('test'),
        { userId: person.user.id },
        { timeZone: 'America/New_York' },
      );
      const [approved] = await t.database.db
        .insert(timeOffRequests)
        .values({
          userId: person.user.id,
          requestType: 'vacation',
          startDate: '2027-05-10',
          endDate: '2027-05-11',
          status: 'approved',
        })
        .returning();
      await t.database.db.insert(timeOffRequests).values({
        userId: person.user.id,
        requestType: 'sick',
        startDate: '2027-05-20',
        endDate: '2027-05-20',
        status: 'pending',
      });
      // 2027-05-12 02:00Z is still the 11th in New York.
      const error = await failure(
        create(opsManager, { ...slot('2027-05-12', '02:00', '03:00'), assigneeIds: [person.user.id] }),
      );
      expect(conflictsOf(error)).toEqual([
        {
          user_id: person.user.id,
          kind: 'time_off',
          id: approved?.id,
          title: 'vacation',
          starts_at: '2027-05-10T04:00:00.000Z',
          ends_at: '2027-05-12T04:00:00.000Z',
        },
      ]);
      await create(opsManager, { ...slot('2027-05-12', '04:00', '05:00'), assigneeIds: [person.user.id] });
      await create(opsManager, { ...slot('2027-05-20', '12:00', '13:00'), assigneeIds: [person.user.id] });
    });

    it('lets exactly one of two concurrent overlapping assignments of the same person win', async () => {
      for (let round = 0; round < 5; round += 1) {
        const day = `2027-06-${String(round + 1).padStart(2, '0')}`;
        const results = await Promise.allSettled([
          create(opsManager, {
            ...slot(day, '08:00', '10:00'),
            title: 'A',
            assigneeIds: [opsAgent.user.id, opsAgent2.user.id],
          }),
          create(admin, {
            ...slot(day, '09:00', '11:00'),
            title: 'B',
            assigneeIds: [opsAgent2.user.id, opsAgent.user.id],
          }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const [rejected] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect((rejected?.reason as AppError).code).toBe('WORKFORCE_CONFLICT');
      }
      const booked = await events.occurrencesForUsers(
        [opsAgent.user.id],
        at('2027-06-01T00:00:00Z'),
        at('2027-06-06T00:00:00Z'),
      );
      expect(booked).toHaveLength(5);
    });
  });

  describe('occurrences', () => {
    let series: Awaited<ReturnType<EventsService['create']>>;
    const window = { from: at('2027-08-01T00:00:00Z'), to: at('2027-09-01T00:00:00Z') };
    const starts = async (who: Person = opsManager) =>
      (await events.listOccurrences(actorOf(who), window, { search: 'Weekly review' })).map((o) => [
        o.occurrenceStart.toISOString(),
        o.startsAt.toISOString(),
        o.title ?? o.event.title,
      ]);

    beforeAll(async () => {
      series = await create(opsManager, {
        startsAt: at('2027-08-02T08:00:00Z'), // Monday 10:00 Berlin (CEST)
        endsAt: at('2027-08-02T09:00:00Z'),
        timeZone: 'Europe/Berlin',
        rrule: 'FREQ=WEEKLY;BYDAY=MO',
        title: 'Weekly review',
        eventType: 'meeting',
        assigneeIds: [opsAgent.user.id],
      });
    });

    it('expands a series inside the requested window only', async () => {
      expect(await starts()).toEqual([
        ['2027-08-02T08:00:00.000Z', '2027-08-02T08:00:00.000Z', 'Weekly review'],
        ['2027-08-09T08:00:00.000Z', '2027-08-09T08:00:00.000Z', 'Weekly review'],
        ['2027-08-16T08:00:00.000Z', '2027-08-16T08:00:00.000Z', 'Weekly review'],
        ['2027-08-23T08:00:00.000Z', '2027-08-23T08:00:00.000Z', 'Weekly review'],
        ['2027-08-30T08:00:00.000Z', '2027-08-30T08:00:00.000Z', 'Weekly review'],
      ]);
      expect(await starts(newsAgent)).toEqual([]);
      const narrow = await events.listOccurrences(
        actorOf(opsAgent),
        {
          from: at('2027-08-09T08:30:00Z'),
          to: at('2027-08-16T08:00:00Z'),
        },
        { search: 'Weekly review' },
      );
      expect(narrow.map((o) => o.startsAt.toISOString())).toEqual(['2027-08-09T08:00:00.000Z']);
      const filtered = await events.listOccurrences(actorOf(admin), window, {
        userIds: [newsAgent.user.id],
        search: 'Weekly review',
      });
      expect(filtered).toEqual([]);
    });

    it('moves, retitles and cancels single occurrences, bumping the series version', async () => {
      const moved = await events.editOccurrence(
        ctxOf(opsManager),
        series.id,
        at('2027-08-09T08:00:00Z'),
        { startsAt: at('2027-08-10T12:00:00Z') },
        { expectedVersion: series.version },
      );
      expect(moved.startsAt.toISOString()).toBe('2027-08-10T12:00:00.000Z');
      expect(moved.endsAt.toISOString()).toBe('2027-08-10T13:00:00.000Z');
      expect(moved.modified).toBe(true);
      expect(moved.event.version).toBe(series.version + 1);
      const retitled = await events.editOccurrence(ctxOf(opsManager), series.id, at('2027-08-16T08:00:00Z'), {
        title: 'Quarterly review',
      });
      expect(retitled.title).toBe('Quarterly review');
      await events.cancelOccurrence(ctxOf(opsManager), series.id, at('2027-08-23T08:00:00Z'));
      expect(await starts()).toEqual([
        ['2027-08-02T08:00:00.000Z', '2027-08-02T08:00:00.000Z', 'Weekly review'],
        ['2027-08-09T08:00:00.000Z', '2027-08-10T12:00:00.000Z', 'Weekly review'],
        ['2027-08-16T08:00:00.000Z', '2027-08-16T08:00:00.000Z', 'Quarterly review'],
        ['2027-08-30T08:00:00.000Z', '2027-08-30T08:00:00.000Z', 'Weekly review'],
      ]);
      const cancelled = await failure(
        events.getOccurrence(actorOf(opsAgent), series.id, at('2027-08-23T08:00:00Z')),
      );
      expect(cancelled.code).toBe('WORKFORCE_NOT_FOUND');
      const notAnOccurrence = await failure(
        events.getOccurrence(actorOf(opsAgent), series.id, at('2027-08-24T08:00:00Z')),
      );
      expect(notAnOccurrence.code).toBe('WORKFORCE_NOT_FOUND');
      const stale = await failure(
        events.cancelOccurrence(ctxOf(opsManager), series.id, at('2027-08-30T08:00:00Z'), {
          expectedVersion: series.version,
        }),
      );
      expect(stale.code).toBe('VERSION_CONFLICT');
      const history = await t.services.audit.historyOf('scheduled_event', series.id);
      expect(history.map((e) => e.action)).toEqual([
        'event.created',
        'event.occurrence_changed',
        'event.occurrence_changed',
        'event.occurrence_cancelled',
      ]);
    });

    it('checks a moved occurrence for conflicts', async () => {
      const blocker = await create(opsManager, {
        ...slot('2027-08-31', '08:00', '10:00'),
        title: 'Blocker',
        assigneeIds: [opsAgent.user.id],
      });
      const error = await failure(
        events.editOccurrence(ctxOf(opsManager), series.id, at('2027-08-30T08:00:00Z'), {
          startsAt: at('2027-08-31T09:00:00Z'),
        }),
      );
      expect(conflictsOf(error).map((c) => [c.kind, c.id])).toEqual([['event', blocker.id]]);
    });

    it('refuses occurrence edits on one-off events', async () => {
      const once = await create(opsManager, slot('2027-08-05', '08:00', '09:00'));
      const got = await events.getOccurrence(actorOf(opsAgent), once.id, once.startsAt);
      expect(got.recurring).toBe(false);
      const error = await failure(events.cancelOccurrence(ctxOf(opsManager), once.id, once.startsAt));
      expect(error.code).toBe('WORKFORCE_INVALID_STATE');
    });

    it('drops exceptions the new rule no longer produces', async () => {
      const daily = await create(opsManager, {
        ...slot('2027-10-04', '08:00', '09:00'),
        timeZone: 'UTC',
        rrule: 'FREQ=DAILY;COUNT=5',
      });
      await events.cancelOccurrence(ctxOf(opsManager), daily.id, at('2027-10-05T08:00:00Z'));
      await events.cancelOccurrence(ctxOf(opsManager), daily.id, at('2027-10-06T08:00:00Z'));
      const updated = await events.update(ctxOf(opsManager), daily.id, {
        rrule: 'FREQ=DAILY;INTERVAL=2;COUNT=3',
      });
      expect(updated.exceptions.map((e) => e.occurrenceStart.toISOString())).toEqual([
        '2027-10-06T08:00:00.000Z',
      ]);
    });

    it('refuses a window holding more than 5000 occurrences', async () => {
      await create(admin, {
        ...slot('2028-01-01', '00:00', '00:30'),
        title: 'Hourly ping',
        timeZone: 'UTC',
        rrule: 'FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23',
      });
      const error = await failure(
        events.listOccurrences(actorOf(admin), {
          from: at('2028-01-01T00:00:00Z'),
          to: at('2028-12-01T00:00:00Z'),
        }),
      );
      expect(error.fields?.to?.[0]).toMatch(/more than 5000 occurrences/);
      const ok = await events.listOccurrences(
        actorOf(admin),
        { from: at('2028-01-01T00:00:00Z'), to: at('2028-01-03T00:00:00Z') },
        { search: 'Hourly ping' },
      );
      expect(ok).toHaveLength(48);
    });

    it('reports a person’s occurrences for the time-off flow', async () => {
      const booked = await events.occurrencesForUsers([opsAgent.user.id], window.from, window.to);
      expect(
        booked.filter((b) => b.eventId === series.id).map((b) => [b.startsAt.toISOString(), b.title]),
      ).toEqual([
        ['2027-08-02T08:00:00.000Z', 'Weekly review'],
        ['2027-08-10T12:00:00.000Z', 'Weekly review'],
        ['2027-08-16T08:00:00.000Z', 'Quarterly review'],
        ['2027-08-30T08:00:00.000Z', 'Weekly review'],
      ]);
    });
  });
  describe('v1 routes (BMS contract)', () => {
    let manager: Browser;
    let agent: Browser;
    let viewer: Browser;
    let outsiderManager: Browser;
    let outsiderAgent: Browser;
    let locationId: number;

    beforeAll(async () => {
      manager = await t.login(opsManager);
      agent = await t.login(opsAgent);
      viewer = await t.login(opsViewer);
      outsiderManager = await t.login(newsManager);
      outsiderAgent = await t.login(newsAgent);
      const location = await t.services.sites.createLocation(systemContext('test'), {
        name: 'Studio 7',
        timeZone: 'Europe/Berlin',
      });
      locationId = location.id;
    });

    it('creates, reads, lists, updates and deletes an event in the contract shape', async () => {
      const create = await manager.post('/api/scheduled-events/', {
        title: 'Evening news',
        description: 'Live',
        event_type: 'Broadcast',
        start_time: '2027-09-06T16:00:00Z',
        end_time: '2027-09-06T18:00:00Z',
        location: locationId,
        assigned_users: [opsAgent.user.id],
        status: 'Scheduled',
      });
      expect(create.statusCode).toBe(201);
      const event = create.json<EventV1Json>();
      expect(event).toMatchObject({
        title: 'Evening news',
        description: 'Live',
        event_type: 'Broadcast',
        start_time: '2027-09-06T16:00:00.000Z',
        end_time: '2027-09-06T18:00:00.000Z',
        location: { id: locationId, name: 'Studio 7' },
        status: 'Scheduled',
        time_zone: 'Europe/Berlin',
        rrule: null,
      });
      expect(event).not.toHaveProperty('occurrence_start');
      expect(event.assigned_users).toHaveLength(1);
      expect(event.assigned_users[0]).toMatchObject({
        user: { id: opsAgent.user.id, username: opsAgent.user.username },
        status: 'Active',
      });
      expect(event.created_by?.user.id).toBe(opsManager.user.id);
      for (const key of ['id', 'created_at', 'updated_at']) expect(event).toHaveProperty(key);

      const get = await agent.get(`/api/scheduled-events/${event.id}/`);
      expect(get.statusCode).toBe(200);
      expect(get.json()).toEqual(event);

      const list = await agent.get('/api/scheduled-events/?search=Evening%20news');
      expect(list.statusCode).toBe(200);
      expect(list.json()).toEqual({ count: 1, next: null, previous: null, results: [event] });

      const patch = await manager.patch(`/api/scheduled-events/${event.id}/`, { status: 'In Progress' });
      expect(patch.statusCode).toBe(200);
      expect(patch.json()).toMatchObject({ status: 'In Progress', version: event.version + 1 });
      const put = await manager.put(`/api/scheduled-events/${event.id}/`, {
        title: 'Late news',
        event_type: 'shift',
        assigned_user_ids: [],
      });
      expect(put.json()).toMatchObject({ title: 'Late news', event_type: 'Shift', assigned_users: [] });

      expect((await manager.delete(`/api/scheduled-events/${event.id}/`)).statusCode).toBe(204);
      expect((await manager.get(`/api/scheduled-events/${event.id}/`)).statusCode).toBe(404);
    });

    it('answers DRF field errors with the names the client used', async () => {
      const missing = await manager.post('/api/scheduled-events/', { description: 'no title' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toEqual({
        title: ['This field is required.'],
        start_time: ['This field is required.'],
        end_time: ['This field is required.'],
      });
      const wrong = await manager.post('/api/scheduled-events/', {
        title: 'x',
        event_type: 'Party',
        start_time: '2027-09-06T16:00:00Z',
        end_time: '2027-09-06T15:00:00Z',
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toEqual({
        event_type: [
          '"Party" is not a valid choice; expected one of: Shift, Overtime, Meeting, Training, Maintenance, Broadcast, Other.',
        ],
      });
      const backwards = await manager.post('/api/scheduled-events/', {
        title: 'x',
        start_time: '2027-09-06T16:00:00Z',
        end_time: '2027-09-06T15:00:00Z',
      });
      expect(backwards.json()).toEqual({ end_time: ['The end must be after the start.'] });
    });

    it('lists each stored event once, recurring ones with their rule: ids are unique and ordering=-id orders them', async () => {
      const recurring = await manager.post('/api/scheduled-events/', {
        title: 'Rota check',
        start_time: '2027-09-13T07:00:00Z',
        end_time: '2027-09-13T07:30:00Z',
        time_zone: 'Europe/Berlin',
        rrule: 'FREQ=WEEKLY;COUNT=3',
        assigned_users: [{ id: 999999, user: { id: opsAgent2.user.id } }],
      });
      expect(recurring.statusCode).toBe(201);
      const oneOff = await manager.post('/api/scheduled-events/', {
        title: 'Rota check (extra)',
        start_time: '2027-09-14T07:00:00Z',
        end_time: '2027-09-14T07:30:00Z',
        assigned_users: [opsAgent2.user.id],
      });
      expect(oneOff.statusCode).toBe(201);
      const [seriesId, oneOffId] = [recurring, oneOff].map((r) => r.json<{ id: number }>().id);
      const assignee = await t.login(opsAgent2);

      const list = await assignee.get('/api/scheduled-events/?search=Rota%20check');
      expect(list.statusCode).toBe(200);
      const page = list.json<PageV1>();
      expect(page.count).toBe(2);
      expect(page.results.map((r) => [r.id, r.start_time, r.rrule])).toEqual([
        [seriesId, '2027-09-13T07:00:00.000Z', 'FREQ=WEEKLY;COUNT=3'],
        [oneOffId, '2027-09-14T07:00:00.000Z', null],
      ]);
      // The list item is the stored row: the same as its detail, which edits address by this id.
      expect(page.results[0]).toEqual((await assignee.get(`/api/scheduled-events/${seriesId}/`)).json());
      expect(page.results[0]?.assigned_users[0]?.user.id).toBe(opsAgent2.user.id);

      const descending = (
        await assignee.get('/api/scheduled-events/?search=Rota%20check&ordering=-id')
      ).json<PageV1>();
      expect(descending.results.map((r) => r.id)).toEqual([oneOffId, seriesId]);
      const paged = (
        await assignee.get('/api/scheduled-events/?search=Rota%20check&page_size=1&page=2')
      ).json<PageV1>();
      expect(paged).toMatchObject({ count: 2, next: null });
      expect(paged.results.map((r) => r.id)).toEqual([oneOffId]);
      const csv = await assignee.get('/api/scheduled-events/?search=Rota%20check&format=csv');
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.body.trim().split('\n')).toHaveLength(3);
      const outOfRange = await assignee.get('/api/scheduled-events/?search=Rota%20check&page=9');
      expect(outOfRange.statusCode).toBe(404);
      expect(outOfRange.json()).toMatchObject({ detail: 'Invalid page.' });
      const windowed = await assignee.get('/api/scheduled-events/?from=2027-09-01');
      expect(windowed.statusCode).toBe(400);
      expect(windowed.json<Record<string, string[]>>().from?.[0]).toMatch(/occurrences/);
    });

    it('lists occurrences in a window at /scheduled-events/occurrences/, each with an id of its own and its event_id', async () => {
      const { id: seriesId } = (
        await manager.post('/api/scheduled-events/', {
          title: 'Desk handover',
          start_time: '2027-10-04T07:00:00Z',
          end_time: '2027-10-04T07:30:00Z',
          time_zone: 'Europe/Berlin',
          rrule: 'FREQ=DAILY;COUNT=4',
          assigned_users: [opsAgent.user.id],
        })
      ).json<{ id: number }>();
      const { id: oneOffId } = (
        await manager.post('/api/scheduled-events/', {
          title: 'Desk handover review',
          start_time: '2027-10-05T09:00:00Z',
          end_time: '2027-10-05T10:00:00Z',
          assigned_users: [opsAgent.user.id],
        })
      ).json<{ id: number }>();
      const url = '/api/scheduled-events/occurrences/?search=Desk%20handover&from=2027-10-01&to=2027-10-31';

      const first = await agent.get(`${url}&page_size=3`);
      expect(first.statusCode).toBe(200);
      const page = first.json<OccurrencePageV1>();
      expect(page.count).toBe(5);
      expect(page.next).toMatch(/page=2/);
      const rest = (await agent.get(`${url}&page_size=3&page=2`)).json<OccurrencePageV1>();
      const rows = [...page.results, ...rest.results];
      expect(rows.map((r) => [r.id, r.event_id, r.start_time])).toEqual([
        [`${seriesId}:2027-10-04T07:00:00.000Z`, seriesId, '2027-10-04T07:00:00.000Z'],
        [`${seriesId}:2027-10-05T07:00:00.000Z`, seriesId, '2027-10-05T07:00:00.000Z'],
        [`${oneOffId}:2027-10-05T09:00:00.000Z`, oneOffId, '2027-10-05T09:00:00.000Z'],
        [`${seriesId}:2027-10-06T07:00:00.000Z`, seriesId, '2027-10-06T07:00:00.000Z'],
        [`${seriesId}:2027-10-07T07:00:00.000Z`, seriesId, '2027-10-07T07:00:00.000Z'],
      ]);
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      expect(rows[0]).toMatchObject({
        occurrence_start: '2027-10-04T07:00:00.000Z',
        rrule: 'FREQ=DAILY;COUNT=4',
      });

      const byIdDescending = (await agent.get(`${url}&ordering=-id`)).json<OccurrencePageV1>();
      // id order is the event's id, then the occurrence's original start.
      const expected = [...rows]
        .sort((a, b) => b.event_id - a.event_id || b.occurrence_start.localeCompare(a.occurrence_start))
        .map((r) => r.id);
      expect(byIdDescending.results.map((r) => r.id)).toEqual(expected);
      const csv = await agent.get(`${url}&format=csv`);
      expect(csv.body.trim().split('\n')).toHaveLength(6);
      const outOfRange = await agent.get(`${url}&page=9`);
      expect(outOfRange.statusCode).toBe(404);
    });

    it('answers 409 listing the conflicts, and lets a manager override', async () => {
      const body = {
        title: 'Double',
        start_time: '2027-09-20T10:00:00Z',
        end_time: '2027-09-20T11:00:00Z',
        assigned_users: [opsAgent.user.id],
      };
      expect((await manager.post('/api/scheduled-events/', body)).statusCode).toBe(201);
      const conflict = await manager.post('/api/scheduled-events/', body);
      expect(conflict.statusCode).toBe(409);
      expect(conflict.json()).toMatchObject({
        code: 'WORKFORCE_CONFLICT',
        conflicts: [{ user_id: opsAgent.user.id, kind: 'event', title: 'Double' }],
      });
      expect(conflict.json().detail).toMatch(/conflicts with 1 existing booking/);
      const forced = await manager.post('/api/scheduled-events/', { ...body, override: true });
      expect(forced.statusCode).toBe(201);
    });

    it('refuses writes from agents and viewers (403)', async () => {
      const body = { title: 'x', start_time: '2027-09-21T10:00:00Z', end_time: '2027-09-21T11:00:00Z' };
      for (const browser of [agent, viewer]) {
        expect((await browser.post('/api/scheduled-events/', body)).statusCode).toBe(403);
      }
      const { id } = (await manager.post('/api/scheduled-events/', body)).json<{ id: number }>();
      for (const browser of [agent, viewer]) {
        expect((await browser.patch(`/api/scheduled-events/${id}/`, { title: 'y' })).statusCode).toBe(403);
        expect((await browser.delete(`/api/scheduled-events/${id}/`)).statusCode).toBe(403);
        expect(
          (
            await browser.post('/api/v2/events', {
              title: 'x',
              starts_at: body.start_time,
              ends_at: body.end_time,
            })
          ).statusCode,
        ).toBe(403);
      }
    });

    it('answers 404 on every id-based endpoint for a user who cannot see the event (BOLA)', async () => {
      const { id } = (
        await manager.post('/api/scheduled-events/', {
          title: 'Private',
          start_time: '2027-09-22T10:00:00Z',
          end_time: '2027-09-22T11:00:00Z',
          rrule: 'FREQ=DAILY;COUNT=2',
          time_zone: 'UTC',
          assigned_users: [opsAgent.user.id],
        })
      ).json<{ id: number }>();
      const key = encodeURIComponent('2027-09-22T10:00:00.000Z');
      const ifMatch = { 'if-match': '*' };
      const checks: [string, () => ReturnType<Browser['get']>][] = [
        ['v1 GET', () => outsiderAgent.get(`/api/scheduled-events/${id}/`)],
        ['v1 PATCH', () => outsiderManager.patch(`/api/scheduled-events/${id}/`, { title: 'x' })],
        ['v1 PUT', () => outsiderManager.put(`/api/scheduled-events/${id}/`, { title: 'x' })],
        ['v1 DELETE', () => outsiderManager.delete(`/api/scheduled-events/${id}/`)],
        ['v2 GET', () => outsiderAgent.get(`/api/v2/events/${id}`)],
        ['v2 PATCH', () => outsiderManager.patch(`/api/v2/events/${id}`, { title: 'x' }, ifMatch)],
        ['v2 DELETE', () => outsiderManager.delete(`/api/v2/events/${id}`, ifMatch)],
        ['v2 GET occurrence', () => outsiderAgent.get(`/api/v2/events/${id}/occurrences/${key}`)],
        [
          'v2 PATCH occurrence',
          () => outsiderManager.patch(`/api/v2/events/${id}/occurrences/${key}`, { title: 'x' }, ifMatch),
        ],
        [
          'v2 DELETE occurrence',
          () => outsiderManager.delete(`/api/v2/events/${id}/occurrences/${key}`, ifMatch),
        ],
      ];
      for (const [label, call] of checks) {
        const response = await call();
        expect({ label, status: response.statusCode }).toEqual({ label, status: 404 });
      }
      expect((await agent.get(`/api/scheduled-events/${id}/`)).statusCode).toBe(200);
      expect((await agent.get(`/api/v2/events/${id}/occurrences/${key}`)).statusCode).toBe(200);
    });
  });

  describe('v2 routes', () => {
    let manager: Browser;
    let agent: Browser;

    beforeAll(async () => {
      manager = await t.login(opsManager);
      agent = await t.login(opsAgent);
    });

    it('creates a series with ETag and Location, and changes it only with a matching If-Match', async () => {
      const create = await manager.post('/api/v2/events', {
        title: 'Team sync',
        event_type: 'meeting',
        starts_at: '2027-11-01T11:00:00Z',
        ends_at: '2027-11-01T11:30:00Z',
        time_zone: 'UTC',
        rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4',
        assignee_ids: [opsAgent.user.id],
      });
      expect(create.statusCode).toBe(201);
      expect(create.headers.etag).toBe('"1"');
      const event = create.json();
      expect(create.headers.location).toBe(`/api/v2/events/${event.id}`);
      expect(event).toMatchObject({
        event_type: 'meeting',
        status: 'scheduled',
        rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4',
        assignees: [{ id: opsAgent.user.id, username: opsAgent.user.username }],
        exceptions: [],
      });
      const url = `/api/v2/events/${event.id}`;
      expect((await manager.patch(url, { title: 'x' })).statusCode).toBe(428);
      const stale = await manager.patch(url, { title: 'x' }, { 'if-match': '"9"' });
      expect(stale.statusCode).toBe(412);
      expect(stale.json().current.title).toBe('Team sync');
      const ok = await manager.patch(url, { title: 'Team sync (new room)' }, { 'if-match': '"1"' });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers.etag).toBe('"2"');
      expect(
        (await manager.post('/api/v2/events', { title: 'x', starts_at: 'soon', ends_at: 'later' }))
          .statusCode,
      ).toBe(400);
      expect(
        (
          await manager.post('/api/v2/events', {
            title: 'x',
            starts_at: '2027-11-01T09:00:00Z',
            ends_at: '2027-11-01T10:00:00Z',
            extra: 1,
          })
        ).statusCode,
      ).toBe(400);
    });

    it('lists occurrences in a required, bounded window with cursors', async () => {
      expect((await agent.get('/api/v2/events')).statusCode).toBe(400);
      const tooWide = await agent.get('/api/v2/events?from=2027-01-01&to=2028-03-01');
      expect(tooWide.statusCode).toBe(400);
      expect(tooWide.headers['content-type']).toMatch(/^application\/problem\+json/);
      const base = '/api/v2/events?from=2027-11-01&to=2027-11-30&search=Team%20sync&limit=3';
      const first = await agent.get(base);
      expect(first.statusCode).toBe(200);
      const page = first.json<PageV2>();
      expect(page.has_more).toBe(true);
      expect(page.data.map((o) => o.starts_at)).toEqual([
        '2027-11-01T11:00:00.000Z',
        '2027-11-08T11:00:00.000Z',
        '2027-11-15T11:00:00.000Z',
      ]);
      expect(page.data[0]?.id).toBe(`${page.data[0]?.event_id}:2027-11-01T11:00:00.000Z`);
      const next = (await agent.get(`${base}&cursor=${page.next_cursor}`)).json<PageV2>();
      expect(next).toMatchObject({ has_more: false, next_cursor: null });
      expect(next.data.map((o) => o.starts_at)).toEqual(['2027-11-22T11:00:00.000Z']);
      const filtered = await agent.get(
        '/api/v2/events?from=2027-11-01&to=2027-11-30&search=Team%20sync&status=cancelled',
      );
      expect(filtered.json().data).toEqual([]);
      expect(
        (await agent.get('/api/v2/events?from=2027-11-01&to=2027-11-30&status=Scheduled')).statusCode,
      ).toBe(400);
    });

    it('edits and cancels single occurrences with the series ETag', async () => {
      const [occurrence] = (
        await agent.get('/api/v2/events?from=2027-11-08&to=2027-11-09&search=Team%20sync')
      ).json().data as { event_id: number; occurrence_start: string }[];
      const url = `/api/v2/events/${occurrence!.event_id}/occurrences/${encodeURIComponent(occurrence!.occurrence_start)}`;
      const get = await agent.get(url);
      expect(get.statusCode).toBe(200);
      const etag = String(get.headers.etag);
      const moved = await manager.patch(
        url,
        { starts_at: '2027-11-09T14:00:00Z', title: 'Sync (moved)' },
        { 'if-match': etag },
      );
      expect(moved.statusCode).toBe(200);
      expect(moved.json()).toMatchObject({
        starts_at: '2027-11-09T14:00:00.000Z',
        ends_at: '2027-11-09T14:30:00.000Z',
        title: 'Sync (moved)',
        modified: true,
        occurrence_start: occurrence!.occurrence_start,
      });
      expect((await manager.delete(url, { 'if-match': etag })).statusCode).toBe(412);
      expect((await manager.delete(url, { 'if-match': String(moved.headers.etag) })).statusCode).toBe(204);
      expect((await agent.get(url)).statusCode).toBe(404);
      const series = (await agent.get(`/api/v2/events/${occurrence!.event_id}`)).json();
      expect(series.exceptions).toEqual([
        {
          occurrence_start: occurrence!.occurrence_start,
          cancelled: true,
          starts_at: null,
          ends_at: null,
          title: null,
        },
      ]);
      expect(
        (await agent.get(`/api/v2/events/${occurrence!.event_id}/occurrences/not-a-date`)).statusCode,
      ).toBe(404);
    });

    it('answers a conflict as problem+json listing the conflicts', async () => {
      const body = {
        title: 'Clash',
        starts_at: '2027-11-01T11:15:00Z',
        ends_at: '2027-11-01T11:45:00Z',
        assignee_ids: [opsAgent.user.id],
      };
      const conflict = await manager.post('/api/v2/events', body);
      expect(conflict.statusCode).toBe(409);
      expect(conflict.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(conflict.json()).toMatchObject({
        code: 'WORKFORCE_CONFLICT',
        conflicts: [{ user_id: opsAgent.user.id, kind: 'event', starts_at: '2027-11-01T11:00:00.000Z' }],
      });
      expect((await manager.post('/api/v2/events', { ...body, override: true })).statusCode).toBe(201);
    });
  });
});

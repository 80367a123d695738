import { and } from 'drizzle-orm';
import type { Actor } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { fieldError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { workforceErrors } from './workforce.errors.ts';
import * as repository from './workforce.events.repository.ts';
import type { EventFilters } from './workforce.events.repository.ts';
import { expandOccurrences, type Occurrence } from './workforce.events.recurrence.ts';
import {
  byOccurrenceOrder,
  groupBy,
  seriesOf,
  type EventView,
  type EventViews,
  type LoadedSeries,
  type OccurrenceView,
} from './workforce.events.views.ts';
import type { ScheduledEvent } from './workforce.tables.ts';

/** A list answers at most this many occurrences; a window holding more is a 400. */
export const MAX_OCCURRENCES = 5000;
const MAX_SERIES = 20_000;
/** Exports embed people, locations and facilities this many events at a time. */
const EXPORT_BATCH = 500;

/** The reading side of events: lists of series and of occurrences, one of each, and a person's bookings. */
export function createEventReads(views: EventViews) {
  const { db, scopeFor, load, hydrate, viewOf, occurrenceView } = views;
  const seriesListing = listing(
    repository.eventList,
    listQueries(db, repository.listEvents, repository.countEvents),
  );
  const seriesScope = async (actor: Actor, assignedTo: number[] | undefined) =>
    and(await scopeFor(actor), assignedTo?.length ? repository.assignedToAny(assignedTo) : undefined);

  return {
    /**
     * Every occurrence the actor may see overlapping [from, to), sorted by start (then
     * event id): recurring series expanded, exceptions applied, cancelled occurrences
     * left out. More than MAX_OCCURRENCES is a 400 asking for a narrower window.
     */
    async listOccurrences(
      actor: Actor,
      window: { from: Date; to: Date },
      filters: EventFilters = {},
    ): Promise<OccurrenceView[]> {
      if (window.to.getTime() <= window.from.getTime()) throw fieldError('to', 'Must be after from.');
      const tooMany = () =>
        fieldError(
          'to',
          `This window holds more than ${MAX_OCCURRENCES} occurrences; narrow it with from/to or filters.`,
        );
      const rows = await repository.eventsWhere(
        db,
        and(
          await scopeFor(actor),
          repository.filtersOf(filters),
          repository.mayOccurIn(window.from, window.to),
        ),
        MAX_SERIES + 1,
      );
      if (rows.length > MAX_SERIES) throw tooMany();
      const expanded: { series: LoadedSeries; occurrences: Occurrence[] }[] = [];
      let total = 0;
      for (const series of await load(db, rows)) {
        const { occurrences, truncated } = expandOccurrences(
          seriesOf(series),
          series.exceptions,
          window,
          MAX_OCCURRENCES + 1,
        );
        total += occurrences.length;
        if (truncated || total > MAX_OCCURRENCES) throw tooMany();
        if (occurrences.length > 0) expanded.push({ series, occurrences });
      }
      const views = new Map((await hydrate(expanded.map((e) => e.series))).map((view) => [view.id, view]));
      return expanded
        .flatMap(({ series, occurrences }) => {
          const event = views.get(series.id) as EventView;
          return occurrences.map((occurrence) => ({
            ...occurrence,
            event,
            recurring: series.rrule !== null,
          }));
        })
        .sort(byOccurrenceOrder);
    },

    /**
     * The stored events the actor may see, one item each (a recurring event once,
     * with its rule and its first occurrence's times), paged as `params` asks;
     * `assignedTo` keeps those assigned to any of these users.
     */
    async listSeries(actor: Actor, params: ListParams, assignedTo?: number[]): Promise<Page<EventView>> {
      const page = await seriesListing.page(params, await seriesScope(actor, assignedTo));
      return { ...page, rows: await hydrate(await load(db, page.rows)) };
    },

    /** Every stored event `listSeries` would list, for exports: loaded and embedded a batch at a time. */
    async *allSeries(actor: Actor, params: ListParams, assignedTo?: number[]): AsyncGenerator<EventView> {
      let batch: ScheduledEvent[] = [];
      for await (const row of seriesListing.all(params, await seriesScope(actor, assignedTo))) {
        batch.push(row);
        if (batch.length === EXPORT_BATCH) {
          yield* await hydrate(await load(db, batch));
          batch = [];
        }
      }
      if (batch.length > 0) yield* await hydrate(await load(db, batch));
    },

    async get(actor: Actor, id: number): Promise<EventView> {
      const row = await repository.eventById(db, id, await scopeFor(actor));
      if (!row) throw workforceErrors.WORKFORCE_NOT_FOUND();
      return viewOf(db, row);
    },

    /** One occurrence by the start its rule gives it (`key`), moved or retitled as its exception says. */
    async getOccurrence(actor: Actor, id: number, key: Date): Promise<OccurrenceView> {
      const row = await repository.eventById(db, id, await scopeFor(actor));
      if (!row) throw workforceErrors.WORKFORCE_NOT_FOUND();
      const [loaded] = await load(db, [row]);
      if (!loaded) throw workforceErrors.WORKFORCE_NOT_FOUND();
      return occurrenceView(db, loaded, key);
    },

    /**
     * Occurrences of live (not cancelled) events assigned to any of `userIds` that
     * overlap [from, to), one entry per person and occurrence, sorted by start. Not
     * scoped to an actor: for the time-off flow ("approving this leaves these events
     * unstaffed"). Pass the transaction to read inside it.
     */
    async occurrencesForUsers(
      userIds: number[],
      from: Date,
      to: Date,
      executor: Executor = db,
    ): Promise<
      { eventId: number; userId: number; title: string; eventType: string; startsAt: Date; endsAt: Date }[]
    > {
      const wanted = new Set(userIds);
      const events = await repository.eventsOfUsers(executor, [...wanted], from, to);
      const exceptions = groupBy(
        await repository.exceptionsOf(
          executor,
          events.map(({ event }) => event.id),
        ),
        (e) => e.eventId,
      );
      return events
        .flatMap(({ event, userIds: booked }) =>
          expandOccurrences(seriesOf(event), exceptions.get(event.id) ?? [], {
            from,
            to,
          }).occurrences.flatMap((occurrence) =>
            booked
              .filter((userId) => wanted.has(userId))
              .map((userId) => ({
                eventId: event.id,
                userId,
                title: occurrence.title ?? event.title,
                eventType: event.eventType,
                startsAt: occurrence.startsAt,
                endsAt: occurrence.endsAt,
              })),
          ),
        )
        .sort(
          (a, b) =>
            a.startsAt.getTime() - b.startsAt.getTime() || a.eventId - b.eventId || a.userId - b.userId,
        );
    },
  };
}

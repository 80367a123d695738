import type { Actor } from '../../platform/auth/actor.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import type { Page } from '../../platform/db/list.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { createTaggedCache, type TaggedCacheDeps } from '../../platform/cache/tagged-cache.ts';
import { readsWithoutWatching, ticketScopeKey } from './tickets.policy.ts';
import type { TicketReferenceService } from './tickets.reference.ts';
import type { IncidentType, TicketCategory, TicketKind } from './tickets.tables.ts';
import type { TicketsService, TicketView } from './tickets.service.ts';

/** Reads the unscoped ticket for the cache; the caller's scope is applied per request. */
const everyone: Actor = systemContext('tickets-cache').actor;

/** The tags of what a ticket view embeds: its people, requester customer, facility (and site) and incident type. */
export function tagsOfView(view: TicketView): string[] {
  const tags = [`ticket:${view.id}`];
  for (const userId of [view.reporterId, view.assigneeId]) if (userId !== null) tags.push(`user:${userId}`);
  // A deleted or merged customer changes the ticket's requester by a foreign key or a move, not by a ticket event.
  if (view.requesterCustomerId !== null) tags.push(`customer:${view.requesterCustomerId}`);
  if (view.facilityId !== null) tags.push(`facility:${view.facilityId}`);
  if (view.facility?.locationId) tags.push(`location:${view.facility.locationId}`);
  if (view.incidentTypeId !== null) tags.push(`incident_type:${view.incidentTypeId}`);
  // Departments are only ever added (identity has no rename), so a view's department never goes stale.
  return tags;
}

/** A first page: what most list requests ask for, and what is worth keeping. */
function firstPage(params: ListParams): boolean {
  const { pagination } = params;
  return pagination.kind === 'offset'
    ? pagination.page === 1
    : pagination.after === undefined && !pagination.offset;
}

/**
 * Searches are kept apart, in fewer entries: their terms are unbounded, so a stream of
 * one-off searches must not push the first pages of plain lists out (nor grow memory
 * past a few hundred pages).
 */
const SEARCH_PAGES_PER_PROCESS = 256;

/**
 * The tickets service with its hot reads cached (docs/caching.md): a ticket's detail,
 * kept once for everyone and shown only to an actor the read policy lets through here
 * (anyone else takes the uncached, scoped read, which also knows watchers); and first
 * pages of lists, kept per read scope. Writes go to the service untouched: their
 * events retire what they change.
 */
export function withTicketCache(service: TicketsService, deps: TaggedCacheDeps): TicketsService {
  const details = createTaggedCache<TicketView>(deps, 'ticket_detail');
  const pages = createTaggedCache<Page<TicketView>>(deps, 'ticket_pages');
  const searches = createTaggedCache<Page<TicketView>>(
    { ...deps, maxEntries: Math.min(deps.maxEntries, SEARCH_PAGES_PER_PROCESS) },
    'ticket_searches',
  );
  return {
    ...service,

    async get(actor: Actor, id: number, kind?: TicketKind): Promise<TicketView> {
      const view = await details.get(String(id), [`ticket:${id}`], async () => {
        const value = await service.get(everyone, id);
        return { value, tags: tagsOfView(value) };
      });
      if (readsWithoutWatching(actor, view) && (!kind || view.kind === kind)) return view;
      return service.get(actor, id, kind);
    },

    async list(actor: Actor, params: ListParams): Promise<Page<TicketView>> {
      if (!firstPage(params)) return service.list(actor, params);
      const key = JSON.stringify([ticketScopeKey(actor), params]);
      const cache = params.search === undefined ? pages : searches;
      // What a search matches is the tickets' own text: any ticket change retires it ('tickets').
      return cache.get(key, ['tickets'], async () => {
        const value = await service.list(actor, params);
        // Every ticket event carries `tickets`, so a page needs only the tags of what its tickets embed.
        return { value, tags: value.rows.flatMap(tagsOfView).filter((tag) => !tag.startsWith('ticket:')) };
      });
    },
  };
}

/** Incident types and categories, read by every ticket form: list pages cached, retired by their events. */
export function withTicketReferenceCache(
  service: TicketReferenceService,
  deps: TaggedCacheDeps,
): TicketReferenceService {
  const types = createTaggedCache<Page<IncidentType>>(deps, 'incident_types');
  const categories = createTaggedCache<Page<TicketCategory>>(deps, 'ticket_categories');
  return {
    ...service,
    listIncidentTypes: (params) =>
      types.get(JSON.stringify(params), ['incident_types'], async () => ({
        value: await service.listIncidentTypes(params),
        tags: [],
      })),
    listCategories: (params) =>
      categories.get(JSON.stringify(params), ['ticket_categories'], async () => ({
        value: await service.listCategories(params),
        tags: [],
      })),
  };
}

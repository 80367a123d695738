import type { Department, IdentityService, Person } from '../identity/index.ts';
import type { Facility, SitesService } from '../sites/index.ts';
import type { TicketRow } from './tickets.repository.ts';
import type { TicketView } from './tickets.service.ts';

/** Relations already loaded, by id. */
export interface KnownRelations {
  people: Map<number, Person>;
  facilities: Map<number, Facility>;
  departments: Map<number, Department>;
}

const emptyRelations = (): KnownRelations => ({
  people: new Map(),
  facilities: new Map(),
  departments: new Map(),
});

/** Past this many, an export forgets the relations it loaded (a directory far larger than a batch's). */
const KNOWN_RELATIONS_MAX = 20_000;

/** Whether an export should forget what it loaded and start again. */
export const isFull = (known: KnownRelations): boolean =>
  known.people.size + known.facilities.size + known.departments.size > KNOWN_RELATIONS_MAX;

/** People, facilities and departments of tickets, from the modules that own them. */
export function createHydration(deps: {
  identity: Pick<IdentityService, 'peopleByUserIds' | 'departmentsByIds'>;
  sites: Pick<SitesService, 'facilitiesByIds'>;
}) {
  const { identity, sites } = deps;

  /**
   * Embeds people, facilities and departments for a batch of tickets: one query per
   * relation whatever the batch size, never one per row. `known` carries what earlier
   * batches of the same export loaded, so a later batch asks only for the new ids.
   */
  async function hydrate(rows: TicketRow[], known: KnownRelations = emptyRelations()): Promise<TicketView[]> {
    const missing = (ids: (number | null)[], have: Map<number, unknown>) => [
      ...new Set(ids.filter((id): id is number => id !== null && !have.has(id))),
    ];
    const userIds = missing(
      rows.flatMap((row) => [row.reporterId, row.assigneeId]),
      known.people,
    );
    const facilityIds = missing(
      rows.map((row) => row.facilityId),
      known.facilities,
    );
    const departmentIds = missing(
      rows.map((row) => row.departmentId),
      known.departments,
    );
    const [people, facilities, departments] = await Promise.all([
      userIds.length ? identity.peopleByUserIds(userIds) : [],
      facilityIds.length ? sites.facilitiesByIds(facilityIds) : [],
      departmentIds.length ? identity.departmentsByIds(departmentIds) : [],
    ]);
    for (const person of people) known.people.set(person.user.id, person);
    for (const facility of facilities) known.facilities.set(facility.id, facility);
    for (const department of departments) known.departments.set(department.id, department);
    const find = <T>(map: Map<number, T>, id: number | null) => (id === null ? null : (map.get(id) ?? null));
    // The rows are this read's own: completed in place, not copied (an export completes a million).
    return rows.map((row) =>
      Object.assign(row, {
        reporter: find(known.people, row.reporterId),
        assignee: find(known.people, row.assigneeId),
        facility: find(known.facilities, row.facilityId),
        department: find(known.departments, row.departmentId),
      }),
    );
  }

  return { hydrate, knownRelations: emptyRelations };
}

import type { Department, IdentityService, Person } from '../identity/index.ts';
import type { Facility, SitesService } from '../sites/index.ts';
import type { TicketRow } from './tickets.repository.ts';
import type { TicketView } from './tickets.service.ts';

/** People, facilities and departments already read, by id: what a hydration need not read again. */
export interface KnownReferences {
  people: Map<number, Person>;
  facilities: Map<number, Facility>;
  departments: Map<number, Department>;
}

/** People, facilities and departments of tickets, from the modules that own them. */
export function createHydration(deps: {
  identity: Pick<IdentityService, 'peopleByUserIds' | 'departmentsByIds'>;
  sites: Pick<SitesService, 'facilitiesByIds'>;
}) {
  const { identity, sites } = deps;

  /**
   * Embeds people, facilities and departments for a page of tickets: one query per
   * relation whatever the page size, never one per row, and none for what `already`
   * holds (a create's references, read by its checks). (Exports do not hydrate: their
   * rows come joined, tickets.export.ts.)
   */
  async function hydrate(rows: TicketRow[], already?: KnownReferences): Promise<TicketView[]> {
    const known: KnownReferences = {
      people: new Map(already?.people),
      facilities: new Map(already?.facilities),
      departments: new Map(already?.departments),
    };
    const missing = (map: Map<number, unknown>, ids: (number | null)[]) => [
      ...new Set(ids.filter((id): id is number => id !== null && !map.has(id))),
    ];
    const userIds = missing(
      known.people,
      rows.flatMap((row) => [row.reporterId, row.assigneeId]),
    );
    const facilityIds = missing(
      known.facilities,
      rows.map((row) => row.facilityId),
    );
    const departmentIds = missing(
      known.departments,
      rows.map((row) => row.departmentId),
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
    // The rows are this read's own: completed in place, not copied.
    return rows.map((row) =>
      Object.assign(row, {
        reporter: find(known.people, row.reporterId),
        assignee: find(known.people, row.assigneeId),
        facility: find(known.facilities, row.facilityId),
        department: find(known.departments, row.departmentId),
      }),
    );
  }

  return { hydrate };
}

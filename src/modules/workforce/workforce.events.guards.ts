import type { Actor } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import type { Facility, Location } from '../sites/index.ts';
import { workforceErrors } from './workforce.errors.ts';
import * as repository from './workforce.events.repository.ts';
import { canScheduleEvents } from './workforce.policy.ts';
import type { EventsDeps, LoadedSeries, createEventViews } from './workforce.events.views.ts';

/** Who may change a series, and whether what a write refers to exists and may be assigned. */
export function createEventGuards(
  { identity, sites }: Pick<EventsDeps, 'identity' | 'sites'>,
  { visibleUsers, load, hydrate }: ReturnType<typeof createEventViews>,
) {
  /** May change this series: admins; managers for series they created or whose assignees are all theirs. */
  function canManage(actor: Actor, row: LoadedSeries, visible: number[] | undefined): boolean {
    if (visible === undefined) return true;
    if (!canScheduleEvents(actor)) return false;
    if (row.createdBy === actor.userId) return true;
    return row.assigneeIds.length > 0 && row.assigneeIds.every((id) => visible.includes(id));
  }

  /** Locks and loads a series the actor may change: 404 when they cannot see it, 403 when they cannot change it. */
  async function lockForWrite(
    tx: Executor,
    actor: Actor,
    id: number,
    expectedVersion?: number,
  ): Promise<LoadedSeries> {
    const visible = await visibleUsers(actor);
    const scope = visible === undefined ? undefined : repository.visibilityScope(actor.userId, visible);
    const row = await repository.eventById(tx, id, scope, { lock: true });
    if (!row) throw workforceErrors.WORKFORCE_NOT_FOUND();
    const [loaded] = await load(tx, [row]);
    if (!loaded) throw workforceErrors.WORKFORCE_NOT_FOUND();
    if (!canManage(actor, loaded, visible))
      throw workforceErrors.WORKFORCE_FORBIDDEN({
        message: 'Only a manager of its people or an admin can change this event.',
      });
    if (expectedVersion !== undefined && loaded.version !== expectedVersion)
      throw commonErrors.VERSION_CONFLICT({ extra: { current: (await hydrate([loaded]))[0] } });
    return loaded;
  }

  /** Checks the location, facility and newly assigned people exist (400) and that a manager assigns only their own (403). */
  async function checkReferences(
    actor: Actor,
    input: { locationId: number | null; facilityId: number | null },
    added: number[],
  ): Promise<{ location: Location | null; facility: Facility | null }> {
    const [locations, facilities, people, visible] = await Promise.all([
      input.locationId === null ? [] : sites.locationsByIds([input.locationId]),
      input.facilityId === null ? [] : sites.facilitiesByIds([input.facilityId]),
      added.length ? identity.peopleByUserIds(added) : [],
      visibleUsers(actor),
    ]);
    const fields: FieldErrors = {};
    const add = (field: string, message: string) => (fields[field] ??= []).push(message);
    const missing = (field: string, id: number) => add(field, `Invalid pk "${id}" - object does not exist.`);
    const location = locations[0] ?? null;
    const facility = facilities[0] ?? null;
    if (input.locationId !== null && !location) missing('location_id', input.locationId);
    if (input.facilityId !== null && !facility) missing('facility_id', input.facilityId);
    if (location && facility?.locationId != null && facility.locationId !== location.id)
      add('facility_id', 'This facility is at another location.');
    const found = new Map(people.map((p) => [p.user.id, p]));
    for (const id of added) {
      const person = found.get(id);
      if (!person) missing('assignee_ids', id);
      else if (!person.user.isActive) add('assignee_ids', `User ${id} is inactive and cannot be assigned.`);
    }
    if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
    if (visible !== undefined && added.some((id) => !visible.includes(id)))
      throw workforceErrors.WORKFORCE_FORBIDDEN({
        message: 'You can only assign members of your department.',
      });
    return { location, facility };
  }

  return { lockForWrite, checkReferences };
}

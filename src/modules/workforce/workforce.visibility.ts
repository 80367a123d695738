import type { Actor } from '../../platform/auth/actor.ts';
import type { Policy } from '../../platform/auth/policy.ts';
import type { StoredEvent } from '../../platform/events/index.ts';
import { concerns, visibleBy, type EventVisibilityRules } from '../../platform/realtime/index.ts';
import { workforceEvents } from './workforce.outbox.ts';
import { visibleUserIds } from './workforce.policy.ts';

export interface WorkforceVisibilityDeps {
  policy: Pick<Policy, 'can'>;
  userIdsInDepartment: (departmentId: number) => Promise<number[]>;
}

const isScheduleEvent = (event: StoredEvent) => event.type.startsWith('event.');

/** Assignees of a scheduled event as its snapshot lists them. */
function assigneesOf(event: StoredEvent): number[] {
  const payload = event.payload as { event?: { assignee_ids?: number[] } };
  return payload.event?.assignee_ids ?? [];
}

/**
 * The REST routes' rule (`visibleUserIds`): a person's time entries and requests are
 * seen by them, their department's managers and admins; a scheduled event by its
 * creator, whoever sees one of its assignees, and everyone when it has none.
 */
export function workforceEventVisibility(deps: WorkforceVisibilityDeps): EventVisibilityRules {
  const rule = async (actor: Actor, event: StoredEvent): Promise<boolean> => {
    if (!deps.policy.can(actor, 'workforce:read')) return false;
    if (concerns(actor, event)) return true;
    const people = isScheduleEvent(event) ? assigneesOf(event) : event.userIds;
    if (isScheduleEvent(event) && people.length === 0) return true;
    const visible = await visibleUserIds(actor, deps.userIdsInDepartment);
    return visible === undefined || people.some((id) => visible.includes(id));
  };
  return visibleBy(workforceEvents, rule);
}

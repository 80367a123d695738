import { describe, expect, it } from 'vitest';
import type { Actor, Role } from '../platform/auth/actor.ts';
import { createPolicy } from '../platform/auth/policy.ts';
import type { StoredEvent } from '../platform/events/index.ts';
import { createVisibility } from '../platform/realtime/visibility.ts';
import { eventCatalogue, eventVisibilityRules, permissionGrants } from './index.ts';

const actor = (userId: number, role: Role, departmentId: number | null): Actor => ({
  userId,
  username: `u${userId}`,
  role,
  departmentId,
  isStaff: role !== 'viewer',
  isSuperuser: false,
  via: 'token',
});

const event = (fields: Partial<StoredEvent>): StoredEvent => ({
  id: 1,
  type: 'ticket.created',
  version: 1,
  occurredAt: new Date(),
  actorId: null,
  actorLabel: null,
  subjectType: 'ticket',
  subjectId: '7',
  departmentId: null,
  locationId: null,
  userIds: [],
  audience: 'all',
  payload: {},
  requestId: null,
  tags: [],
  ...fields,
});

/** Who sees which event on a stream: the modules' rules, without a database (watchers: none). */
describe('event visibility', () => {
  const watched = new Set<number>();
  const visibility = createVisibility(
    eventCatalogue,
    eventVisibilityRules({
      policy: createPolicy(permissionGrants),
      visibleIds: async (_actor, ids) => new Set(ids.filter((id) => watched.has(id))),
      userIdsInDepartment: async (departmentId) => (departmentId === 1 ? [10, 11] : [20]),
    }),
  );
  const viewerA = actor(10, 'viewer', 1);
  const managerA = actor(12, 'manager', 1);
  const admin = actor(1, 'admin', null);

  it('has a rule for every event type of the catalogue', () => {
    expect(visibility.unruled).toEqual([]);
  });

  it('shows a ticket event to its department, people and admins, never to another department', async () => {
    const inB = event({ departmentId: 2, userIds: [20] });
    expect(await visibility.canSee(viewerA, inB)).toBe(false);
    expect(await visibility.canSee(admin, inB)).toBe(true);
    expect(await visibility.canSee(viewerA, event({ departmentId: 1 }))).toBe(true);
    expect(await visibility.canSee(viewerA, event({ departmentId: 2, userIds: [10] }))).toBe(true);
    watched.add(7);
    expect(await visibility.canSee(viewerA, inB)).toBe(true);
    watched.clear();
  });

  it('keeps an internal note from viewers and admin-only events from everyone else', async () => {
    const note = event({ type: 'ticket.comment_added', departmentId: 1, audience: 'staff' });
    expect(await visibility.canSee(viewerA, note)).toBe(false);
    expect(await visibility.canSee(managerA, note)).toBe(true);
    expect(await visibility.canSee(managerA, event({ departmentId: 1, audience: 'admins' }))).toBe(false);
  });

  it('shows a notification to its recipient only, admins included', async () => {
    const notification = event({ type: 'notification.created', subjectType: 'notification', userIds: [10] });
    expect(await visibility.canSee(viewerA, notification)).toBe(true);
    expect(await visibility.canSee(admin, notification)).toBe(false);
  });

  it("shows a time entry to the person and their department's managers", async () => {
    const entry = event({ type: 'timeentry.clocked_in', subjectType: 'time_entry', userIds: [11] });
    expect(await visibility.canSee(managerA, entry)).toBe(true);
    expect(await visibility.canSee(viewerA, entry)).toBe(false);
    expect(await visibility.canSee(actor(20, 'manager', 2), entry)).toBe(false);
  });

  it('shows a type without a rule to admins only', async () => {
    const bare = createVisibility(eventCatalogue, {});
    expect(await bare.canSee(admin, event({}))).toBe(true);
    expect(await bare.canSee(managerA, event({ departmentId: 1 }))).toBe(false);
  });
});

import { Type } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { defineEvent, recordEvent } from '../../platform/events/index.ts';
import type { Person } from './identity.repository.ts';

const UserSnapshot = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  first_name: Type.String(),
  last_name: Type.String(),
  role: Type.String(),
  department_id: Type.Union([Type.Integer(), Type.Null()]),
  is_active: Type.Boolean(),
});

const userEvent = (verb: string, description: string) =>
  defineEvent({
    type: `user.${verb}`,
    subject: 'user',
    description,
    payload: Type.Object({ user: UserSnapshot }),
    audience: 'all',
    visibility: "the user, their department's managers, and admins",
  });

const USER_EVENTS = {
  created: userEvent('created', 'A user account was created.'),
  updated: userEvent('updated', "A user's account or profile changed (role, department, name, active)."),
  deactivated: userEvent('deactivated', 'A user was deactivated (every session and token ended).'),
};

/** The identity module's event types, for the catalogue. */
export const identityEvents = Object.values(USER_EVENTS);

/** Records a change of a person's account; `deactivated` besides `updated` when they were switched off. */
export async function recordUser(
  tx: Executor,
  ctx: RequestContext,
  verb: 'created' | 'updated',
  person: Person,
  before?: Person,
): Promise<void> {
  const { user } = person;
  const event = {
    subjectId: user.id,
    scope: { departmentId: user.departmentId, userIds: [user.id] },
    payload: {
      user: {
        id: user.id,
        username: user.username,
        first_name: user.firstName,
        last_name: user.lastName,
        role: user.role,
        department_id: user.departmentId,
        is_active: user.isActive,
      },
    },
  };
  await recordEvent(tx, ctx, USER_EVENTS[verb], event);
  if (before?.user.isActive && !user.isActive) await recordEvent(tx, ctx, USER_EVENTS.deactivated, event);
}

import type { Actor, RequestContext } from '../../src/platform/auth/actor.ts';
import { AppError } from '../../src/platform/http/errors.ts';
import type { Person } from '../../src/modules/identity/index.ts';

/** The actor a person is when a test calls a service directly. */
export const actorOf = (person: Person): Actor => ({
  userId: person.user.id,
  username: person.user.username,
  role: person.user.role,
  departmentId: person.user.departmentId,
  isStaff: person.user.isStaff,
  isSuperuser: person.user.isSuperuser,
  via: 'session',
});

let requests = 0;

/** A request context for a direct service call, with a request id of its own. */
export const ctxOf = (person: Person): RequestContext => ({
  actor: actorOf(person),
  requestId: `test-${++requests}`,
  ip: '127.0.0.1',
  userAgent: 'vitest',
});

/** The AppError a promise rejects with (fails the test when it resolves or throws something else). */
export async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

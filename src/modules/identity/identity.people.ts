import { actorOf } from './identity.authenticator.ts';
import type { Actor, RequestContext, Role } from '../../platform/auth/actor.ts';
import { hashPassword } from '../../platform/auth/passwords.ts';
import type { Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError, type FieldErrors, AppError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { definedOnly } from '../../platform/http/schemas.ts';
import { userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import { identityErrors } from './identity.errors.ts';
import { editRights, grantableRoles, peopleScope } from './identity.policy.ts';
import * as repository from './identity.repository.ts';
import type { Person } from './identity.repository.ts';
import type { NewUser } from './identity.tables.ts';
import { endAllCredentials } from './identity.credentials.ts';
import { newPasswordProblems, type PasswordOwner } from './identity.passwords.ts';
import { recordUser } from './identity.events.ts';

export interface PersonInput {
  username?: string;
  email?: string;
  password?: string;
  firstName?: string;
  lastName?: string;
  role?: Role;
  departmentId?: number | null;
  /** v1 frontends name the department instead of giving its id. */
  departmentName?: string | null;
  timeZone?: string;
  isActive?: boolean;
  isStaff?: boolean;
  phone?: string | null;
  position?: string | null;
  startDate?: string | null;
}

/** A person is addressed by user id (v2) or profile id (v1). */
export type PersonRef = { userId: number } | { profileId: number };

const USERNAME = /^[\w.@+-]{1,150}$/;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Field-level checks shared by create and update; collects every problem at once. A
 * new password is judged against the person's own words (`owner`: who they are now,
 * with the input's changes).
 */
async function validatePerson(
  input: PersonInput,
  creating: boolean,
  owner: PasswordOwner = {},
): Promise<void> {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => (fields[field] ??= []).push(message);
  if (input.username !== undefined && !USERNAME.test(input.username)) {
    add('username', 'Enter a valid username: up to 150 letters, digits and @/./+/-/_ characters.');
  }
  if (creating && !input.username && !input.email) add('email', 'This field is required.');
  if (input.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email))
    add('email', 'Enter a valid email address.');
  if (input.password !== undefined) {
    for (const problem of await newPasswordProblems(input.password, { ...owner, ...definedOnly(input) }))
      add('password', problem);
  }
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone))
    add('time_zone', `"${input.timeZone}" is not a known time zone.`);
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
}

/**
 * A person changing their own password or e-mail must prove they know the current
 * password: that is `POST /me/password` and `/me/email`, not a profile update. An
 * unchanged e-mail passes, since frontends send the whole record back.
 */
function refuseSelfServiceChanges(input: PersonInput, before: Person): void {
  if (input.password !== undefined)
    throw fieldError(
      'password',
      'Change your own password with POST /api/v2/me/password: it needs your current password.',
    );
  if (input.email !== undefined && input.email.trim().toLowerCase() !== before.user.email.toLowerCase())
    throw fieldError(
      'email',
      'Change your own e-mail address with POST /api/v2/me/email: it needs your current password and is confirmed by mail.',
    );
}

/** People (a user and their profile); they are deactivated, never deleted. Departments: identity.departments.ts. */
export function createPeople({ db, audit, invalidation }: IdentityDeps) {
  async function checkDepartment(executor: Executor, departmentId: number | null | undefined) {
    if (departmentId === undefined || departmentId === null) return;
    if (!(await repository.departmentById(executor, departmentId))) {
      throw fieldError('department_id', `Invalid pk "${departmentId}" - object does not exist.`);
    }
  }

  /** Resolves `departmentName` into `departmentId` (v1 sends names). */
  async function withDepartmentId(executor: Executor, input: PersonInput): Promise<PersonInput> {
    const { departmentName, ...rest } = input;
    if (departmentName === undefined) return rest;
    if (departmentName === null || departmentName === '') return { ...rest, departmentId: null };
    const department = await repository.departmentByName(executor, departmentName);
    if (!department) throw fieldError('department', `Unknown department "${departmentName}".`);
    return { ...rest, departmentId: department.id };
  }

  async function uniqueUsername(executor: Executor, base: string): Promise<string> {
    const stem = base.replace(/[^\w.@+-]/g, '').slice(0, 140) || 'user';
    for (let n = 0; ; n++) {
      const candidate = n === 0 ? stem : `${stem}${n + 1}`;
      if (!(await repository.usernameTaken(executor, candidate))) return candidate;
    }
  }

  async function visiblePerson(actor: Actor, by: PersonRef): Promise<Person> {
    const scope = peopleScope(actor);
    const person =
      'userId' in by
        ? await repository.personByUserId(db, by.userId, scope)
        : await repository.personByProfileId(db, by.profileId, scope);
    if (!person) throw identityErrors.IDENTITY_USER_NOT_FOUND();
    return person;
  }

  const personListing = listing(
    repository.personList,
    listQueries(db, repository.listPeople, repository.countPeople),
  );
  return {
    listPeople(actor: Actor, params: ListParams): Promise<Page<Person>> {
      return personListing.page(params, peopleScope(actor));
    },

    allPeople(actor: Actor, params: ListParams): AsyncIterable<Person> {
      return personListing.all(params, peopleScope(actor));
    },

    getPerson: visiblePerson,

    /** The actor an active user acts as, found by username (the CLI's `--as`); undefined when none. */
    async actorByUsername(username: string): Promise<Actor | undefined> {
      const user = await repository.userByUsername(db, username);
      return user?.isActive ? actorOf(user, 'token') : undefined;
    },

    /** People by user id, for other modules that embed a reporter or assignee: one query for any number. */
    /** People by user id, read through `executor` when given (inside the caller's transaction). */
    peopleByUserIds(userIds: number[], executor: Executor = db): Promise<Person[]> {
      return repository.peopleByUserIds(executor, [...new Set(userIds)]);
    },

    async createPerson(ctx: RequestContext, given: PersonInput): Promise<Person> {
      await validatePerson(given, true);
      const input = await withDepartmentId(db, given);
      const role = input.role ?? 'viewer';
      if (!grantableRoles(ctx.actor).includes(role)) throw identityErrors.IDENTITY_ROLE_FORBIDDEN();
      const departmentId =
        ctx.actor.role === 'manager' && !ctx.actor.isSuperuser
          ? ctx.actor.departmentId
          : (input.departmentId ?? null);
      return db.transaction(async (tx) => {
        await checkDepartment(tx, departmentId);
        let username = input.username;
        if (username && (await repository.usernameTaken(tx, username))) {
          throw fieldError('username', 'A user with that username already exists.');
        }
        username ??= await uniqueUsername(tx, (input.email ?? '').split('@')[0] ?? 'user');
        const values: NewUser = {
          username,
          email: input.email ?? '',
          firstName: input.firstName ?? '',
          lastName: input.lastName ?? '',
          role,
          departmentId,
          timeZone: input.timeZone ?? 'UTC',
          isActive: input.isActive ?? true,
          isStaff: input.isStaff ?? false,
          passwordHash: input.password ? await hashPassword(input.password) : null,
        };
        const user = await repository.insertUser(tx, values);
        await repository.updateProfile(tx, user.id, {
          phone: input.phone ?? null,
          position: input.position ?? null,
          startDate: input.startDate ?? null,
        });
        const person = await repository.personByUserId(tx, user.id);
        if (!person) throw new Error('created user vanished');
        await audit.record(tx, ctx, {
          action: 'user.created',
          resourceType: 'user',
          resourceId: user.id,
          after: person,
        });
        await recordUser(tx, ctx, 'created', person);
        return person;
      });
    },

    /**
     * Applies a partial update. People may change their own contact fields; role,
     * department, activity and passwords of others need full rights. A stale
     * `expectedVersion` is a VERSION_CONFLICT carrying the current person.
     */
    async updatePerson(
      ctx: RequestContext,
      by: PersonRef,
      given: PersonInput,
      expectedVersion?: number,
    ): Promise<Person> {
      const before = await visiblePerson(ctx.actor, by);
      await validatePerson(given, false, before.user);
      const input = await withDepartmentId(db, given);
      const userId = before.user.id;
      if (userId === ctx.actor.userId) refuseSelfServiceChanges(input, before);
      const rights = editRights(ctx.actor, before);
      if (rights === 'none') throw identityErrors.IDENTITY_EDIT_FORBIDDEN();
      const selfOnly = ['phone', 'position', 'firstName', 'lastName', 'email', 'timeZone', 'password'];
      if (rights === 'self' && Object.keys(input).some((key) => !selfOnly.includes(key))) {
        throw identityErrors.IDENTITY_EDIT_FORBIDDEN({
          message: 'You may change only your own contact details.',
        });
      }
      if (
        input.role !== undefined &&
        input.role !== before.user.role &&
        !grantableRoles(ctx.actor).includes(input.role)
      ) {
        throw identityErrors.IDENTITY_ROLE_FORBIDDEN();
      }
      return invalidation.transaction(db, async (tx, invalidate) => {
        if (input.departmentId !== undefined) await checkDepartment(tx, input.departmentId);
        if (input.username !== undefined && (await repository.usernameTaken(tx, input.username, userId))) {
          throw fieldError('username', 'A user with that username already exists.');
        }
        const userValues: Partial<NewUser> = {
          username: input.username,
          email: input.email,
          firstName: input.firstName,
          lastName: input.lastName,
          role: input.role,
          departmentId: input.departmentId,
          timeZone: input.timeZone,
          isActive: input.isActive,
          isStaff: input.isStaff,
          passwordHash: input.password ? await hashPassword(input.password) : undefined,
        };
        const updated = await repository.updateUser(tx, userId, userValues, expectedVersion);
        if (!updated) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        const profileValues = { phone: input.phone, position: input.position, startDate: input.startDate };
        if (Object.values(profileValues).some((value) => value !== undefined)) {
          await repository.updateProfile(tx, userId, profileValues);
        }
        const endsCredentials = input.isActive === false || input.password !== undefined;
        const ended = endsCredentials ? await endAllCredentials(tx, userId) : undefined;
        await invalidate([userKey(userId)]);
        const after = await repository.personByUserId(tx, userId);
        if (!after) throw identityErrors.IDENTITY_USER_NOT_FOUND();
        await audit.record(tx, ctx, {
          action: 'user.updated',
          resourceType: 'user',
          resourceId: userId,
          before,
          after,
        });
        await recordUser(tx, ctx, 'updated', after, before);
        if (input.password !== undefined) {
          await audit.record(tx, ctx, {
            action: 'user.password_set',
            resourceType: 'user',
            resourceId: userId,
            after: ended,
          });
        }
        return after;
      });
    },

    /** People are deactivated, never deleted: their history keeps pointing at them. */
    async deactivatePerson(ctx: RequestContext, by: PersonRef, expectedVersion?: number): Promise<Person> {
      const person = await visiblePerson(ctx.actor, by);
      if (person.user.id === ctx.actor.userId) {
        throw new AppError('IDENTITY_SELF_DEACTIVATION', 'conflict', 'You cannot deactivate yourself.');
      }
      return this.updatePerson(ctx, by, { isActive: false }, expectedVersion);
    },

    /** Everyone in a department (active or not), for modules scoping a manager's view. */
    /** Who answers for a department's work: its active managers, else the administrators. Read through `executor`. */
    managerIdsOf(departmentId: number | null, executor: Executor = db): Promise<number[]> {
      return repository.managerIdsOf(executor, departmentId);
    },

    userIdsInDepartment(departmentId: number): Promise<number[]> {
      return repository.userIdsInDepartment(db, departmentId);
    },

    countUsers: () => repository.countUsers(db),

    /** Creates or promotes a superuser (CLI). Idempotent: an existing username gets the new password and rights. */
    async createSuperuser(
      ctx: RequestContext,
      input: { username: string; email: string; password: string },
    ): Promise<Person> {
      const existing = await repository.userByUsername(db, input.username);
      if (!existing) {
        const person = await this.createPerson(ctx, { ...input, role: 'admin', isStaff: true });
        await repository.updateUser(db, person.user.id, { isSuperuser: true });
        return { ...person, user: { ...person.user, isSuperuser: true } };
      }
      await validatePerson({ email: input.email, password: input.password }, false, existing);
      const passwordHash = await hashPassword(input.password);
      await invalidation.transaction(db, async (tx, invalidate) => {
        await endAllCredentials(tx, existing.id);
        await invalidate([userKey(existing.id)]);
        await repository.updateUser(tx, existing.id, {
          email: input.email,
          passwordHash,
          role: 'admin',
          isStaff: true,
          isSuperuser: true,
          isActive: true,
        });
        await audit.record(tx, ctx, {
          action: 'user.promoted',
          resourceType: 'user',
          resourceId: existing.id,
        });
      });
      const person = await repository.personByUserId(db, existing.id);
      if (!person) throw identityErrors.IDENTITY_USER_NOT_FOUND();
      return person;
    },
  };
}

import { and, asc, count, eq, getTableColumns, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { compileSelect, selectBuilder } from '../../platform/db/compiled-select.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  apiTokens,
  departments,
  profiles,
  sessions,
  users,
  type ApiToken,
  type Department,
  type NewUser,
  type Profile,
  type User,
} from './identity.tables.ts';

/** A user with the profile and department every presenter shows. */
/**
 * A user as other modules embed it: everything but the password hash, which never
 * leaves identity (embedded people are kept in read caches, in process and in Redis).
 */
export type PublicUser = Omit<User, 'passwordHash'>;

export interface Person {
  user: PublicUser;
  profile: Profile;
  department: Department | null;
}

export const personList = defineList({
  id: profiles.id,
  idOf: (person: Person) => person.profile.id,
  filters: {
    role: { column: users.role, type: 'string', values: ['admin', 'manager', 'agent', 'viewer'] },
    department: { column: users.departmentId, type: 'integer', description: 'Department id.' },
    is_active: { column: users.isActive, type: 'boolean' },
    status: {
      column: users.isActive,
      type: 'string',
      values: ['Active', 'Inactive'],
      toColumn: (value) => value === 'Active',
    },
    user: { column: users.id, type: 'integer', description: 'User id.' },
  },
  search: [users.username, users.firstName, users.lastName, users.email],
  sort: {
    id: { column: profiles.id, value: (person: Person) => person.profile.id },
    username: { column: users.username, value: (person: Person) => person.user.username },
    last_name: { column: users.lastName, value: (person: Person) => person.user.lastName },
    date_joined: { column: users.dateJoined, value: (person: Person) => person.user.dateJoined },
    created_at: { column: profiles.createdAt, value: (person: Person) => person.profile.createdAt },
  },
  defaultSort: 'id',
});

const { passwordHash: _passwordHash, ...publicUserColumns } = getTableColumns(users);
const personColumns = { user: publicUserColumns, profile: profiles, department: departments };

function personQuery(executor: Executor) {
  return executor
    .select(personColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .leftJoin(departments, eq(departments.id, users.departmentId));
}

export function listPeople(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<Person[]> {
  return personQuery(executor)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countPeople(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor
    .select({ value: count() })
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(where);
  return row?.value ?? 0;
}

export async function personByProfileId(
  executor: Executor,
  id: number,
  scope?: SQL,
): Promise<Person | undefined> {
  const [row] = await personQuery(executor).where(and(eq(profiles.id, id), scope));
  return row;
}

export async function personByUserId(
  executor: Executor,
  userId: number,
  scope?: SQL,
): Promise<Person | undefined> {
  const [row] = await personQuery(executor).where(and(eq(users.id, userId), scope));
  return row;
}

/** Every page of tickets, comments or shifts hydrates its people here: compiled once (platform/db/compiled-select.ts). */
const peopleByIds = compileSelect(
  selectBuilder
    .select(personColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .leftJoin(departments, eq(departments.id, users.departmentId))
    .where(sql`${users.id} = any(${sql.placeholder('ids')})`),
);

export function peopleByUserIds(executor: Executor, userIds: number[]): Promise<Person[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return peopleByIds.run(executor, { ids: userIds });
}

export async function userIdsInDepartment(executor: Executor, departmentId: number): Promise<number[]> {
  const rows = await executor
    .select({ id: users.id })
    .from(users)
    .where(eq(users.departmentId, departmentId));
  return rows.map((row) => row.id);
}

export async function userByUsername(executor: Executor, username: string): Promise<User | undefined> {
  const [row] = await executor
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${username})`);
  return row;
}

export async function usernameTaken(
  executor: Executor,
  username: string,
  exceptUserId?: number,
): Promise<boolean> {
  const [row] = await executor
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        sql`lower(${users.username}) = lower(${username})`,
        exceptUserId ? sql`${users.id} <> ${exceptUserId}` : undefined,
      ),
    );
  return row !== undefined;
}

export async function insertUser(executor: Executor, values: NewUser): Promise<User> {
  const [user] = await executor.insert(users).values(values).returning();
  if (!user) throw new Error('insert returned no row');
  await executor.insert(profiles).values({ userId: user.id });
  return user;
}

/** Updates a user if its version still matches; undefined when it does not (or the user is gone). */
export async function updateUser(
  executor: Executor,
  id: number,
  values: Partial<NewUser>,
  expectedVersion?: number,
): Promise<User | undefined> {
  const [row] = await executor
    .update(users)
    .set({ ...values, version: sql`${users.version} + 1`, updatedAt: new Date() })
    .where(
      and(eq(users.id, id), expectedVersion === undefined ? undefined : eq(users.version, expectedVersion)),
    )
    .returning();
  return row;
}

export async function updateProfile(
  executor: Executor,
  userId: number,
  values: Partial<typeof profiles.$inferInsert>,
): Promise<void> {
  await executor
    .update(profiles)
    .set({ ...values, version: sql`${profiles.version} + 1`, updatedAt: new Date() })
    .where(eq(profiles.userId, userId));
}

export function touchLogin(executor: Executor, userId: number): Promise<unknown> {
  return executor.update(users).set({ lastLogin: new Date() }).where(eq(users.id, userId));
}

export async function countUsers(executor: Executor): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(users);
  return row?.value ?? 0;
}

// Departments

export const departmentList = defineList({
  id: departments.id,
  filters: {},
  search: [departments.name],
  sort: { id: { column: departments.id }, name: { column: departments.name } },
  defaultSort: 'name',
});

export function listDepartments(
  executor: Executor,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number,
  offset: number,
): Promise<Department[]> {
  return executor
    .select()
    .from(departments)
    .where(where)
    .orderBy(...orderBy)
    .limit(limit)
    .offset(offset);
}

export async function countDepartments(executor: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await executor.select({ value: count() }).from(departments).where(where);
  return row?.value ?? 0;
}

export async function departmentById(executor: Executor, id: number): Promise<Department | undefined> {
  const [row] = await executor.select().from(departments).where(eq(departments.id, id));
  return row;
}

const departmentsById = compileSelect(
  selectBuilder
    .select(getTableColumns(departments))
    .from(departments)
    .where(sql`${departments.id} = any(${sql.placeholder('ids')})`),
);

export function departmentsByIds(executor: Executor, ids: number[]): Promise<Department[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return departmentsById.run(executor, { ids });
}

export async function departmentByName(executor: Executor, name: string): Promise<Department | undefined> {
  const [row] = await executor
    .select()
    .from(departments)
    .where(sql`lower(${departments.name}) = lower(${name})`);
  return row;
}

export async function insertDepartment(
  executor: Executor,
  values: typeof departments.$inferInsert,
): Promise<Department> {
  const [row] = await executor.insert(departments).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

// Sessions

export interface Credentials {
  user: User;
  lastSeenAt: Date | null;
  expiresAt: Date | null;
}

export async function insertSession(executor: Executor, values: typeof sessions.$inferInsert): Promise<void> {
  await executor.insert(sessions).values(values);
}

export async function activeSession(
  executor: Executor,
  key: string,
): Promise<(Credentials & { expiresAt: Date }) | undefined> {
  const [row] = await executor
    .select({ user: users, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.key, key), gt(sessions.expiresAt, sql`now()`), eq(users.isActive, true)));
  return row;
}

export function extendSession(executor: Executor, key: string, expiresAt: Date): Promise<unknown> {
  return executor.update(sessions).set({ lastSeenAt: new Date(), expiresAt }).where(eq(sessions.key, key));
}

export function deleteSession(executor: Executor, key: string): Promise<unknown> {
  return executor.delete(sessions).where(eq(sessions.key, key));
}

export function deleteSessionsOf(executor: Executor, userId: number): Promise<unknown> {
  return executor.delete(sessions).where(eq(sessions.userId, userId));
}

export async function deleteExpiredSessions(executor: Executor): Promise<number> {
  const purged = await executor
    .delete(sessions)
    .where(lt(sessions.expiresAt, sql`now()`))
    .returning({ key: sessions.key });
  return purged.length;
}

// API tokens

export async function activeToken(
  executor: Executor,
  tokenHash: string,
): Promise<(Credentials & { tokenId: number }) | undefined> {
  const [row] = await executor
    .select({
      user: users,
      lastSeenAt: apiTokens.lastUsedAt,
      expiresAt: apiTokens.expiresAt,
      tokenId: apiTokens.id,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        eq(apiTokens.tokenHash, tokenHash),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, sql`now()`)),
        eq(users.isActive, true),
      ),
    );
  return row;
}

export function touchToken(executor: Executor, id: number): Promise<unknown> {
  return executor.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, id));
}

export async function insertToken(
  executor: Executor,
  values: typeof apiTokens.$inferInsert,
): Promise<ApiToken> {
  const [row] = await executor.insert(apiTokens).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export function tokensOf(executor: Executor, userId: number): Promise<ApiToken[]> {
  return executor
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .orderBy(apiTokens.id);
}

export async function revokeToken(
  executor: Executor,
  id: number,
  userId: number | undefined,
): Promise<ApiToken | undefined> {
  const [row] = await executor
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiTokens.id, id),
        isNull(apiTokens.revokedAt),
        userId === undefined ? undefined : eq(apiTokens.userId, userId),
      ),
    )
    .returning();
  return row;
}

/** Active managers of a department; without one (or without a department), the active administrators. People only, never service accounts. */
export async function managerIdsOf(executor: Executor, departmentId: number | null): Promise<number[]> {
  if (departmentId !== null) {
    const managers = await executor
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          eq(users.departmentId, departmentId),
          eq(users.role, 'manager'),
          eq(users.isActive, true),
          eq(users.kind, 'human'),
        ),
      )
      .orderBy(asc(users.id));
    if (managers.length > 0) return managers.map((row) => row.id);
  }
  const admins = await executor
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), eq(users.isActive, true), eq(users.kind, 'human')))
    .orderBy(asc(users.id));
  return admins.map((row) => row.id);
}

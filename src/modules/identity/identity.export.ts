import { sql } from 'drizzle-orm';
import { exportSource, isoTime, nested, type Nested } from '../../platform/http/projection.ts';
import { departments, profiles, users } from './identity.tables.ts';

/** `first last`, or the username when both are empty: as `fullName` in the presenters. */
const fullName = sql`coalesce(nullif(concat_ws(' ', nullif(${users.firstName}, ''), nullif(${users.lastName}, '')), ''), ${users.username})`;

/** One row per person (a profile with its user and department), every value as the presenters write it. */
const people = sql`select
  ${users.id} as user_id, ${users.username} as username, ${users.email} as email,
  ${users.firstName} as first_name, ${users.lastName} as last_name, ${fullName} as full_name,
  (${users.isStaff} or ${users.role} in ('admin', 'manager')) as is_staff, ${users.isActive} as is_active,
  ${isoTime(users.dateJoined)} as date_joined, ${isoTime(users.lastLogin)} as last_login,
  (case when ${users.isActive} then 'Active' else 'Inactive' end) as status, ${users.version} as version,
  ${profiles.id} as profile_id, ${profiles.phone} as phone, ${profiles.position} as position,
  ${profiles.startDate}::text as start_date, ${isoTime(profiles.createdAt)} as created_at,
  ${isoTime(sql`greatest(${users.updatedAt}, ${profiles.updatedAt})`)} as updated_at,
  ${departments.name} as department_name
from ${profiles}
join ${users} on ${users.id} = ${profiles.userId}
left join ${departments} on ${departments.id} = ${users.departmentId}`;

/**
 * People for another module's flat export (tickets' reporter and assignee), joined
 * under `alias` on a user id, with the embedded shapes in SQL: the v1 profile
 * (`presentProfileV1`) and the v2 reference `{id, username, full_name}`. Only identity
 * knows the tables behind it. A user without a profile is no person, as in
 * `peopleByUserIds`.
 */
export function peopleForExport(alias: string) {
  const source = exportSource(alias, people, 'user_id');
  const column = source.column;
  const present = sql`${column('user_id')} is not null`;
  const profileV1: Nested = nested(present, {
    id: column('profile_id'),
    user: {
      id: column('user_id'),
      username: column('username'),
      email: column('email'),
      first_name: column('first_name'),
      last_name: column('last_name'),
      is_staff: column('is_staff'),
      is_active: column('is_active'),
      date_joined: column('date_joined'),
      last_login: column('last_login'),
    },
    full_name: column('full_name'),
    email: column('email'),
    phone: column('phone'),
    position: column('position'),
    department: column('department_name'),
    start_date: column('start_date'),
    status: column('status'),
    version: column('version'),
    created_at: column('created_at'),
    updated_at: column('updated_at'),
  });
  const referenceV2: Nested = nested(present, {
    id: column('user_id'),
    username: column('username'),
    full_name: column('full_name'),
  });
  return { join: source.join, profileV1, referenceV2 };
}

/** Departments for another module's flat export, joined under `alias` on an id: `{id, name}`. */
export function departmentsForExport(alias: string) {
  const source = exportSource(
    alias,
    sql`select ${departments.id} as id, ${departments.name} as name from ${departments}`,
    'id',
  );
  const referenceV2: Nested = nested(sql`${source.column('id')} is not null`, {
    id: source.column('id'),
    name: source.column('name'),
  });
  return { join: source.join, referenceV2 };
}

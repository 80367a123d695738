import type { Static } from '@sinclair/typebox';
import type { SessionView } from './identity.credentials.ts';
import type { Person, PublicUser } from './identity.repository.ts';
import type { SessionV2 } from './identity.schemas.account.ts';
import type { RefreshFamilyV2 } from './identity.schemas.jwt.ts';
import type {
  ProfileV1,
  TokenV2,
  UserV1,
  UserV2,
  Department as DepartmentSchema,
} from './identity.schemas.ts';
import type { RefreshTokenFamily } from './identity.tables.jwt.ts';
import type { ApiToken, Department } from './identity.tables.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const fullName = (user: PublicUser) =>
  [user.firstName, user.lastName].filter(Boolean).join(' ') || user.username;

export const presentUserV1 = (user: PublicUser): Static<typeof UserV1> => ({
  id: user.id,
  username: user.username,
  email: user.email,
  first_name: user.firstName,
  last_name: user.lastName,
  is_staff: user.isStaff || user.role === 'admin' || user.role === 'manager',
  is_active: user.isActive,
  date_joined: user.dateJoined.toISOString(),
  last_login: iso(user.lastLogin),
});

export const presentProfileV1 = ({ user, profile, department }: Person): Static<typeof ProfileV1> => ({
  id: profile.id,
  user: presentUserV1(user),
  full_name: fullName(user),
  email: user.email,
  phone: profile.phone,
  position: profile.position,
  department: department?.name ?? null,
  start_date: profile.startDate,
  status: user.isActive ? 'Active' : 'Inactive',
  version: user.version,
  created_at: profile.createdAt.toISOString(),
  updated_at: (user.updatedAt > profile.updatedAt ? user.updatedAt : profile.updatedAt).toISOString(),
});

export const presentUserV2 = ({ user, profile, department }: Person): Static<typeof UserV2> => ({
  id: user.id,
  username: user.username,
  email: user.email,
  first_name: user.firstName,
  last_name: user.lastName,
  full_name: fullName(user),
  role: user.role,
  department: department ? { id: department.id, name: department.name } : null,
  time_zone: user.timeZone,
  is_active: user.isActive,
  is_staff: user.isStaff,
  phone: profile.phone,
  position: profile.position,
  start_date: profile.startDate,
  date_joined: user.dateJoined.toISOString(),
  last_login: iso(user.lastLogin),
  version: user.version,
});

export const presentDepartment = (department: Department): Static<typeof DepartmentSchema> => ({
  id: department.id,
  name: department.name,
  description: department.description,
  created_at: department.createdAt.toISOString(),
  version: department.version,
});

export const presentToken = (token: ApiToken): Static<typeof TokenV2> => ({
  id: token.id,
  name: token.name,
  prefix: token.prefix,
  created_at: token.createdAt.toISOString(),
  last_used_at: iso(token.lastUsedAt),
  expires_at: iso(token.expiresAt),
});

export const presentSession = ({ session, current }: SessionView): Static<typeof SessionV2> => ({
  id: session.id,
  created_at: session.createdAt.toISOString(),
  last_seen_at: session.lastSeenAt.toISOString(),
  expires_at: session.expiresAt.toISOString(),
  ip: session.ip,
  user_agent: session.userAgent,
  current,
});

export const presentRefreshFamily = ({
  family,
  current,
}: {
  family: RefreshTokenFamily;
  current: boolean;
}): Static<typeof RefreshFamilyV2> => ({
  id: family.id,
  created_at: family.createdAt.toISOString(),
  last_used_at: family.lastUsedAt.toISOString(),
  expires_at: family.expiresAt.toISOString(),
  ip: family.ip,
  user_agent: family.userAgent,
  current,
});

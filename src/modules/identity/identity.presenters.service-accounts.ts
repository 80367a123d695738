import type { Static } from '@sinclair/typebox';
import type { ServiceAccountRecord } from './identity.repository.service-accounts.ts';
import type { ApiKeyV2, ServiceAccountV2 } from './identity.schemas.service-accounts.ts';
import type { ApiKey } from './identity.tables.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export const presentServiceAccount = ({
  user,
  account,
  department,
}: ServiceAccountRecord): Static<typeof ServiceAccountV2> => ({
  id: user.id,
  name: user.username,
  description: account.description,
  role: user.role,
  department: department ? { id: department.id, name: department.name } : null,
  is_active: user.isActive,
  created_at: account.createdAt.toISOString(),
  version: user.version,
});

/** A key as lists show it: never the secret, which is not stored. */
export const presentApiKey = (key: ApiKey): Static<typeof ApiKeyV2> => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  scopes: key.scopes,
  rate_limit_per_minute: key.rateLimitPerMinute,
  created_at: key.createdAt.toISOString(),
  last_used_at: iso(key.lastUsedAt),
  last_used_ip: key.lastUsedIp,
  expires_at: iso(key.expiresAt),
});

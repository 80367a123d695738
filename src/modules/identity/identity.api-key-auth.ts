import { LRUCache } from 'lru-cache';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Authenticator } from '../../platform/auth/authenticate.ts';
import { API_KEY_PREFIX, isOpsdeskSecret, type CredentialClient } from '../../platform/auth/credentials.ts';
import { digest } from '../../platform/auth/secrets.ts';
import { actorOf, userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import * as accounts from './identity.repository.service-accounts.ts';
import { auditedKey } from './identity.service-accounts.ts';

/** "Last used" is written at most this often per key and process, as sessions are touched. */
const TOUCH_INTERVAL_MS = 60_000;
/** A safety net only: every change that matters invalidates at once (see invalidation.ts). */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 10_000;
/** A refused credential is looked at (and its use audited) at most once in this long, per process. */
const REFUSAL_WINDOW_MS = 60_000;

interface CachedKey {
  actor: Actor;
  expiresAt: number | null;
  lastSeenAt: number;
}

type KeyAuthentication = Pick<Authenticator, 'fromApiKey' | 'refused' | 'leaked'>;

/** Whoever presented a credential that no longer works: known only by its prefix. */
const presenter = (prefix: string, client: CredentialClient): RequestContext => ({
  ...client,
  actor: {
    userId: 0,
    username: prefix,
    role: 'viewer',
    departmentId: null,
    isStaff: false,
    isSuperuser: false,
    via: prefix.startsWith(API_KEY_PREFIX) ? 'api_key' : 'token',
  },
});

/**
 * API keys turned into actors, beside identity.authenticator.ts and cached the same way:
 * per process, keyed by the key's digest, dropped from every process by `user:<id>` of
 * its service account when the key is revoked or the account changes.
 *
 * It also watches credentials that fail. A revoked or expired API key or personal token
 * that is presented again is audited (`api_key.refused`, `token.refused`: prefix and
 * reason, never the secret) at most once a minute per credential and process, so a
 * flood of one dead credential costs one lookup and one audit row a minute, not one per
 * request; a dead API key is then refused without a database read at all, since
 * neither revocation nor expiry is ever undone. The caller still gets a plain 401.
 */
export function createApiKeyAuthentication({ db, audit, invalidation }: IdentityDeps): KeyAuthentication {
  const cache = new LRUCache<string, CachedKey>({ max: CACHE_MAX, ttl: CACHE_TTL_MS });
  const recentlyRefused = new LRUCache<string, true>({ max: CACHE_MAX, ttl: REFUSAL_WINDOW_MS });
  const deadKeys = new LRUCache<string, true>({ max: CACHE_MAX });

  invalidation.subscribe((invalidated) => {
    if (invalidated === 'everything') {
      cache.clear();
      return;
    }
    const users = new Set(invalidated);
    for (const [hash, entry] of cache.entries()) {
      if (users.has(userKey(entry.actor.userId))) cache.delete(hash);
    }
  });

  function cached(hash: string): CachedKey | undefined {
    if (!invalidation.trusted) return undefined;
    const entry = cache.get(hash);
    if (entry?.expiresAt != null && entry.expiresAt <= Date.now()) {
      cache.delete(hash);
      return undefined;
    }
    return entry;
  }

  async function lookUp(hash: string): Promise<CachedKey | undefined> {
    const epoch = invalidation.epoch;
    const found = await accounts.activeApiKey(db, hash);
    if (!found) return undefined;
    const { key, user } = found;
    const entry: CachedKey = {
      actor: {
        ...actorOf(user, 'api_key'),
        scopes: key.scopes,
        apiKey: { id: key.id, prefix: key.prefix, rateLimitPerMinute: key.rateLimitPerMinute },
      },
      expiresAt: key.expiresAt?.getTime() ?? null,
      lastSeenAt: key.lastUsedAt?.getTime() ?? 0,
    };
    // Kept only if nothing was invalidated during the read, which might predate the change.
    if (invalidation.trusted && invalidation.epoch === epoch) cache.set(hash, entry);
    return entry;
  }

  function touch(entry: CachedKey, ip: string): void {
    const now = Date.now();
    const id = entry.actor.apiKey?.id;
    if (id === undefined || now - entry.lastSeenAt <= TOUCH_INTERVAL_MS) return;
    entry.lastSeenAt = now;
    accounts.touchApiKey(db, id, ip).catch(() => undefined);
  }

  async function auditRefusal(credential: string, hash: string, client: CredentialClient): Promise<void> {
    const isKey = credential.startsWith(API_KEY_PREFIX);
    const dead = isKey ? await accounts.deadApiKey(db, hash) : await accounts.deadToken(db, hash);
    if (!dead) return;
    if (isKey) deadKeys.set(hash, true);
    await audit.record(db, presenter(dead.prefix, client), {
      action: isKey ? 'api_key.refused' : 'token.refused',
      resourceType: isKey ? 'api_key' : 'api_token',
      resourceId: dead.id,
      after: { prefix: dead.prefix, reason: dead.reason, owner_id: dead.userId },
    });
  }

  return {
    async fromApiKey(apiKey, client) {
      const hash = digest(apiKey);
      if (deadKeys.has(hash)) return undefined;
      const entry = cached(hash) ?? (await lookUp(hash));
      if (!entry) return undefined;
      touch(entry, client.ip);
      return entry.actor;
    },

    refused(credential, client) {
      if (!isOpsdeskSecret(credential)) return;
      const hash = digest(credential);
      if (recentlyRefused.has(hash)) return;
      // Marked before the lookup, so a burst of one credential looks it up once.
      recentlyRefused.set(hash, true);
      auditRefusal(credential, hash, client).catch(() => recentlyRefused.delete(hash));
    },

    async leaked(credential, client) {
      const hash = digest(credential);
      if (recentlyRefused.has(hash)) return;
      recentlyRefused.set(hash, true);
      await invalidation.transaction(db, async (tx, invalidate) => {
        if (credential.startsWith(API_KEY_PREFIX)) {
          const key = await accounts.revokeApiKeyByHash(tx, hash);
          if (!key) return;
          await invalidate([userKey(key.userId)]);
          await audit.record(tx, presenter(key.prefix, client), {
            action: 'api_key.leaked',
            resourceType: 'api_key',
            resourceId: key.id,
            before: auditedKey(key),
          });
          return;
        }
        const token = await accounts.revokeTokenByHash(tx, hash);
        if (!token) return;
        await invalidate([userKey(token.userId)]);
        await audit.record(tx, presenter(token.prefix, client), {
          action: 'token.leaked',
          resourceType: 'api_token',
          resourceId: token.id,
          before: token,
        });
      });
    },
  };
}

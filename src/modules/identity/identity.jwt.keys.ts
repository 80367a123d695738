import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import { systemContext, type RequestContext } from '../../platform/auth/actor.ts';
import { createSealer } from '../../platform/auth/sealed.ts';
import type { IdentityDeps } from './identity.context.ts';
import * as repository from './identity.repository.jwt.ts';
import type { JwtSigningKey, NewSigningKey } from './identity.tables.jwt.ts';

export type JwtAlgorithm = 'EdDSA' | 'ES256';

/** The JWT_* and *_TOKEN_* settings (config.ts) and the SECRET_KEY signing keys are sealed under. */
export interface JwtSettings {
  algorithm: JwtAlgorithm;
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  keyRotationDays: number;
  refreshTokenIdleDays: number;
  refreshTokenTtlDays: number;
  secretKey: string;
}

/** Published with every key change: each process drops its key set (identity.jwt.keys.ts). */
export const SIGNING_KEYS_CHANGED = 'jwt:signing-keys';
/** A safety net only: every rotation publishes SIGNING_KEYS_CHANGED. */
const CACHE_TTL_MS = 60_000;
/** A token naming a kid we do not hold reloads the key set at most this often per process. */
const UNKNOWN_KID_RELOAD_MS = 10_000;
/**
 * How long a retired key stays published and accepted beyond the access-token lifetime:
 * another process may sign with it until it hears of the rotation (at most the cache
 * TTL), and clocks of verifiers drift.
 */
const OVERLAP_MARGIN_SECONDS = 120;

/** A public key as the JWKS publishes it. */
export type PublishedJwk = JWK & { kty: string; kid: string; alg: string; use: string };

export interface LoadedKey {
  kid: string;
  algorithm: JwtAlgorithm;
  publicKey: CryptoKey;
  publicJwk: PublishedJwk;
  /** Only the current key's private half is opened. */
  privateKey?: CryptoKey;
}

interface KeySet {
  byKid: Map<string, LoadedKey>;
  current: LoadedKey | undefined;
}

export interface Rotation {
  kid: string;
  retiredKid: string | undefined;
  revokedKids: string[];
}

/**
 * The keys access tokens are signed with, kept in PostgreSQL, private halves sealed under
 * SECRET_KEY. Each process caches the set it loaded (public keys of the current and the
 * retired-but-accepted keys, and the current private key); a rotation anywhere publishes
 * SIGNING_KEYS_CHANGED in its transaction, so every API process reloads before the rotating
 * call returns. Rotation takes a transaction-scoped advisory lock and re-reads the current
 * key under it, so of several processes that find the key due, one rotates; the partial
 * unique index on the current key makes a second current key impossible regardless.
 */
export function createSigningKeys({
  db,
  audit,
  invalidation,
  jwt,
}: Pick<IdentityDeps, 'db' | 'audit' | 'invalidation' | 'jwt'>) {
  const sealer = createSealer(jwt.secretKey, 'jwt-signing-key');
  const overlapSeconds = jwt.accessTokenTtlSeconds + OVERLAP_MARGIN_SECONDS;
  let cached: { set: Promise<KeySet>; at: number } | undefined;
  let lastUnknownKidReload = 0;

  invalidation.subscribe((invalidated) => {
    if (invalidated === 'everything' || invalidated.includes(SIGNING_KEYS_CHANGED)) cached = undefined;
  });

  async function loadKey(row: JwtSigningKey, current: boolean): Promise<LoadedKey> {
    const algorithm = row.algorithm;
    const publicJwk = row.publicJwk as PublishedJwk;
    return {
      kid: row.kid,
      algorithm,
      publicJwk,
      publicKey: (await importJWK(publicJwk, algorithm)) as CryptoKey,
      ...(current && {
        privateKey: (await importJWK(
          JSON.parse(sealer.open(row.sealedPrivateJwk)) as JWK,
          algorithm,
        )) as CryptoKey,
      }),
    };
  }

  async function load(): Promise<KeySet> {
    const rows = await repository.acceptedSigningKeys(db);
    const keys = await Promise.all(rows.map((row) => loadKey(row, row.retiredAt === null)));
    return { byKid: new Map(keys.map((key) => [key.kid, key])), current: keys.find((key) => key.privateKey) };
  }

  /** The cached set, or a fresh one (kept only if no rotation was heard of during the read). */
  function keySet(): Promise<KeySet> {
    if (cached && invalidation.trusted && Date.now() - cached.at < CACHE_TTL_MS) return cached.set;
    const epoch = invalidation.epoch;
    const set = load();
    const entry = { set, at: Date.now() };
    cached = entry;
    set.then(
      () => {
        if (invalidation.epoch !== epoch && cached === entry) cached = undefined;
      },
      () => {
        if (cached === entry) cached = undefined;
      },
    );
    return set;
  }

  async function newKey(): Promise<NewSigningKey> {
    const { publicKey, privateKey } = await generateKeyPair(jwt.algorithm, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    return {
      kid,
      algorithm: jwt.algorithm,
      sealedPrivateJwk: sealer.seal(JSON.stringify(await exportJWK(privateKey))),
      publicJwk: { ...publicJwk, kid, alg: jwt.algorithm, use: 'sig' },
    };
  }

  const due = (current: JwtSigningKey | undefined): boolean =>
    !current ||
    current.algorithm !== jwt.algorithm ||
    Date.now() - current.createdAt.getTime() >= jwt.keyRotationDays * 86_400_000;

  /**
   * Makes a new current key, retiring the current one into its overlap. With
   * `revokePrevious`, every retired key is deleted: tokens they signed stop working at
   * once (a key thought compromised). With `onlyIfDue`, nothing happens unless the
   * current key (re-read under the lock) is missing, of another algorithm, or old.
   */
  async function rotate(
    ctx: RequestContext,
    options: { reason: string; revokePrevious?: boolean; onlyIfDue?: boolean },
  ): Promise<Rotation | undefined> {
    const prepared = await newKey();
    return invalidation.transaction(db, async (tx, invalidate) => {
      await repository.lockSigningKeys(tx);
      const current = await repository.currentSigningKey(tx);
      if (options.onlyIfDue && !due(current)) return undefined;
      const retired = await repository.retireCurrentKey(tx, overlapSeconds);
      const created = await repository.insertSigningKey(tx, prepared);
      const revokedKids = options.revokePrevious ? await repository.deleteRetiredKeys(tx) : [];
      await invalidate([SIGNING_KEYS_CHANGED]);
      await audit.record(tx, ctx, {
        action: 'jwt_key.rotated',
        resourceType: 'jwt_signing_key',
        resourceId: created.id,
        before: retired ? { kid: retired.kid, accepted_until: retired.acceptedUntil } : null,
        after: {
          kid: created.kid,
          algorithm: created.algorithm,
          reason: options.reason,
          revoked_kids: revokedKids,
        },
      });
      return { kid: created.kid, retiredKid: retired?.kid, revokedKids };
    });
  }

  return {
    rotate,

    /** The hourly job's step: rotates when the current key is due (see `rotate`), and purges keys past their overlap. */
    async rotateIfDue(): Promise<{ rotation: Rotation | undefined; purged: number }> {
      const rotation = await rotate(systemContext('jwt-keys'), { reason: 'schedule', onlyIfDue: true });
      return { rotation, purged: await repository.purgeExpiredKeys(db) };
    },

    /** The key to sign with now: the current one, made first if there is none or it has another algorithm. */
    async signingKey(): Promise<LoadedKey & { privateKey: CryptoKey }> {
      let { current } = await keySet();
      if (!current || current.algorithm !== jwt.algorithm) {
        await rotate(systemContext('jwt-keys'), {
          reason: current ? 'algorithm_changed' : 'first_key',
          onlyIfDue: true,
        });
        cached = undefined;
        ({ current } = await keySet());
      }
      if (!current?.privateKey) throw new Error('no JWT signing key could be made');
      return current as LoadedKey & { privateKey: CryptoKey };
    },

    /**
     * The accepted key with this kid, of the configured algorithm, or undefined. A kid not
     * in the cached set reloads it, at most once per UNKNOWN_KID_RELOAD_MS: a flood of
     * forged kids costs one query, a key rotated in elsewhere is found.
     */
    async verificationKey(kid: string): Promise<LoadedKey | undefined> {
      let found = (await keySet()).byKid.get(kid);
      if (!found && Date.now() - lastUnknownKidReload >= UNKNOWN_KID_RELOAD_MS) {
        lastUnknownKidReload = Date.now();
        cached = undefined;
        found = (await keySet()).byKid.get(kid);
      }
      return found?.algorithm === jwt.algorithm ? found : undefined;
    },

    /** The JWKS document: the public keys of the current key and the retired ones still accepted. */
    async jwks(): Promise<{ keys: PublishedJwk[] }> {
      const { byKid } = await keySet();
      return {
        keys: [...byKid.values()]
          .filter((key) => key.algorithm === jwt.algorithm)
          .map((key) => key.publicJwk),
      };
    },
  };
}

export type SigningKeys = ReturnType<typeof createSigningKeys>;

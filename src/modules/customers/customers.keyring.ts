import { hkdfSync, randomBytes } from 'node:crypto';

/** A key-encryption key (KEK) of the ring: wraps customers' data keys, never stored in the database. */
export interface KeyEncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * The keys customer PII needs, all from the environment: the KEK ring (the first key
 * wraps new data keys; the others only unwrap, until `opsdesk keys rotate-data` has
 * moved every customer off them) and the blind-index key.
 */
export interface CustomerKeys {
  ring: readonly KeyEncryptionKey[];
  blindIndexKey: Buffer;
}

export interface CustomerKeySettings {
  customerDataKeys?: readonly KeyEncryptionKey[] | undefined;
  customerBlindIndexKey?: Buffer | undefined;
  secretKey?: string | undefined;
  isProduction: boolean;
}

export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** The id of the KEK derived from SECRET_KEY outside production. */
export const DEVELOPMENT_KEK_ID = 'dev';

const derive = (secret: string, purpose: string) =>
  Buffer.from(hkdfSync('sha256', secret, 'opsdesk-customer-keys', purpose, 32));

/**
 * Parses `CUSTOMER_DATA_KEYS` ("k2:<base64 32 bytes>,k1:<base64>", current first).
 * Throws what is expected, naming the pair at fault; never echoes key material.
 */
export function parseKeyRing(raw: string): KeyEncryptionKey[] {
  const ring = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const colon = entry.indexOf(':');
      const id = colon === -1 ? '' : entry.slice(0, colon);
      if (!KEY_ID.test(id))
        throw new Error(`each with an id of letters, digits, - or _ (pair ${index + 1} has none)`);
      const key = decodeKey(entry.slice(colon + 1));
      if (!key) throw new Error(`each key 32 bytes in base64 (key "${id}" is not)`);
      return { id, key };
    });
  if (ring.length === 0) throw new Error('at least one of them');
  const ids = new Set(ring.map((entry) => entry.id));
  if (ids.size !== ring.length) throw new Error('each id used once');
  return ring;
}

/** A base64 (or base64url) 32-byte key, or undefined. */
function decodeKey(raw: string): Buffer | undefined {
  const key = Buffer.from(raw.trim(), /[-_]/.test(raw) ? 'base64url' : 'base64');
  return key.length === 32 ? key : undefined;
}

/** A base64 32-byte key (CUSTOMER_BLIND_INDEX_KEY). */
export function parseKey(raw: string): Buffer {
  const key = decodeKey(raw);
  if (!key) throw new Error('32 bytes in base64 (openssl rand -base64 32)');
  return key;
}

/**
 * The ring and blind-index key for these settings. Production requires both in the
 * environment (config.ts refuses to start without them). Elsewhere a missing one is
 * derived from SECRET_KEY, so a development database stays readable across restarts;
 * the derived KEK also stays in a configured ring (last) until data has been rotated
 * off it. Without SECRET_KEY either (tests building the app directly), the keys are
 * random for this process.
 */
export function customerKeysFrom(settings: CustomerKeySettings): CustomerKeys {
  const secret = settings.isProduction ? undefined : (settings.secretKey ?? undefined);
  const fallback = (purpose: string) => (secret ? derive(secret, purpose) : randomBytes(32));
  const ring = [...(settings.customerDataKeys ?? [])];
  if (!settings.isProduction && !ring.some((entry) => entry.id === DEVELOPMENT_KEK_ID)) {
    ring.push({ id: DEVELOPMENT_KEK_ID, key: fallback('kek') });
  }
  if (ring.length === 0) throw new Error('CUSTOMER_DATA_KEYS must be set in production');
  const blindIndexKey =
    settings.customerBlindIndexKey ?? (settings.isProduction ? undefined : fallback('blind-index'));
  if (!blindIndexKey) throw new Error('CUSTOMER_BLIND_INDEX_KEY must be set in production');
  return { ring, blindIndexKey };
}

/** A new random KEK line for CUSTOMER_DATA_KEYS (`opsdesk keys generate`). */
export function generateKeyLine(id: string): string {
  if (!KEY_ID.test(id)) throw new Error('a key id is letters, digits, - or _ (at most 32)');
  return `${id}:${randomBytes(32).toString('base64')}`;
}

import { parseKey, parseKeyRing } from '../modules/customers/customers.keyring.ts';
import { expect, type Setting } from './parsers.ts';

/** The keys of customer PII and how customer phone numbers are normalised. */
export const customerSettings = {
  customerDataKeys: {
    env: 'CUSTOMER_DATA_KEYS',
    description:
      'Key ring that wraps the data keys of customer PII: comma-separated id:key pairs, each key 32 bytes in base64 (openssl rand -base64 32), the current key first; older keys stay until `opsdesk keys rotate-data` has moved every customer off them. Never stored in the database. Required in production; elsewhere a key derived from SECRET_KEY is used (and kept in the ring, as "dev").',
    parse: (raw) => {
      try {
        return parseKeyRing(raw);
      } catch (error) {
        return expect(`comma-separated id:key pairs, ${(error as Error).message}`);
      }
    },
    secret: true,
  },
  customerBlindIndexKey: {
    env: 'CUSTOMER_BLIND_INDEX_KEY',
    description:
      'Key of the blind indexes that find customers by e-mail and phone (32 bytes in base64). Changing it makes existing indexes unusable. Required in production; elsewhere derived from SECRET_KEY.',
    parse: (raw) => {
      try {
        return parseKey(raw);
      } catch (error) {
        return expect((error as Error).message);
      }
    },
    secret: true,
  },
  customerPhoneRegion: {
    env: 'CUSTOMER_PHONE_REGION',
    description:
      'Region (ISO 3166 code, e.g. GB) of customer phone numbers written without a country code, for their normalised E.164 form. Unset: such numbers are compared by their digits.',
    parse: (raw) =>
      /^[A-Z]{2}$/.test(raw.toUpperCase()) ? raw.toUpperCase() : expect('a two-letter region code'),
  },
} satisfies Record<string, Setting<unknown>>;

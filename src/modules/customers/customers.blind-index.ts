import { createHmac, hkdfSync } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

/**
 * Blind indexes: HMAC-SHA256 of a normalised value under a key of its own (derived
 * from CUSTOMER_BLIND_INDEX_KEY per field), truncated to BLIND_INDEX_BITS.
 *
 * Truncation is deliberate (CipherSweet's guidance): a full HMAC is unique per value,
 * so anyone reading the table would see exactly which customers share an e-mail and
 * could confirm a guess for any row once they hold the key's output for it. With 16
 * bits there are 65,536 buckets: at 1M customers every bucket holds ~15 unrelated
 * customers, so the index says "one of these ~15" and the service decrypts those
 * candidates to keep the true matches. CipherSweet asks for at least 2 coincidences per
 * value at the expected population (R / 2^bits >= 2, so bits <= log2(R) - 1); 16 bits
 * keeps that from ~130k customers up, and a lookup still reads few rows at 1M (and
 * ~150 at 10M). Below ~130k the buckets are thinner and the index says more: the price
 * of having one, stated in docs/customers.md.
 */
export const BLIND_INDEX_BITS = 16;

export type BlindIndexField = 'email' | 'phone';

/** Trimmed and lower-cased (NFC). Gmail's dots and +tags are kept: they are distinct addresses elsewhere. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/**
 * E.164 (`+442079460123`) when libphonenumber can read the number, given the region
 * for numbers written without a country code; else its digits (with a leading + if
 * given), so "+44 20 7946 0123", "+44 (0)20 7946 0123" and, with region GB,
 * "020 7946 0123" all index the same.
 */
export function normalisePhone(phone: string, region?: string): string {
  const parsed = parsePhoneNumberFromString(phone, region as CountryCode | undefined);
  if (parsed?.isPossible()) return parsed.number;
  const digits = phone.replace(/\D/g, '');
  return phone.trim().startsWith('+') ? `+${digits}` : digits;
}

export interface BlindIndexer {
  email(value: string): number;
  phone(value: string): number;
  /** The index of a value already normalised (an import normalises each value once). */
  ofNormalised(field: BlindIndexField, normalised: string): number;
}

export function createBlindIndexer(key: Buffer, phoneRegion?: string): BlindIndexer {
  const keys = {
    email: Buffer.from(hkdfSync('sha256', key, 'opsdesk-customer-blind-index', 'email', 32)),
    phone: Buffer.from(hkdfSync('sha256', key, 'opsdesk-customer-blind-index', 'phone', 32)),
  };
  const index = (field: BlindIndexField, normalised: string) =>
    createHmac('sha256', keys[field]).update(normalised, 'utf8').digest().readUInt32BE(0) >>>
    (32 - BLIND_INDEX_BITS);
  return {
    email: (value) => index('email', normaliseEmail(value)),
    phone: (value) => index('phone', normalisePhone(value, phoneRegion)),
    ofNormalised: index,
  };
}

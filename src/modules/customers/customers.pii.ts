import {
  decryptValue,
  encryptValue,
  kekIdOf,
  newDataKey,
  unwrapDataKey,
  wrapDataKey,
  type DataKey,
} from './customers.crypto.ts';
import { createBlindIndexer, normaliseEmail, normalisePhone } from './customers.blind-index.ts';
import type { CustomerKeys } from './customers.keyring.ts';
import type { CustomerRow, NewCustomerRow } from './customers.tables.ts';

export interface Address {
  kind: string;
  lines: string[];
  city: string;
  region: string;
  postcode: string;
  country: string;
}

/** The personal fields stored encrypted; everything else about a customer is in clear. */
export interface CustomerPii {
  email: string | null;
  phone: string | null;
  addresses: Address[];
  /** YYYY-MM-DD */
  dateOfBirth: string | null;
  notes: string;
}

export const PII_FIELDS = ['email', 'phone', 'addresses', 'dateOfBirth', 'notes'] as const;
export type PiiField = (typeof PII_FIELDS)[number];

const EMPTY: CustomerPii = { email: null, phone: null, addresses: [], dateOfBirth: null, notes: '' };

/** The row columns of each field (bytea), and how a value is written as text before encryption. */
const encode: { [F in PiiField]: (value: CustomerPii[F]) => string | null } = {
  email: (value) => value,
  phone: (value) => value,
  addresses: (value) => (value.length === 0 ? null : JSON.stringify(value)),
  dateOfBirth: (value) => value,
  notes: (value) => (value === '' ? null : value),
};

/**
 * Seals and opens a customer's personal fields (customers.crypto.ts) and computes
 * their blind indexes: the one place that turns PII into columns and back.
 */
export function createCustomerVault(keys: CustomerKeys, phoneRegion?: string) {
  const current = keys.ring[0];
  if (!current) throw new Error('the customer key ring is empty');
  const blind = createBlindIndexer(keys.blindIndexKey, phoneRegion);

  function dataKeyOf(row: Pick<CustomerRow, 'dataKey'>): DataKey | null {
    return row.dataKey ? unwrapDataKey(keys.ring, row.dataKey) : null;
  }

  return {
    blind,
    currentKekId: current.id,

    /** A new data key, and its wrapped form (and KEK id) for the row. */
    newDataKey(): { dataKey: DataKey; columns: Pick<NewCustomerRow, 'dataKey' | 'dataKeyKek'> } {
      const dataKey = newDataKey();
      return { dataKey, columns: { dataKey: wrapDataKey(current, dataKey), dataKeyKek: current.id } };
    },

    dataKeyOf,

    /** The decrypted fields of a row; an erased customer (no data key) has none. */
    open(row: CustomerRow): CustomerPii {
      const dataKey = dataKeyOf(row);
      if (!dataKey) return { ...EMPTY };
      const text = (field: PiiField) => {
        const value = row[field];
        return value ? decryptValue(dataKey, field, value) : null;
      };
      const addresses = text('addresses');
      return {
        email: text('email'),
        phone: text('phone'),
        addresses: addresses ? (JSON.parse(addresses) as Address[]) : [],
        dateOfBirth: text('dateOfBirth'),
        notes: text('notes') ?? '',
      };
    },

    /**
     * The columns for the given fields (only those), encrypted under `dataKey`, with the
     * blind indexes (`indexes` when the caller has them already).
     */
    seal(
      dataKey: DataKey,
      pii: Partial<CustomerPii>,
      indexes?: Pick<NewCustomerRow, 'emailIndex' | 'phoneIndex'>,
    ): Partial<NewCustomerRow> {
      const columns: Partial<NewCustomerRow> = {};
      for (const field of PII_FIELDS) {
        if (!(field in pii) || pii[field] === undefined) continue;
        const plain = (encode[field] as (value: unknown) => string | null)(pii[field]);
        columns[field] = plain === null ? null : encryptValue(dataKey, field, plain);
      }
      if (indexes) return { ...columns, ...indexes };
      if (pii.email !== undefined) columns.emailIndex = pii.email === null ? null : blind.email(pii.email);
      if (pii.phone !== undefined) columns.phoneIndex = pii.phone === null ? null : blind.phone(pii.phone);
      return columns;
    },

    /** Whether an opened e-mail or phone is the one asked for (a blind-index bucket holds others too). */
    sameEmail: (stored: string | null, asked: string) =>
      stored !== null && normaliseEmail(stored) === normaliseEmail(asked),
    samePhone: (stored: string | null, asked: string) =>
      stored !== null && normalisePhone(stored, phoneRegion) === normalisePhone(asked, phoneRegion),

    /** The data key rewrapped under the current KEK; null when it already is (or the customer is erased). */
    rewrap(wrapped: Buffer | null): Pick<NewCustomerRow, 'dataKey' | 'dataKeyKek'> | null {
      if (!wrapped || kekIdOf(wrapped) === current.id) return null;
      return { dataKey: wrapDataKey(current, unwrapDataKey(keys.ring, wrapped)), dataKeyKek: current.id };
    },
  };
}

export type CustomerVault = ReturnType<typeof createCustomerVault>;

/** A customer as the service hands it out: clear columns and decrypted PII, no key material. */
export type Customer = Omit<CustomerRow, 'dataKey' | 'dataKeyKek' | PiiField | 'emailIndex' | 'phoneIndex'> &
  CustomerPii;

/** A row opened: its clear columns and its decrypted fields. */
export function customerOf(vault: CustomerVault, row: CustomerRow): Customer {
  const {
    dataKey: _dataKey,
    dataKeyKek: _dataKeyKek,
    emailIndex: _emailIndex,
    phoneIndex: _phoneIndex,
    email: _email,
    phone: _phone,
    addresses: _addresses,
    dateOfBirth: _dateOfBirth,
    notes: _notes,
    ...clear
  } = row;
  return { ...clear, ...vault.open(row) };
}

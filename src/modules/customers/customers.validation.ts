import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import type { Address } from './customers.pii.ts';
import type { CustomerKind, CustomerStatus } from './customers.tables.ts';

/** A change to a customer, in the service's terms (each version's routes map their body onto it). */
export interface CustomerInput {
  kind?: CustomerKind;
  firstName?: string;
  lastName?: string;
  company?: string;
  /** The organisation a person is a contact of; null unlinks. */
  organisationId?: number | null;
  email?: string | null;
  phone?: string | null;
  addresses?: Address[];
  dateOfBirth?: string | null;
  notes?: string;
  tags?: string[];
  ownerId?: number | null;
  status?: CustomerStatus;
  marketingConsent?: boolean;
  /** Where the consent (or its withdrawal) came from: "web form", "phone call"; default "api". */
  marketingConsentSource?: string | null;
}

const NAME_MAX = 200;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[\d\s().\-/]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a YYYY-MM-DD is a real day between 1900 and today. */
function plausibleBirthDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return (
    !Number.isNaN(date.getTime()) &&
    date.toISOString().slice(0, 10) === value &&
    Number(match[1]) >= 1900 &&
    date.getTime() <= Date.now()
  );
}

/**
 * Field checks shared by create and update; collects every problem at once (DRF's
 * field errors). Answers the input trimmed: names, e-mail and phone lose surrounding
 * spaces, tags are trimmed and deduplicated. `current` is the stored kind on update.
 */
export function validatedInput(
  input: CustomerInput,
  creating: boolean,
  current?: { kind: CustomerKind; firstName: string; lastName: string; company: string },
): CustomerInput {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => (fields[field] ??= []).push(message);
  const out: CustomerInput = { ...input };
  for (const [key, field] of [
    ['firstName', 'first_name'],
    ['lastName', 'last_name'],
    ['company', 'company'],
  ] as const) {
    const value = input[key]?.trim();
    if (value === undefined) continue;
    if (value.length > NAME_MAX) add(field, `Ensure this field has no more than ${NAME_MAX} characters.`);
    out[key] = value;
  }
  const kind = out.kind ?? current?.kind ?? 'person';
  const name = (key: 'firstName' | 'lastName' | 'company') => out[key] ?? current?.[key] ?? '';
  if (
    creating ||
    out.kind !== undefined ||
    out.firstName !== undefined ||
    out.lastName !== undefined ||
    out.company !== undefined
  ) {
    if (kind === 'person' && !name('firstName') && !name('lastName'))
      add('last_name', 'A person needs a first or a last name.');
    if (kind === 'organisation' && !name('company')) add('company', 'An organisation needs a company name.');
  }
  if (kind === 'organisation' && typeof out.organisationId === 'number')
    add('organisation_id', 'An organisation cannot be the contact of another organisation.');
  if (typeof out.email === 'string') {
    out.email = out.email.trim() || null;
    if (out.email && (out.email.length > 254 || !EMAIL.test(out.email)))
      add('email', 'Enter a valid email address.');
  }
  if (typeof out.phone === 'string') {
    out.phone = out.phone.trim() || null;
    const digits = out.phone?.replace(/\D/g, '').length ?? 0;
    if (out.phone && (!PHONE.test(out.phone) || digits < 5 || digits > 20 || out.phone.length > 40))
      add('phone', 'Enter a valid phone number (5 to 20 digits, optionally with a leading +).');
  }
  if (typeof out.dateOfBirth === 'string') {
    out.dateOfBirth = out.dateOfBirth.trim() || null;
    if (out.dateOfBirth && !plausibleBirthDate(out.dateOfBirth))
      add('date_of_birth', 'Enter a real date between 1900-01-01 and today, as YYYY-MM-DD.');
  }
  if (out.tags) out.tags = [...new Set(out.tags.map((tag) => tag.trim()).filter(Boolean))];
  if (typeof out.marketingConsentSource === 'string')
    out.marketingConsentSource = out.marketingConsentSource.trim() || null;
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
  return out;
}

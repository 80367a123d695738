import type { Database } from '../../platform/db/client.ts';
import { commonErrors, fieldError, type AppError, type FieldErrors } from '../../platform/http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import type { FacilityStatus } from './sites.tables.ts';
import { pgErrorOf } from '../../platform/db/errors.ts';

export interface LocationInput {
  name?: string;
  description?: string;
  address?: string;
  /** IANA zone, e.g. Europe/Berlin; stored in its canonical spelling. */
  timeZone?: string;
}

export interface FacilityInput {
  name?: string;
  description?: string;
  locationId?: number | null;
  status?: FacilityStatus;
}

export interface ShiftInput {
  name?: string;
  description?: string;
  /** 'HH:MM' or 'HH:MM:SS'; an end before the start means the shift ends the next day. */
  startTime?: string | null;
  endTime?: string | null;
}

export interface SitesDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
}

const NAME_MAX = 200;
const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;

export const locationNameTaken = () => fieldError('name', 'A location with this name already exists.');
export const facilityNameTaken = () =>
  fieldError('name', 'A facility with this name already exists at this location.');
export const shiftNameTaken = () => fieldError('name', 'A shift with this name already exists.');
export const unknownLocation = (id: number) =>
  fieldError('location_id', `Invalid pk "${id}" - object does not exist.`);

/** The canonical name of an IANA zone ("europe/berlin" -> "Europe/Berlin"), undefined when unknown. */
function canonicalTimeZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Field checks shared by create and update; collects every problem at once. Returns
 * the input with its name trimmed (DRF trims text fields).
 */
export function validated<T extends { name?: string }>(
  input: T,
  creating: boolean,
  more?: (add: (field: string, message: string) => void) => void,
): T {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => (fields[field] ??= []).push(message);
  const name = input.name?.trim();
  if (name === undefined) {
    if (creating) add('name', 'This field is required.');
  } else if (name === '') add('name', 'This field may not be blank.');
  else if (name.length > NAME_MAX) add('name', `Ensure this field has no more than ${NAME_MAX} characters.`);
  more?.(add);
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
  return name === undefined ? input : { ...input, name };
}

export function validatedLocation(input: LocationInput, creating: boolean): LocationInput {
  let timeZone: string | undefined;
  const checked = validated(input, creating, (add) => {
    if (input.timeZone === undefined) return;
    timeZone = canonicalTimeZone(input.timeZone);
    if (!timeZone) add('time_zone', `"${input.timeZone}" is not a known time zone.`);
  });
  return timeZone === undefined ? checked : { ...checked, timeZone };
}

export function validatedShift(input: ShiftInput, creating: boolean): ShiftInput {
  return validated(input, creating, (add) => {
    for (const [field, value] of [
      ['start_time', input.startTime],
      ['end_time', input.endTime],
    ] as const) {
      if (typeof value === 'string' && !TIME_OF_DAY.test(value))
        add(field, 'Time has wrong format. Use hh:mm[:ss].');
    }
  });
}

/**
 * Runs a statement, turning the integrity errors the checks before it could not rule
 * out (a concurrent insert, a reference from another module) into precise errors.
 */
export async function translating<T>(
  write: Promise<T>,
  translations: { unique?: () => AppError; reference?: () => AppError },
): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const code = pgErrorOf(error)?.code;
    const replacement =
      code === '23505' ? translations.unique : code === '23503' ? translations.reference : undefined;
    throw replacement ? replacement() : error;
  }
}

import { commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import type { EscalationLevel, SlaPolicy } from './sla.tables.ts';
import { PRIORITIES } from '../tickets/index.ts';

export type SlaPriority = SlaPolicy['priority'];
/** Targets are at most a year of (business) minutes. */
export const MAX_TARGET_MINUTES = 525_600;
export const MAX_ESCALATION_LEVELS = 5;
export const MAX_AFTER_PERCENT = 1000;
const NAME_MAX = 200;

/** A policy's fields as a client gives them; a PATCH gives some. Null clears an optional field. */
export interface SlaPolicyInput {
  name?: string;
  priority?: SlaPriority;
  /** Null: every category of the priority without a policy of its own. */
  categoryId?: number | null;
  /** Null: targets counted around the clock. */
  calendarId?: number | null;
  firstResponseMinutes?: number | null;
  resolutionMinutes?: number;
  atRiskPercent?: number;
  /** Replaces all levels; `after_percent` strictly increasing. */
  escalationLevels?: EscalationLevel[];
  isActive?: boolean;
}

const isWholeIn = (value: number, min: number, max: number) =>
  Number.isInteger(value) && value >= min && value <= max;

/** Checks the fields given, and the policy they make together with `current`; every problem at once. */
export function checkFields(input: SlaPolicyInput, current: SlaPolicy | undefined): FieldErrors {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => (fields[field] ??= []).push(message);
  const required = (field: string, value: unknown) => {
    if (!current && value === undefined) add(field, 'This field is required.');
  };
  required('name', input.name);
  required('priority', input.priority);
  required('resolution_minutes', input.resolutionMinutes);
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name === '') add('name', 'This field may not be blank.');
    else if (name.length > NAME_MAX)
      add('name', `Ensure this field has no more than ${NAME_MAX} characters.`);
  }
  if (input.priority !== undefined && !PRIORITIES.includes(input.priority))
    add('priority', `Expected one of: ${PRIORITIES.join(', ')}.`);
  const minutes = {
    first_response_minutes: input.firstResponseMinutes,
    resolution_minutes: input.resolutionMinutes,
  };
  for (const [field, value] of Object.entries(minutes)) {
    if (typeof value === 'number' && !isWholeIn(value, 1, MAX_TARGET_MINUTES))
      add(field, `Ensure this is a whole number of minutes from 1 to ${MAX_TARGET_MINUTES}.`);
  }
  if (input.atRiskPercent !== undefined && !isWholeIn(input.atRiskPercent, 1, 99))
    add('at_risk_percent', 'Ensure this is a whole percentage from 1 to 99.');
  if (input.escalationLevels !== undefined) {
    const levels = input.escalationLevels;
    if (levels.length > MAX_ESCALATION_LEVELS)
      add('escalation_levels', `Ensure there are no more than ${MAX_ESCALATION_LEVELS} levels.`);
    levels.forEach((level, index) => {
      if (!isWholeIn(level.after_percent, 1, MAX_AFTER_PERCENT))
        add('escalation_levels', `Level ${index + 1}: after_percent must be 1 to ${MAX_AFTER_PERCENT}.`);
      const previous = levels[index - 1];
      if (previous && level.after_percent <= previous.after_percent)
        add(
          'escalation_levels',
          `Level ${index + 1}: after_percent (${level.after_percent}) must be greater than ` +
            `level ${index}'s (${previous.after_percent}).`,
        );
    });
  }
  const firstResponse =
    input.firstResponseMinutes !== undefined ? input.firstResponseMinutes : current?.firstResponseMinutes;
  const resolution = input.resolutionMinutes ?? current?.resolutionMinutes;
  if (!fields.first_response_minutes && !fields.resolution_minutes && firstResponse && resolution) {
    if (firstResponse > resolution)
      add(
        'first_response_minutes',
        `The first response target (${firstResponse} min) cannot exceed the resolution target (${resolution} min).`,
      );
  }
  return fields;
}

/** Throws every field error found, in one VALIDATION_FAILED. */
export function throwIfAny(...found: FieldErrors[]): void {
  const fields: FieldErrors = {};
  for (const errors of found) {
    for (const [field, messages] of Object.entries(errors)) (fields[field] ??= []).push(...messages);
  }
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
}

/** The stored form of the given fields: trimmed name, levels with both actions spelt out. */
export function storedValues(input: SlaPolicyInput) {
  return {
    name: input.name?.trim(),
    priority: input.priority,
    categoryId: input.categoryId,
    calendarId: input.calendarId,
    firstResponseMinutes: input.firstResponseMinutes,
    resolutionMinutes: input.resolutionMinutes,
    atRiskPercent: input.atRiskPercent,
    escalationLevels: input.escalationLevels?.map((level) => ({
      after_percent: level.after_percent,
      raise_priority: level.raise_priority ?? false,
      reassign_to_manager: level.reassign_to_manager ?? false,
    })),
    isActive: input.isActive,
  };
}

import { int, type Setting } from './parsers.ts';

/** Timesheet rules. */
export const workforceSettings = {
  overtimeThresholdHours: {
    env: 'OVERTIME_THRESHOLD_HOURS',
    description: 'Weekly worked hours above which timesheets count overtime.',
    parse: int(1, 168),
    default: '40',
  },
} satisfies Record<string, Setting<unknown>>;

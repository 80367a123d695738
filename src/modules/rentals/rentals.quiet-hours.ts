import { DateTime } from 'luxon';

/** A daily window, minutes after local midnight; `end` before `start` crosses midnight (21:00-08:00). */
export interface QuietHours {
  start: number;
  end: number;
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Reads `HH:MM-HH:MM` (the window reminders are not sent in) or `off`; undefined when
 * the text is neither, for the configuration's error message.
 */
export function parseQuietHours(text: string): QuietHours | null | undefined {
  if (text.trim().toLowerCase() === 'off') return null;
  const [from = '', to = '', ...rest] = text.split('-').map((part) => part.trim());
  const start = CLOCK.exec(from);
  const end = CLOCK.exec(to);
  if (!start || !end || rest.length > 0) return undefined;
  const minutes = (match: RegExpExecArray) => Number(match[1]) * 60 + Number(match[2]);
  const window = { start: minutes(start), end: minutes(end) };
  return window.start === window.end ? undefined : window;
}

/**
 * When the quiet window that holds `at` (read in `timeZone`) ends, or null when `at`
 * is outside it: a reminder due then is sent at that end instead.
 */
export function quietUntil(quiet: QuietHours | null, at: Date, timeZone: string): Date | null {
  if (!quiet) return null;
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const minute = local.hour * 60 + local.minute;
  const crosses = quiet.end < quiet.start;
  const inside = crosses
    ? minute >= quiet.start || minute < quiet.end
    : minute >= quiet.start && minute < quiet.end;
  if (!inside) return null;
  const endDay = crosses && minute >= quiet.start ? local.plus({ days: 1 }) : local;
  return endDay
    .set({ hour: Math.floor(quiet.end / 60), minute: quiet.end % 60, second: 0, millisecond: 0 })
    .toJSDate();
}

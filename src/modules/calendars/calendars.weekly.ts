/**
 * Weekly working hours: their wire shape, their checks and the minute form the engine
 * computes with. Pure; shared by the engine (which refuses a bad week) and the service
 * (which turns the same problems into field errors).
 */

export const ISO_WEEKDAYS = ['1', '2', '3', '4', '5', '6', '7'] as const;
export type WeekdayKey = (typeof ISO_WEEKDAYS)[number];

/**
 * Opening hours within one day, 'HH:MM' wall-clock in the calendar's zone, half-open
 * [start, end). An end at or before the start runs into the next day (22:00-06:00;
 * 00:00-00:00 is a whole day) and still belongs to the weekday it starts on.
 */
export interface WorkInterval {
  start: string;
  end: string;
}

/** Weekly hours as given: ISO weekday ('1' = Monday ... '7' = Sunday; `{ 1: [...] }` works too) -> intervals; missing days are closed. */
export type WeeklySchedule = { readonly [day in WeekdayKey]?: readonly WorkInterval[] };

/** Weekly hours as stored and presented: every weekday present, intervals in start order. */
export type WeeklyHours = Record<WeekdayKey, WorkInterval[]>;

/** A problem with a calendar's definition; `path` names the field ('weekly.1.0.end'). */
export interface SpecProblem {
  path: string;
  message: string;
}

/** An interval in minutes after local midnight; `end` is past 1440 for one that runs overnight. */
export interface MinuteInterval {
  start: number;
  end: number;
}

export const MAX_INTERVALS_PER_DAY = 12;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

const minutesOf = (text: unknown): number | undefined => {
  const match = typeof text === 'string' ? TIME.exec(text) : null;
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
};

const label = (interval: MinuteInterval) => {
  const hhmm = (minutes: number) =>
    `${String(Math.floor((minutes % 1440) / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return `${hhmm(interval.start)}-${hhmm(interval.end)}`;
};

/**
 * Checks weekly hours and brings them into stored form. Problems: a key that is no
 * ISO weekday, a day that is not a list, a time not in 'HH:MM' (00:00-23:59), and
 * two intervals of the same weekday that overlap (an overnight interval counts up to
 * its end the next morning). Intervals of different weekdays may meet or overlap
 * (a night shift running into the next day's early shift): open time is their union.
 */
export function checkWeekly(
  weekly: unknown,
  path = 'weekly',
): { hours: WeeklyHours; minutes: MinuteInterval[][]; problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const hours = Object.fromEntries(ISO_WEEKDAYS.map((day) => [day, []])) as unknown as WeeklyHours;
  // minutes[0] unused: index = ISO weekday.
  const minutes: MinuteInterval[][] = [[], [], [], [], [], [], [], []];
  if (typeof weekly !== 'object' || weekly === null || Array.isArray(weekly)) {
    problems.push({
      path,
      message: 'Expected an object of ISO weekday (1 = Monday ... 7 = Sunday) to intervals.',
    });
    return { hours, minutes, problems };
  }
  for (const [key, value] of Object.entries(weekly as Record<string, unknown>)) {
    if (!(ISO_WEEKDAYS as readonly string[]).includes(key)) {
      problems.push({ path: `${path}.${key}`, message: 'Not a weekday; use 1 (Monday) to 7 (Sunday).' });
      continue;
    }
    const day = key as WeekdayKey;
    if (!Array.isArray(value)) {
      problems.push({
        path: `${path}.${day}`,
        message: 'Expected a list of {"start": "HH:MM", "end": "HH:MM"}.',
      });
      continue;
    }
    if (value.length > MAX_INTERVALS_PER_DAY)
      problems.push({ path: `${path}.${day}`, message: `At most ${MAX_INTERVALS_PER_DAY} intervals a day.` });
    const parsed: { interval: MinuteInterval; given: WorkInterval; index: number }[] = [];
    value.forEach((item: unknown, index) => {
      const { start, end } = (typeof item === 'object' && item !== null ? item : {}) as Record<
        string,
        unknown
      >;
      const startMinutes = minutesOf(start);
      const endMinutes = minutesOf(end);
      for (const [field, text, result] of [
        ['start', start, startMinutes],
        ['end', end, endMinutes],
      ] as const) {
        if (result === undefined)
          problems.push({
            path: `${path}.${day}.${index}.${field}`,
            message: `"${String(text)}" is not a time; use HH:MM (00:00 to 23:59).`,
          });
      }
      if (startMinutes === undefined || endMinutes === undefined) return;
      const interval = {
        start: startMinutes,
        end: endMinutes <= startMinutes ? endMinutes + 1440 : endMinutes,
      };
      parsed.push({ interval, given: { start: start as string, end: end as string }, index });
    });
    parsed.sort((a, b) => a.interval.start - b.interval.start);
    for (let i = 1; i < parsed.length; i += 1) {
      const previous = parsed[i - 1];
      const current = parsed[i];
      if (previous && current && current.interval.start < previous.interval.end) {
        problems.push({
          path: `${path}.${day}.${current.index}`,
          message: `Overlaps ${label(previous.interval)} on the same day.`,
        });
      }
    }
    hours[day] = parsed.map((entry) => entry.given);
    minutes[Number(day)] = parsed.map((entry) => entry.interval);
  }
  return { hours, minutes, problems };
}

import type { Static } from '@sinclair/typebox';
import { presentProfileV1, type Person } from '../identity/index.ts';
import { presentLocationV1, presentShiftV1 } from '../sites/index.ts';
import type { TimeEntryV1, TimeEntryV2, TimesheetV2 } from './workforce.timeclock.schemas.ts';
import type { TimeEntryView, TimesheetView } from './workforce.timeclock.types.ts';
import type { TimeEntry } from './workforce.tables.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Minutes as hours with two decimals (450 -> 7.5). */
export const hoursOf = (minutes: number): number => Math.round((minutes / 60) * 100) / 100;

export const APPROVAL_LABELS = { pending: 'Pending', approved: 'Approved', rejected: 'Rejected' } as const;

export const personRef = (person: Person | null): Static<typeof TimeEntryV2>['user'] =>
  person
    ? {
        id: person.user.id,
        username: person.user.username,
        full_name:
          [person.user.firstName, person.user.lastName].filter(Boolean).join(' ') || person.user.username,
      }
    : null;

const breakMinutes = (view: TimeEntryView) =>
  Math.round(
    view.breaks.reduce(
      (sum, item) => sum + (item.endsAt ? item.endsAt.getTime() - item.startsAt.getTime() : 0),
      0,
    ) / 60_000,
  );

const totalHours = (entry: Pick<TimeEntry, 'workedMinutes'>) =>
  entry.workedMinutes === null ? null : hoursOf(entry.workedMinutes);

export const presentTimeEntryV1 = (view: TimeEntryView): Static<typeof TimeEntryV1> => {
  const [first] = view.breaks;
  return {
    id: view.id,
    user: view.person ? presentProfileV1(view.person) : null,
    date: view.date,
    clock_in: view.clockIn.toISOString(),
    clock_out: iso(view.clockOut),
    break_start: iso(first?.startsAt ?? null),
    break_end: iso(first?.endsAt ?? null),
    total_hours: totalHours(view),
    location: view.location ? presentLocationV1(view.location) : null,
    shift: view.shift ? presentShiftV1(view.shift) : null,
    notes: view.notes,
    status: APPROVAL_LABELS[view.status],
    approved_by: view.approver ? presentProfileV1(view.approver) : null,
    approved_at: iso(view.approvedAt),
    version: view.version,
    created_at: view.createdAt.toISOString(),
    updated_at: view.updatedAt.toISOString(),
  };
};

export const presentTimeEntryV2 = (view: TimeEntryView): Static<typeof TimeEntryV2> => ({
  id: view.id,
  user: personRef(view.person),
  date: view.date,
  time_zone: view.timeZone,
  clock_in: view.clockIn.toISOString(),
  clock_out: iso(view.clockOut),
  breaks: view.breaks.map((item) => ({
    id: item.id,
    start: item.startsAt.toISOString(),
    end: iso(item.endsAt),
  })),
  break_minutes: breakMinutes(view),
  worked_minutes: view.workedMinutes,
  total_hours: totalHours(view),
  location: view.location && { id: view.location.id, name: view.location.name },
  shift: view.shift && { id: view.shift.id, name: view.shift.name },
  notes: view.notes,
  status: view.status,
  approved_by: personRef(view.approver),
  approved_at: iso(view.approvedAt),
  locked: view.locked,
  version: view.version,
  created_at: view.createdAt.toISOString(),
  updated_at: view.updatedAt.toISOString(),
});

export const presentTimesheetV2 = (sheet: TimesheetView): Static<typeof TimesheetV2> => ({
  user: personRef(sheet.person) ?? { id: 0, username: '', full_name: '' },
  week_start: sheet.weekStart,
  week_end: sheet.weekEnd,
  days: sheet.days.map((day) => ({ ...day, hours: hoursOf(day.minutes) })),
  total_minutes: sheet.totalMinutes,
  total_hours: hoursOf(sheet.totalMinutes),
  threshold_minutes: sheet.thresholdMinutes,
  overtime_minutes: sheet.overtimeMinutes,
  overtime_hours: hoursOf(sheet.overtimeMinutes),
  approved: sheet.approvedAt !== null,
  approved_by: personRef(sheet.approvedBy),
  approved_at: iso(sheet.approvedAt),
  entries: sheet.entries.map(presentTimeEntryV2),
});

/** The CSV of a timesheet: one row per entry, then the week's total and overtime. */
export function timesheetCsvRows(sheet: TimesheetView): string[][] {
  const rows = [
    ['date', 'entry_id', 'clock_in', 'clock_out', 'break_minutes', 'worked_minutes', 'hours', 'status'],
  ];
  for (const entry of sheet.entries) {
    rows.push([
      entry.date,
      String(entry.id),
      entry.clockIn.toISOString(),
      iso(entry.clockOut) ?? '',
      String(breakMinutes(entry)),
      entry.workedMinutes === null ? '' : String(entry.workedMinutes),
      entry.workedMinutes === null ? '' : String(hoursOf(entry.workedMinutes)),
      entry.status,
    ]);
  }
  rows.push(['total', '', '', '', '', String(sheet.totalMinutes), String(hoursOf(sheet.totalMinutes)), '']);
  rows.push([
    'overtime',
    '',
    '',
    '',
    '',
    String(sheet.overtimeMinutes),
    String(hoursOf(sheet.overtimeMinutes)),
    '',
  ]);
  return rows;
}

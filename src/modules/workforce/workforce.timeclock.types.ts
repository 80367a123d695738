import type { Database, Executor } from '../../platform/db/client.ts';
import type { AuditService } from '../audit/index.ts';
import type { IdentityService, Person } from '../identity/index.ts';
import type { Location, Shift, SitesService } from '../sites/index.ts';
import type { WeekSummary } from './workforce.time.ts';
import type { TimeEntryRow } from './workforce.timeclock.repository.ts';
import type { TimeEntryBreak } from './workforce.tables.ts';

/** A time entry with its breaks, people, location and shift, as every presenter shows it. */
export interface TimeEntryView extends TimeEntryRow {
  breaks: TimeEntryBreak[];
  person: Person | null;
  approver: Person | null;
  location: Location | null;
  shift: Shift | null;
}

export interface TimesheetView extends WeekSummary {
  person: Person;
  weekStart: string;
  weekEnd: string;
  thresholdMinutes: number;
  approvedBy: Person | null;
  approvedAt: Date | null;
  entries: TimeEntryView[];
}

/** A time as clients send it: see `parseTime`. */
export type TimeInput = Date | string;

export interface ClockInput {
  /** Someone else (their manager, or an admin); default the caller. */
  userId?: number;
  /** Default now; only managers and admins record other times. */
  at?: TimeInput;
  locationId?: number | null;
  shiftId?: number | null;
  notes?: string;
}

export interface EntryInput {
  userId?: number;
  /** The local date bare times ('22:00') are read on; default the entry's date, or today. */
  date?: string;
  clockIn?: TimeInput;
  clockOut?: TimeInput | null;
  /** Every break of the entry (replaces them); an open break has no end. */
  breaks?: { start: TimeInput; end: TimeInput | null }[];
  /** v1 edits the first break only: its start (null removes it) and end. */
  breakStart?: TimeInput | null;
  breakEnd?: TimeInput | null;
  locationId?: number | null;
  shiftId?: number | null;
  notes?: string;
}

export interface TimeclockDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  identity: Pick<IdentityService, 'peopleByUserIds' | 'userIdsInDepartment'>;
  sites: Pick<SitesService, 'locationsByIds' | 'shiftsByIds'>;
  /** Weekly minutes above which a timesheet counts overtime (configuration; default 40 h). */
  overtimeThresholdMinutes?: number;
  /** The clock; tests pass their own. */
  now?: () => Date;
  /**
   * Someone clocked in, called in the clock-in transaction: whoever waits for people on
   * duty (the assignment queue) can look again at once instead of at its next round.
   */
  onClockedIn?: (tx: Executor, userId: number) => Promise<void>;
}

/** The times of an entry once read: instants, breaks sorted. */
export interface ResolvedTimes {
  clockIn: Date;
  clockOut: Date | null;
  breaks: { startsAt: Date; endsAt: Date | null }[];
}

import { DateTime } from 'luxon';
import type { Actor } from '../../platform/auth/actor.ts';
import type { Database } from '../../platform/db/client.ts';
import type { CalendarsService } from '../calendars/index.ts';
import type { TicketsService } from '../tickets/index.ts';
import { countedIntervals, elapsedAt, type Pause } from './sla.clock.ts';
import { slaErrors } from './sla.errors.ts';
import * as repository from './sla.repository.ts';
import type { SlaClocks } from './sla.service.ts';
import type { ClockState } from './sla.state.ts';
import type { SlaLedgerEntry, SlaPolicy, TicketSla } from './sla.tables.ts';

export interface ClockView {
  targetMs: number | null;
  dueAt: Date | null;
  elapsedMs: number;
  remainingMs: number | null;
  breached: boolean;
  stoppedAt: Date | null;
}

/** Everything the explanation endpoint answers: the clocks, their facts, and the reasons in words. */
export interface SlaExplanation {
  row: TicketSla;
  policy: SlaPolicy | null;
  calendar: { id: number; name: string; timeZone: string } | null;
  state: ClockState;
  firstResponse: ClockView;
  resolution: ClockView;
  pauses: Pause[];
  ledger: SlaLedgerEntry[];
  explanation: string[];
}

const MAX_LISTED = 12;

function formatDuration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const text = hours > 0 ? `${hours} h${rest > 0 ? ` ${rest} min` : ''}` : `${rest} min`;
  return ms < 0 ? `-${text}` : text;
}

const formatAt = (at: Date, zone: string) =>
  DateTime.fromJSDate(at, { zone }).toFormat('ccc d LLL yyyy HH:mm ZZZZ');
const formatTime = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toFormat('HH:mm');
const localDate = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toISODate() ?? '';

/**
 * Answers "why is this due then": the start, the policy and calendar, each pause, the
 * open stretches counted and the closed time skipped (holidays and closures by name),
 * and the due time, in the calendar's zone.
 */
export function createSlaExplainer(deps: {
  db: Database;
  clocks: Pick<SlaClocks, 'stateOf'>;
  calendars: Pick<CalendarsService, 'snapshotFor'>;
  tickets: Pick<TicketsService, 'visible'>;
  now?: () => Date;
}) {
  const { db, clocks, calendars, tickets } = deps;
  const now = deps.now ?? (() => new Date());

  return async function explain(actor: Actor, ticketId: number): Promise<SlaExplanation> {
    await tickets.visible(actor, ticketId);
    const row = await repository.slaOf(db, ticketId);
    if (!row) throw slaErrors.SLA_NO_CLOCK();
    const at = now();
    const [{ state, pauses, calendar: clock, entries: ledger, policy }, snapshot] = await Promise.all([
      clocks.stateOf(db, row, at),
      row.calendarId === null ? undefined : calendars.snapshotFor(row.calendarId),
    ]);
    const zone = snapshot?.calendar.timeZone ?? 'UTC';
    const view = (
      targetMs: number | null,
      dueAt: Date | null,
      breached: boolean,
      stoppedAt: Date | null,
    ): ClockView => {
      const elapsedMs = elapsedAt(clock, row.startedAt, pauses, stoppedAt ?? at);
      return {
        targetMs,
        dueAt,
        elapsedMs,
        remainingMs: targetMs === null ? null : targetMs - elapsedMs,
        breached,
        stoppedAt,
      };
    };
    const firstResponse = view(
      row.firstResponseTargetMs,
      state.firstResponseDueAt,
      state.firstResponseBreached,
      row.firstRespondedAt ?? row.resolvedAt,
    );
    const resolution = view(
      row.resolutionTargetMs,
      state.resolutionDueAt,
      state.resolutionBreached,
      row.resolvedAt,
    );

    const lines: string[] = [`Started ${formatAt(row.startedAt, zone)}, when the ticket was created.`];
    if (!policy || row.resolutionTargetMs === null) {
      lines.push('No SLA policy covers this ticket (its priority and category), so nothing is due.');
    } else {
      const where = snapshot
        ? `business time on calendar "${snapshot.calendar.name}" (${zone})`
        : 'time around the clock (the policy names no calendar)';
      const firstText =
        row.firstResponseTargetMs === null
          ? ''
          : `first response within ${formatDuration(row.firstResponseTargetMs)}, `;
      lines.push(
        `Policy "${policy.name}": ${firstText}resolution within ${formatDuration(row.resolutionTargetMs)} of ${where}.`,
      );
    }
    for (const pause of pauses)
      lines.push(
        pause.to
          ? `Paused ${formatAt(pause.from, zone)} – ${formatAt(pause.to, zone)} (${pause.reason}): not counted.`
          : `Paused since ${formatAt(pause.from, zone)} (${pause.reason}): the clock stands still, so the due time is open.`,
      );
    if (row.resolutionTargetMs !== null) {
      const until = resolution.stoppedAt ?? state.resolutionDueAt ?? at;
      const counted = countedIntervals(clock, row.startedAt, pauses, until);
      const shown = counted
        .slice(0, MAX_LISTED)
        .map(
          (interval) =>
            `${DateTime.fromJSDate(interval.start, { zone }).toFormat('ccc d LLL')} ${formatTime(interval.start, zone)}–${formatTime(interval.end, zone)} (${formatDuration(interval.end.getTime() - interval.start.getTime())})`,
        );
      if (shown.length > 0)
        lines.push(
          `Counted: ${shown.join('; ')}${counted.length > MAX_LISTED ? `; and ${counted.length - MAX_LISTED} more` : ''}.`,
        );
      if (snapshot) {
        const from = localDate(row.startedAt, zone);
        const to = localDate(until, zone);
        const holidays = snapshot.closures.filter(
          (closure) =>
            closure.kind === 'holiday' && closure.date !== null && closure.date >= from && closure.date <= to,
        );
        const closures = snapshot.closures.filter(
          (closure) =>
            closure.kind === 'closure' &&
            closure.startsAt &&
            closure.endsAt &&
            closure.endsAt > row.startedAt &&
            closure.startsAt < until,
        );
        for (const holiday of holidays)
          lines.push(`Skipped the holiday ${holiday.date ?? ''}${holiday.name ? ` (${holiday.name})` : ''}.`);
        for (const closure of closures)
          if (closure.startsAt && closure.endsAt)
            lines.push(
              `Skipped the closure ${formatAt(closure.startsAt, zone)} – ${formatAt(closure.endsAt, zone)}${closure.name ? ` (${closure.name})` : ''}.`,
            );
      }
      // Closed time the clock skipped (pauses are listed above): before the first counted
      // stretch and between stretches.
      const gaps = counted
        .map((interval, index) => ({ from: counted[index - 1]?.end ?? row.startedAt, to: interval.start }))
        .filter(
          (gap) =>
            gap.to > gap.from &&
            !pauses.some((pause) => pause.from <= gap.from && (pause.to === null || pause.to >= gap.to)),
        );
      if (gaps.length > 0)
        lines.push(
          `Not counted (outside working hours): ${gaps
            .slice(0, MAX_LISTED)
            .map((gap) => `${formatAt(gap.from, zone)} – ${formatAt(gap.to, zone)}`)
            .join('; ')}${gaps.length > MAX_LISTED ? `; and ${gaps.length - MAX_LISTED} more` : ''}.`,
        );
    }
    if (row.firstRespondedAt)
      lines.push(
        `First response ${formatAt(row.firstRespondedAt, zone)}${firstResponse.breached ? ', after its due time' : ', in time'}.`,
      );
    else if (state.firstResponseDueAt)
      lines.push(`First response due ${formatAt(state.firstResponseDueAt, zone)}.`);
    if (row.resolvedAt)
      lines.push(
        `Resolved ${formatAt(row.resolvedAt, zone)}${resolution.breached ? ', after its due time' : ', in time'}.`,
      );
    else if (state.resolutionDueAt)
      lines.push(
        `Resolution due ${formatAt(state.resolutionDueAt, zone)}${resolution.breached ? ' (breached)' : ''}.`,
      );
    if (row.stepName && row.stepBudgetMs !== null && row.stepDueAt)
      lines.push(
        `Step "${row.stepName}" has ${formatDuration(row.stepBudgetMs)} of the target (its weight); due ${formatAt(row.stepDueAt, zone)}.`,
      );

    return {
      row,
      policy: policy ?? null,
      calendar: snapshot ? { id: snapshot.calendar.id, name: snapshot.calendar.name, timeZone: zone } : null,
      state,
      firstResponse,
      resolution,
      pauses,
      ledger,
      explanation: lines,
    };
  };
}

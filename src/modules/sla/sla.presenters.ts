import type { Static } from '@sinclair/typebox';
import { DateTime } from 'luxon';
import type { ClockView, SlaExplanation } from './sla.explain.ts';
import type { TicketSlaV2 } from './sla.schemas.ts';

const minutes = (ms: number | null) => (ms === null ? null : Math.round(ms / 600) / 100);
const zoned = (at: Date | null, zone: string) =>
  at === null
    ? null
    : (DateTime.fromJSDate(at, { zone }).toISO({ suppressMilliseconds: true }) ?? at.toISOString());
const utc = (at: Date | null) => (at === null ? null : at.toISOString());

const presentClock = (clock: ClockView, zone: string) => ({
  target_minutes: minutes(clock.targetMs),
  due_at: zoned(clock.dueAt, zone),
  due_at_utc: utc(clock.dueAt),
  elapsed_minutes: minutes(clock.elapsedMs) ?? 0,
  remaining_minutes: minutes(clock.remainingMs),
  breached: clock.breached,
  stopped_at: zoned(clock.stoppedAt, zone),
});

export function presentTicketSlaV2(explained: SlaExplanation): Static<typeof TicketSlaV2> {
  const { row, policy, calendar } = explained;
  const zone = calendar?.timeZone ?? 'UTC';
  return {
    ticket_id: row.ticketId,
    status: explained.state.status,
    policy: policy ? { id: policy.id, name: policy.name, version: policy.version } : null,
    calendar: calendar ? { id: calendar.id, name: calendar.name, time_zone: calendar.timeZone } : null,
    started_at: zoned(row.startedAt, zone) ?? row.startedAt.toISOString(),
    first_response: presentClock(explained.firstResponse, zone),
    resolution: presentClock(explained.resolution, zone),
    step: row.stepKey
      ? {
          key: row.stepKey,
          name: row.stepName,
          entered_at: zoned(row.stepEnteredAt, zone),
          budget_minutes: minutes(row.stepBudgetMs),
          due_at: zoned(row.stepDueAt, zone),
        }
      : null,
    paused: explained.pauses.some((pause) => pause.to === null),
    pauses: explained.pauses.map((pause) => ({
      from: zoned(pause.from, zone) ?? pause.from.toISOString(),
      to: zoned(pause.to, zone),
      reason: pause.reason,
    })),
    next_check_at: utc(row.nextCheckAt),
    ledger: explained.ledger.map((entry) => ({
      at: zoned(entry.at, zone) ?? entry.at.toISOString(),
      kind: entry.kind,
      details: entry.details as Record<string, unknown>,
      actor_id: entry.actorId,
    })),
    explanation: explained.explanation,
  };
}

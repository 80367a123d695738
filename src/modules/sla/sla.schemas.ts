import { Type } from '@sinclair/typebox';

const Instant = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

const ClockV2 = Type.Object({
  target_minutes: Type.Union([Type.Number(), Type.Null()]),
  due_at: Instant,
  due_at_utc: Instant,
  elapsed_minutes: Type.Number({
    description: 'Business minutes counted so far (or until the clock stopped).',
  }),
  remaining_minutes: Type.Union([Type.Number(), Type.Null()]),
  breached: Type.Boolean(),
  stopped_at: Instant,
});

/** A ticket's SLA clocks with their ledger and the reasons, in words, behind each due time. */
export const TicketSlaV2 = Type.Object({
  ticket_id: Type.Integer(),
  status: Type.String({ description: 'on_track, at_risk, breached, paused, met or missed.' }),
  policy: Type.Union([
    Type.Object({ id: Type.Integer(), name: Type.String(), version: Type.Integer() }),
    Type.Null(),
  ]),
  calendar: Type.Union([
    Type.Object({ id: Type.Integer(), name: Type.String(), time_zone: Type.String() }),
    Type.Null(),
  ]),
  started_at: Type.String({ format: 'date-time' }),
  first_response: ClockV2,
  resolution: ClockV2,
  step: Type.Union([
    Type.Object({
      key: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
      entered_at: Instant,
      budget_minutes: Type.Union([Type.Number(), Type.Null()]),
      due_at: Instant,
    }),
    Type.Null(),
  ]),
  paused: Type.Boolean(),
  pauses: Type.Array(
    Type.Object({ from: Type.String({ format: 'date-time' }), to: Instant, reason: Type.String() }),
  ),
  next_check_at: Instant,
  ledger: Type.Array(
    Type.Object({
      at: Type.String({ format: 'date-time' }),
      kind: Type.String(),
      details: Type.Record(Type.String(), Type.Unknown()),
      actor_id: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
  explanation: Type.Array(Type.String(), {
    description: 'Why each time is what it is, in the calendar zone.',
  }),
});

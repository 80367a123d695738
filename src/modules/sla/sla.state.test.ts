import { describe, expect, it } from 'vitest';
import { createBusinessCalendar } from '../calendars/index.ts';
import { ALWAYS_OPEN, elapsedAt, instantAt, mergePauses, runningSegments } from './sla.clock.ts';
import { evaluateClocks, type ClockFacts } from './sla.state.ts';

const HOUR = 3_600_000;
const at = (text: string) => new Date(text);
const nineToFive = [{ start: '09:00', end: '17:00' }];
const office = createBusinessCalendar({
  timeZone: 'Europe/Berlin',
  weekly: { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive },
  holidays: ['2026-12-25'],
});

describe('SLA clock arithmetic', () => {
  it('runs between pauses and stops at an open one', () => {
    const start = at('2026-11-23T08:00:00Z');
    const pauses = [
      { from: at('2026-11-23T10:00:00Z'), to: at('2026-11-23T11:00:00Z'), reason: 'waiting' },
      { from: at('2026-11-23T12:00:00Z'), to: null, reason: 'waiting' },
    ];
    expect(runningSegments(start, pauses)).toEqual([
      { start, end: at('2026-11-23T10:00:00Z') },
      { start: at('2026-11-23T11:00:00Z'), end: at('2026-11-23T12:00:00Z') },
    ]);
    expect(elapsedAt(ALWAYS_OPEN, start, pauses, at('2026-11-23T15:00:00Z'))).toBe(3 * HOUR);
    expect(instantAt(ALWAYS_OPEN, start, pauses, 2.5 * HOUR)).toEqual(at('2026-11-23T11:30:00Z'));
    // Not reached before the open pause: unknown until the clock runs again.
    expect(instantAt(ALWAYS_OPEN, start, pauses, 4 * HOUR)).toBeNull();
  });

  it('ignores pauses that end before the start and merges overlapping ones', () => {
    const start = at('2026-11-23T08:00:00Z');
    expect(
      runningSegments(start, [
        { from: at('2026-11-22T08:00:00Z'), to: at('2026-11-22T09:00:00Z'), reason: 'x' },
      ]),
    ).toEqual([{ start, end: null }]);
    expect(
      mergePauses([
        { from: at('2026-11-23T10:00:00Z'), to: at('2026-11-23T12:00:00Z'), reason: 'waiting' },
        { from: at('2026-11-23T11:00:00Z'), to: null, reason: 'resolved' },
      ]),
    ).toEqual([{ from: at('2026-11-23T10:00:00Z'), to: null, reason: 'waiting; resolved' }]);
  });

  it('counts business time on a calendar: Friday 16:30 + 4 h is Monday 12:30, Christmas Eve 16:30 + 4 h is the Monday after', () => {
    expect(instantAt(office, at('2026-11-27T16:30:00+01:00'), [], 4 * HOUR)).toEqual(
      at('2026-11-30T12:30:00+01:00'),
    );
    expect(instantAt(office, at('2026-12-24T16:30:00+01:00'), [], 4 * HOUR)).toEqual(
      at('2026-12-28T12:30:00+01:00'),
    );
    // A pause over Monday morning moves it by the business time it covered.
    const paused = [
      { from: at('2026-11-30T09:00:00+01:00'), to: at('2026-11-30T11:00:00+01:00'), reason: 'waiting' },
    ];
    expect(instantAt(office, at('2026-11-27T16:30:00+01:00'), paused, 4 * HOUR)).toEqual(
      at('2026-11-30T14:30:00+01:00'),
    );
  });
});

describe('SLA state', () => {
  const facts = (over: Partial<ClockFacts> = {}): ClockFacts => ({
    startedAt: at('2026-11-23T08:00:00Z'),
    firstResponseTargetMs: HOUR,
    resolutionTargetMs: 4 * HOUR,
    atRiskPercent: 75,
    firstRespondedAt: null,
    resolvedAt: null,
    pauses: [],
    levels: [{ after_percent: 150, raise_priority: true }],
    ...over,
  });

  it('goes on track, at risk, breached; met or missed once resolved', () => {
    const clocks = (now: string, over?: Partial<ClockFacts>) =>
      evaluateClocks(ALWAYS_OPEN, facts(over), at(now));
    const responded = { firstRespondedAt: at('2026-11-23T08:30:00Z') };
    expect(clocks('2026-11-23T08:10:00Z').status).toBe('on_track');
    expect(clocks('2026-11-23T08:50:00Z').status).toBe('at_risk');
    expect(clocks('2026-11-23T09:30:00Z')).toMatchObject({ status: 'breached', firstResponseBreached: true });
    expect(clocks('2026-11-23T09:30:00Z', responded)).toMatchObject({
      status: 'on_track',
      firstResponseBreached: false,
    });
    expect(clocks('2026-11-23T11:30:00Z', responded).status).toBe('at_risk');
    expect(
      clocks('2026-11-23T13:00:00Z', { ...responded, resolvedAt: at('2026-11-23T11:00:00Z') }).status,
    ).toBe('met');
    expect(
      clocks('2026-11-23T13:00:00Z', { ...responded, resolvedAt: at('2026-11-23T12:30:00Z') }).status,
    ).toBe('missed');
    expect(
      clocks('2026-11-23T10:00:00Z', {
        ...responded,
        pauses: [{ from: at('2026-11-23T09:00:00Z'), to: null, reason: 'waiting' }],
      }).status,
    ).toBe('paused');
  });

  it('lists the stages still to fire with their instants, soonest first', () => {
    const state = evaluateClocks(ALWAYS_OPEN, facts(), at('2026-11-23T08:00:00Z'));
    expect(state.stages.map((stage) => [stage.metric, stage.stage, stage.at.toISOString()])).toEqual([
      ['first_response', 'at_risk', '2026-11-23T08:45:00.000Z'],
      ['first_response', 'breached', '2026-11-23T09:00:00.000Z'],
      ['resolution', 'at_risk', '2026-11-23T11:00:00.000Z'],
      ['resolution', 'breached', '2026-11-23T12:00:00.000Z'],
      ['resolution', 'level_1', '2026-11-23T14:00:00.000Z'],
    ]);
    // A stopped clock has nothing left to fire.
    expect(
      evaluateClocks(
        ALWAYS_OPEN,
        facts({ resolvedAt: at('2026-11-23T08:20:00Z') }),
        at('2026-11-23T08:30:00Z'),
      ).stages,
    ).toEqual([]);
  });
});

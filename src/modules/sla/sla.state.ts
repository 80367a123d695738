import { elapsedAt, instantAt, type ClockCalendar, type Pause } from './sla.clock.ts';
import type { EscalationLevel, SlaMetric, SlaStatus } from './sla.tables.ts';

/**
 * A ticket's SLA state from its facts (start, targets, pauses, when it was answered
 * and resolved) at an instant: due times, breaches, the status, and the escalation
 * stages with the instant each falls due. Pure; the service stores what it returns.
 */

export interface ClockFacts {
  startedAt: Date;
  firstResponseTargetMs: number | null;
  resolutionTargetMs: number | null;
  atRiskPercent: number;
  firstRespondedAt: Date | null;
  resolvedAt: Date | null;
  pauses: readonly Pause[];
  levels: readonly EscalationLevel[];
}

export interface Stage {
  metric: SlaMetric;
  /** `at_risk`, `breached`, `level_1`, ... */
  stage: string;
  at: Date;
  level?: EscalationLevel;
}

export interface ClockState {
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  firstResponseBreached: boolean;
  resolutionBreached: boolean;
  status: SlaStatus;
  /** Stages of clocks still running whose instant is known, soonest first. */
  stages: Stage[];
}

interface MetricState {
  dueAt: Date | null;
  breached: boolean;
  atRisk: boolean;
  running: boolean;
  stages: Stage[];
}

function metricState(
  calendar: ClockCalendar,
  facts: ClockFacts,
  metric: SlaMetric,
  targetMs: number | null,
  stoppedAt: Date | null,
  now: Date,
): MetricState {
  if (targetMs === null) return { dueAt: null, breached: false, atRisk: false, running: false, stages: [] };
  const dueAt = instantAt(calendar, facts.startedAt, facts.pauses, targetMs);
  const until = stoppedAt ?? now;
  const breached = dueAt !== null && until > dueAt;
  const running = stoppedAt === null;
  const thresholds: { stage: string; percent: number; level?: EscalationLevel }[] = [
    { stage: 'at_risk', percent: facts.atRiskPercent },
    { stage: 'breached', percent: 100 },
    ...(metric === 'resolution'
      ? facts.levels.map((level, index) => ({
          stage: `level_${index + 1}`,
          percent: level.after_percent,
          level,
        }))
      : []),
  ];
  const stages: Stage[] = [];
  if (running) {
    for (const threshold of thresholds) {
      const at =
        threshold.percent === 100
          ? dueAt
          : instantAt(
              calendar,
              facts.startedAt,
              facts.pauses,
              Math.round((targetMs * threshold.percent) / 100),
            );
      if (at)
        stages.push({
          metric,
          stage: threshold.stage,
          at,
          ...(threshold.level && { level: threshold.level }),
        });
    }
  }
  const atRisk =
    running &&
    elapsedAt(calendar, facts.startedAt, facts.pauses, now) >= (targetMs * facts.atRiskPercent) / 100;
  return { dueAt, breached, atRisk, running, stages };
}

export function evaluateClocks(calendar: ClockCalendar, facts: ClockFacts, now: Date): ClockState {
  const firstResponse = metricState(
    calendar,
    facts,
    'first_response',
    facts.firstResponseTargetMs,
    facts.firstRespondedAt ?? facts.resolvedAt,
    now,
  );
  const resolution = metricState(
    calendar,
    facts,
    'resolution',
    facts.resolutionTargetMs,
    facts.resolvedAt,
    now,
  );
  const paused = facts.pauses.some((pause) => pause.to === null);
  let status: SlaStatus;
  if (facts.resolvedAt) status = resolution.breached || firstResponse.breached ? 'missed' : 'met';
  else if (resolution.breached || (firstResponse.running && firstResponse.breached)) status = 'breached';
  else if (paused) status = 'paused';
  else if (resolution.atRisk || firstResponse.atRisk) status = 'at_risk';
  else status = 'on_track';
  return {
    firstResponseDueAt: firstResponse.dueAt,
    resolutionDueAt: resolution.dueAt,
    firstResponseBreached: firstResponse.breached,
    resolutionBreached: resolution.breached,
    status,
    stages: [...firstResponse.stages, ...resolution.stages].sort((a, b) => a.at.getTime() - b.at.getTime()),
  };
}

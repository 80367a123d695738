import { instantAt, mergePauses, type ClockCalendar, type Pause } from './sla.clock.ts';
import { evaluateClocks, type ClockState } from './sla.state.ts';
import type { TicketRow } from '../tickets/index.ts';
import type { NewTicketSla, SlaLedgerEntry, SlaPolicy, TicketSla } from './sla.tables.ts';

/**
 * The pure half of a clock's bookkeeping, shared by one ticket's change (sla.service.ts)
 * and many tickets' (sla.batch.ts): which policy applies, the targets it sets, and the
 * stored values that follow from a row's facts. The callers only load and write.
 */

const MINUTE_MS = 60_000;

/** The pauses a ledger describes: waiting steps (paused..resumed) and resolved spells that were reopened. */
export function pausesOf(ledger: readonly SlaLedgerEntry[]): Pause[] {
  const pauses: Pause[] = [];
  let waiting: { from: Date; reason: string } | null = null;
  let resolved: Date | null = null;
  for (const entry of ledger) {
    const details = entry.details as { reason?: string };
    if (entry.kind === 'paused' && !waiting)
      waiting = { from: entry.at, reason: details.reason ?? 'waiting' };
    else if (entry.kind === 'resumed' && waiting) {
      pauses.push({ from: waiting.from, to: entry.at, reason: waiting.reason });
      waiting = null;
    } else if (entry.kind === 'resolved' && !resolved) resolved = entry.at;
    else if (entry.kind === 'reopened' && resolved) {
      pauses.push({ from: resolved, to: entry.at, reason: 'resolved until reopened' });
      resolved = null;
    }
  }
  if (waiting) pauses.push({ from: waiting.from, to: null, reason: waiting.reason });
  return mergePauses(pauses);
}

export const targetsOf = (policy: SlaPolicy | undefined) => ({
  policyId: policy?.id ?? null,
  calendarId: policy?.calendarId ?? null,
  firstResponseTargetMs: policy?.firstResponseMinutes ? policy.firstResponseMinutes * MINUTE_MS : null,
  resolutionTargetMs: policy ? policy.resolutionMinutes * MINUTE_MS : null,
  atRiskPercent: policy?.atRiskPercent ?? 75,
});

export const policyLabel = (policy: SlaPolicy | undefined) =>
  policy ? { id: policy.id, name: policy.name, version: policy.version } : null;

/**
 * The active policy for a priority among `active` (every active policy): the category's
 * own first, then the priority's general one. The same choice as the repository's
 * `policyFor`, which a unique index on (priority, category) keeps unambiguous.
 */
export function choosePolicy(
  active: readonly SlaPolicy[],
  priority: string,
  categoryId: number | null,
): SlaPolicy | undefined {
  const ofPriority = active.filter((policy) => policy.isActive && policy.priority === priority);
  return (
    (categoryId === null ? undefined : ofPriority.find((policy) => policy.categoryId === categoryId)) ??
    ofPriority.find((policy) => policy.categoryId === null)
  );
}

/** What a row's state is computed from. */
export interface ClockInputs {
  entries: readonly SlaLedgerEntry[];
  policy: SlaPolicy | undefined;
  calendar: ClockCalendar;
}

/** The row's state at `at`, from its ledger, policy and calendar. */
export function clockStateOf(
  row: TicketSla,
  { entries, policy, calendar }: ClockInputs,
  at: Date,
): { state: ClockState; pauses: Pause[] } {
  const pauses = pausesOf(entries);
  const state = evaluateClocks(
    calendar,
    {
      startedAt: row.startedAt,
      firstResponseTargetMs: row.firstResponseTargetMs,
      resolutionTargetMs: row.resolutionTargetMs,
      atRiskPercent: row.atRiskPercent,
      firstRespondedAt: row.firstRespondedAt,
      resolvedAt: row.resolvedAt,
      pauses,
      levels: policy?.escalationLevels ?? [],
    },
    at,
  );
  return { state, pauses };
}

/**
 * The values a clock row stores once `patch` is applied: due times, status, the step's
 * due time and the next escalation check (the first stage not yet fired).
 */
export function settledValues(
  locked: TicketSla,
  patch: Partial<NewTicketSla>,
  inputs: ClockInputs & { fired: ReadonlySet<string> },
  at: Date,
) {
  const row = { ...locked, ...patch };
  const { state, pauses } = clockStateOf(row, inputs, at);
  const next = state.stages.find((stage) => !inputs.fired.has(`${stage.metric}/${stage.stage}`));
  const stepPauses = pauses.filter(
    (pause) => row.stepEnteredAt && (pause.to === null || pause.to > row.stepEnteredAt),
  );
  const stepDueAt =
    row.stepEnteredAt && row.stepBudgetMs !== null && !row.resolvedAt
      ? instantAt(inputs.calendar, row.stepEnteredAt, stepPauses, row.stepBudgetMs)
      : null;
  return {
    row,
    values: {
      firstResponseDueAt: state.firstResponseDueAt,
      resolutionDueAt: state.resolutionDueAt,
      firstResponseBreached: state.firstResponseBreached,
      resolutionBreached: state.resolutionBreached,
      status: state.status,
      stepDueAt,
      nextCheckAt: next?.at ?? null,
    },
  };
}

/** The clock fields `workflow.step_entered` sets: paused in a waiting step, and the step's share of the resolution target. */
export function stepPatch(
  row: TicketSla,
  step: { key: string; name: string; pauses_sla?: boolean; sla_weight?: number },
  totalWeight: number,
  at: Date,
): Partial<NewTicketSla> {
  const waiting = step.pauses_sla ?? false;
  const weight = step.sla_weight ?? 0;
  return {
    pausedSince: waiting ? (row.pausedSince ?? at) : null,
    stepKey: step.key,
    stepName: step.name,
    stepEnteredAt: at,
    stepBudgetMs:
      weight > 0 && totalWeight > 0 && row.resolutionTargetMs !== null
        ? Math.round((row.resolutionTargetMs * weight) / totalWeight)
        : null,
  };
}

/** The clock row of a ticket whose SLA starts now: one create and an import's batch write the same. */
export const startedClockValues = (
  ticket: TicketRow,
  targets: ReturnType<typeof targetsOf>,
  started: Date,
  state: ClockState,
): NewTicketSla => ({
  ticketId: ticket.id,
  ...targets,
  kind: ticket.kind,
  priority: ticket.priority,
  departmentId: ticket.departmentId,
  categoryId: ticket.categoryId,
  assigneeId: ticket.assigneeId,
  startedAt: started,
  firstResponseDueAt: state.firstResponseDueAt,
  resolutionDueAt: state.resolutionDueAt,
  status: state.status,
  nextCheckAt: state.stages[0]?.at ?? null,
});

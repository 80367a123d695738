import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { TicketChange, TicketHooks, TicketRow } from '../tickets/index.ts';
import type { StepEnteredManyHook } from '../workflows/index.ts';
import type { ClockCalendar } from './sla.clock.ts';
import * as repository from './sla.repository.ts';
import {
  choosePolicy,
  policyLabel,
  settledValues,
  startedClockValues,
  stepPatch,
  targetsOf,
} from './sla.settle.ts';
import { evaluateClocks } from './sla.state.ts';
import type { NewTicketSla, SlaLedgerEntry, SlaPolicy } from './sla.tables.ts';

/**
 * The clocks of many tickets at once (imports): the same rows, ledger entries and due
 * times as the one-ticket hooks in sla.service.ts, from one query per relation (the
 * active policies, each calendar once, the clock rows, their ledgers, their fired
 * stages) and one statement per table written. `sla.batch.test` compares both.
 */
export interface SlaBatchDeps {
  calendarFor: (tx: Executor, calendarId: number | null) => Promise<ClockCalendar>;
  /** The one-ticket hooks: what a change the batch does not cover falls back to. */
  single: Required<Pick<TicketHooks, 'changed'>>;
  now: () => Date;
}

type LedgerValues = Parameters<typeof repository.addLedgerMany>[1][number];

export function createSlaBatch({ calendarFor, single, now }: SlaBatchDeps) {
  /** Each calendar engine once per batch. */
  function calendarCache(tx: Executor) {
    const engines = new Map<number | null, Promise<ClockCalendar>>();
    return (calendarId: number | null) => {
      let engine = engines.get(calendarId);
      if (!engine) {
        engine = calendarFor(tx, calendarId);
        engines.set(calendarId, engine);
      }
      return engine;
    };
  }

  /** `created` for many tickets: each clock started now with the policy of its priority and category. */
  async function createdMany(tx: Executor, ctx: RequestContext, tickets: TicketRow[]): Promise<TicketRow[]> {
    if (tickets.length === 0) return tickets;
    const started = now();
    const actorId = ctx.actor.userId || null;
    const policies = await repository.activePolicies(tx);
    const calendarOf = calendarCache(tx);
    const clocks: NewTicketSla[] = [];
    const ledger: LedgerValues[] = [];
    const skipped: Parameters<typeof repository.skipStages>[1] = [];
    const late = now();
    // Every clock of the batch starts at the same instant: one state per policy serves them all.
    const states = new Map<number | null, ReturnType<typeof evaluateClocks>>();
    for (const ticket of tickets) {
      const policy = choosePolicy(policies, ticket.priority, ticket.categoryId);
      const targets = targetsOf(policy);
      // One after another: the engines load through the transaction's one connection.
      const calendar = await calendarOf(targets.calendarId);
      const state =
        states.get(targets.policyId) ??
        evaluateClocks(
          calendar,
          {
            startedAt: started,
            firstResponseTargetMs: targets.firstResponseTargetMs,
            resolutionTargetMs: targets.resolutionTargetMs,
            atRiskPercent: targets.atRiskPercent,
            firstRespondedAt: null,
            resolvedAt: null,
            pauses: [],
            levels: policy?.escalationLevels ?? [],
          },
          started,
        );
      states.set(targets.policyId, state);
      clocks.push(startedClockValues(ticket, targets, started, state));
      ledger.push({
        ticketId: ticket.id,
        at: started,
        kind: 'started',
        details: {
          policy: policyLabel(policy),
          first_response_minutes: policy?.firstResponseMinutes ?? null,
          resolution_minutes: policy?.resolutionMinutes ?? null,
          calendar_id: targets.calendarId,
        },
        actorId,
      });
      for (const stage of state.stages.filter((candidate) => candidate.at <= late))
        skipped.push({
          ticketId: ticket.id,
          metric: stage.metric,
          stage: stage.stage,
          actions: { skipped: 'due before the clock was started' },
        });
    }
    await repository.insertSlas(tx, clocks);
    await repository.addLedgerMany(tx, ledger);
    await repository.skipStages(tx, skipped);
    return tickets;
  }

  /**
   * `changed` for many changes: those that move no clock (an assignee, a department)
   * update the copies in one statement; the others go through the one-ticket hook.
   */
  async function changedMany(
    tx: Executor,
    ctx: RequestContext,
    changes: TicketChange[],
  ): Promise<TicketRow[]> {
    const copiesOnly = changes.filter(
      ({ before, after }) =>
        after.status === before.status &&
        after.priority === before.priority &&
        after.categoryId === before.categoryId,
    );
    await repository.updateCopiesMany(
      tx,
      copiesOnly.map(({ after }) => ({
        ticketId: after.id,
        kind: after.kind,
        priority: after.priority,
        departmentId: after.departmentId,
        categoryId: after.categoryId,
        assigneeId: after.assigneeId,
      })),
    );
    for (const change of changes) if (!copiesOnly.includes(change)) await single.changed(tx, ctx, change);
    return changes.map((change) => change.after);
  }

  /** `workflow.step_entered` for many tickets: ledger entries, pause or resume, the step's budget and due time. */
  const stepEnteredMany: StepEnteredManyHook = async (tx, ctx, entries) => {
    const rows = new Map(
      (
        await repository.slasOf(
          tx,
          entries.map((entry) => entry.ticket.id),
        )
      ).map((row) => [row.ticketId, row]),
    );
    const actorId = ctx.actor.userId || null;
    const ledger: LedgerValues[] = [];
    const patched = [];
    for (const { ticket, step, totalWeight, at } of entries) {
      const row = rows.get(ticket.id);
      if (!row) continue;
      const waiting = step.pauses_sla ?? false;
      const add = (kind: string, details: Record<string, unknown>) => {
        ledger.push({ ticketId: ticket.id, at, kind, details, actorId });
      };
      add('step_entered', { step: step.key, name: step.name, pauses_sla: waiting });
      if (waiting && !row.pausedSince) add('paused', { reason: `waiting in step "${step.name}"` });
      if (!waiting && row.pausedSince) add('resumed', { step: step.key });
      patched.push({ row, patch: stepPatch(row, step, totalWeight, at) });
    }
    await repository.addLedgerMany(tx, ledger);
    const ids = patched.map(({ row }) => row.ticketId);
    const ledgers = new Map<number, SlaLedgerEntry[]>();
    for (const entry of await repository.ledgersOf(tx, ids)) {
      const list = ledgers.get(entry.ticketId) ?? [];
      list.push(entry);
      ledgers.set(entry.ticketId, list);
    }
    const policies = new Map<number, SlaPolicy>(
      (
        await repository.policiesByIds(tx, [
          ...new Set(patched.flatMap(({ row }) => (row.policyId === null ? [] : [row.policyId]))),
        ])
      ).map((policy) => [policy.id, policy]),
    );
    const fired = await repository.firedStagesOf(tx, ids);
    const calendarOf = calendarCache(tx);
    const settledAt = now();
    const settled = [];
    // Clocks with the same facts settle alike (a batch's clocks mostly do): computed once per set of facts.
    const memo = new Map<string, ReturnType<typeof settledValues>['values']>();
    for (const { row: locked, patch } of patched) {
      const merged = { ...locked, ...patch };
      const entries = ledgers.get(locked.ticketId) ?? [];
      const firedHere = fired.get(locked.ticketId) ?? new Set<string>();
      const key = JSON.stringify([
        merged.policyId,
        merged.calendarId,
        merged.startedAt,
        merged.firstResponseTargetMs,
        merged.resolutionTargetMs,
        merged.atRiskPercent,
        merged.firstRespondedAt,
        merged.resolvedAt,
        merged.stepEnteredAt,
        merged.stepBudgetMs,
        entries.map((entry) => [entry.kind, entry.at, (entry.details as { reason?: string }).reason]),
        [...firedHere],
      ]);
      const known = memo.get(key);
      if (known) {
        settled.push({ ...merged, ...known });
        continue;
      }
      const { row, values } = settledValues(
        locked,
        patch,
        {
          entries,
          policy: merged.policyId === null ? undefined : policies.get(merged.policyId),
          calendar: await calendarOf(merged.calendarId),
          fired: firedHere,
        },
        settledAt,
      );
      memo.set(key, values);
      settled.push({ ...row, ...values });
    }
    await repository.updateSettledMany(tx, settled);
  };

  return { createdMany, changedMany, stepEnteredMany };
}

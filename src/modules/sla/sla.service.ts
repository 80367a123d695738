import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import type { CalendarsService } from '../calendars/index.ts';
import { isOpenStatus, type TicketHooks, type TicketRow } from '../tickets/index.ts';
import type { StepEnteredHook } from '../workflows/index.ts';
import { ALWAYS_OPEN, type ClockCalendar, type Pause } from './sla.clock.ts';
import { createSlaBatch } from './sla.batch.ts';
import { policyById } from './sla.policies.repository.ts';
import * as repository from './sla.repository.ts';
import {
  clockStateOf,
  policyLabel,
  settledValues,
  startedClockValues,
  stepPatch,
  targetsOf,
} from './sla.settle.ts';
import { evaluateClocks, type ClockState } from './sla.state.ts';
import type { NewTicketSla, SlaLedgerEntry, SlaPolicy, TicketSla } from './sla.tables.ts';

export interface SlaClockDeps {
  db: Database;
  calendars: Pick<CalendarsService, 'engineFor'>;
  now?: () => Date;
}

/**
 * The SLA clocks: a row per ticket started at creation with the policy of its priority
 * (and category), paused in waiting steps and while resolved, stopped at first
 * response and resolution, every move written to the ledger; due times, status and
 * the next escalation check recomputed from the ledger whenever a fact changes.
 */
export function createSlaClocks(deps: SlaClockDeps) {
  const { calendars } = deps;
  const now = deps.now ?? (() => new Date());

  /** A deleted calendar counts around the clock until the policy names another (the ledger says so). */
  async function calendarFor(tx: Executor, calendarId: number | null): Promise<ClockCalendar> {
    if (calendarId === null) return ALWAYS_OPEN;
    return calendars.engineFor(calendarId, tx).catch((error: unknown) => {
      if ((error as { code?: string }).code === 'CALENDARS_CALENDAR_NOT_FOUND') return ALWAYS_OPEN;
      throw error;
    });
  }

  async function ledger(
    tx: Executor,
    ctx: RequestContext | null,
    ticketId: number,
    kind: string,
    details: Record<string, unknown>,
    at = now(),
  ) {
    await repository.addLedger(tx, { ticketId, at, kind, details, actorId: ctx?.actor.userId || null });
  }

  /** The row's state now, from its ledger, policy and calendar. */
  async function stateOf(
    tx: Executor,
    row: TicketSla,
    at = now(),
  ): Promise<{
    state: ClockState;
    pauses: Pause[];
    calendar: ClockCalendar;
    entries: SlaLedgerEntry[];
    policy: SlaPolicy | undefined;
  }> {
    // One after another: a transaction's connection runs one query at a time.
    const entries = await repository.ledgerOf(tx, row.ticketId);
    const policy = row.policyId === null ? undefined : await policyById(tx, row.policyId);
    const calendar = await calendarFor(tx, row.calendarId);
    const { state, pauses } = clockStateOf(row, { entries, policy, calendar }, at);
    return { state, pauses, calendar, entries, policy };
  }

  /**
   * Writes `patch` to a locked clock row together with what follows from it: due times,
   * status, the step's due time and the next check, in one update.
   */
  async function settle(
    tx: Executor,
    locked: TicketSla,
    patch: Partial<NewTicketSla> = {},
    at = now(),
  ): Promise<TicketSla> {
    const entries = await repository.ledgerOf(tx, locked.ticketId);
    const merged = { ...locked, ...patch };
    const policy = merged.policyId === null ? undefined : await policyById(tx, merged.policyId);
    const calendar = await calendarFor(tx, merged.calendarId);
    const fired = await repository.firedStages(tx, locked.ticketId);
    const { row, values } = settledValues(locked, patch, { entries, policy, calendar, fired }, at);
    await repository.updateSla(tx, row.ticketId, { ...patch, ...values });
    return { ...row, ...values };
  }

  /** Recomputes and stores a ticket's due times, status, step due time and next check. */
  async function refresh(tx: Executor, ticketId: number, at = now()): Promise<TicketSla | undefined> {
    const row = await repository.slaOf(tx, ticketId, true);
    return row && settle(tx, row, {}, at);
  }

  async function changePolicy(
    tx: Executor,
    ctx: RequestContext | null,
    row: TicketSla,
    policy: SlaPolicy | undefined,
    reason: string,
  ) {
    const targets = targetsOf(policy);
    await ledger(tx, ctx, row.ticketId, 'policy_changed', {
      reason,
      from: row.policyId,
      to: policyLabel(policy),
      first_response_minutes: policy?.firstResponseMinutes ?? null,
      resolution_minutes: policy?.resolutionMinutes ?? null,
      calendar_id: targets.calendarId,
    });
    return targets;
  }

  const isStaff = (ctx: RequestContext, ticket: TicketRow) =>
    ctx.actor.role !== 'viewer' && ctx.actor.userId !== 0 && ctx.actor.userId !== ticket.reporterId;

  /** Records the first response in the ledger; answers the clock fields it sets. */
  async function firstResponse(tx: Executor, ctx: RequestContext, row: TicketSla, via: string) {
    const at = now();
    await ledger(tx, ctx, row.ticketId, 'first_response', { via, by: ctx.actor.username }, at);
    return { firstRespondedAt: at };
  }

  /** Starts a ticket's clocks at `started` with the policy of its priority and category. */
  async function startClock(
    tx: Executor,
    ctx: RequestContext,
    ticket: TicketRow,
    started: Date,
    note?: string,
  ) {
    const policy = await repository.policyFor(tx, ticket.priority, ticket.categoryId);
    const targets = targetsOf(policy);
    // A new clock has no pauses and no fired stages: its state is computed here, not re-read.
    const state = evaluateClocks(
      await calendarFor(tx, targets.calendarId),
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
    await repository.insertSla(tx, startedClockValues(ticket, targets, started, state));
    await ledger(
      tx,
      ctx,
      ticket.id,
      'started',
      {
        policy: policyLabel(policy),
        first_response_minutes: policy?.firstResponseMinutes ?? null,
        resolution_minutes: policy?.resolutionMinutes ?? null,
        calendar_id: targets.calendarId,
        ...(note && { note }),
      },
      started,
    );
    // A clock started late does not escalate for what was already past when it started.
    const late = now();
    for (const stage of state.stages.filter((candidate) => candidate.at <= late)) {
      const key = { ticketId: ticket.id, metric: stage.metric, stage: stage.stage };
      if (await repository.claimStage(tx, key))
        await repository.setStageActions(tx, key, { skipped: 'due before the clock was started' });
    }
  }

  const ticketHooks: TicketHooks = {
    // The clocks never change the ticket itself: every hook answers undefined.
    async created(tx, ctx, ticket) {
      await startClock(tx, ctx, ticket, now());
      return undefined;
    },

    async changed(tx, ctx, { before, after, source }) {
      const copies = {
        kind: after.kind,
        priority: after.priority,
        departmentId: after.departmentId,
        categoryId: after.categoryId,
        assigneeId: after.assigneeId,
      };
      const movesClocks =
        after.status !== before.status ||
        after.priority !== before.priority ||
        after.categoryId !== before.categoryId;
      // An assignee or department change moves no clock: updating the copies is all it takes.
      if (!movesClocks) {
        await repository.updateSla(tx, after.id, copies);
        return undefined;
      }
      let row = await repository.slaOf(tx, after.id, true);
      if (!row) {
        // A ticket from before SLA clocks existed: its clock starts at its creation, as it would have.
        await startClock(tx, ctx, before, before.createdAt, 'started late: the ticket predates SLA clocks');
        row = await repository.slaOf(tx, after.id, true);
        if (!row) return undefined;
      }
      const patch: Partial<NewTicketSla> = { ...copies };
      if (
        source !== 'automation' &&
        (after.priority !== before.priority || after.categoryId !== before.categoryId)
      ) {
        const policy = await repository.policyFor(tx, after.priority, after.categoryId);
        if ((policy?.id ?? null) !== row.policyId)
          Object.assign(
            patch,
            await changePolicy(
              tx,
              ctx,
              row,
              policy,
              `priority ${before.priority} -> ${after.priority}, category ${before.categoryId ?? '-'} -> ${after.categoryId ?? '-'}`,
            ),
          );
      }
      if (after.status !== before.status) {
        const stops = !isOpenStatus(after.status);
        if (stops && isOpenStatus(before.status) && !row.resolvedAt) {
          patch.resolvedAt = now();
          patch.cancelled = after.status === 'cancelled';
          await ledger(tx, ctx, after.id, 'resolved', { status: after.status }, patch.resolvedAt);
        } else if (!stops && !isOpenStatus(before.status) && row.resolvedAt) {
          patch.resolvedAt = null;
          patch.cancelled = false;
          await ledger(tx, ctx, after.id, 'reopened', { status: after.status });
        }
        if (
          !row.firstRespondedAt &&
          source !== 'automation' &&
          before.status === 'open' &&
          isStaff(ctx, after)
        )
          Object.assign(
            patch,
            await firstResponse(tx, ctx, row, `status ${before.status} -> ${after.status}`),
          );
      }
      await settle(tx, row, patch);
      return undefined;
    },

    async commented(tx, ctx, ticket, comment) {
      if (comment.internal || !isStaff(ctx, ticket)) return;
      const row = await repository.slaOf(tx, ticket.id, true);
      if (!row || row.firstRespondedAt) return;
      await settle(tx, row, await firstResponse(tx, ctx, row, 'comment'));
    },

    async deleted(tx, _ctx, ticket) {
      await repository.deleteTicketState(tx, ticket.id);
    },
  };

  /** `workflow.step_entered`: pause or resume for waiting steps, and the step's share of the resolution target. */
  const stepEntered: StepEnteredHook = async (tx, ctx, { ticket, step, totalWeight, at }) => {
    const row = await repository.slaOf(tx, ticket.id, true);
    if (!row) return;
    await ledger(
      tx,
      ctx,
      ticket.id,
      'step_entered',
      { step: step.key, name: step.name, pauses_sla: step.pauses_sla ?? false },
      at,
    );
    const waiting = step.pauses_sla ?? false;
    if (waiting && !row.pausedSince)
      await ledger(tx, ctx, ticket.id, 'paused', { reason: `waiting in step "${step.name}"` }, at);
    if (!waiting && row.pausedSince) await ledger(tx, ctx, ticket.id, 'resumed', { step: step.key }, at);
    await settle(tx, row, stepPatch(row, step, totalWeight, at));
  };

  /**
   * After a calendar or policy changed: every open ticket on it gets its targets (for a
   * policy) and its due times recomputed, one short transaction per ticket. Answers how many.
   */
  async function recompute(scope: { calendarId?: number; policyId?: number }): Promise<number> {
    const ids = await repository.openTicketIds(deps.db, scope);
    for (const ticketId of ids) {
      await deps.db.transaction(async (tx) => {
        const row = await repository.slaOf(tx, ticketId, true);
        if (!row || row.resolvedAt) return;
        if (scope.policyId !== undefined) {
          const current = await policyById(tx, scope.policyId);
          const policy = current?.isActive
            ? current
            : await repository.policyFor(tx, row.priority, row.categoryId);
          await settle(
            tx,
            row,
            await changePolicy(tx, null, row, policy, `policy ${scope.policyId} changed`),
          );
        } else {
          await ledger(tx, null, ticketId, 'calendar_changed', { calendar_id: scope.calendarId });
          await settle(tx, row);
        }
      });
    }
    return ids.length;
  }

  const batch = createSlaBatch({
    calendarFor,
    single: ticketHooks as Required<Pick<TicketHooks, 'changed'>>,
    now,
  });
  ticketHooks.createdMany = batch.createdMany;
  ticketHooks.changedMany = batch.changedMany;

  return {
    ticketHooks,
    stepEntered,
    /** `workflow.step_entered` for many tickets at once (imports): the same effect, a few statements. */
    stepEnteredMany: batch.stepEnteredMany,
    refresh,
    stateOf,
    ledger,
    recompute,
    /** Active policies counted on a calendar, by name, read through `executor`. */
    policiesOnCalendar: (executor: Executor, calendarId: number) =>
      repository.policiesOnCalendar(executor, calendarId),
  };
}

export type SlaClocks = ReturnType<typeof createSlaClocks>;

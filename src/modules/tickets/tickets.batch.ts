import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { AppError, type FieldErrors } from '../../platform/http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import { localReferenceErrorsMany, newTicketValues, type NewTicketValues } from './tickets.checks.ts';
import type { runHooks } from './tickets.hooks.ts';
import * as batchRepository from './tickets.batch.repository.ts';
import * as repository from './tickets.repository.ts';
import type { TicketRow } from './tickets.repository.ts';
import type { TicketInput } from './tickets.service.ts';
import type { TicketKind } from './tickets.tables.ts';
import { recordTicketChange, recordTicketCreated } from './tickets.events.ts';

/**
 * Many tickets created at once (imports), through the rules of one create: the same
 * defaults and checks (`newTicketValues`, the reference checks), the same audit entry,
 * and the same listeners (`createdMany`: SLA clocks, workflow and assignment), with one
 * statement per table for the whole batch instead of a few dozen per ticket.
 */

export interface NewTicketItem {
  kind: TicketKind;
  input: TicketInput & { title: string };
}

/**
 * An item checked before its transaction: the values to write (when the defaults and
 * permissions allowed them) and the errors found so far (other modules' ids).
 */
export interface PreparedItem {
  kind: TicketKind;
  values?: NewTicketValues;
  errors?: FieldErrors;
}

export interface TicketBatchDeps {
  audit: Pick<AuditService, 'recordMany'>;
  hooks: ReturnType<typeof runHooks>;
  externalReferenceErrorsMany: (inputs: readonly TicketInput[]) => Promise<FieldErrors[]>;
}

/** A refusal of one item as field errors: a forbidden assignment is the assignee's problem. */
function asFieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof AppError)) throw error;
  if (error.fields && Object.keys(error.fields).length > 0) return error.fields;
  return { [error.code === 'TICKET_FORBIDDEN' ? 'assignee_id' : 'non_field_errors']: [error.message] };
}

const hasErrors = (errors: FieldErrors) => Object.keys(errors).length > 0;

function mergeErrors(...found: FieldErrors[]): FieldErrors {
  const fields: FieldErrors = {};
  for (const errors of found)
    for (const [field, messages] of Object.entries(errors)) (fields[field] ??= []).push(...messages);
  return fields;
}

export function createTicketBatch({ audit, hooks, externalReferenceErrorsMany }: TicketBatchDeps) {
  return {
    /**
     * Checks what can be checked before a transaction (defaults, permissions, other
     * modules' ids, read through the pool): per item, the values or the field errors.
     */
    async prepareMany(ctx: RequestContext, items: readonly NewTicketItem[]): Promise<PreparedItem[]> {
      const prepared: PreparedItem[] = items.map(({ kind, input }) => {
        try {
          return { kind, values: newTicketValues(ctx.actor, input) };
        } catch (error) {
          return { kind, errors: asFieldErrors(error) };
        }
      });
      const external = await externalReferenceErrorsMany(prepared.map((item) => item.values ?? {}));
      return prepared.map((item, index) => {
        const errors = external[index] ?? {};
        return item.values && hasErrors(errors) ? { ...item, errors } : item;
      });
    },

    /**
     * Creates the valid items of a prepared batch in `tx`, after this module's own
     * reference checks: numbers, rows, audit entries, then the listeners. Answers per
     * item the created ticket (as the listeners left it) or its field errors; with
     * `allOrNothing`, any error writes nothing and answers the errors alone.
     */
    async insertMany(
      tx: Executor,
      ctx: RequestContext,
      prepared: readonly PreparedItem[],
      options: { allOrNothing?: boolean } = {},
    ): Promise<({ ticket: TicketRow; errors?: undefined } | { ticket?: undefined; errors: FieldErrors })[]> {
      const local = await localReferenceErrorsMany(
        tx,
        prepared.map((item) => ({ kind: item.kind, input: item.values ?? {} })),
      );
      // This module's fields first, then the others', as one create reports them.
      const checked = prepared.map((item, index) => {
        const errors = mergeErrors(local[index] ?? {}, item.errors ?? {});
        return hasErrors(errors) ? { kind: item.kind, errors } : item;
      });
      const valid = checked.flatMap((item) =>
        item.values && !item.errors ? [{ ...item.values, kind: item.kind }] : [],
      );
      if (options.allOrNothing && valid.length < checked.length)
        return checked.map((item) => ({ errors: item.errors ?? {} }));
      const ids = await batchRepository.insertTickets(tx, valid);
      const byId = new Map((await repository.ticketsByIds(tx, ids)).map((row) => [row.id, row]));
      const created = ids.map((id) => {
        const row = byId.get(id);
        if (!row) throw new Error(`created ticket ${id} vanished`);
        return row;
      });
      await audit.recordMany(
        tx,
        ctx,
        created.map((row) => ({
          action: 'ticket.created',
          resourceType: 'ticket',
          resourceId: row.id,
          after: row,
        })),
      );
      // The outbox, as a single create writes it: one `ticket.created` per ticket.
      for (const row of created) await recordTicketCreated(tx, ctx, row);
      const after = await hooks.createdMany(tx, ctx, created);
      let next = 0;
      return checked.map((item) => {
        if (item.errors) return { errors: item.errors };
        const ticket = after[next++];
        if (!ticket) throw new Error('a listener lost a created ticket');
        return { ticket };
      });
    },

    /**
     * Hands many locked tickets to people on the system's decision (an import's fair
     * assignment): the same update, audit entry and listeners as one `applyInTransaction`
     * of `{ assigneeId }` by automation each. Answers the tickets as they now are, in order.
     */
    async assignMany(
      tx: Executor,
      ctx: RequestContext,
      changes: readonly { before: TicketRow; assigneeId: number | null }[],
    ): Promise<TicketRow[]> {
      if (changes.length === 0) return [];
      const ids = changes.map((change) => change.before.id);
      await batchRepository.assignTickets(
        tx,
        changes.map((change) => ({ id: change.before.id, assigneeId: change.assigneeId })),
        new Date(),
      );
      const byId = new Map((await repository.ticketsByIds(tx, ids)).map((row) => [row.id, row]));
      const heard = changes.map(({ before }) => {
        const after = byId.get(before.id);
        if (!after) throw new Error(`assigned ticket ${before.id} vanished`);
        return { before, after, source: 'automation' as const };
      });
      await audit.recordMany(
        tx,
        ctx,
        heard.map(({ before, after }) => ({
          action: 'ticket.updated',
          resourceType: 'ticket',
          resourceId: before.id,
          before,
          after,
        })),
      );
      for (const { before, after } of heard) await recordTicketChange(tx, ctx, before, after);
      return hooks.changedMany(tx, ctx, heard);
    },
  };
}

export type TicketBatch = ReturnType<typeof createTicketBatch>;

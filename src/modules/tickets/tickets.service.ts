import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { paginate, type Page } from '../../platform/db/list.ts';
import { AppError, commonErrors, type FieldErrors } from '../../platform/http/errors.ts';
import { orderFor, whereOf, type ListParams } from '../../platform/http/query.ts';
import { createCountCache } from '../../platform/cache/count-cache.ts';
import {
  checkTransition,
  newTicketValues,
  checkUpdate,
  createReferenceChecks,
  localReferenceErrors,
  throwFieldErrors,
  unreachableStatus,
} from './tickets.checks.ts';
import { createTicketBatch } from './tickets.batch.ts';
import { createTicketDiscussion } from './tickets.discussion.ts';
import { streamTicketExport, type TicketExportShape } from './tickets.export.ts';
import { createHydration } from './tickets.hydration.ts';
import { ticketErrors } from './tickets.errors.ts';
import { recordTicketChange, recordTicketCreated, recordTicketDeleted } from './tickets.events.ts';
import { runHooks, type ChangeSource } from './tickets.hooks.ts';
import { relevanceCount, relevanceRows, searchPlanFor } from './tickets.search.ts';
import { canManage, canWork, ticketScope } from './tickets.policy.ts';
import * as repository from './tickets.repository.ts';
import type { TicketRow } from './tickets.repository.ts';
import { lifecyclePath, timestampsFor } from './tickets.state.ts';
import type { NewTicket, TicketKind } from './tickets.tables.ts';

/** A ticket with everything a page shows: people, facility and department from their modules. */
import type { TicketInput, TicketsDeps, TicketView } from './tickets.types.ts';

export type { TicketInput, TicketsDeps, TicketView } from './tickets.types.ts';
export type { NewTicketValues } from './tickets.checks.ts';

export const ticketNumber = (kind: TicketKind, number: number): string =>
  `${kind === 'incident' ? 'INC' : 'SRV'}-${String(number).padStart(6, '0')}`;

/** Rows per fetch of an export's cursor (bench/export.ts measured 500 to 5,000). */
const EXPORT_BATCH_ROWS = 2000;

const byId = <T extends { id: number }>(items: T[]) => new Map(items.map((item) => [item.id, item]));

/**
 * The generations a ticket count is keyed by: every ticket event's commit moves
 * `tag:tickets` (so this service's writes need no bump), and other modules that change
 * tickets without one bump `tickets` after their commit.
 */
const COUNTED_BY = ['tickets', 'tag:tickets'];

export function createTicketsService(deps: TicketsDeps) {
  const { db, pool, audit, identity, sites } = deps;
  const counts = createCountCache();
  const hooks = runHooks(deps.hooks ?? []);
  const { externalReferenceErrors, checkExternalReferences, externalReferenceErrorsMany } =
    createReferenceChecks({ identity, sites });
  const { hydrate } = createHydration({ identity, sites });

  async function visible(actor: Actor, id: number, kind?: TicketKind): Promise<TicketRow> {
    const row = await repository.ticketById(db, id, ticketScope(actor));
    if (!row || (kind && row.kind !== kind)) throw ticketErrors.TICKET_NOT_FOUND();
    return row;
  }

  /**
   * A version conflict carries the current row; it is hydrated (a query through the
   * pool) here, once the transaction is over.
   */
  async function hydratingConflict<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const current = error instanceof AppError ? error.extra?.current : undefined;
      if (!(error instanceof AppError) || error.code !== 'VERSION_CONFLICT' || !current) throw error;
      const [view] = await hydrate([current as TicketRow]);
      throw commonErrors.VERSION_CONFLICT({ extra: { current: view }, cause: error });
    }
  }

  /**
   * Applies one change inside a transaction, with checks, audit and optimistic locking,
   * then tells the listeners; answers the row as the listeners left it.
   */
  async function applyUpdate(
    tx: Executor,
    ctx: RequestContext,
    before: TicketRow,
    input: TicketInput,
    externalErrors: FieldErrors,
    expectedVersion?: number,
    source: ChangeSource = 'user',
  ): Promise<TicketRow> {
    checkUpdate(ctx.actor, before, input, source);
    throwFieldErrors(await localReferenceErrors(tx, before.kind, input, before), externalErrors);
    const values: Partial<NewTicket> = { ...input };
    if (input.status !== undefined && input.status !== before.status) {
      checkTransition(before.kind, before.status, input.status);
      Object.assign(values, timestampsFor(input.status, before, new Date()));
    }
    if (!(await repository.updateTicket(tx, before.id, values, expectedVersion))) {
      throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
    }
    const after = await repository.ticketById(tx, before.id);
    if (!after) throw ticketErrors.TICKET_NOT_FOUND();
    const action =
      input.status && input.status !== before.status ? 'ticket.status_changed' : 'ticket.updated';
    await audit.record(tx, ctx, { action, resourceType: 'ticket', resourceId: before.id, before, after });
    await recordTicketChange(tx, ctx, before, after);
    return hooks.changed(tx, ctx, { before, after, source });
  }

  /**
   * A v1 status change (DRF clients set status fields directly): the request's other
   * fields first, then the status reached step by step, by the ticket's workflow when
   * it runs one and by the kind's lifecycle otherwise, fewest moves first. Each step is
   * a change of its own (audit, SLA clocks, workflow step); a status that nothing the
   * caller may do reaches is refused, saying why.
   */
  async function walkUpdate(
    tx: Executor,
    ctx: RequestContext,
    before: TicketRow,
    input: TicketInput,
    externalErrors: FieldErrors,
    expectedVersion?: number,
  ): Promise<TicketRow> {
    const { status, ...fields } = input;
    if (status === undefined || status === before.status)
      return applyUpdate(tx, ctx, before, input, externalErrors, expectedVersion);
    checkUpdate(ctx.actor, before, input, 'user');
    let current = before;
    if (Object.keys(fields).length > 0)
      current = await applyUpdate(tx, ctx, before, fields, externalErrors, expectedVersion);
    else if (expectedVersion !== undefined && before.version !== expectedVersion)
      throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
    const walk = await hooks.walkToStatus(tx, ctx, current, status);
    if (walk && 'ticket' in walk) return walk.ticket;
    if (walk) throw unreachableStatus(current, status, walk.refused);
    const path = lifecyclePath(current.kind, current.status, status);
    if (!path) throw unreachableStatus(current, status);
    for (const next of path) current = await applyUpdate(tx, ctx, current, { status: next }, {});
    return current;
  }

  /** Locks a ticket for the transaction and reads it; TICKET_NOT_FOUND when missing or not visible to `actor`. */
  async function lockedTicket(tx: Executor, id: number, actor?: Actor): Promise<TicketRow> {
    if (!(await repository.lockTicket(tx, id, actor ? ticketScope(actor) : undefined)))
      throw ticketErrors.TICKET_NOT_FOUND();
    const row = await repository.ticketById(tx, id);
    if (!row) throw ticketErrors.TICKET_NOT_FOUND();
    return row;
  }

  return {
    hydrate,

    ...createTicketDiscussion({ db, audit, identity, hooks, visible }),

    ...createTicketBatch({ audit, hooks, externalReferenceErrorsMany }),

    async list(actor: Actor, asked: ListParams): Promise<Page<TicketView>> {
      const scope = ticketScope(actor);
      // A relevance page is one statement, typo correction included, and its count another, side by side.
      const relevance = asked.relevance;
      const params = relevance ? asked : await searchPlanFor(db, asked, scope);
      const page = await paginate(repository.ticketList, params, scope, {
        rows: relevance
          ? (_where, _orderBy, limit, offset) => relevanceRows(db, params, scope, limit, offset)
          : (where, orderBy, limit, offset) => repository.listTicketRows(db, where, orderBy, limit, offset),
        // Keyed by the search as typed: a relevance count is that search's count whenever it
        // matches anything, the corrected words' count otherwise.
        count: (where) =>
          counts.count(db, COUNTED_BY, where, () =>
            relevance ? relevanceCount(db, params, scope) : repository.countTickets(db, where),
          ),
      });
      return { ...page, rows: await hydrate(page.rows) };
    },

    /**
     * Every ticket the list would show (same filters, search, order and scope), as rows
     * of the `shape`'s export projection from one server-side cursor (tickets.export.ts).
     */
    async *exportRows(
      actor: Actor,
      asked: ListParams,
      shape: TicketExportShape,
    ): AsyncGenerator<unknown[][]> {
      const scope = ticketScope(actor);
      const params = await searchPlanFor(db, asked, scope);
      yield* streamTicketExport(
        pool,
        shape,
        whereOf(repository.ticketList, params, scope),
        orderFor(repository.ticketList, params),
        EXPORT_BATCH_ROWS,
      );
    },

    async get(actor: Actor, id: number, kind?: TicketKind): Promise<TicketView> {
      const [view] = await hydrate([await visible(actor, id, kind)]);
      if (!view) throw ticketErrors.TICKET_NOT_FOUND();
      return view;
    },

    /**
     * Opens a ticket with the next number of its kind. The reporter defaults to the
     * caller and the department to the caller's; only staff may report for others.
     */
    async create(
      ctx: RequestContext,
      kind: TicketKind,
      input: TicketInput & { title: string },
    ): Promise<TicketView> {
      const values = newTicketValues(ctx.actor, input);
      const { errors: externalErrors, found } = await checkExternalReferences(values);
      const row = await db.transaction(async (tx) => {
        throwFieldErrors(await localReferenceErrors(tx, kind, values), externalErrors);
        const id = await repository.insertTicket(tx, { ...values, kind });
        const created = await repository.ticketById(tx, id);
        if (!created) throw new Error('created ticket vanished');
        await audit.record(tx, ctx, {
          action: 'ticket.created',
          resourceType: 'ticket',
          resourceId: id,
          after: created,
        });
        await recordTicketCreated(tx, ctx, created);
        return hooks.created(tx, ctx, created);
      });
      // Embedded as the checks read them a moment ago: the reporter, facility and department.
      const [view] = await hydrate([row], found);
      if (!view) throw ticketErrors.TICKET_NOT_FOUND();
      return view;
    },

    async update(
      ctx: RequestContext,
      id: number,
      input: TicketInput,
      options: { kind?: TicketKind; expectedVersion?: number; walkStatus?: boolean } = {},
    ): Promise<TicketView> {
      const externalErrors = await externalReferenceErrors(input);
      const apply = options.walkStatus ? walkUpdate : applyUpdate;
      const row = await hydratingConflict(() =>
        db.transaction(async (tx) => {
          if (!(await repository.lockTicket(tx, id, ticketScope(ctx.actor))))
            throw ticketErrors.TICKET_NOT_FOUND();
          const before = await repository.ticketById(tx, id);
          if (!before || (options.kind && before.kind !== options.kind))
            throw ticketErrors.TICKET_NOT_FOUND();
          return apply(tx, ctx, before, input, externalErrors, options.expectedVersion);
        }),
      );
      const [view] = await hydrate([row]);
      if (!view) throw ticketErrors.TICKET_NOT_FOUND();
      return view;
    },

    async remove(
      ctx: RequestContext,
      id: number,
      options: { kind?: TicketKind; expectedVersion?: number } = {},
    ): Promise<void> {
      await hydratingConflict(() =>
        db.transaction(async (tx) => {
          if (!(await repository.lockTicket(tx, id, ticketScope(ctx.actor))))
            throw ticketErrors.TICKET_NOT_FOUND();
          const before = await repository.ticketById(tx, id);
          if (!before || (options.kind && before.kind !== options.kind))
            throw ticketErrors.TICKET_NOT_FOUND();
          if (!canManage(ctx.actor, before))
            throw ticketErrors.TICKET_FORBIDDEN({ message: 'Only a manager can delete tickets.' });
          if (options.expectedVersion !== undefined && before.version !== options.expectedVersion) {
            throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
          }
          await hooks.deleted(tx, ctx, before);
          await repository.deleteTicket(tx, id);
          await audit.record(tx, ctx, {
            action: 'ticket.deleted',
            resourceType: 'ticket',
            resourceId: id,
            before,
          });
          await recordTicketDeleted(tx, ctx, before);
        }),
      );
    },

    /**
     * One change applied to many tickets in one transaction, answered per ticket: a
     * ticket the caller cannot see is "not found", one it cannot change "forbidden", an
     * illegal transition "conflict"; the others change together.
     */
    async bulk(
      ctx: RequestContext,
      ids: number[],
      change: Pick<TicketInput, 'status' | 'assigneeId' | 'priority'>,
    ): Promise<{ id: number; ok: boolean; code?: string; detail?: string; ticket?: TicketView }[]> {
      const unique = [...new Set(ids)];
      const externalErrors = await externalReferenceErrors(change);
      const results = await db.transaction(async (tx) => {
        const rows = await repository.ticketsByIds(tx, unique, ticketScope(ctx.actor));
        const found = byId(rows);
        const outcome: { id: number; ok: boolean; code?: string; detail?: string; row?: TicketRow }[] = [];
        for (const id of unique) {
          const before = found.get(id);
          if (!before) {
            outcome.push({ id, ok: false, code: 'TICKET_NOT_FOUND', detail: 'Not found.' });
            continue;
          }
          await repository.lockTicket(tx, id);
          try {
            const row = await tx.transaction((savepoint) =>
              applyUpdate(savepoint, ctx, before, change, externalErrors),
            );
            outcome.push({ id, ok: true, row });
          } catch (error) {
            const appError = error as { code?: string; message?: string };
            if (!appError.code || appError.code === 'INTERNAL') throw error;
            outcome.push({ id, ok: false, code: appError.code, detail: appError.message ?? '' });
          }
        }
        return outcome;
      });
      const views = byId(await hydrate(results.flatMap((result) => (result.row ? [result.row] : []))));
      return results.map(({ row, ...result }) => (row ? { ...result, ticket: views.get(row.id) } : result));
    },

    /** The ticket, checked visible: for routes about to act on its attachments. */
    visible,

    /** Which of `ids` `actor` may read (the REST routes' rule): for views other modules build of tickets. */
    async visibleIds(actor: Actor, ids: number[]): Promise<Set<number>> {
      return new Set((await repository.ticketsByIds(db, ids, ticketScope(actor))).map((row) => row.id));
    },

    lockedTicket,

    /**
     * A change made by another module inside its own transaction (a workflow transition,
     * an assignment, an escalation), through the same checks, audit and listeners as an
     * update. `source` says who decided it: automation skips the person's permission
     * checks. Other modules' ids in `input` must have been checked with
     * `referenceErrors` before the transaction opened.
     */
    async applyInTransaction(
      tx: Executor,
      ctx: RequestContext,
      before: TicketRow,
      input: TicketInput,
      source: ChangeSource,
      externalErrors: FieldErrors = {},
    ): Promise<TicketRow> {
      return applyUpdate(tx, ctx, before, input, externalErrors, undefined, source);
    },

    /** Field errors for the other modules' ids in `input` (people, facility, department); read through the pool. */
    referenceErrors: externalReferenceErrors,

    /**
     * Open tickets held per person, read through `executor` (assignment balances on it);
     * with `beforeTicketId`, only tickets older than that one (what a batch counts).
     */
    openLoad(executor: Executor, userIds: number[], beforeTicketId?: number): Promise<Map<number, number>> {
      return repository.openLoadByAssignee(executor, userIds, beforeTicketId);
    },

    /** Whether `actor` may work this ticket (change it, act in its workflow). */
    canWork,

    /** Whether `actor` manages this ticket's department (or everything). */
    canManage,
  };
}

export type TicketsService = ReturnType<typeof createTicketsService>;

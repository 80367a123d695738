import type pg from 'pg';
import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { paginate, type Page } from '../../platform/db/list.ts';
import { AppError, commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import { orderFor, whereOf, type ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import type { Department, IdentityService, Person } from '../identity/index.ts';
import type { Facility, SitesService } from '../sites/index.ts';
import { bumpGeneration, createCountCache } from '../../platform/cache/count-cache.ts';
import { ticketErrors } from './tickets.errors.ts';
import { runHooks, type ChangeSource, type TicketHooks } from './tickets.hooks.ts';
import { relevanceRows, searchPlanFor } from './tickets.search.ts';
import { canManage, canWork, seesInternal, ticketScope } from './tickets.policy.ts';
import * as repository from './tickets.repository.ts';
import type { TicketRow } from './tickets.repository.ts';
import { allowedTransitions, timestampsFor } from './tickets.state.ts';
import type { NewTicket, Priority, TicketComment, TicketKind, TicketStatus } from './tickets.tables.ts';

/** A ticket with everything a page shows: people, facility and department from their modules. */
export interface TicketView extends TicketRow {
  reporter: Person | null;
  assignee: Person | null;
  facility: Facility | null;
  department: Department | null;
}

export interface TicketInput {
  title?: string;
  description?: string;
  status?: TicketStatus;
  priority?: Priority;
  incidentTypeId?: number | null;
  categoryId?: number | null;
  subcategoryId?: number | null;
  serviceType?: string | null;
  departmentId?: number | null;
  facilityId?: number | null;
  reporterId?: number | null;
  assigneeId?: number | null;
  dueDate?: string | null;
}

export interface TicketsDeps {
  db: Database;
  pool: pg.Pool;
  audit: Pick<AuditService, 'record' | 'historyOf'>;
  identity: Pick<IdentityService, 'peopleByUserIds' | 'departmentsByIds'>;
  sites: Pick<SitesService, 'facilitiesByIds'>;
  /** Listeners told of every change in its transaction (workflows, SLA), in this order. */
  hooks?: readonly TicketHooks[];
}

export const ticketNumber = (kind: TicketKind, number: number): string =>
  `${kind === 'incident' ? 'INC' : 'SRV'}-${String(number).padStart(6, '0')}`;

const byId = <T extends { id: number }>(items: T[]) => new Map(items.map((item) => [item.id, item]));

export function createTicketsService(deps: TicketsDeps) {
  const { db, pool, audit, identity, sites } = deps;
  const counts = createCountCache();
  const hooks = runHooks(deps.hooks ?? []);

  /**
   * Embeds people, facilities and departments for a batch of tickets: one query per
   * relation whatever the batch size, never one per row.
   */
  async function hydrate(rows: TicketRow[]): Promise<TicketView[]> {
    const userIds = rows
      .flatMap((row) => [row.reporterId, row.assigneeId])
      .filter((id): id is number => id !== null);
    const facilityIds = rows.map((row) => row.facilityId).filter((id): id is number => id !== null);
    const departmentIds = rows.map((row) => row.departmentId).filter((id): id is number => id !== null);
    const [people, facilities, departments] = await Promise.all([
      userIds.length ? identity.peopleByUserIds(userIds) : [],
      facilityIds.length ? sites.facilitiesByIds(facilityIds) : [],
      departmentIds.length ? identity.departmentsByIds(departmentIds) : [],
    ]);
    const peopleById = new Map(people.map((person) => [person.user.id, person]));
    const facilitiesById = byId(facilities);
    const departmentsById = byId(departments);
    return rows.map((row) => ({
      ...row,
      reporter: row.reporterId === null ? null : (peopleById.get(row.reporterId) ?? null),
      assignee: row.assigneeId === null ? null : (peopleById.get(row.assigneeId) ?? null),
      facility: row.facilityId === null ? null : (facilitiesById.get(row.facilityId) ?? null),
      department: row.departmentId === null ? null : (departmentsById.get(row.departmentId) ?? null),
    }));
  }

  async function visible(actor: Actor, id: number, kind?: TicketKind): Promise<TicketRow> {
    const row = await repository.ticketById(db, id, ticketScope(actor));
    if (!row || (kind && row.kind !== kind)) throw ticketErrors.TICKET_NOT_FOUND();
    return row;
  }

  /**
   * The ids other modules own (facility, people, department), checked through their
   * services. Those read through the pool, so this runs before a transaction opens,
   * never inside one: a transaction that waits for a second connection starves the pool
   * under load (50 concurrent creates on a pool of 12 all time out).
   */
  async function externalReferenceErrors(input: TicketInput): Promise<FieldErrors> {
    const fields: FieldErrors = {};
    const add = (field: string, message: string) => {
      (fields[field] ??= []).push(message);
    };
    const missing = (field: string, id: number) => {
      add(field, `Invalid pk "${id}" - object does not exist.`);
    };
    const [facilities, people, departments] = await Promise.all([
      input.facilityId ? sites.facilitiesByIds([input.facilityId]) : [],
      identity.peopleByUserIds(
        [input.reporterId, input.assigneeId].filter((id): id is number => typeof id === 'number'),
      ),
      input.departmentId ? identity.departmentsByIds([input.departmentId]) : [],
    ]);
    if (input.facilityId && facilities.length === 0) missing('facility_id', input.facilityId);
    if (input.departmentId && departments.length === 0) missing('department_id', input.departmentId);
    const found = new Map(people.map((person) => [person.user.id, person]));
    if (input.reporterId && !found.get(input.reporterId)) missing('reporter_id', input.reporterId);
    if (input.assigneeId) {
      const assignee = found.get(input.assigneeId);
      if (!assignee) missing('assignee_id', input.assigneeId);
      else if (!assignee.user.isActive || assignee.user.role === 'viewer') {
        add('assignee_id', 'This person cannot be assigned tickets (inactive or read-only).');
      }
    }
    return fields;
  }

  /**
   * This module's own references (incident type, category, subcategory), read through
   * `executor`. On an update, `current` is the ticket as it is: a subcategory must
   * belong to the category the ticket will have, whichever of the two the change names.
   */
  async function localReferenceErrors(
    executor: Executor,
    kind: TicketKind,
    input: TicketInput,
    current?: Pick<TicketRow, 'categoryId' | 'subcategoryId'>,
  ): Promise<FieldErrors> {
    const fields: FieldErrors = {};
    const add = (field: string, message: string) => {
      (fields[field] ??= []).push(message);
    };
    const missing = (field: string, id: number) => {
      add(field, `Invalid pk "${id}" - object does not exist.`);
    };
    const categoryId = input.categoryId !== undefined ? input.categoryId : (current?.categoryId ?? null);
    const subcategoryId =
      input.subcategoryId !== undefined ? input.subcategoryId : (current?.subcategoryId ?? null);
    const categoriesChange = input.categoryId !== undefined || input.subcategoryId !== undefined;
    const [incidentType, category, subcategory] = await Promise.all([
      input.incidentTypeId ? repository.incidentTypeById(executor, input.incidentTypeId) : undefined,
      input.categoryId ? repository.categoryById(executor, input.categoryId) : undefined,
      categoriesChange && subcategoryId ? repository.categoryById(executor, subcategoryId) : undefined,
    ]);
    if (input.incidentTypeId && !incidentType) missing('incident_type_id', input.incidentTypeId);
    if (input.incidentTypeId && kind === 'service')
      add('incident_type_id', 'Service tickets have no incident type.');
    if (input.categoryId && (!category || category.parentId !== null))
      missing('category_id', input.categoryId);
    if (input.subcategoryId && (!subcategory || subcategory.parentId === null))
      missing('subcategory_id', input.subcategoryId);
    if (subcategory && subcategory.parentId !== null && categoryId && subcategory.parentId !== categoryId) {
      add('subcategory_id', 'This subcategory belongs to another category.');
    }
    return fields;
  }

  /** All field errors of both checks in one answer, this module's fields first. */
  function throwFieldErrors(...found: FieldErrors[]): void {
    const fields: FieldErrors = {};
    for (const errors of found) {
      for (const [field, messages] of Object.entries(errors)) (fields[field] ??= []).push(...messages);
    }
    if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
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

  /** Who may assign whom: agents take or drop tickets for themselves; managers and admins assign anyone. */
  function checkAssignment(
    actor: Actor,
    ticket: Pick<TicketRow, 'departmentId' | 'assigneeId'>,
    assigneeId: number | null,
  ) {
    if (canManage(actor, ticket)) return;
    const selfService =
      assigneeId === actor.userId || (assigneeId === null && ticket.assigneeId === actor.userId);
    if (!selfService)
      throw ticketErrors.TICKET_FORBIDDEN({
        message: 'Only a manager can assign this ticket to someone else.',
      });
  }

  function transition(kind: TicketKind, from: TicketStatus, to: TicketStatus) {
    const allowed = allowedTransitions(kind, from);
    if (!allowed.includes(to)) {
      throw ticketErrors.TICKET_INVALID_TRANSITION({
        message: `${kind === 'incident' ? 'An incident' : 'A service'} ticket cannot go from "${from}" to "${to}"${allowed.length ? `; allowed: ${allowed.join(', ')}` : ' (final status)'}.`,
        extra: { from, to, allowed },
      });
    }
  }

  /** Who may change what: automation (assignment, escalation) decided already and is not checked. */
  function checkUpdate(actor: Actor, before: TicketRow, input: TicketInput, source: ChangeSource) {
    if (source === 'automation') return;
    const isReporterEditingText =
      before.reporterId === actor.userId &&
      Object.keys(input).every((key) => key === 'title' || key === 'description');
    if (!canWork(actor, before) && !isReporterEditingText) throw ticketErrors.TICKET_FORBIDDEN();
    if (
      input.departmentId !== undefined &&
      input.departmentId !== before.departmentId &&
      !canManage(actor, before)
    ) {
      throw ticketErrors.TICKET_FORBIDDEN({
        message: 'Only a manager can move a ticket to another department.',
      });
    }
    if (input.assigneeId !== undefined && input.assigneeId !== before.assigneeId)
      checkAssignment(actor, before, input.assigneeId);
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
      transition(before.kind, before.status, input.status);
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
    return hooks.changed(tx, ctx, { before, after, source });
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

    async list(actor: Actor, asked: ListParams): Promise<Page<TicketView>> {
      const scope = ticketScope(actor);
      const { spec, params } = await searchPlanFor(db, asked, scope);
      const fastRelevance = params.relevance && spec === repository.ticketList;
      const page = await paginate(spec, params, scope, {
        rows: fastRelevance
          ? (_where, _orderBy, limit, offset) => relevanceRows(db, params, scope, limit, offset)
          : (where, orderBy, limit, offset) => repository.listTicketRows(db, where, orderBy, limit, offset),
        count: (where) => counts.count(db, 'tickets', where, () => repository.countTickets(db, where)),
      });
      return { ...page, rows: await hydrate(page.rows) };
    },

    /** Every matching ticket, streamed from a server-side cursor and hydrated per batch (exports). */
    async *all(actor: Actor, asked: ListParams): AsyncGenerator<TicketView> {
      const scope = ticketScope(actor);
      const { spec, params } = await searchPlanFor(db, asked, scope);
      for await (const batch of repository.streamTicketRows(
        pool,
        db,
        whereOf(spec, params, scope),
        orderFor(spec, params),
        2000,
      )) {
        yield* await hydrate(batch);
      }
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
      const { actor } = ctx;
      const staff = actor.role !== 'viewer';
      const reporterId = staff && input.reporterId !== undefined ? input.reporterId : actor.userId;
      const departmentId = input.departmentId !== undefined ? input.departmentId : actor.departmentId;
      const status = input.status ?? 'open';
      if (status !== 'open' && status !== 'in_progress')
        throw fieldError('status', 'A new ticket starts open or in progress.');
      if (input.assigneeId) checkAssignment(actor, { departmentId, assigneeId: null }, input.assigneeId);
      const values = { ...input, reporterId, departmentId, status };
      const externalErrors = await externalReferenceErrors(values);
      const row = await db.transaction(async (tx) => {
        throwFieldErrors(await localReferenceErrors(tx, kind, values), externalErrors);
        const number = await repository.nextNumber(tx, kind);
        const id = await repository.insertTicket(tx, {
          ...values,
          kind,
          number,
          description: input.description ?? '',
        });
        const created = await repository.ticketById(tx, id);
        if (!created) throw new Error('created ticket vanished');
        await audit.record(tx, ctx, {
          action: 'ticket.created',
          resourceType: 'ticket',
          resourceId: id,
          after: created,
        });
        return hooks.created(tx, ctx, created);
      });
      await bumpGeneration(db, 'tickets');
      const [view] = await hydrate([row]);
      if (!view) throw ticketErrors.TICKET_NOT_FOUND();
      return view;
    },

    async update(
      ctx: RequestContext,
      id: number,
      input: TicketInput,
      options: { kind?: TicketKind; expectedVersion?: number } = {},
    ): Promise<TicketView> {
      const externalErrors = await externalReferenceErrors(input);
      const row = await hydratingConflict(() =>
        db.transaction(async (tx) => {
          if (!(await repository.lockTicket(tx, id, ticketScope(ctx.actor))))
            throw ticketErrors.TICKET_NOT_FOUND();
          const before = await repository.ticketById(tx, id);
          if (!before || (options.kind && before.kind !== options.kind))
            throw ticketErrors.TICKET_NOT_FOUND();
          return applyUpdate(tx, ctx, before, input, externalErrors, options.expectedVersion);
        }),
      );
      await bumpGeneration(db, 'tickets');
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
        }),
      );
      await bumpGeneration(db, 'tickets');
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
      if (results.some((result) => result.ok)) await bumpGeneration(db, 'tickets');
      const views = byId(await hydrate(results.flatMap((result) => (result.row ? [result.row] : []))));
      return results.map(({ row, ...result }) => (row ? { ...result, ticket: views.get(row.id) } : result));
    },

    async history(actor: Actor, id: number) {
      await visible(actor, id);
      return audit.historyOf('ticket', id);
    },

    // Comments

    /** The ticket's comments with their authors; internal notes only for staff. */
    async comments(
      actor: Actor,
      ticketId: number,
    ): Promise<{ comment: TicketComment; author: Person | null }[]> {
      await visible(actor, ticketId);
      const comments = await repository.commentsOf(db, ticketId, seesInternal(actor));
      const authors = new Map(
        (await identity.peopleByUserIds(comments.map((c) => c.authorId))).map((p) => [p.user.id, p]),
      );
      return comments.map((comment) => ({ comment, author: authors.get(comment.authorId) ?? null }));
    },

    async addComment(ctx: RequestContext, ticketId: number, input: { body: string; internal?: boolean }) {
      const ticket = await visible(ctx.actor, ticketId);
      const internal = input.internal ?? false;
      if (internal && !canWork(ctx.actor, ticket)) {
        throw ticketErrors.TICKET_FORBIDDEN({
          message: 'Only staff working this ticket can add internal notes.',
        });
      }
      const comment = await db.transaction(async (tx) => {
        const created = await repository.insertComment(tx, {
          ticketId,
          authorId: ctx.actor.userId,
          body: input.body,
          internal,
        });
        await audit.record(tx, ctx, {
          action: 'ticket.commented',
          resourceType: 'ticket',
          resourceId: ticketId,
          after: created,
        });
        await hooks.commented(tx, ctx, ticket, created);
        return created;
      });
      const [author] = await identity.peopleByUserIds([ctx.actor.userId]);
      return { comment, author: author ?? null };
    },

    async removeComment(ctx: RequestContext, ticketId: number, commentId: number): Promise<void> {
      const ticket = await visible(ctx.actor, ticketId);
      const comment = await repository.commentById(db, ticketId, commentId);
      if (!comment || (comment.internal && !seesInternal(ctx.actor)))
        throw ticketErrors.TICKET_COMMENT_NOT_FOUND();
      if (comment.authorId !== ctx.actor.userId && !canManage(ctx.actor, ticket))
        throw ticketErrors.TICKET_FORBIDDEN();
      await db.transaction(async (tx) => {
        await repository.deleteComment(tx, commentId);
        await audit.record(tx, ctx, {
          action: 'ticket.comment_deleted',
          resourceType: 'ticket',
          resourceId: ticketId,
          before: comment,
        });
      });
    },

    // Watchers

    async watchers(actor: Actor, ticketId: number): Promise<Person[]> {
      await visible(actor, ticketId);
      return identity.peopleByUserIds(await repository.watchersOf(db, ticketId));
    },

    /** Watch a ticket yourself, or (staff working it) add someone else. */
    async watch(ctx: RequestContext, ticketId: number, userId = ctx.actor.userId): Promise<void> {
      const ticket = await visible(ctx.actor, ticketId);
      if (userId !== ctx.actor.userId && !canWork(ctx.actor, ticket)) throw ticketErrors.TICKET_FORBIDDEN();
      if ((await identity.peopleByUserIds([userId])).length === 0)
        throw fieldError('user_id', `Invalid pk "${userId}" - object does not exist.`);
      await db.transaction(async (tx) => {
        if (await repository.addWatcher(tx, ticketId, userId)) {
          await audit.record(tx, ctx, {
            action: 'ticket.watcher_added',
            resourceType: 'ticket',
            resourceId: ticketId,
            after: { user_id: userId },
          });
        }
      });
    },

    async unwatch(ctx: RequestContext, ticketId: number, userId = ctx.actor.userId): Promise<void> {
      const ticket = await visible(ctx.actor, ticketId);
      if (userId !== ctx.actor.userId && !canWork(ctx.actor, ticket)) throw ticketErrors.TICKET_FORBIDDEN();
      await db.transaction(async (tx) => {
        if (await repository.removeWatcher(tx, ticketId, userId)) {
          await audit.record(tx, ctx, {
            action: 'ticket.watcher_removed',
            resourceType: 'ticket',
            resourceId: ticketId,
            before: { user_id: userId },
          });
        }
      });
    },

    /** The ticket, checked visible: for routes about to act on its attachments. */
    visible,

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

    /** Open tickets held per person, read through `executor` (assignment balances on it). */
    openLoad(executor: Executor, userIds: number[]): Promise<Map<number, number>> {
      return repository.openLoadByAssignee(executor, userIds);
    },

    /** Whether `actor` may work this ticket (change it, act in its workflow). */
    canWork,

    /** Whether `actor` manages this ticket's department (or everything). */
    canManage,
  };
}

export type TicketsService = ReturnType<typeof createTicketsService>;

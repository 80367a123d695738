import type { Actor } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { commonErrors, fieldError, type AppError, type FieldErrors } from '../../platform/http/errors.ts';
import type { IdentityService } from '../identity/index.ts';
import type { SitesService } from '../sites/index.ts';
import { ticketErrors } from './tickets.errors.ts';
import type { KnownReferences } from './tickets.hydration.ts';
import type { ChangeSource, StatusWalk } from './tickets.hooks.ts';
import { canManage, canWork } from './tickets.policy.ts';
import * as repository from './tickets.repository.ts';
import type { TicketRow } from './tickets.repository.ts';
import type { TicketInput } from './tickets.service.ts';
import { allowedTransitions, reachableStatuses, statusesOf } from './tickets.state.ts';
import type { TicketCategory, TicketKind, TicketStatus } from './tickets.tables.ts';

/** The checks a ticket change passes before it is written: references, permissions, the lifecycle. */

/** What the other modules hold of the ids a change names (the ticket's hydration starts from it). */
type ExternalReferences = KnownReferences;

const collector = () => {
  const fields: FieldErrors = {};
  const add = (field: string, message: string) => {
    (fields[field] ??= []).push(message);
  };
  const missing = (field: string, id: number) => {
    add(field, `Invalid pk "${id}" - object does not exist.`);
  };
  return { fields, add, missing };
};

/** The rule for other modules' ids, on what was found of them (one change or many share it). */
function externalErrorsOf(input: TicketInput, found: ExternalReferences): FieldErrors {
  const { fields, add, missing } = collector();
  if (input.facilityId && !found.facilities.has(input.facilityId)) missing('facility_id', input.facilityId);
  if (input.departmentId && !found.departments.has(input.departmentId))
    missing('department_id', input.departmentId);
  if (input.reporterId && !found.people.get(input.reporterId)) missing('reporter_id', input.reporterId);
  if (input.assigneeId) {
    const assignee = found.people.get(input.assigneeId);
    if (!assignee) missing('assignee_id', input.assigneeId);
    else if (!assignee.user.isActive || assignee.user.role === 'viewer') {
      add('assignee_id', 'This person cannot be assigned tickets (inactive or read-only).');
    }
  }
  return fields;
}

/** The check of other modules' ids in a change (see `externalReferenceErrors`). */
export function createReferenceChecks({
  identity,
  sites,
}: {
  identity: Pick<IdentityService, 'peopleByUserIds' | 'departmentsByIds'>;
  sites: Pick<SitesService, 'facilitiesByIds'>;
}) {
  /**
   * The ids other modules own (facility, people, department), checked through their
   * services. Those read through the pool, so this runs before a transaction opens,
   * never inside one: a transaction that waits for a second connection starves the pool
   * under load (50 concurrent creates on a pool of 12 all time out).
   */
  async function externalReferenceErrors(input: TicketInput): Promise<FieldErrors> {
    return (await checkExternalReferences(input)).errors;
  }

  /** The same check, with what was read: the facility, department and people the change names. */
  async function checkExternalReferences(
    input: TicketInput,
  ): Promise<{ errors: FieldErrors; found: KnownReferences }> {
    const [found] = await externalReferencesOf([input]);
    return { errors: externalErrorsOf(input, found), found };
  }

  /** The same check for many changes at once: one query per module, whatever their number. */
  async function externalReferenceErrorsMany(inputs: readonly TicketInput[]): Promise<FieldErrors[]> {
    const [found] = await externalReferencesOf(inputs);
    return inputs.map((input) => externalErrorsOf(input, found));
  }

  async function externalReferencesOf(inputs: readonly TicketInput[]): Promise<[ExternalReferences]> {
    const ids = (pick: (input: TicketInput) => number | null | undefined) => [
      ...new Set(inputs.map(pick).filter((id): id is number => typeof id === 'number' && id > 0)),
    ];
    const facilityIds = ids((input) => input.facilityId);
    const departmentIds = ids((input) => input.departmentId);
    const [facilities, people, departments] = await Promise.all([
      facilityIds.length > 0 ? sites.facilitiesByIds(facilityIds) : [],
      identity.peopleByUserIds([
        ...new Set([...ids((input) => input.reporterId), ...ids((input) => input.assigneeId)]),
      ]),
      departmentIds.length > 0 ? identity.departmentsByIds(departmentIds) : [],
    ]);
    return [
      {
        facilities: new Map(facilities.map((facility) => [facility.id, facility])),
        departments: new Map(departments.map((department) => [department.id, department])),
        people: new Map(people.map((person) => [person.user.id, person])),
      },
    ];
  }

  return { externalReferenceErrors, checkExternalReferences, externalReferenceErrorsMany };
}

/**
 * This module's own references (incident type, category, subcategory), read through
 * `executor`. On an update, `current` is the ticket as it is: a subcategory must
 * belong to the category the ticket will have, whichever of the two the change names.
 */
export async function localReferenceErrors(
  executor: Executor,
  kind: TicketKind,
  input: TicketInput,
  current?: Pick<TicketRow, 'categoryId' | 'subcategoryId'>,
): Promise<FieldErrors> {
  const [errors] = await localReferenceErrorsMany(executor, [{ kind, input, current }]);
  return errors ?? {};
}

/** The same check for many changes: one query per table, whatever their number. */
export async function localReferenceErrorsMany(
  executor: Executor,
  changes: readonly {
    kind: TicketKind;
    input: TicketInput;
    current?: Pick<TicketRow, 'categoryId' | 'subcategoryId'>;
  }[],
): Promise<FieldErrors[]> {
  const incidentTypeIds = new Set<number>();
  const categoryIds = new Set<number>();
  for (const { input, current } of changes) {
    if (input.incidentTypeId) incidentTypeIds.add(input.incidentTypeId);
    if (input.categoryId) categoryIds.add(input.categoryId);
    const subcategoryId = subcategoryOf(input, current);
    if (subcategoryId) categoryIds.add(subcategoryId);
  }
  // One after the other: a transaction's connection runs one query at a time.
  const incidentTypes = await repository.incidentTypeIdsIn(executor, [...incidentTypeIds]);
  const categories = new Map(
    (await repository.categoriesByIds(executor, [...categoryIds])).map((row) => [row.id, row]),
  );
  return changes.map(({ kind, input, current }) =>
    localErrorsOf(kind, input, current, { incidentTypes, categories }),
  );
}

/** The subcategory a change is checked against: the one it names, or the ticket's own when it moves categories. */
function subcategoryOf(input: TicketInput, current?: Pick<TicketRow, 'subcategoryId'>): number | null {
  const categoriesChange = input.categoryId !== undefined || input.subcategoryId !== undefined;
  if (!categoriesChange) return null;
  return input.subcategoryId !== undefined ? input.subcategoryId : (current?.subcategoryId ?? null);
}

function localErrorsOf(
  kind: TicketKind,
  input: TicketInput,
  current: Pick<TicketRow, 'categoryId' | 'subcategoryId'> | undefined,
  found: { incidentTypes: Set<number>; categories: Map<number, TicketCategory> },
): FieldErrors {
  const { fields, add, missing } = collector();
  const categoryId = input.categoryId !== undefined ? input.categoryId : (current?.categoryId ?? null);
  const subcategoryId = subcategoryOf(input, current);
  const category = input.categoryId ? found.categories.get(input.categoryId) : undefined;
  const subcategory = subcategoryId ? found.categories.get(subcategoryId) : undefined;
  if (input.incidentTypeId && !found.incidentTypes.has(input.incidentTypeId))
    missing('incident_type_id', input.incidentTypeId);
  if (input.incidentTypeId && kind === 'service')
    add('incident_type_id', 'Service tickets have no incident type.');
  if (input.categoryId && (!category || category.parentId !== null)) missing('category_id', input.categoryId);
  if (input.subcategoryId && (!subcategory || subcategory.parentId === null))
    missing('subcategory_id', input.subcategoryId);
  if (subcategory && subcategory.parentId !== null && categoryId && subcategory.parentId !== categoryId) {
    add('subcategory_id', 'This subcategory belongs to another category.');
  }
  return fields;
}

/** All field errors of both checks in one answer, this module's fields first. */
export function throwFieldErrors(...found: FieldErrors[]): void {
  const fields: FieldErrors = {};
  for (const errors of found) {
    for (const [field, messages] of Object.entries(errors)) (fields[field] ??= []).push(...messages);
  }
  if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
}

/** A new ticket's values after the defaults and checks of a create, or the first refusal thrown. */
export type NewTicketValues = TicketInput & {
  title: string;
  reporterId: number | null;
  departmentId: number | null;
  status: TicketStatus;
  description: string;
};

/**
 * The rules a new ticket starts by: the reporter defaults to the caller and only staff
 * report for others; the department defaults to the caller's; it starts open or in
 * progress; only managers assign it to someone else. Throws the first refusal.
 */
export function newTicketValues(actor: Actor, input: TicketInput & { title: string }): NewTicketValues {
  const staff = actor.role !== 'viewer';
  const reporterId = staff && input.reporterId !== undefined ? input.reporterId : actor.userId;
  const departmentId = input.departmentId !== undefined ? input.departmentId : actor.departmentId;
  const status = input.status ?? 'open';
  if (status !== 'open' && status !== 'in_progress')
    throw fieldError('status', 'A new ticket starts open or in progress.');
  if (input.assigneeId) checkAssignment(actor, { departmentId, assigneeId: null }, input.assigneeId);
  return { ...input, reporterId, departmentId, status, description: input.description ?? '' };
}

/** Who may assign whom: agents take or drop tickets for themselves; managers and admins assign anyone. */
export function checkAssignment(
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

/** Refuses a single move the kind's lifecycle does not allow, naming the allowed ones. */
export function checkTransition(kind: TicketKind, from: TicketStatus, to: TicketStatus) {
  const allowed = allowedTransitions(kind, from);
  if (!allowed.includes(to)) {
    throw ticketErrors.TICKET_INVALID_TRANSITION({
      message: `${kind === 'incident' ? 'An incident' : 'A service'} ticket cannot go from "${from}" to "${to}"${allowed.length ? `; allowed: ${allowed.join(', ')}` : ' (final status)'}.`,
      extra: { from, to, allowed },
    });
  }
}

/** Who may change what: automation (assignment, escalation) decided already and is not checked. */
export function checkUpdate(actor: Actor, before: TicketRow, input: TicketInput, source: ChangeSource) {
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

const kindLabel = (kind: TicketKind) => (kind === 'incident' ? 'An incident' : 'A service');

/**
 * Why `to` cannot be reached from the ticket's status: the refusal of the lifecycle a
 * listener runs (`refused`), or else the kind's own. Missing request fields alone are a
 * 400 naming them; anything else a conflict listing the statuses that can be reached.
 */
export function unreachableStatus(
  ticket: Pick<TicketRow, 'kind' | 'status'>,
  to: TicketStatus,
  refused?: Extract<StatusWalk, { refused: unknown }>['refused'],
): AppError {
  if (refused?.missingFields) return commonErrors.VALIDATION_FAILED({ fields: refused.missingFields });
  const { kind, status: from } = ticket;
  const reachable = refused?.reachable ?? reachableStatuses(kind, from);
  let reason = refused?.reason;
  if (reason === undefined) {
    if (!statusesOf(kind).includes(to))
      reason = `${kindLabel(kind)} ticket has no status "${to}"; statuses: ${statusesOf(kind).join(', ')}.`;
    else if (reachable.length === 0)
      reason = `${kindLabel(kind)} ticket cannot go from "${from}" to "${to}" (final status).`;
    else
      reason = `${kindLabel(kind)} ticket cannot reach "${to}" from "${from}"; reachable: ${reachable.join(', ')}.`;
  }
  return ticketErrors.TICKET_INVALID_TRANSITION({ message: reason, extra: { from, to, allowed: reachable } });
}

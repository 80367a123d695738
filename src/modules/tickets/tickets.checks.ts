import type { Actor } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { commonErrors, type AppError, type FieldErrors } from '../../platform/http/errors.ts';
import type { IdentityService } from '../identity/index.ts';
import type { SitesService } from '../sites/index.ts';
import { ticketErrors } from './tickets.errors.ts';
import type { ChangeSource, StatusWalk } from './tickets.hooks.ts';
import { canManage, canWork } from './tickets.policy.ts';
import * as repository from './tickets.repository.ts';
import type { TicketRow } from './tickets.repository.ts';
import type { TicketInput } from './tickets.service.ts';
import { allowedTransitions, reachableStatuses, statusesOf } from './tickets.state.ts';
import type { TicketKind, TicketStatus } from './tickets.tables.ts';

/** The checks a ticket change passes before it is written: references, permissions, the lifecycle. */

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
  return externalReferenceErrors;
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

import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { BusinessCalendar, CalendarsService } from '../calendars/index.ts';
import type { IdentityService, Person } from '../identity/index.ts';
import type { NotificationsService } from '../notifications/index.ts';
import type { TicketRow, TicketsService } from '../tickets/index.ts';
import type { EventsService, TimeclockService, TimeoffService } from '../workforce/index.ts';
import * as repository from './workflows.repository.ts';

/**
 * Fair assignment: a ticket entering a step goes to a member of the step's role who is
 * available now, the one holding the fewest open tickets, ties broken by round robin
 * after whoever won the last tie. Nobody available: the ticket waits in the role's
 * queue. Every decision is stored with its reason.
 *
 * Correct across processes: each decision holds the role's pointer row lock until its
 * transaction commits, so the next decision (in any process) counts loads that
 * include it.
 */

export interface AssignmentDeps {
  identity: Pick<IdentityService, 'peopleByUserIds'>;
  tickets: Pick<TicketsService, 'applyInTransaction' | 'openLoad'>;
  timeoff: Pick<TimeoffService, 'onLeave'>;
  timeclock: Pick<TimeclockService, 'clockedIn'>;
  events: Pick<EventsService, 'occurrencesForUsers'>;
  calendars: Pick<CalendarsService, 'engineFor'>;
  notifications: Pick<NotificationsService, 'notify' | 'notifyMany'>;
  now: () => Date;
}

export interface AssignmentTarget {
  roleId: number;
  stepKey: string | null;
  requiresAvailability: boolean;
}

type SkipReason = 'inactive' | 'on leave' | 'at capacity' | 'off shift';

export interface Eligibility {
  memberCount: number;
  eligible: { userId: number; capacity: number | null }[];
  skipped: Decision['skipped'];
}

export interface Decision {
  chosen: number | null;
  reason: string;
  available: { user_id: number; open: number }[];
  skipped: { user_id: number; why: SkipReason }[];
}

/** Scheduled events that put a person on duty. */
const DUTY_EVENT_TYPES = new Set(['shift', 'overtime']);

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function summarise(skipped: Decision['skipped']): string {
  const counts = new Map<SkipReason, number>();
  for (const { why } of skipped) counts.set(why, (counts.get(why) ?? 0) + 1);
  return [...counts].map(([why, count]) => `${count} ${why}`).join(', ');
}

/**
 * The choice among the eligible given their open loads: the least loaded below their
 * capacity, ties taken in turn after `lastUserId` (the last winner), in member order.
 */
export function decideWith(
  eligibility: Eligibility,
  load: ReadonlyMap<number, number>,
  lastUserId: number | null,
): Decision {
  const skipped = [...eligibility.skipped];
  const available: Decision['available'] = [];
  for (const { userId, capacity } of eligibility.eligible) {
    const open = load.get(userId) ?? 0;
    if (capacity !== null && open >= capacity) skipped.push({ user_id: userId, why: 'at capacity' });
    else available.push({ user_id: userId, open });
  }
  const order = (entry: { user_id: number }) => entry.user_id;
  skipped.sort((a, b) => order(a) - order(b));
  const skippedText = skipped.length > 0 ? `; ${skipped.length} skipped: ${summarise(skipped)}` : '';
  if (available.length === 0) {
    const reason =
      eligibility.memberCount === 0
        ? 'nobody holds this role'
        : `nobody available of ${plural(eligibility.memberCount, 'member')}${skippedText}`;
    return { chosen: null, reason, available, skipped };
  }
  const fewest = Math.min(...available.map((candidate) => candidate.open));
  const tied = available.filter((candidate) => candidate.open === fewest);
  // Round robin among the tied: the first after the last winner, in member order.
  const next = tied.find((candidate) => lastUserId === null || candidate.user_id > lastUserId) ?? tied[0];
  const tieText = tied.length > 1 ? `; ${tied.length} tied, taken in turn` : '';
  return {
    chosen: next?.user_id ?? null,
    reason: `least loaded of ${available.length} available (${plural(fewest, 'open ticket')})${tieText}${skippedText}`,
    available,
    skipped,
  };
}

export function createAssignment(deps: AssignmentDeps) {
  const { identity, tickets, timeoff, timeclock, events, calendars, notifications } = deps;

  /**
   * Who of `memberIds` could take work at `at` (active, not on leave, on duty when the
   * step asks), with their capacity. Read before the role's lock is taken: these facts
   * change slowly, and the lock then covers only the load count and the choice.
   */
  async function eligibleAt(
    tx: Executor,
    memberIds: number[],
    requiresAvailability: boolean,
    at: Date,
  ): Promise<Eligibility> {
    const skipped: Decision['skipped'] = [];
    const people = await identity.peopleByUserIds(memberIds, tx);
    const active: Person[] = [];
    for (const person of people.sort((a, b) => a.user.id - b.user.id)) {
      if (person.user.isActive && person.user.role !== 'viewer') active.push(person);
      else skipped.push({ user_id: person.user.id, why: 'inactive' });
    }
    const ids = active.map((person) => person.user.id);
    // One after another: a transaction's connection runs one query at a time.
    const leave = await timeoff.onLeave(
      active.map((person) => ({ userId: person.user.id, timeZone: person.user.timeZone })),
      at,
      tx,
    );
    const profiles = new Map(
      (await repository.profilesOf(tx, ids)).map((profile) => [profile.userId, profile]),
    );
    const onDuty = requiresAvailability ? await dutyAt(tx, ids, profiles, at) : undefined;
    const eligible: Eligibility['eligible'] = [];
    for (const id of ids) {
      if (leave.has(id)) skipped.push({ user_id: id, why: 'on leave' });
      else if (onDuty && !onDuty.has(id)) skipped.push({ user_id: id, why: 'off shift' });
      else eligible.push({ userId: id, capacity: profiles.get(id)?.capacity ?? null });
    }
    return { memberCount: memberIds.length, eligible, skipped };
  }

  /** The choice among the eligible, from their open loads now (read under the role's lock). */
  async function decide(
    tx: Executor,
    eligibility: Eligibility,
    lastUserId: number | null,
  ): Promise<Decision> {
    const load = await tickets.openLoad(
      tx,
      eligibility.eligible.map((candidate) => candidate.userId),
    );
    return decideWith(eligibility, load, lastUserId);
  }

  /** Who is on duty at `at`: clocked in, in a shift event, or inside their calendar's working hours. */
  async function dutyAt(
    tx: Executor,
    ids: number[],
    profileOf: Map<number, { calendarId: number | null }>,
    at: Date,
  ): Promise<Set<number>> {
    const clocked = await timeclock.clockedIn(ids, tx);
    const occurrences = await events.occurrencesForUsers(ids, at, new Date(at.getTime() + 1), tx);
    const onDuty = new Set(clocked);
    for (const occurrence of occurrences)
      if (DUTY_EVENT_TYPES.has(occurrence.eventType)) onDuty.add(occurrence.userId);
    const engines = new Map<number, BusinessCalendar>();
    for (const id of ids) {
      const calendarId = profileOf.get(id)?.calendarId ?? null;
      if (onDuty.has(id) || calendarId === null) continue;
      let engine = engines.get(calendarId);
      if (!engine) {
        engine = await calendars.engineFor(calendarId, tx);
        engines.set(calendarId, engine);
      }
      if (engine.isOpen(at)) onDuty.add(id);
    }
    return onDuty;
  }

  /**
   * Gives `ticket` to the best available member of the role, or queues it to the role
   * (releasing a previous assignee who does not hold the role). The caller has locked
   * the ticket; this takes the role's lock. Answers the ticket as it now is.
   */
  async function assignFromRole(
    tx: Executor,
    ctx: RequestContext,
    ticket: TicketRow,
    target: AssignmentTarget,
  ): Promise<TicketRow> {
    const at = deps.now();
    const memberIds = await repository.memberIdsOf(tx, target.roleId);
    if (ticket.assigneeId !== null && memberIds.includes(ticket.assigneeId)) {
      await repository.dequeueTicket(tx, ticket.id);
      return ticket;
    }
    const eligibility = await eligibleAt(tx, memberIds, target.requiresAvailability, at);
    const lastUserId = await repository.lockPointer(tx, target.roleId);
    const decision = await decide(tx, eligibility, lastUserId);
    const details = { available: decision.available, skipped: decision.skipped, last_tie_winner: lastUserId };
    if (decision.chosen === null) {
      await repository.enqueueTicket(tx, {
        ticketId: ticket.id,
        roleId: target.roleId,
        stepKey: target.stepKey,
        requiresAvailability: target.requiresAvailability,
        reason: decision.reason,
      });
      await repository.insertAssignment(tx, {
        ticketId: ticket.id,
        userId: null,
        roleId: target.roleId,
        stepKey: target.stepKey,
        method: 'queued',
        reason: `queued to the role: ${decision.reason}`,
        details,
        actorId: ctx.actor.userId || null,
      });
      return ticket.assigneeId === null
        ? ticket
        : tickets.applyInTransaction(tx, ctx, ticket, { assigneeId: null }, 'automation');
    }
    await repository.recordChoice(tx, {
      ticketId: ticket.id,
      userId: decision.chosen,
      roleId: target.roleId,
      stepKey: target.stepKey,
      method: 'auto',
      reason: decision.reason,
      details,
      actorId: ctx.actor.userId || null,
    });
    const assigned = await tickets.applyInTransaction(
      tx,
      ctx,
      ticket,
      { assigneeId: decision.chosen },
      'automation',
    );
    await notifications.notify(tx, {
      userIds: [decision.chosen],
      kind: 'ticket.assigned',
      title: `Assigned to you: ${ticket.title}`,
      body: `Ticket #${ticket.id} was assigned to you (${decision.reason}).`,
      ticketId: ticket.id,
      email: false,
    });
    return assigned;
  }

  return { assignFromRole, eligibleAt };
}

export type Assignment = ReturnType<typeof createAssignment>;

import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { NotificationsService } from '../notifications/index.ts';
import { isOpenStatus, type TicketRow, type TicketsService } from '../tickets/index.ts';
import {
  decideWith,
  type Assignment,
  type AssignmentTarget,
  type Eligibility,
} from './workflows.assignment.ts';
import * as repository from './workflows.repository.ts';

/**
 * Fair assignment of many tickets at once (imports), decided as one after the other
 * would be: each role's pointer is locked once (roles in id order, so two imports never
 * wait on each other in a circle), the members' eligibility and open loads are read
 * once, and every decision counts the ones before it. The same decisions, reasons,
 * queue entries, pointer moves, ticket changes and notifications as `assignFromRole`
 * per ticket; `workflows.batch.int.test` compares both.
 */
export interface AssignmentBatchDeps {
  tickets: Pick<TicketsService, 'assignMany' | 'openLoad'>;
  notifications: Pick<NotificationsService, 'notifyMany'>;
  eligibleAt: Assignment['eligibleAt'];
  now: () => Date;
}

export function createAssignmentBatch({ tickets, notifications, eligibleAt, now }: AssignmentBatchDeps) {
  /**
   * `assignFromRole` for each item with a target, in order. `items` are consecutive new
   * tickets, oldest first, those without a target included: the load each decision
   * counts is that of the tickets older than the first item, plus the items before it
   * (as one create after the other would see them). Answers the tickets as they now
   * are, in the same order.
   */
  async function assignMany(
    tx: Executor,
    ctx: RequestContext,
    items: readonly { ticket: TicketRow; target?: AssignmentTarget }[],
  ): Promise<TicketRow[]> {
    const first = items[0];
    if (!first || items.every((item) => !item.target)) return items.map((item) => item.ticket);
    const at = now();
    const actorId = ctx.actor.userId || null;
    const targets = items.flatMap(({ target }) => (target ? [target] : []));
    const roleIds = [...new Set(targets.map((target) => target.roleId))].sort((a, b) => a - b);
    const members = await repository.memberIdsOfRoles(tx, roleIds);
    const eligibility = new Map<string, Eligibility>();
    const keyOf = (target: AssignmentTarget) => `${target.roleId}/${target.requiresAvailability}`;
    for (const target of targets) {
      const key = keyOf(target);
      if (!eligibility.has(key))
        eligibility.set(
          key,
          await eligibleAt(tx, members.get(target.roleId) ?? [], target.requiresAvailability, at),
        );
    }
    const last = new Map<number, number | null>();
    const moved = new Set<number>();
    for (const roleId of roleIds) last.set(roleId, await repository.lockPointer(tx, roleId));
    const candidates = [...eligibility.values()].flatMap((entry) => entry.eligible.map((e) => e.userId));
    const load = new Map(await tickets.openLoad(tx, [...new Set(candidates)], first.ticket.id));
    const counts = (ticket: TicketRow, assigneeId: number | null) => {
      if (assigneeId !== null && isOpenStatus(ticket.status))
        load.set(assigneeId, (load.get(assigneeId) ?? 0) + 1);
    };

    const decisions: Parameters<typeof repository.insertAssignments>[1] = [];
    const queued: Parameters<typeof repository.enqueueTickets>[1] = [];
    const dequeued: number[] = [];
    const changes: { before: TicketRow; assigneeId: number | null }[] = [];
    const notices: Parameters<NotificationsService['notifyMany']>[1][number][] = [];
    for (const { ticket, target } of items) {
      if (
        !target ||
        (ticket.assigneeId !== null && members.get(target.roleId)?.includes(ticket.assigneeId))
      ) {
        if (target) dequeued.push(ticket.id);
        counts(ticket, ticket.assigneeId);
        continue;
      }
      const lastUserId = last.get(target.roleId) ?? null;
      const decision = decideWith(eligibility.get(keyOf(target)) as Eligibility, load, lastUserId);
      const details = {
        available: decision.available,
        skipped: decision.skipped,
        last_tie_winner: lastUserId,
      };
      const recorded = {
        ticketId: ticket.id,
        roleId: target.roleId,
        stepKey: target.stepKey,
        details,
        actorId,
      };
      if (decision.chosen === null) {
        queued.push({
          ticketId: ticket.id,
          roleId: target.roleId,
          stepKey: target.stepKey,
          requiresAvailability: target.requiresAvailability,
          reason: decision.reason,
        });
        decisions.push({
          ...recorded,
          userId: null,
          method: 'queued',
          reason: `queued to the role: ${decision.reason}`,
        });
        if (ticket.assigneeId !== null) changes.push({ before: ticket, assigneeId: null });
        continue;
      }
      const chosen = decision.chosen;
      decisions.push({ ...recorded, userId: chosen, method: 'auto', reason: decision.reason });
      last.set(target.roleId, chosen);
      moved.add(target.roleId);
      dequeued.push(ticket.id);
      counts(ticket, chosen);
      changes.push({ before: ticket, assigneeId: chosen });
      notices.push({
        userIds: [chosen],
        kind: 'ticket.assigned',
        title: `Assigned to you: ${ticket.title}`,
        body: `Ticket #${ticket.id} was assigned to you (${decision.reason}).`,
        ticketId: ticket.id,
        email: false,
      });
    }
    await repository.movePointers(
      tx,
      [...moved].map((roleId) => ({ roleId, lastUserId: last.get(roleId) as number })),
    );
    await repository.dequeueTickets(tx, dequeued);
    await repository.enqueueTickets(tx, queued);
    await repository.insertAssignments(tx, decisions);
    const changed = new Map(
      (await tickets.assignMany(tx, ctx, changes)).map((row) => [row.id, row] as const),
    );
    await notifications.notifyMany(tx, notices);
    return items.map(({ ticket }) => changed.get(ticket.id) ?? ticket);
  }

  return { assignMany };
}

import type { Actor, RequestContext } from '../../platform/auth/actor.ts';
import type { Database } from '../../platform/db/client.ts';
import { fieldError } from '../../platform/http/errors.ts';
import type { AuditEntry, AuditService } from '../audit/index.ts';
import type { IdentityService, Person } from '../identity/index.ts';
import { ticketErrors } from './tickets.errors.ts';
import { recordCommentAdded, recordWatcherChange } from './tickets.events.ts';
import type { runHooks } from './tickets.hooks.ts';
import {
  canManage,
  canWork,
  COMMENT_ACTIONS,
  seesComment,
  seesHistoryEntry,
  seesInternal,
} from './tickets.policy.ts';
import * as repository from './tickets.repository.ts';
import type { TicketRow } from './tickets.repository.ts';
import type { TicketComment, TicketKind } from './tickets.tables.ts';

export interface TicketDiscussionDeps {
  db: Database;
  audit: Pick<AuditService, 'record' | 'historyOf'>;
  identity: Pick<IdentityService, 'peopleByUserIds'>;
  hooks: ReturnType<typeof runHooks>;
  /** The ticket, or TICKET_NOT_FOUND when `actor` may not see it. */
  visible: (actor: Actor, id: number, kind?: TicketKind) => Promise<TicketRow>;
}

/** What is said and who follows a ticket: its history, comments and watchers. */
export function createTicketDiscussion({ db, audit, identity, hooks, visible }: TicketDiscussionDeps) {
  return {
    /** The ticket's audit trail, oldest first, without entries about comments `actor` may not see. */
    async history(actor: Actor, id: number): Promise<AuditEntry[]> {
      await visible(actor, id);
      return (await audit.historyOf('ticket', id)).filter((entry) => seesHistoryEntry(actor, entry));
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
          action: 'ticket.commented' satisfies keyof typeof COMMENT_ACTIONS,
          resourceType: 'ticket',
          resourceId: ticketId,
          after: created,
        });
        await recordCommentAdded(tx, ctx, ticket, created);
        await hooks.commented(tx, ctx, ticket, created);
        return created;
      });
      const [author] = await identity.peopleByUserIds([ctx.actor.userId]);
      return { comment, author: author ?? null };
    },

    async removeComment(ctx: RequestContext, ticketId: number, commentId: number): Promise<void> {
      const ticket = await visible(ctx.actor, ticketId);
      const comment = await repository.commentById(db, ticketId, commentId);
      if (!comment || !seesComment(ctx.actor, comment)) throw ticketErrors.TICKET_COMMENT_NOT_FOUND();
      if (comment.authorId !== ctx.actor.userId && !canManage(ctx.actor, ticket))
        throw ticketErrors.TICKET_FORBIDDEN();
      await db.transaction(async (tx) => {
        await repository.deleteComment(tx, commentId);
        await audit.record(tx, ctx, {
          action: 'ticket.comment_deleted' satisfies keyof typeof COMMENT_ACTIONS,
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
          await recordWatcherChange(tx, ctx, ticket, userId, true);
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
          await recordWatcherChange(tx, ctx, ticket, userId, false);
        }
      });
    },
  };
}

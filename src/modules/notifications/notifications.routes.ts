import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { presentNotificationV2 } from './notifications.presenters.ts';
import { notificationList } from './notifications.repository.ts';
import { MarkedV2, NotificationV2, UnreadCountV2 } from './notifications.schemas.ts';
import type { NotificationsService } from './notifications.service.ts';

export interface NotificationsRouteOptions {
  notifications: NotificationsService;
}

const tags = ['notifications'];
// Everyone's own inbox: one permission covers reading it and marking it read.
const permission = 'notifications:read';

/** `/api/v2/notifications`: the caller's own notifications, their unread count, read marks. */
export const notificationsRoutesV2: FastifyPluginAsyncTypebox<NotificationsRouteOptions> = (
  app,
  { notifications },
) => {
  app.get(
    '/notifications',
    {
      config: { permission },
      schema: {
        tags,
        summary: "The caller's notifications, newest first; `?unread=true` for the unread ones.",
        querystring: listQuerySchema(notificationList, 'v2'),
        response: { 200: v2PageSchema(NotificationV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(notificationList, request.query, 'v2');
      const { actor } = contextOf(request);
      return sendList(request, reply, {
        page: () => notifications.list(actor, params),
        all: () => notifications.all(actor, params),
        present: presentNotificationV2,
        item: NotificationV2,
        filename: 'notifications',
      });
    },
  );

  app.get(
    '/notifications/unread-count',
    {
      config: { permission },
      schema: {
        tags,
        summary: "How many of the caller's notifications are unread.",
        response: { 200: UnreadCountV2 },
      },
    },
    async (request) => ({ count: await notifications.unreadCount(contextOf(request).actor) }),
  );

  app.post(
    '/notifications/:id/read',
    {
      config: { permission },
      schema: {
        tags,
        summary: "Mark one notification read (again is harmless); 404 for someone else's.",
        params: IdParams,
        response: { 200: NotificationV2 },
      },
    },
    async (request) =>
      presentNotificationV2(await notifications.markRead(contextOf(request), request.params.id)),
  );

  app.post(
    '/notifications/read-all',
    {
      config: { permission },
      schema: { tags, summary: "Mark all the caller's notifications read.", response: { 200: MarkedV2 } },
    },
    async (request) => ({ marked: await notifications.markAllRead(contextOf(request)) }),
  );
  return Promise.resolve();
};

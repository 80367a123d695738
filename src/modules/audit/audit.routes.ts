import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { auditList } from './audit.repository.ts';
import { AuditEntrySchema } from './audit.schemas.ts';
import type { AuditService } from './audit.service.ts';
import type { AuditEntry } from './audit.tables.ts';

export const presentAuditEntry = (entry: AuditEntry) => ({
  id: entry.id,
  at: entry.at.toISOString(),
  actor_id: entry.actorId,
  actor: entry.actorLabel,
  action: entry.action,
  resource_type: entry.resourceType,
  resource_id: entry.resourceId,
  before: entry.before,
  after: entry.after,
  request_id: entry.requestId,
  ip: entry.ip,
});

export const auditRoutesV2: FastifyPluginAsyncTypebox<{ audit: AuditService }> = async (app, { audit }) => {
  app.get(
    '/audit-log',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'The audit trail, newest first; filter by resource_type and resource_id for one resource.',
        querystring: listQuerySchema(auditList, 'v2'),
        response: { 200: v2PageSchema(AuditEntrySchema) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(auditList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => audit.list(params),
        all: () => audit.all(params),
        present: presentAuditEntry,
        item: AuditEntrySchema,
        filename: 'audit-log',
      });
    },
  );
};

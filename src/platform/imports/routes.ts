import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { csvLine } from '../http/csv.ts';
import { IdParams } from '../http/schemas.ts';
import type { RowError } from './parse.ts';

type TypeboxApp = Parameters<FastifyPluginAsyncTypebox>[0];

export interface RowErrorsRouteOptions {
  /** The route, ending in `/:id/errors`. */
  path: string;
  permission: string;
  tags: string[];
  summary: string;
  /** The import's record for the caller (its module's not-found error otherwise). */
  load: (request: FastifyRequest, id: number) => Promise<{ id: number; errors: unknown }>;
  /** The download's file name, from the import's id. */
  filename: (id: number) => string;
}

/** `GET .../imports/{id}/errors`: an import's row problems as CSV (row, field, message), a download. */
export function rowErrorsRoute(app: TypeboxApp, options: RowErrorsRouteOptions) {
  app.get(
    options.path,
    {
      config: { permission: options.permission },
      schema: {
        tags: options.tags,
        summary: options.summary,
        params: IdParams,
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'row,field,message' }) },
      },
    },
    async (request, reply) => {
      const record = await options.load(request, request.params.id);
      // csvLine defuses formula-like cells: a field name can come from the file (an NDJSON key).
      const lines = (record.errors as RowError[]).map((error) =>
        csvLine([error.row, error.field, error.message]),
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${options.filename(record.id)}"`)
        .send(csvLine(['row', 'field', 'message']) + lines.join(''));
    },
  );
}

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { rowErrorsRoute } from '../../platform/imports/routes.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { ticketErrors } from './tickets.errors.ts';
import { ImportFileError, IMPORT_COLUMNS, type ImportFormat, type RowError } from './tickets.import.parse.ts';
import type { TicketImports } from './tickets.import.records.ts';
import { IMPORT_MODES, type ImportOutcome } from './tickets.import.ts';
import type { TicketImport } from './tickets.tables.ts';

const tags = ['tickets'];

const MEDIA_TYPES: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
};

const RowErrorSchema = Type.Object({ row: Type.Integer(), field: Type.String(), message: Type.String() });

const ImportV2 = Type.Object({
  id: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Null for an import that ran within its request.',
  }),
  status: Type.Union(['queued', 'running', 'succeeded', 'failed'].map((value) => Type.Literal(value))),
  mode: Type.Union(IMPORT_MODES.map((value) => Type.Literal(value))),
  rows: Type.Integer({ description: 'Rows read so far.' }),
  created: Type.Integer(),
  failed: Type.Integer({ description: 'Rows refused (skipped, or the reason nothing was imported).' }),
  errors: Type.Array(RowErrorSchema, { description: 'Row problems (at most 10,000).' }),
  detail: Type.Union([Type.String(), Type.Null()]),
  ticket_ids: Type.Optional(Type.Array(Type.Integer())),
  created_at: Type.Optional(Type.String({ format: 'date-time' })),
  finished_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
});

const presentOutcome = (outcome: ImportOutcome, mode: (typeof IMPORT_MODES)[number]) => ({
  id: null,
  status: outcome.ok ? ('succeeded' as const) : ('failed' as const),
  mode,
  rows: outcome.rows,
  created: outcome.created,
  failed: outcome.failed,
  errors: outcome.errors,
  detail: null,
  ticket_ids: outcome.createdIds,
});

const presentRecord = (record: TicketImport) => ({
  id: record.id,
  status: record.status,
  mode: record.mode,
  rows: record.rows,
  created: record.created,
  failed: record.failed,
  errors: record.errors as RowError[],
  detail: record.detail,
  created_at: record.createdAt.toISOString(),
  finished_at: record.finishedAt?.toISOString() ?? null,
});

/**
 * `POST /api/v2/tickets/imports`: a CSV (`text/csv`) or NDJSON (`application/x-ndjson`)
 * body of tickets, the v1 create fields as columns. Up to 1,000 rows run at once (201,
 * or 422 listing every row problem in all_or_nothing mode); a larger file answers 202
 * with its status resource, run by a job.
 */
export const ticketImportRoutesV2: FastifyPluginAsyncTypebox<{
  imports: TicketImports;
  maxBytes: number;
}> = async (app, { imports, maxBytes }) => {
  // Only these routes read CSV and NDJSON bodies: the parsers stay in this plugin's scope.
  app.addContentTypeParser(
    Object.keys(MEDIA_TYPES),
    { parseAs: 'buffer', bodyLimit: maxBytes },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.post(
    '/tickets/imports',
    {
      bodyLimit: maxBytes,
      config: { permission: 'tickets:import' },
      schema: {
        tags,
        summary: 'Import tickets from CSV or NDJSON',
        description: `Columns (CSV header) or keys (NDJSON): ${IMPORT_COLUMNS.join(', ')}. Every row passes the rules of a create.`,
        consumes: Object.keys(MEDIA_TYPES),
        querystring: Type.Object({
          mode: Type.Optional(
            Type.Union(
              IMPORT_MODES.map((value) => Type.Literal(value)),
              { default: 'all_or_nothing' },
            ),
          ),
        }),
        response: { 201: ImportV2, 202: ImportV2 },
      },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const format = MEDIA_TYPES[type];
      const body = request.body;
      if (!format || !Buffer.isBuffer(body) || body.length === 0)
        throw new ImportFileError(
          'Send the file as the body, with Content-Type text/csv or application/x-ndjson.',
          415,
        );
      const mode = request.query.mode ?? 'all_or_nothing';
      const started = await imports.start(contextOf(request), body, format, mode);
      if ('record' in started)
        return reply
          .code(202)
          .header('location', `/api/v2/tickets/imports/${started.record.id}`)
          .send(presentRecord(started.record));
      const { outcome } = started;
      if (mode === 'all_or_nothing' && !outcome.ok)
        throw ticketErrors.TICKET_IMPORT_ROWS_INVALID({
          extra: { status: 422, rows: outcome.rows, failed: outcome.failed, errors: outcome.errors },
        });
      return reply.code(201).send(presentOutcome(outcome, mode));
    },
  );

  app.get(
    '/tickets/imports/:id',
    {
      config: { permission: 'tickets:import' },
      schema: { tags, summary: 'Status of a ticket import', params: IdParams, response: { 200: ImportV2 } },
    },
    async (request) => presentRecord(await imports.get(contextOf(request).actor, request.params.id)),
  );

  rowErrorsRoute(app, {
    path: '/tickets/imports/:id/errors',
    permission: 'tickets:import',
    tags,
    summary: "A ticket import's row problems as CSV",
    load: (request, id) => imports.get(contextOf(request).actor, id),
    filename: (id) => `ticket-import-${id}-errors.csv`,
  });
};

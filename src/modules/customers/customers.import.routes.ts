import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { rowErrorsRoute } from '../../platform/imports/routes.ts';
import type { PermissionGrants } from '../../platform/auth/policy.ts';
import { receiveFile } from '../../platform/http/uploads.ts';
import { DateTime, IdParams, Nullable } from '../../platform/http/schemas.ts';
import type { RowError } from './customers.import.parse.ts';
import type { CustomerImports } from './customers.import.records.ts';
import { IMPORT_COLUMNS } from './customers.import.parse.ts';
import { IMPORT_MODES } from './customers.import.ts';
import { CUSTOMER_IMPORT_STATUSES, type CustomerImport } from './customers.jobs.tables.ts';

/**
 * Importing customers in bulk creates personal records by the thousand: managers (and
 * admins, who hold every permission) only. The importer also needs `customers:read`
 * to read the report, which names existing customers' ids.
 */
export const customerImportPermissions = {
  'customers:import': ['manager'],
} as const satisfies PermissionGrants;

const tags = ['customers'];

const RowErrorV2 = Type.Object(
  {
    row: Type.Integer({ description: 'The row of the file (the header is row 1).' }),
    field: Type.String(),
    message: Type.String({ description: 'What is wrong; never the value itself.' }),
  },
  { title: 'CustomerImportRowError' },
);

const CustomerImportV2 = Type.Object(
  {
    id: Type.Integer(),
    status: Type.Union(CUSTOMER_IMPORT_STATUSES.map((value) => Type.Literal(value))),
    mode: Type.Union(IMPORT_MODES.map((value) => Type.Literal(value))),
    send_welcome: Type.Boolean({
      description: 'Whether created customers who consented get the welcome e-mail.',
    }),
    filename: Nullable(Type.String()),
    size_bytes: Type.Integer(),
    rows: Type.Integer({ description: 'Rows read so far.' }),
    created: Type.Integer(),
    failed: Type.Integer({ description: 'Rows refused: invalid or duplicates.' }),
    duplicates: Type.Integer({ description: 'Of the rows refused, those that repeat an e-mail or phone.' }),
    errors: Type.Array(RowErrorV2, {
      description: 'Row problems (at most 10,000); also as CSV at .../errors.',
    }),
    detail: Nullable(Type.String()),
    created_at: DateTime,
    updated_at: DateTime,
    finished_at: Nullable(DateTime),
  },
  { title: 'CustomerImport' },
);

const present = (record: CustomerImport) => ({
  id: record.id,
  status: record.status,
  mode: record.mode,
  send_welcome: record.sendWelcome,
  filename: record.filename,
  size_bytes: record.sizeBytes,
  rows: record.rows,
  created: record.created,
  failed: record.failed,
  duplicates: record.duplicates,
  errors: record.errors as RowError[],
  detail: record.detail,
  created_at: record.createdAt.toISOString(),
  updated_at: record.updatedAt.toISOString(),
  finished_at: record.finishedAt?.toISOString() ?? null,
});

/**
 * `POST /api/v2/customers/imports` (multipart/form-data, one CSV file in field `file`):
 * checked at once (a file that cannot be read is a 4xx), then run by a job; 202 with
 * the status resource, `GET /api/v2/customers/imports/{id}`, and its row problems as
 * CSV at `GET /api/v2/customers/imports/{id}/errors`.
 */
export const customerImportRoutesV2: FastifyPluginAsyncTypebox<{ imports: CustomerImports }> = async (
  app,
  { imports },
) => {
  app.post(
    '/customers/imports',
    {
      config: { permission: 'customers:import', upload: true },
      schema: {
        tags,
        summary: 'Import customers from a CSV file (multipart/form-data, field "file"), as a job',
        description: `A header row, then one customer a row. Columns: ${IMPORT_COLUMNS.join(', ')} (a v2 CSV export is read too). tags are ;-separated, addresses a JSON array, marketing_consent true or false. Every row passes the rules of a create; rows repeating an existing customer's e-mail or phone, or an earlier row's, are reported as duplicates. 202 with the status resource.`,
        consumes: ['multipart/form-data'],
        querystring: Type.Object({
          mode: Type.Optional(
            Type.Union(
              IMPORT_MODES.map((value) => Type.Literal(value)),
              {
                default: 'all_or_nothing',
                description:
                  'all_or_nothing: any invalid or duplicate row imports nothing; skip_invalid: they are skipped.',
              },
            ),
          ),
          send_welcome: Type.Optional(
            Type.Boolean({
              default: false,
              description: 'Queue the welcome e-mail of each created customer who gave marketing consent.',
            }),
          ),
        }),
        response: { 202: CustomerImportV2 },
      },
    },
    async (request, reply) => {
      const { filename, stream } = await receiveFile(request);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const record = await imports.start(
        contextOf(request),
        { data: Buffer.concat(chunks), filename },
        { mode: request.query.mode ?? 'all_or_nothing', sendWelcome: request.query.send_welcome ?? false },
      );
      return reply
        .code(202)
        .header('location', `/api/v2/customers/imports/${record.id}`)
        .send(present(record));
    },
  );

  app.get(
    '/customers/imports/:id',
    {
      config: { permission: 'customers:import' },
      schema: {
        tags,
        summary: 'Status of a customer import: progress, counts and row problems',
        params: IdParams,
        response: { 200: CustomerImportV2 },
      },
    },
    async (request) => present(await imports.get(contextOf(request).actor, request.params.id)),
  );

  rowErrorsRoute(app, {
    path: '/customers/imports/:id/errors',
    permission: 'customers:import',
    tags,
    summary: "A customer import's row problems as CSV (row, field, message; no values)",
    load: (request, id) => imports.get(contextOf(request).actor, id),
    filename: (id) => `customer-import-${id}-errors.csv`,
  });
};

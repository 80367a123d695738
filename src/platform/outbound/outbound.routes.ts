import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { contextOf, type RequestContext } from '../auth/actor.ts';
import type { Page } from '../db/list.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../http/etag.ts';
import { sendList } from '../http/negotiation.ts';
import { v2PageSchema } from '../http/pagination.ts';
import { listQuerySchema, parseListQuery, type ListParams, type ListSpec } from '../http/query.ts';
import { IdParams } from '../http/schemas.ts';

type App = Parameters<FastifyPluginAsyncTypebox>[0];

interface Versioned {
  id: number;
  version: number;
}

/** The target routes of an outbound integration, all under one path and permission. */
export interface TargetRoutes<Row extends Versioned, Create extends TObject, Update extends TObject, Input> {
  base: string;
  tags: string[];
  config: { permission: string };
  filename: string;
  list: ListSpec;
  schemas: { item: TObject; withSecret: TSchema; create: Create; update: Update };
  summaries: { list: string; create: string; get: string; update: string };
  present: (row: Row) => Record<string, unknown>;
  createInput: (body: Static<Create>) => Input & { url: string };
  updateInput: (body: Static<Update>) => Input;
  service: {
    list(params: ListParams): Promise<Page<Row>>;
    all(params: ListParams): AsyncIterable<Row>;
    create(ctx: RequestContext, input: Input & { url: string }): Promise<{ row: Row; secret: string }>;
    get(id: number): Promise<Row>;
    update(ctx: RequestContext, id: number, input: Input, version?: number): Promise<Row>;
  };
}

/** A target as an answer: its ETag set from its version, the body presented. */
export function sendVersioned<Row extends Versioned, Out>(
  reply: FastifyReply,
  row: Row,
  present: (row: Row) => Out,
): Out {
  setEtag(reply, row.version);
  return present(row);
}

/**
 * Mounts the list, create, read and If-Match update of targets; the create answer is
 * the one place their secret is shown. The bodies are cast to their schemas' static
 * types because the TypeBox provider cannot resolve those of a generic schema.
 */
export function mountTargetRoutes<
  Row extends Versioned,
  Create extends TObject,
  Update extends TObject,
  Input,
>(app: App, routes: TargetRoutes<Row, Create, Update, Input>): void {
  const { base, tags, config, schemas, summaries, present, service } = routes;
  const send = (reply: FastifyReply, row: Row) => sendVersioned(reply, row, present);

  app.get(
    base,
    {
      config,
      schema: {
        tags,
        summary: summaries.list,
        querystring: listQuerySchema(routes.list, 'v2'),
        response: { 200: v2PageSchema(schemas.item) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(routes.list, request.query, 'v2');
      return sendList(request, reply, {
        page: () => service.list(params),
        all: () => service.all(params),
        present,
        item: schemas.item,
        filename: routes.filename,
      });
    },
  );

  app.post(
    base,
    {
      config,
      schema: {
        tags,
        summary: summaries.create,
        body: schemas.create,
        response: { 201: schemas.withSecret },
      },
    },
    async (request, reply) => {
      const { row, secret } = await service.create(
        contextOf(request),
        routes.createInput(request.body as Static<Create>),
      );
      reply.header('location', `/api/v2${base}/${row.id}`);
      return reply.code(201).send({ ...send(reply, row), secret });
    },
  );

  app.get(
    `${base}/:id`,
    {
      config,
      schema: { tags, summary: summaries.get, params: IdParams, response: { 200: schemas.item } },
    },
    async (request, reply) => send(reply, await service.get(request.params.id)),
  );

  app.patch(
    `${base}/:id`,
    {
      config,
      schema: {
        tags,
        summary: summaries.update,
        params: IdParams,
        body: schemas.update,
        response: { 200: schemas.item },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const row = await withVersionCheck('v2', present, () =>
        service.update(
          contextOf(request),
          request.params.id,
          routes.updateInput(request.body as Static<Update>),
          version,
        ),
      );
      return send(reply, row);
    },
  );
}

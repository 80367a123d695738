import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { stockItemList } from './rentals.catalog.repository.ts';
import {
  ProductItemParams,
  ProductV2,
  ProductV2CreateBody,
  ProductV2UpdateBody,
  StockItemCreateBody,
  StockItemUpdateBody,
  StockItemV2,
} from './rentals.catalog.schemas.ts';
import {
  presentProductV2,
  presentStockItemV2,
  productInputV2,
  stockItemInput,
} from './rentals.catalog.presenters.ts';
import {
  categoryResource,
  Deleted,
  listSchema,
  productResource,
  read,
  sendListing,
  stockItemListing,
  tags,
  write,
  type CatalogApp,
  type CatalogResource,
  type CatalogRouteOptions,
} from './rentals.catalog.routes.ts';

/** A v2 update or delete says that it needs If-Match. */
const ifMatch = (summary: string) => summary.replace(/\.$/, '; requires If-Match.');

/** Sets the ETag of a versioned row and presents it. */
const tagged =
  <T extends { version: number }, R>(present: (row: T) => R) =>
  (reply: FastifyReply, row: T): R => {
    setEtag(reply, row.version);
    return present(row);
  };
const sendItem = tagged(presentStockItemV2);

/** A resource's list, detail, create (with Location), update and delete, each with its ETag. */
function resourceRoutesV2<
  Row extends { id: number; version: number },
  Create extends TSchema,
  Update extends TSchema,
>(app: CatalogApp, resource: CatalogResource<Row, Create, Update>) {
  const { path, item, present, summaries } = resource;
  const send = tagged(present);
  app.get(
    path,
    { config: read, schema: { tags, summary: summaries.list, ...listSchema('v2', resource) } },
    (request, reply) => sendListing(request, reply, 'v2', request.query, resource),
  );
  app.get(
    `${path}/:id`,
    { config: read, schema: { tags, summary: summaries.get, params: IdParams, response: { 200: item } } },
    async (request, reply) => send(reply, await resource.get(request.params.id)),
  );
  app.post(
    path,
    {
      config: write,
      schema: { tags, summary: summaries.create, body: resource.createBody, response: { 201: item } },
    },
    async (request, reply) => {
      const row = await resource.create(contextOf(request), request.body);
      reply.header('location', `/api/v2${path}/${row.id}`);
      return reply.code(201).send(send(reply, row));
    },
  );
  app.patch(
    `${path}/:id`,
    {
      config: write,
      schema: {
        tags,
        summary: ifMatch(summaries.update),
        params: IdParams,
        body: resource.updateBody,
        response: { 200: item },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const row = await withVersionCheck('v2', present, () =>
        resource.update(contextOf(request), request.params.id, request.body, version),
      );
      return send(reply, row);
    },
  );
  app.delete(
    `${path}/:id`,
    {
      config: write,
      schema: { tags, summary: ifMatch(summaries.remove), params: IdParams, response: Deleted },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', present, () =>
        resource.remove(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );
}

/** v2 catalog: cursor pages, ETag on every resource, If-Match on every update and delete. */
export const catalogRoutesV2: FastifyPluginAsyncTypebox<CatalogRouteOptions> = (app, { catalog }) => {
  resourceRoutesV2(app, categoryResource(catalog));
  resourceRoutesV2(
    app,
    productResource(catalog, {
      item: ProductV2,
      present: presentProductV2,
      createBody: ProductV2CreateBody,
      updateBody: ProductV2UpdateBody,
      input: productInputV2,
    }),
  );

  app.get(
    '/catalog/products/:id/items',
    {
      config: read,
      schema: {
        tags,
        summary: "A product's stock items.",
        params: IdParams,
        ...listSchema('v2', { list: stockItemList, item: StockItemV2 }),
      },
    },
    (request, reply) =>
      sendListing(request, reply, 'v2', request.query, {
        ...stockItemListing(catalog, request.params.id),
        item: StockItemV2,
        present: presentStockItemV2,
      }),
  );
  app.get(
    '/catalog/products/:id/items/:itemId',
    {
      config: read,
      schema: { tags, summary: 'One stock item.', params: ProductItemParams, response: { 200: StockItemV2 } },
    },
    async (request, reply) =>
      sendItem(reply, await catalog.getStockItem(request.params.id, request.params.itemId)),
  );
  app.post(
    '/catalog/products/:id/items',
    {
      config: write,
      schema: {
        tags,
        summary: 'Add a stock item (a serial-numbered unit) to a product.',
        params: IdParams,
        body: StockItemCreateBody,
        response: { 201: StockItemV2 },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const item = await catalog.createStockItem(contextOf(request), id, stockItemInput(request.body));
      reply.header('location', `/api/v2/catalog/products/${id}/items/${item.id}`);
      return reply.code(201).send(sendItem(reply, item));
    },
  );
  app.patch(
    '/catalog/products/:id/items/:itemId',
    {
      config: write,
      schema: {
        tags,
        summary: 'Update a stock item (condition, status); requires If-Match.',
        params: ProductItemParams,
        body: StockItemUpdateBody,
        response: { 200: StockItemV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const { id, itemId } = request.params;
      const item = await withVersionCheck('v2', presentStockItemV2, () =>
        catalog.updateStockItem(contextOf(request), id, itemId, stockItemInput(request.body), version),
      );
      return sendItem(reply, item);
    },
  );
  app.delete(
    '/catalog/products/:id/items/:itemId',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a stock item that was never booked; requires If-Match.',
        params: ProductItemParams,
        response: Deleted,
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const { id, itemId } = request.params;
      await withVersionCheck('v2', presentStockItemV2, () =>
        catalog.deleteStockItem(contextOf(request), id, itemId, version),
      );
      return reply.code(204).send(null);
    },
  );
  return Promise.resolve();
};

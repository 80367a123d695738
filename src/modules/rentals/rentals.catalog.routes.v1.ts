import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, withVersionCheck } from '../../platform/http/etag.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { stockItemList } from './rentals.catalog.repository.ts';
import {
  ProductItemParams,
  ProductV1,
  ProductV1CreateBody,
  ProductV1UpdateBody,
  StockItemCreateBody,
  StockItemUpdateBody,
  StockItemV1,
} from './rentals.catalog.schemas.ts';
import {
  presentProductV1,
  presentStockItemV1,
  productInputV1,
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

/** A resource's list, detail, create, update (PATCH and PUT) and delete, DRF ModelViewSet style. */
function resourceRoutesV1<Row, Create extends TSchema, Update extends TSchema>(
  app: CatalogApp,
  resource: CatalogResource<Row, Create, Update>,
) {
  const { path, item, present, summaries } = resource;
  app.get(
    `${path}/`,
    { config: read, schema: { tags, summary: summaries.list, ...listSchema('v1', resource) } },
    (request, reply) => sendListing(request, reply, 'v1', request.query, resource),
  );
  app.get(
    `${path}/:id/`,
    { config: read, schema: { tags, summary: summaries.get, params: IdParams, response: { 200: item } } },
    async (request) => present(await resource.get(request.params.id)),
  );
  app.post(
    `${path}/`,
    {
      config: write,
      schema: { tags, summary: summaries.create, body: resource.createBody, response: { 201: item } },
    },
    async (request, reply) => {
      const row = await resource.create(contextOf(request), request.body);
      return reply.code(201).send(present(row));
    },
  );
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: `${path}/:id/`,
      config: write,
      schema: {
        tags,
        summary: summaries.update,
        params: IdParams,
        body: resource.updateBody,
        response: { 200: item },
      },
      handler: async (request) => {
        const version = expectedVersion(request, 'v1', (request.body as { version?: unknown }).version);
        const row = await withVersionCheck('v1', present, () =>
          resource.update(contextOf(request), request.params.id, request.body, version),
        );
        return present(row);
      },
    });
  }
  app.delete(
    `${path}/:id/`,
    { config: write, schema: { tags, summary: summaries.remove, params: IdParams, response: Deleted } },
    async (request, reply) => {
      await resource.remove(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}

/** v1 catalog (DRF ModelViewSet shape): categories, products and each product's stock items. */
export const catalogRoutesV1: FastifyPluginAsyncTypebox<CatalogRouteOptions> = (app, { catalog }) => {
  resourceRoutesV1(app, categoryResource(catalog));
  resourceRoutesV1(
    app,
    productResource(catalog, {
      item: ProductV1,
      present: presentProductV1,
      createBody: ProductV1CreateBody,
      updateBody: ProductV1UpdateBody,
      input: productInputV1,
    }),
  );

  app.get(
    '/catalog/products/:id/items/',
    {
      config: read,
      schema: {
        tags,
        summary: "A product's stock items.",
        params: IdParams,
        ...listSchema('v1', { list: stockItemList, item: StockItemV1 }),
      },
    },
    (request, reply) =>
      sendListing(request, reply, 'v1', request.query, {
        ...stockItemListing(catalog, request.params.id),
        item: StockItemV1,
        present: presentStockItemV1,
      }),
  );
  app.get(
    '/catalog/products/:id/items/:itemId/',
    {
      config: read,
      schema: { tags, summary: 'One stock item.', params: ProductItemParams, response: { 200: StockItemV1 } },
    },
    async (request) =>
      presentStockItemV1(await catalog.getStockItem(request.params.id, request.params.itemId)),
  );
  app.post(
    '/catalog/products/:id/items/',
    {
      config: write,
      schema: {
        tags,
        summary: 'Add a stock item (a serial-numbered unit) to a product.',
        params: IdParams,
        body: StockItemCreateBody,
        response: { 201: StockItemV1 },
      },
    },
    async (request, reply) => {
      const item = await catalog.createStockItem(
        contextOf(request),
        request.params.id,
        stockItemInput(request.body),
      );
      return reply.code(201).send(presentStockItemV1(item));
    },
  );
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/catalog/products/:id/items/:itemId/',
      config: write,
      schema: {
        tags,
        summary: 'Update a stock item (condition, status: available, maintenance, retired).',
        params: ProductItemParams,
        body: StockItemUpdateBody,
        response: { 200: StockItemV1 },
      },
      handler: async (request) => {
        const version = expectedVersion(request, 'v1', request.body.version);
        const { id, itemId } = request.params;
        const item = await withVersionCheck('v1', presentStockItemV1, () =>
          catalog.updateStockItem(contextOf(request), id, itemId, stockItemInput(request.body), version),
        );
        return presentStockItemV1(item);
      },
    });
  }
  app.delete(
    '/catalog/products/:id/items/:itemId/',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a stock item that was never booked.',
        params: ProductItemParams,
        response: Deleted,
      },
    },
    async (request, reply) => {
      await catalog.deleteStockItem(contextOf(request), request.params.id, request.params.itemId);
      return reply.code(204).send(null);
    },
  );
  return Promise.resolve();
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { contextOf, type RequestContext } from '../../platform/auth/actor.ts';
import type { Page } from '../../platform/db/list.ts';
import { expectedVersion, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema } from '../../platform/http/pagination.ts';
import {
  listQuerySchema,
  parseListQuery,
  type ListParams,
  type ListSpec,
} from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { categoryList, productList, stockItemList } from './rentals.catalog.repository.ts';
import {
  Category,
  CategoryCreateBody,
  CategoryUpdateBody,
  ProductItemParams,
  ProductV1,
  ProductV1CreateBody,
  ProductV1UpdateBody,
  StockItemCreateBody,
  StockItemUpdateBody,
  StockItemV1,
} from './rentals.catalog.schemas.ts';
import {
  presentCategory,
  presentProductV1,
  presentStockItemV1,
  productInputV1,
  stockItemInput,
} from './rentals.catalog.presenters.ts';
import type { CatalogService } from './rentals.catalog.service.ts';

export interface CatalogRouteOptions {
  catalog: CatalogService;
}

const tags = ['rentals'];
const Deleted = { 204: Type.Null({ description: 'Deleted.' }) };
const read = { permission: 'rentals:read' };
const write = { permission: 'catalog:write' };

/**
 * What a top-level catalog resource (categories, products) hands the route factory of each
 * API version: its path, schemas, summaries and service calls.
 */
export interface CatalogResource<Row, Create extends TSchema, Update extends TSchema> {
  path: string;
  item: TSchema;
  list: ListSpec;
  filename: string;
  present: (row: Row) => unknown;
  summaries: { list: string; get: string; create: string; update: string; remove: string };
  createBody: Create;
  updateBody: Update;
  page: (params: ListParams) => Promise<Page<Row>>;
  all: (params: ListParams) => AsyncIterable<Row>;
  get: (id: number) => Promise<Row>;
  create: (ctx: RequestContext, body: Static<Create>) => Promise<Row>;
  update: (ctx: RequestContext, id: number, body: Static<Update>, version?: number) => Promise<Row>;
  remove: (ctx: RequestContext, id: number, version?: number) => Promise<void>;
}

export type CatalogApp = Parameters<FastifyPluginAsyncTypebox>[0];

/** A resource's list, detail, create, update (PATCH and PUT) and delete, DRF ModelViewSet style. */
function resourceRoutesV1<Row, Create extends TSchema, Update extends TSchema>(
  app: CatalogApp,
  resource: CatalogResource<Row, Create, Update>,
) {
  const { path, item, list, present, summaries } = resource;
  app.get(
    `${path}/`,
    {
      config: read,
      schema: {
        tags,
        summary: summaries.list,
        querystring: listQuerySchema(list, 'v1'),
        response: { 200: v1PageSchema(item) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(list, request.query, 'v1');
      return sendList(request, reply, {
        page: () => resource.page(params),
        all: () => resource.all(params),
        present,
        item,
        filename: resource.filename,
      });
    },
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
  resourceRoutesV1(app, {
    path: '/catalog/categories',
    item: Category,
    list: categoryList,
    filename: 'rental-categories',
    present: presentCategory,
    summaries: {
      list: 'Rental product categories.',
      get: 'One category.',
      create: 'Create a category.',
      update: 'Update a category.',
      remove: 'Delete an empty category.',
    },
    createBody: CategoryCreateBody,
    updateBody: CategoryUpdateBody,
    page: (params) => catalog.listCategories(params),
    all: (params) => catalog.allCategories(params),
    get: (id) => catalog.getCategory(id),
    create: (ctx, { name, description }) => catalog.createCategory(ctx, { name, description }),
    update: (ctx, id, { name, description }, version) =>
      catalog.updateCategory(ctx, id, { name, description }, version),
    remove: (ctx, id) => catalog.deleteCategory(ctx, id),
  });
  resourceRoutesV1(app, {
    path: '/catalog/products',
    item: ProductV1,
    list: productList,
    filename: 'rental-products',
    present: presentProductV1,
    summaries: {
      list: 'Rental products with their rates (minor units), buffers and rules.',
      get: 'One product.',
      create: 'Create a product.',
      update: 'Update a product.',
      remove: 'Delete a product nothing refers to.',
    },
    createBody: ProductV1CreateBody,
    updateBody: ProductV1UpdateBody,
    page: (params) => catalog.listProducts(params),
    all: (params) => catalog.allProducts(params),
    get: (id) => catalog.getProduct(id),
    create: (ctx, body) => catalog.createProduct(ctx, productInputV1(body)),
    update: (ctx, id, body, version) => catalog.updateProduct(ctx, id, productInputV1(body), version),
    remove: (ctx, id) => catalog.deleteProduct(ctx, id),
  });

  app.get(
    '/catalog/products/:id/items/',
    {
      config: read,
      schema: {
        tags,
        summary: "A product's stock items.",
        params: IdParams,
        querystring: listQuerySchema(stockItemList, 'v1'),
        response: { 200: v1PageSchema(StockItemV1) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(stockItemList, request.query, 'v1');
      return sendList(request, reply, {
        page: () => catalog.listStockItems(request.params.id, params),
        all: () => catalog.allStockItems(request.params.id, params),
        present: presentStockItemV1,
        item: StockItemV1,
        filename: 'rental-stock-items',
      });
    },
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

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
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

/** v1 catalog (DRF ModelViewSet shape): categories, products and each product's stock items. */
export const catalogRoutesV1: FastifyPluginAsyncTypebox<CatalogRouteOptions> = (app, { catalog }) => {
  app.get(
    '/catalog/categories/',
    {
      config: read,
      schema: {
        tags,
        summary: 'Rental product categories.',
        querystring: listQuerySchema(categoryList, 'v1'),
        response: { 200: v1PageSchema(Category) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(categoryList, request.query, 'v1');
      return sendList(request, reply, {
        page: () => catalog.listCategories(params),
        all: () => catalog.allCategories(params),
        present: presentCategory,
        item: Category,
        filename: 'rental-categories',
      });
    },
  );
  app.get(
    '/catalog/categories/:id/',
    {
      config: read,
      schema: { tags, summary: 'One category.', params: IdParams, response: { 200: Category } },
    },
    async (request) => presentCategory(await catalog.getCategory(request.params.id)),
  );
  app.post(
    '/catalog/categories/',
    {
      config: write,
      schema: { tags, summary: 'Create a category.', body: CategoryCreateBody, response: { 201: Category } },
    },
    async (request, reply) => {
      const { name, description } = request.body;
      const category = await catalog.createCategory(contextOf(request), { name, description });
      return reply.code(201).send(presentCategory(category));
    },
  );
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/catalog/categories/:id/',
      config: write,
      schema: {
        tags,
        summary: 'Update a category.',
        params: IdParams,
        body: CategoryUpdateBody,
        response: { 200: Category },
      },
      handler: async (request) => {
        const { name, description, version } = request.body;
        const category = await withVersionCheck('v1', presentCategory, () =>
          catalog.updateCategory(
            contextOf(request),
            request.params.id,
            { name, description },
            expectedVersion(request, 'v1', version),
          ),
        );
        return presentCategory(category);
      },
    });
  }
  app.delete(
    '/catalog/categories/:id/',
    {
      config: write,
      schema: { tags, summary: 'Delete an empty category.', params: IdParams, response: Deleted },
    },
    async (request, reply) => {
      await catalog.deleteCategory(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/catalog/products/',
    {
      config: read,
      schema: {
        tags,
        summary: 'Rental products with their rates (minor units), buffers and rules.',
        querystring: listQuerySchema(productList, 'v1'),
        response: { 200: v1PageSchema(ProductV1) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(productList, request.query, 'v1');
      return sendList(request, reply, {
        page: () => catalog.listProducts(params),
        all: () => catalog.allProducts(params),
        present: presentProductV1,
        item: ProductV1,
        filename: 'rental-products',
      });
    },
  );
  app.get(
    '/catalog/products/:id/',
    {
      config: read,
      schema: { tags, summary: 'One product.', params: IdParams, response: { 200: ProductV1 } },
    },
    async (request) => presentProductV1(await catalog.getProduct(request.params.id)),
  );
  app.post(
    '/catalog/products/',
    {
      config: write,
      schema: { tags, summary: 'Create a product.', body: ProductV1CreateBody, response: { 201: ProductV1 } },
    },
    async (request, reply) => {
      const product = await catalog.createProduct(contextOf(request), productInputV1(request.body));
      return reply.code(201).send(presentProductV1(product));
    },
  );
  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/catalog/products/:id/',
      config: write,
      schema: {
        tags,
        summary: 'Update a product.',
        params: IdParams,
        body: ProductV1UpdateBody,
        response: { 200: ProductV1 },
      },
      handler: async (request) => {
        const version = expectedVersion(request, 'v1', request.body.version);
        const product = await withVersionCheck('v1', presentProductV1, () =>
          catalog.updateProduct(contextOf(request), request.params.id, productInputV1(request.body), version),
        );
        return presentProductV1(product);
      },
    });
  }
  app.delete(
    '/catalog/products/:id/',
    {
      config: write,
      schema: { tags, summary: 'Delete a product nothing refers to.', params: IdParams, response: Deleted },
    },
    async (request, reply) => {
      await catalog.deleteProduct(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

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

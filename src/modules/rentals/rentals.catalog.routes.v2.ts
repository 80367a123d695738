import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { categoryList, productList, stockItemList } from './rentals.catalog.repository.ts';
import {
  Category,
  CategoryCreateBody,
  CategoryUpdateBody,
  ProductItemParams,
  ProductV2,
  ProductV2CreateBody,
  ProductV2UpdateBody,
  StockItemCreateBody,
  StockItemUpdateBody,
  StockItemV2,
} from './rentals.catalog.schemas.ts';
import {
  presentCategory,
  presentProductV2,
  presentStockItemV2,
  productInputV2,
  stockItemInput,
} from './rentals.catalog.presenters.ts';
import type { CatalogRouteOptions } from './rentals.catalog.routes.v1.ts';

const tags = ['rentals'];
const Deleted = { 204: Type.Null({ description: 'Deleted.' }) };
const read = { permission: 'rentals:read' };
const write = { permission: 'catalog:write' };

/** Sets the ETag of a versioned row and presents it. */
const tagged =
  <T extends { version: number }, R>(present: (row: T) => R) =>
  (reply: FastifyReply, row: T): R => {
    setEtag(reply, row.version);
    return present(row);
  };
const sendCategory = tagged(presentCategory);
const sendProduct = tagged(presentProductV2);
const sendItem = tagged(presentStockItemV2);

/** v2 catalog: cursor pages, ETag on every resource, If-Match on every update and delete. */
export const catalogRoutesV2: FastifyPluginAsyncTypebox<CatalogRouteOptions> = (app, { catalog }) => {
  app.get(
    '/catalog/categories',
    {
      config: read,
      schema: {
        tags,
        summary: 'Rental product categories.',
        querystring: listQuerySchema(categoryList, 'v2'),
        response: { 200: v2PageSchema(Category) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(categoryList, request.query, 'v2');
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
    '/catalog/categories/:id',
    {
      config: read,
      schema: { tags, summary: 'One category.', params: IdParams, response: { 200: Category } },
    },
    async (request, reply) => sendCategory(reply, await catalog.getCategory(request.params.id)),
  );
  app.post(
    '/catalog/categories',
    {
      config: write,
      schema: { tags, summary: 'Create a category.', body: CategoryCreateBody, response: { 201: Category } },
    },
    async (request, reply) => {
      const { name, description } = request.body;
      const category = await catalog.createCategory(contextOf(request), { name, description });
      reply.header('location', `/api/v2/catalog/categories/${category.id}`);
      return reply.code(201).send(sendCategory(reply, category));
    },
  );
  app.patch(
    '/catalog/categories/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Update a category; requires If-Match.',
        params: IdParams,
        body: CategoryUpdateBody,
        response: { 200: Category },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const { name, description } = request.body;
      const category = await withVersionCheck('v2', presentCategory, () =>
        catalog.updateCategory(contextOf(request), request.params.id, { name, description }, version),
      );
      return sendCategory(reply, category);
    },
  );
  app.delete(
    '/catalog/categories/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete an empty category; requires If-Match.',
        params: IdParams,
        response: Deleted,
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentCategory, () =>
        catalog.deleteCategory(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/catalog/products',
    {
      config: read,
      schema: {
        tags,
        summary: 'Rental products with their rates (minor units), buffers and rules.',
        querystring: listQuerySchema(productList, 'v2'),
        response: { 200: v2PageSchema(ProductV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(productList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => catalog.listProducts(params),
        all: () => catalog.allProducts(params),
        present: presentProductV2,
        item: ProductV2,
        filename: 'rental-products',
      });
    },
  );
  app.get(
    '/catalog/products/:id',
    {
      config: read,
      schema: { tags, summary: 'One product.', params: IdParams, response: { 200: ProductV2 } },
    },
    async (request, reply) => sendProduct(reply, await catalog.getProduct(request.params.id)),
  );
  app.post(
    '/catalog/products',
    {
      config: write,
      schema: { tags, summary: 'Create a product.', body: ProductV2CreateBody, response: { 201: ProductV2 } },
    },
    async (request, reply) => {
      const product = await catalog.createProduct(contextOf(request), productInputV2(request.body));
      reply.header('location', `/api/v2/catalog/products/${product.id}`);
      return reply.code(201).send(sendProduct(reply, product));
    },
  );
  app.patch(
    '/catalog/products/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Update a product; requires If-Match.',
        params: IdParams,
        body: ProductV2UpdateBody,
        response: { 200: ProductV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const product = await withVersionCheck('v2', presentProductV2, () =>
        catalog.updateProduct(contextOf(request), request.params.id, productInputV2(request.body), version),
      );
      return sendProduct(reply, product);
    },
  );
  app.delete(
    '/catalog/products/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a product nothing refers to; requires If-Match.',
        params: IdParams,
        response: Deleted,
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presentProductV2, () =>
        catalog.deleteProduct(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/catalog/products/:id/items',
    {
      config: read,
      schema: {
        tags,
        summary: "A product's stock items.",
        params: IdParams,
        querystring: listQuerySchema(stockItemList, 'v2'),
        response: { 200: v2PageSchema(StockItemV2) },
      },
    },
    (request, reply) => {
      const params = parseListQuery(stockItemList, request.query, 'v2');
      return sendList(request, reply, {
        page: () => catalog.listStockItems(request.params.id, params),
        all: () => catalog.allStockItems(request.params.id, params),
        present: presentStockItemV2,
        item: StockItemV2,
        filename: 'rental-stock-items',
      });
    },
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

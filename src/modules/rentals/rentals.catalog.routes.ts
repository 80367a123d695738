import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Page } from '../../platform/db/list.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema, v2PageSchema } from '../../platform/http/pagination.ts';
import {
  listQuerySchema,
  parseListQuery,
  type ListParams,
  type ListSpec,
} from '../../platform/http/query.ts';
import type { ApiVersion } from '../../platform/http/versioning.ts';
import { categoryList, productList, stockItemList } from './rentals.catalog.repository.ts';
import { Category, CategoryCreateBody, CategoryUpdateBody } from './rentals.catalog.schemas.ts';
import { presentCategory } from './rentals.catalog.presenters.ts';
import type { CatalogService, ProductInput } from './rentals.catalog.service.ts';
import type { RentalCategory, RentalProduct } from './rentals.tables.ts';

/**
 * What the catalog routes of both API versions share: categories and products are one
 * resource each, which rentals.catalog.routes.v1.ts and .v2.ts mount in their own wire style.
 */
export interface CatalogRouteOptions {
  catalog: CatalogService;
}

export type CatalogApp = Parameters<FastifyPluginAsyncTypebox>[0];

export const tags = ['rentals'];
export const Deleted = { 204: Type.Null({ description: 'Deleted.' }) };
export const read = { permission: 'rentals:read' };
export const write = { permission: 'catalog:write' };

/** What a catalog list pages or exports: the rows of one query, in a version's item shape. */
export interface CatalogListing<Row> {
  list: ListSpec;
  item: TSchema;
  filename: string;
  present: (row: Row) => unknown;
  page: (params: ListParams) => Promise<Page<Row>>;
  all: (params: ListParams) => AsyncIterable<Row>;
}

/** A list's querystring and page schemas in either version. */
export const listSchema = (
  api: ApiVersion,
  { list, item }: Pick<CatalogListing<unknown>, 'list' | 'item'>,
) => ({
  querystring: listQuerySchema(list, api),
  response: { 200: api === 'v1' ? v1PageSchema(item) : v2PageSchema(item) },
});

/** Answers a list request with a page of the version or, as negotiated, an export. */
export function sendListing<Row>(
  request: FastifyRequest,
  reply: FastifyReply,
  api: ApiVersion,
  query: Record<string, unknown>,
  listing: CatalogListing<Row>,
) {
  const params = parseListQuery(listing.list, query, api);
  return sendList(request, reply, {
    page: () => listing.page(params),
    all: () => listing.all(params),
    present: listing.present,
    item: listing.item,
    filename: listing.filename,
  });
}

/** A product's stock items as either version lists them; the version adds its item shape. */
export const stockItemListing = (catalog: CatalogService, productId: number) => ({
  list: stockItemList,
  filename: 'rental-stock-items',
  page: (params: ListParams) => catalog.listStockItems(productId, params),
  all: (params: ListParams) => catalog.allStockItems(productId, params),
});

/**
 * A top-level catalog resource: its path, schemas, summaries (as v1 words them) and
 * service calls.
 */
export interface CatalogResource<
  Row,
  Create extends TSchema,
  Update extends TSchema,
> extends CatalogListing<Row> {
  path: string;
  summaries: { list: string; get: string; create: string; update: string; remove: string };
  createBody: Create;
  updateBody: Update;
  get: (id: number) => Promise<Row>;
  create: (ctx: RequestContext, body: Static<Create>) => Promise<Row>;
  update: (ctx: RequestContext, id: number, body: Static<Update>, version?: number) => Promise<Row>;
  remove: (ctx: RequestContext, id: number, version?: number) => Promise<void>;
}

export const categoryResource = (
  catalog: CatalogService,
): CatalogResource<RentalCategory, typeof CategoryCreateBody, typeof CategoryUpdateBody> => ({
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
  remove: (ctx, id, version) => catalog.deleteCategory(ctx, id, version),
});

/** Products: each version has its own wire shape and its own reading of a body into the service's input. */
export const productResource = <Create extends TSchema, Update extends TSchema>(
  catalog: CatalogService,
  wire: Pick<
    CatalogResource<RentalProduct, Create, Update>,
    'item' | 'present' | 'createBody' | 'updateBody'
  > & {
    input: (body: Static<Create> | Static<Update>) => ProductInput;
  },
): CatalogResource<RentalProduct, Create, Update> => ({
  path: '/catalog/products',
  item: wire.item,
  list: productList,
  filename: 'rental-products',
  present: wire.present,
  summaries: {
    list: 'Rental products with their rates (minor units), buffers and rules.',
    get: 'One product.',
    create: 'Create a product.',
    update: 'Update a product.',
    remove: 'Delete a product nothing refers to.',
  },
  createBody: wire.createBody,
  updateBody: wire.updateBody,
  page: (params) => catalog.listProducts(params),
  all: (params) => catalog.allProducts(params),
  get: (id) => catalog.getProduct(id),
  create: (ctx, body) => catalog.createProduct(ctx, wire.input(body)),
  update: (ctx, id, body, version) => catalog.updateProduct(ctx, id, wire.input(body), version),
  remove: (ctx, id, version) => catalog.deleteProduct(ctx, id, version),
});

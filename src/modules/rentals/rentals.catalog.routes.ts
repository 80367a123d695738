import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Page } from '../../platform/db/list.ts';
import type { ListParams, ListSpec } from '../../platform/http/query.ts';
import { categoryList, productList } from './rentals.catalog.repository.ts';
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

/**
 * A top-level catalog resource: its path, schemas, summaries (as v1 words them) and
 * service calls.
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

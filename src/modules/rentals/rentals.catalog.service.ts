import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { isViolation } from '../../platform/db/errors.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError, type AppError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import * as repository from './rentals.catalog.repository.ts';
import { rentalsErrors } from './rentals.errors.ts';
import { rentalsChanged } from './rentals.cache.ts';
import { recordCatalogChange, type CatalogResource } from './rentals.events.ts';
import { rentalStockItems } from './rentals.tables.ts';
import type {
  NewRentalCategory,
  NewRentalProduct,
  NewStockItem,
  RentalCategory,
  RentalProduct,
  StockItem,
} from './rentals.tables.ts';
import { eq } from 'drizzle-orm';

export type CategoryInput = Partial<Pick<NewRentalCategory, 'name' | 'description'>>;
export type ProductInput = Partial<Omit<NewRentalProduct, 'id' | 'version' | 'createdAt' | 'updatedAt'>>;
export type StockItemInput = Partial<Pick<NewStockItem, 'serialNumber' | 'condition' | 'status'>>;

export interface CatalogDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  /** Whether a business calendar exists (calendars module). */
  calendarExists: (id: number) => Promise<boolean>;
}

/** Runs a write, turning a unique violation into the field error a client can act on. */
async function unique<T>(write: Promise<T>, taken: () => AppError): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isViolation(error, '23505')) throw taken();
    throw error;
  }
}

const skuTaken = () => fieldError('sku', 'A product with this SKU already exists.');
const serialTaken = () => fieldError('serial_number', 'A stock item with this serial number already exists.');
const categoryTaken = () => fieldError('name', 'A category with this name already exists.');

/** Catalog: categories, products (rates, buffers, rules) and their stock items; every write audited. */
export function createCatalogService({ db, audit, calendarExists }: CatalogDeps) {
  const categoryListing = listing(
    repository.categoryList,
    listQueries(db, repository.categories.list, repository.categories.count),
  );
  const productListing = listing(
    repository.productList,
    listQueries(db, repository.products.list, repository.products.count),
  );
  const itemListing = listing(
    repository.stockItemList,
    listQueries(db, repository.stockItems.list, repository.stockItems.count),
  );

  async function checkProduct(executor: Executor, input: ProductInput, before?: RentalProduct) {
    const merged = { ...before, ...input };
    if (merged.hourlyRate == null && merged.dailyRate == null && merged.weeklyRate == null)
      throw fieldError('rates', 'Give at least one of hourly_rate, daily_rate and weekly_rate.');
    if (input.categoryId != null && !(await repository.categories.byId(executor, input.categoryId)))
      throw fieldError('category', `Invalid pk "${input.categoryId}" - object does not exist.`);
    if (input.calendarId != null && !(await calendarExists(input.calendarId)))
      throw fieldError('calendar_id', `Calendar ${input.calendarId} does not exist.`);
    if (merged.lateFeeUnit == null && (merged.lateFeeAmount ?? 0) > 0)
      throw fieldError('late_fee_unit', 'A late fee needs its unit: hour or day.');
  }

  async function productOrMissing(executor: Executor, id: number, lock = false) {
    const product = await repository.products.byId(executor, id, { lock });
    if (!product) throw rentalsErrors.RENTALS_PRODUCT_NOT_FOUND();
    return product;
  }

  async function itemOf(executor: Executor, productId: number, itemId: number, lock = false) {
    const item = await repository.stockItems.byId(executor, itemId, { lock });
    if (!item || item.productId !== productId) throw rentalsErrors.RENTALS_STOCK_ITEM_NOT_FOUND();
    return item;
  }

  /** One audited, versioned write: the row before, the change, a VERSION_CONFLICT when stale. */
  async function audited<T extends RentalCategory | RentalProduct | StockItem>(
    ctx: RequestContext,
    resourceType: CatalogResource,
    action: `${CatalogResource}.${'created' | 'updated' | 'deleted'}`,
    change: (tx: Executor) => Promise<{ before?: T; after?: T }>,
  ): Promise<T> {
    const changed = await db.transaction(async (tx) => {
      const { before, after } = await change(tx);
      const row = after ?? before;
      if (!row) throw new Error('an audited change returns a row');
      await audit.record(tx, ctx, { action, resourceType, resourceId: row.id, before, after });
      await recordCatalogChange(
        tx,
        ctx,
        resourceType,
        after ? (before ? 'updated' : 'created') : 'deleted',
        row,
      );
      return row;
    });
    await rentalsChanged(db);
    return changed;
  }

  const conflict = <T>(row: T | undefined, current: unknown): T => {
    if (!row) throw commonErrors.VERSION_CONFLICT({ extra: { current } });
    return row;
  };

  return {
    listCategories: (params: ListParams): Promise<Page<RentalCategory>> => categoryListing.page(params),
    allCategories: (params: ListParams) => categoryListing.all(params),
    async getCategory(id: number): Promise<RentalCategory> {
      const category = await repository.categories.byId(db, id);
      if (!category) throw rentalsErrors.RENTALS_CATEGORY_NOT_FOUND();
      return category;
    },
    createCategory: (ctx: RequestContext, input: CategoryInput) =>
      audited<RentalCategory>(ctx, 'rental_category', 'rental_category.created', async (tx) => ({
        after: await unique(
          repository.categories.insert(tx, { name: input.name ?? '', description: input.description }),
          categoryTaken,
        ),
      })),
    updateCategory: (ctx: RequestContext, id: number, input: CategoryInput, expectedVersion?: number) =>
      audited<RentalCategory>(ctx, 'rental_category', 'rental_category.updated', async (tx) => {
        const before = await repository.categories.byId(tx, id, { lock: true });
        if (!before) throw rentalsErrors.RENTALS_CATEGORY_NOT_FOUND();
        const after = await unique(
          repository.categories.update(tx, id, input, expectedVersion),
          categoryTaken,
        );
        return { before, after: conflict(after, before) };
      }),
    async deleteCategory(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await audited<RentalCategory>(ctx, 'rental_category', 'rental_category.deleted', async (tx) => {
        const before = await repository.categories.byId(tx, id, { lock: true });
        if (!before) throw rentalsErrors.RENTALS_CATEGORY_NOT_FOUND();
        if ((await repository.productsInCategory(tx, id)) > 0) throw rentalsErrors.RENTALS_CATEGORY_IN_USE();
        conflict(await repository.categories.remove(tx, id, expectedVersion), before);
        return { before };
      });
    },

    listProducts: (params: ListParams): Promise<Page<RentalProduct>> => productListing.page(params),
    allProducts: (params: ListParams) => productListing.all(params),
    getProduct: (id: number) => productOrMissing(db, id),
    /** Products by id, for pages that embed them (order lines): one query for any number. */
    productsByIds: (ids: number[]) => repository.productsByIds(db, [...new Set(ids)]),
    createProduct: (ctx: RequestContext, input: ProductInput) =>
      audited<RentalProduct>(ctx, 'rental_product', 'rental_product.created', async (tx) => {
        await checkProduct(tx, input);
        const values = {
          ...input,
          name: input.name ?? '',
          sku: input.sku ?? '',
          currency: input.currency ?? '',
        };
        return { after: await unique(repository.products.insert(tx, values), skuTaken) };
      }),
    updateProduct: (ctx: RequestContext, id: number, input: ProductInput, expectedVersion?: number) =>
      audited<RentalProduct>(ctx, 'rental_product', 'rental_product.updated', async (tx) => {
        const before = await productOrMissing(tx, id, true);
        await checkProduct(tx, input, before);
        const after = await unique(repository.products.update(tx, id, input, expectedVersion), skuTaken);
        return { before, after: conflict(after, before) };
      }),
    async deleteProduct(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await audited<RentalProduct>(ctx, 'rental_product', 'rental_product.deleted', async (tx) => {
        const before = await productOrMissing(tx, id, true);
        if (await repository.productInUse(tx, id)) throw rentalsErrors.RENTALS_PRODUCT_IN_USE();
        conflict(await repository.products.remove(tx, id, expectedVersion), before);
        return { before };
      });
    },

    async listStockItems(productId: number, params: ListParams): Promise<Page<StockItem>> {
      await productOrMissing(db, productId);
      return itemListing.page(params, eq(rentalStockItems.productId, productId));
    },
    allStockItems: (productId: number, params: ListParams) =>
      itemListing.all(params, eq(rentalStockItems.productId, productId)),
    getStockItem: (productId: number, itemId: number) => itemOf(db, productId, itemId),
    stockItemsOf: (productId: number, executor: Executor = db) =>
      repository.stockItemsOf(executor, productId),
    createStockItem: (ctx: RequestContext, productId: number, input: StockItemInput) =>
      audited<StockItem>(ctx, 'rental_stock_item', 'rental_stock_item.created', async (tx) => {
        await productOrMissing(tx, productId);
        const values = { ...input, productId, serialNumber: input.serialNumber ?? '' };
        return { after: await unique(repository.stockItems.insert(tx, values), serialTaken) };
      }),
    updateStockItem: (
      ctx: RequestContext,
      productId: number,
      itemId: number,
      input: StockItemInput,
      expectedVersion?: number,
    ) =>
      audited<StockItem>(ctx, 'rental_stock_item', 'rental_stock_item.updated', async (tx) => {
        const before = await itemOf(tx, productId, itemId, true);
        const after = await unique(
          repository.stockItems.update(tx, itemId, input, expectedVersion),
          serialTaken,
        );
        return { before, after: conflict(after, before) };
      }),
    async deleteStockItem(ctx: RequestContext, productId: number, itemId: number, expectedVersion?: number) {
      await audited<StockItem>(ctx, 'rental_stock_item', 'rental_stock_item.deleted', async (tx) => {
        const before = await itemOf(tx, productId, itemId, true);
        try {
          conflict(await repository.stockItems.remove(tx, itemId, expectedVersion), before);
        } catch (error) {
          if (isViolation(error, '23503')) throw rentalsErrors.RENTALS_STOCK_ITEM_IN_USE();
          throw error;
        }
        return { before };
      });
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;

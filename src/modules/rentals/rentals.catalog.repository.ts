import { and, asc, count, eq, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.ts';
import { defineList } from '../../platform/http/query.ts';
import {
  rentalCategories,
  rentalOrderLines,
  rentalProducts,
  rentalStockItems,
  STOCK_STATUSES,
  type NewRentalCategory,
  type NewRentalProduct,
  type NewStockItem,
  type RentalCategory,
  type RentalProduct,
  type StockItem,
} from './rentals.tables.ts';

const versioned = (column: AnyPgColumn, expectedVersion: number | undefined) =>
  expectedVersion === undefined ? undefined : eq(column, expectedVersion);

export const categoryList = defineList({
  id: rentalCategories.id,
  filters: {},
  search: [rentalCategories.name, rentalCategories.description],
  sort: { id: { column: rentalCategories.id }, name: { column: rentalCategories.name } },
  defaultSort: 'id',
});

export const productList = defineList({
  id: rentalProducts.id,
  filters: {
    category: { column: rentalProducts.categoryId, type: 'integer', description: 'Category id.' },
    active: { column: rentalProducts.active, type: 'boolean' },
    currency: { column: rentalProducts.currency, type: 'string' },
  },
  search: [rentalProducts.name, rentalProducts.sku, rentalProducts.description],
  sort: {
    id: { column: rentalProducts.id },
    name: { column: rentalProducts.name },
    sku: { column: rentalProducts.sku },
    created_at: { column: rentalProducts.createdAt },
  },
  defaultSort: 'id',
});

export const stockItemList = defineList({
  id: rentalStockItems.id,
  filters: { status: { column: rentalStockItems.status, type: 'string', values: STOCK_STATUSES } },
  search: [rentalStockItems.serialNumber, rentalStockItems.condition],
  sort: { id: { column: rentalStockItems.id }, serial_number: { column: rentalStockItems.serialNumber } },
  defaultSort: 'id',
});

/** Plain single-table list, count, lookup and versioned write queries for one catalog table. */
function tableQueries<T extends object, N extends object>(
  table: PgTable,
  id: AnyPgColumn,
  version: AnyPgColumn,
) {
  /* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment -- one generic body for three tables whose types Drizzle cannot relate */
  const t = table as any;
  return {
    list: (executor: Executor, where: SQL | undefined, orderBy: SQL[], limit: number, offset: number) =>
      executor
        .select()
        .from(t)
        .where(where)
        .orderBy(...orderBy)
        .limit(limit)
        .offset(offset) as Promise<T[]>,
    count: async (executor: Executor, where: SQL | undefined): Promise<number> => {
      const [row] = await executor.select({ value: count() }).from(t).where(where);
      return row?.value ?? 0;
    },
    byId: async (
      executor: Executor,
      rowId: number,
      options: { lock?: boolean } = {},
    ): Promise<T | undefined> => {
      const query = executor.select().from(t).where(eq(id, rowId));
      const [row] = (options.lock ? await query.for('update') : await query) as T[];
      return row;
    },
    insert: async (executor: Executor, values: N): Promise<T> => {
      const [row] = (await executor.insert(t).values(values).returning()) as T[];
      if (!row) throw new Error('insert returned no row');
      return row;
    },
    update: async (executor: Executor, rowId: number, values: Partial<N>, expectedVersion?: number) => {
      const [row] = (await executor
        .update(t)
        .set({ ...values, version: sql`${version} + 1`, updatedAt: new Date() })
        .where(and(eq(id, rowId), versioned(version, expectedVersion)))
        .returning()) as T[];
      return row;
    },
    remove: async (executor: Executor, rowId: number, expectedVersion?: number) => {
      const [row] = (await executor
        .delete(t)
        .where(and(eq(id, rowId), versioned(version, expectedVersion)))
        .returning()) as T[];
      return row;
    },
  };
  /* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment */
}

export const categories = tableQueries<RentalCategory, NewRentalCategory>(
  rentalCategories,
  rentalCategories.id,
  rentalCategories.version,
);
export const products = tableQueries<RentalProduct, NewRentalProduct>(
  rentalProducts,
  rentalProducts.id,
  rentalProducts.version,
);
export const stockItems = tableQueries<StockItem, NewStockItem>(
  rentalStockItems,
  rentalStockItems.id,
  rentalStockItems.version,
);

export function productsByIds(executor: Executor, ids: number[]): Promise<RentalProduct[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return executor
    .select()
    .from(rentalProducts)
    .where(sql`${rentalProducts.id} = any(${sql.param(ids)})`);
}

export function stockItemsOf(executor: Executor, productId: number): Promise<StockItem[]> {
  return executor
    .select()
    .from(rentalStockItems)
    .where(eq(rentalStockItems.productId, productId))
    .orderBy(asc(rentalStockItems.id));
}

export async function productsInCategory(executor: Executor, categoryId: number): Promise<number> {
  const [row] = await executor
    .select({ value: count() })
    .from(rentalProducts)
    .where(eq(rentalProducts.categoryId, categoryId));
  return row?.value ?? 0;
}

/** Whether anything refers to a product (stock items, order lines): such a product is only set inactive. */
export async function productInUse(executor: Executor, productId: number): Promise<boolean> {
  const [items] = await executor
    .select({ value: count() })
    .from(rentalStockItems)
    .where(eq(rentalStockItems.productId, productId));
  const [lines] = await executor
    .select({ value: count() })
    .from(rentalOrderLines)
    .where(eq(rentalOrderLines.productId, productId));
  return (items?.value ?? 0) + (lines?.value ?? 0) > 0;
}

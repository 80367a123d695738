import type { Static } from '@sinclair/typebox';
import { definedOnly } from '../../platform/http/schemas.ts';
import type { ProductInput, StockItemInput } from './rentals.catalog.service.ts';
import type {
  Category,
  ProductV1,
  ProductV1Body,
  ProductV2,
  ProductV2Body,
  StockItemBody,
  StockItemV1,
  StockItemV2,
} from './rentals.catalog.schemas.ts';
import type { RentalCategory, RentalProduct, StockItem } from './rentals.tables.ts';

export const presentCategory = (category: RentalCategory): Static<typeof Category> => ({
  id: category.id,
  name: category.name,
  description: category.description,
  version: category.version,
  created_at: category.createdAt.toISOString(),
  updated_at: category.updatedAt.toISOString(),
});

const productFields = (product: RentalProduct) => ({
  id: product.id,
  name: product.name,
  sku: product.sku,
  description: product.description,
  currency: product.currency,
  hourly_rate: product.hourlyRate,
  daily_rate: product.dailyRate,
  weekly_rate: product.weeklyRate,
  deposit: product.deposit,
  buffer_before_minutes: product.bufferBeforeMinutes,
  buffer_after_minutes: product.bufferAfterMinutes,
  min_duration_minutes: product.minDurationMinutes,
  lead_time_minutes: product.leadTimeMinutes,
  calendar_id: product.calendarId,
  late_fee_unit: product.lateFeeUnit,
  late_fee_amount: product.lateFeeAmount,
  late_fee_grace_minutes: product.lateFeeGraceMinutes,
  version: product.version,
  created_at: product.createdAt.toISOString(),
  updated_at: product.updatedAt.toISOString(),
});

export const presentProductV1 = (product: RentalProduct): Static<typeof ProductV1> => ({
  ...productFields(product),
  category: product.categoryId,
  is_active: product.active,
});

export const presentProductV2 = (product: RentalProduct): Static<typeof ProductV2> => ({
  ...productFields(product),
  category_id: product.categoryId,
  active: product.active,
});

const itemFields = (item: StockItem) => ({
  id: item.id,
  serial_number: item.serialNumber,
  condition: item.condition,
  status: item.status,
  version: item.version,
  created_at: item.createdAt.toISOString(),
  updated_at: item.updatedAt.toISOString(),
});

export const presentStockItemV1 = (item: StockItem): Static<typeof StockItemV1> => ({
  ...itemFields(item),
  product: item.productId,
});

export const presentStockItemV2 = (item: StockItem): Static<typeof StockItemV2> => ({
  ...itemFields(item),
  product_id: item.productId,
});

const productInput = (body: ProductV1Body | ProductV2Body): ProductInput => ({
  name: body.name,
  sku: body.sku,
  description: body.description,
  currency: body.currency,
  hourlyRate: body.hourly_rate,
  dailyRate: body.daily_rate,
  weeklyRate: body.weekly_rate,
  deposit: body.deposit,
  bufferBeforeMinutes: body.buffer_before_minutes,
  bufferAfterMinutes: body.buffer_after_minutes,
  minDurationMinutes: body.min_duration_minutes,
  leadTimeMinutes: body.lead_time_minutes,
  calendarId: body.calendar_id,
  lateFeeUnit: body.late_fee_unit,
  lateFeeAmount: body.late_fee_amount,
  lateFeeGraceMinutes: body.late_fee_grace_minutes,
});

export const productInputV1 = (body: ProductV1Body): ProductInput =>
  definedOnly({ ...productInput(body), categoryId: body.category, active: body.is_active });

export const productInputV2 = (body: ProductV2Body): ProductInput =>
  definedOnly({ ...productInput(body), categoryId: body.category_id, active: body.active });

export const stockItemInput = (body: StockItemBody): StockItemInput =>
  definedOnly({ serialNumber: body.serial_number, condition: body.condition, status: body.status });

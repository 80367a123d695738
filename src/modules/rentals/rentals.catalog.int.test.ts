import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, TestApp } from '../../../test/helpers/app.ts';
import { createTestApp } from '../../../test/helpers/app.ts';

const product = (sku: string, extra: Record<string, unknown> = {}) => ({
  name: `Camera ${sku}`,
  sku,
  currency: 'EUR',
  hourly_rate: 1500,
  daily_rate: 6000,
  weekly_rate: 30000,
  deposit: 50000,
  buffer_before_minutes: 30,
  buffer_after_minutes: 60,
  ...extra,
});

describe('rentals catalog', () => {
  let t: TestApp;
  let manager: Browser;
  let agent: Browser;
  let admin: Browser;

  beforeAll(async () => {
    t = await createTestApp();
    manager = await t.login(await t.user({ role: 'manager' }));
    agent = await t.login(await t.user({ role: 'agent' }));
    admin = await t.login(await t.user({ role: 'admin' }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('v1: creates, lists (page numbers), reads, updates and deletes categories and products', async () => {
    const category = await manager.post('/api/catalog/categories/', { name: 'Cameras' });
    expect(category.statusCode).toBe(201);
    const categoryId = category.json<{ id: number }>().id;

    const created = await manager.post('/api/catalog/products/', product('CAM-1', { category: categoryId }));
    expect(created.statusCode).toBe(201);
    const body = created.json<Record<string, unknown> & { id: number }>();
    expect(body).toMatchObject({
      sku: 'CAM-1',
      category: categoryId,
      is_active: true,
      currency: 'EUR',
      daily_rate: 6000,
      buffer_after_minutes: 60,
      version: 1,
    });

    const list = await agent.get('/api/catalog/products/?page_size=10&search=CAM-1');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ count: 1, next: null, previous: null, results: [{ id: body.id }] });

    const patch = await manager.patch(`/api/catalog/products/${body.id}/`, {
      daily_rate: 5500,
      is_active: false,
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json()).toMatchObject({ daily_rate: 5500, is_active: false, version: 2 });

    const stale = await manager.patch(`/api/catalog/products/${body.id}/`, { name: 'x', version: 1 });
    expect(stale.statusCode).toBe(409);

    const duplicate = await manager.post('/api/catalog/products/', product('cam-1'));
    expect(duplicate.statusCode).toBe(400);
    expect(duplicate.json()).toEqual({ sku: ['A product with this SKU already exists.'] });

    const noRates = await manager.post('/api/catalog/products/', {
      ...product('CAM-X'),
      hourly_rate: null,
      daily_rate: null,
      weekly_rate: null,
    });
    expect(noRates.statusCode).toBe(400);
    expect(noRates.json()).toHaveProperty('rates');

    const badCalendar = await manager.post('/api/catalog/products/', product('CAM-Y', { calendar_id: 999 }));
    expect(badCalendar.json()).toEqual({ calendar_id: ['Calendar 999 does not exist.'] });

    expect((await agent.post('/api/catalog/products/', product('CAM-Z'))).statusCode).toBe(403);

    expect((await manager.delete(`/api/catalog/categories/${categoryId}/`)).statusCode).toBe(409);
    expect((await manager.delete(`/api/catalog/products/${body.id}/`)).statusCode).toBe(204);
    expect((await manager.delete(`/api/catalog/categories/${categoryId}/`)).statusCode).toBe(204);
    expect((await agent.get(`/api/catalog/products/${body.id}/`)).statusCode).toBe(404);

    const audit = await admin.get(`/api/v2/audit-log?resource_type=rental_product&resource_id=${body.id}`);
    expect(
      audit
        .json<{ data: { action: string }[] }>()
        .data.map((row) => row.action)
        .sort(),
    ).toEqual(['rental_product.created', 'rental_product.deleted', 'rental_product.updated']);
  });

  it('v1: stock items per product with unique serial numbers and a status', async () => {
    const { id } = (await manager.post('/api/catalog/products/', product('CAM-2'))).json<{ id: number }>();
    const item = await manager.post(`/api/catalog/products/${id}/items/`, { serial_number: 'SN-1' });
    expect(item.statusCode).toBe(201);
    expect(item.json()).toMatchObject({ product: id, serial_number: 'SN-1', status: 'available' });
    const again = await manager.post(`/api/catalog/products/${id}/items/`, { serial_number: 'sn-1' });
    expect(again.json()).toEqual({ serial_number: ['A stock item with this serial number already exists.'] });
    const itemId = item.json<{ id: number }>().id;
    const maintenance = await manager.patch(`/api/catalog/products/${id}/items/${itemId}/`, {
      status: 'maintenance',
      condition: 'lens scratched',
    });
    expect(maintenance.json()).toMatchObject({ status: 'maintenance', condition: 'lens scratched' });
    const list = await agent.get(`/api/catalog/products/${id}/items/?status=maintenance`);
    expect(list.json()).toMatchObject({ count: 1, results: [{ id: itemId }] });
    expect((await agent.get(`/api/catalog/products/${id + 1000}/items/`)).statusCode).toBe(404);
  });

  it('v2: ETag, If-Match, cursor pages and problem+json', async () => {
    const created = await manager.post('/api/v2/catalog/products', product('CAM-3'));
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.headers.location).toMatch(/\/api\/v2\/catalog\/products\/\d+$/);
    const { id } = created.json<{ id: number }>();
    expect(created.json()).toMatchObject({ active: true, category_id: null });

    const missingIfMatch = await manager.patch(`/api/v2/catalog/products/${id}`, { deposit: 1 });
    expect(missingIfMatch.statusCode).toBe(428);
    expect(missingIfMatch.headers['content-type']).toContain('application/problem+json');

    const patched = await manager.patch(
      `/api/v2/catalog/products/${id}`,
      { deposit: 1 },
      { 'if-match': '"1"' },
    );
    expect(patched.statusCode).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    const stale = await manager.patch(
      `/api/v2/catalog/products/${id}`,
      { deposit: 2 },
      { 'if-match': '"1"' },
    );
    expect(stale.statusCode).toBe(412);

    const unknownField = await manager.post('/api/v2/catalog/products', {
      ...product('CAM-4'),
      colour: 'red',
    });
    expect(unknownField.statusCode).toBe(400);

    await manager.post('/api/v2/catalog/products', product('CAM-5'));
    const first = await agent.get('/api/v2/catalog/products?limit=1');
    const page = first.json<{ data: { id: number }[]; next_cursor: string | null }>();
    expect(page.data).toHaveLength(1);
    expect(page.next_cursor).toBeTruthy();

    const item = await manager.post(`/api/v2/catalog/products/${id}/items`, { serial_number: 'SN-V2' });
    expect(item.statusCode).toBe(201);
    expect(item.json()).toMatchObject({ product_id: id, status: 'available' });
    const itemId = item.json<{ id: number }>().id;
    const retired = await manager.patch(
      `/api/v2/catalog/products/${id}/items/${itemId}`,
      { status: 'retired' },
      { 'if-match': '"1"' },
    );
    expect(retired.json()).toMatchObject({ status: 'retired', version: 2 });
  });
});

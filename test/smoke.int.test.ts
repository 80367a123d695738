import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('logs in through the BMS flow and lists locations', async () => {
    const admin = await t.user({ role: 'admin' });
    const browser = await t.login(admin);
    const me = await browser.get('/api/auth/user/');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username: admin.user.username });
    const list = await browser.get('/api/locations/');
    expect(list.json()).toEqual({ count: 0, next: null, previous: null, results: [] });
  });
});

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../test/helpers/smtp.ts';
import { systemContext } from '../../platform/auth/actor.ts';
import { connectDatabase, type DatabaseHandle } from '../../platform/db/client.ts';
import { runDueJobs } from '../../platform/jobs/worker.ts';
import { allJobs, createServices } from '../index.ts';

const hours = { start: '09:00', end: '17:00' };
const quiet = pino({ level: 'silent' });
const CUSTOMER_EMAIL = 'renter@example.test';

describe('rental reminders', () => {
  let t: TestApp;
  let second: DatabaseHandle;
  let smtp: TestSmtpServer;
  let dataDir: string;
  let agent: Browser;
  let agentId: number;
  let agentEmail: string;
  let productId: number;
  let customerId: number;
  // Monday 3 August 2026, 12:00 in Berlin (CEST).
  let clock = new Date('2026-08-03T10:00:00Z');

  beforeAll(async () => {
    smtp = await startSmtpServer();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-rentals-'));
    t = await createTestApp({ SMTP_URL: smtp.url, DATA_DIR: dataDir }, undefined, { now: () => clock });
    second = connectDatabase({ url: t.config.databaseUrl!, poolMax: 6, statementTimeoutMs: 10_000 });
    const person = await t.user({ role: 'agent' });
    agentId = person.user.id;
    agentEmail = person.user.email;
    agent = await t.login(person);
    const manager = await t.login(await t.user({ role: 'manager' }));
    const ctx = systemContext('rentals-test');
    customerId = (await t.services.customers.create(ctx, { lastName: 'Renter', email: CUSTOMER_EMAIL })).id;
    const calendar = await t.services.calendars.createCalendar(ctx, {
      name: 'Shop',
      timeZone: 'Europe/Berlin',
      weekly: { 1: [hours], 2: [hours], 3: [hours], 4: [hours], 5: [hours] },
    });
    const product = await manager.post('/api/v2/catalog/products', {
      name: 'Ladder',
      sku: 'LAD-1',
      currency: 'EUR',
      hourly_rate: 300,
      deposit: 2000,
      calendar_id: calendar.id,
    });
    productId = product.json<{ id: number }>().id;
    for (const serial of ['L-1', 'L-2'])
      await manager.post(`/api/v2/catalog/products/${productId}/items`, { serial_number: serial });
  });
  afterAll(async () => {
    await second.close();
    await t.close();
    await smtp.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const count = async (query: ReturnType<typeof sql>) =>
    (await t.database.db.execute<{ n: number }>(query)).rows[0]?.n ?? 0;
  const reminders = async () =>
    (
      await t.database.db.execute<{ order_id: number; kind: string; customer_email_state: string }>(
        sql`select order_id, kind, customer_email_state from rental_reminders order by order_id, kind`,
      )
    ).rows;
  const order = async (start: string, end: string) => {
    const response = await agent.post('/api/v2/orders', {
      customer: customerId,
      rental_start: start,
      rental_end: end,
      items: [{ product: productId, quantity: 1 }],
    });
    expect(response.statusCode).toBe(201);
    return response.json<{ id: number }>().id;
  };

  it('sends each reminder once with workers of two processes racing, and mails the customer once', async () => {
    // Picked up tomorrow at opening (pickup and unpaid balance due); out today until 16:00 (return due today).
    const tomorrow = await order('2026-08-04T09:00:00+02:00', '2026-08-04T17:00:00+02:00');
    const today = await order('2026-08-03T13:00:00+02:00', '2026-08-03T16:00:00+02:00');
    expect((await agent.post(`/api/v2/orders/${today}/pick-up`, {})).statusCode).toBe(200);
    const later = await order('2026-08-20T09:00:00+02:00', '2026-08-21T17:00:00+02:00');

    const otherProcess = createServices(second, t.config, { now: () => clock });
    const runs = await Promise.all([
      ...Array.from({ length: 4 }, () => t.services.rentalReminders.sendDue()),
      ...Array.from({ length: 4 }, () => otherProcess.rentalReminders.sendDue()),
    ]);
    expect(runs.reduce((sum, run) => sum + run.sent, 0)).toBe(3);
    expect(await reminders()).toEqual([
      { order_id: tomorrow, kind: 'pickup_upcoming', customer_email_state: 'scheduled' },
      { order_id: tomorrow, kind: 'unpaid_balance', customer_email_state: 'scheduled' },
      { order_id: today, kind: 'return_due', customer_email_state: 'scheduled' },
    ]);
    expect(
      await count(
        sql`select count(*)::int as n from notifications where user_id = ${agentId} and kind like 'rental.%'`,
      ),
    ).toBe(3);
    expect(
      await count(sql`select count(*)::int as n from graphile_worker._private_jobs j
        join graphile_worker._private_tasks task on task.id = j.task_id
        where task.identifier = 'rentals.send-reminder-email'`),
    ).toBe(3);
    expect((await t.services.rentalReminders.sendDue()).sent).toBe(0);

    // Several workers drain the queue at once: each e-mail goes once.
    const jobs = allJobs(t.services, t.database.db);
    await Promise.all(
      Array.from({ length: 3 }, () => runDueJobs({ pool: t.database.pool, jobs, log: quiet })),
    );
    const toCustomer = smtp.received.filter((mail) => mail.to.includes(CUSTOMER_EMAIL));
    expect(toCustomer.map((mail) => mail.headers.subject).sort()).toEqual([
      `Payment due: rental order #${tomorrow}`,
      `Pickup soon: rental order #${tomorrow}`,
      `Return due today: rental order #${today}`,
    ]);
    // The ledger's balance: the order's total charged at reservation (the deposit is held at pickup).
    expect(toCustomer.find((mail) => mail.headers.subject?.startsWith('Payment'))?.body).toContain(
      '24.00 EUR',
    );
    expect(smtp.received.filter((mail) => mail.to.includes(agentEmail))).toHaveLength(3);
    expect((await reminders()).map((row) => row.customer_email_state)).toEqual(['sent', 'sent', 'sent']);
    expect((await reminders()).some((row) => row.order_id === later)).toBe(false);
  });

  it('holds an overdue reminder through the quiet hours and sends it when they end', async () => {
    // 22:30 in Berlin: the return of 16:00 is overdue, but 21:00-08:00 is quiet.
    clock = new Date('2026-08-03T20:30:00Z');
    expect(await t.services.rentalReminders.sendDue()).toEqual({ sent: 0, held: 1 });
    clock = new Date('2026-08-04T05:59:00Z');
    expect(await t.services.rentalReminders.sendDue()).toEqual({ sent: 0, held: 1 });
    clock = new Date('2026-08-04T06:00:00Z'); // 08:00 in Berlin
    expect(await t.services.rentalReminders.sendDue()).toEqual({ sent: 1, held: 0 });
    expect(await count(sql`select count(*)::int as n from rental_reminders where kind = 'overdue'`)).toBe(1);
    expect(await t.services.rentalReminders.sendDue()).toEqual({ sent: 0, held: 0 });
  });
});

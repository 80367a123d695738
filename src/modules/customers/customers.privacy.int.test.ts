import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';

const run = promisify(execFile);

interface CustomerJson {
  id: number;
  first_name: string;
  last_name: string;
  display_name: string;
  email: string | null;
  phone: string | null;
  notes: string;
  tags: string[];
  version: number;
}

describe('customer privacy, duplicates and requesters', () => {
  let t: TestApp;
  let admin: Browser;
  let manager: Browser;
  let agent: Browser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login(await t.user({ role: 'admin' }));
    manager = await t.login(await t.user({ role: 'manager' }));
    agent = await t.login(await t.user({ role: 'agent' }));
  });
  afterAll(async () => {
    await t.close();
  });

  const create = async (
    body: Record<string, unknown>,
    as: Browser = agent,
    headers?: Record<string, string>,
  ) => {
    const response = await as.post('/api/v2/customers', body, headers);
    expect(response.statusCode, response.body).toBe(201);
    return response.json<CustomerJson>();
  };
  const ticketFor = async (customerId: number, title: string) => {
    const response = await agent.post('/api/v2/tickets', {
      kind: 'incident',
      title,
      requester_customer_id: customerId,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: number; requester_customer_id: number | null }>();
  };
  const eventsOf = async (type: string, subjectId: number) =>
    (
      await t.database.pool.query<{ payload: unknown }>(
        'select payload from events where type = $1 and subject_id = $2 order by id',
        [type, String(subjectId)],
      )
    ).rows.map((row) => row.payload);

  describe('PII policy', () => {
    it('masks e-mail and phone for agents in v1, v2 and exports; managers see them', async () => {
      const created = await create({
        first_name: 'Jane',
        last_name: 'Masked',
        email: 'jane.masked@example.com',
        phone: '+44 20 7946 0123',
      });
      expect(created).toMatchObject({ email: 'j***@example.com', phone: '+44 ** **** *123' });

      const v1 = (await agent.get(`/api/customers/${created.id}/`)).json<CustomerJson>();
      expect(v1).toMatchObject({ email: 'j***@example.com', phone: '+44 ** **** *123' });
      const csv = await agent.get(`/api/v2/customers?email=jane.masked@example.com&format=csv`);
      expect(csv.body).toContain('j***@example.com');
      expect(csv.body).not.toContain('jane.masked');

      const clear = (await manager.get(`/api/v2/customers/${created.id}`)).json<CustomerJson>();
      expect(clear).toMatchObject({ email: 'jane.masked@example.com', phone: '+44 20 7946 0123' });
      const stale = await agent.patch(
        `/api/v2/customers/${created.id}`,
        { notes: 'x' },
        { 'if-match': '"9"' },
      );
      expect(stale.statusCode).toBe(412);
      expect(stale.body).not.toContain('jane.masked');
    });

    it('emits typed events without personal values for create, update and delete', async () => {
      const created = await create({
        first_name: 'Evented',
        last_name: 'Person',
        email: 'evented@example.com',
      });
      const patched = await manager.patch(
        `/api/v2/customers/${created.id}`,
        { marketing_consent: true, marketing_consent_source: 'phone call' },
        { 'if-match': '"1"' },
      );
      expect(patched.statusCode, patched.body).toBe(200);
      expect(await eventsOf('customer.created', created.id)).toEqual([
        expect.objectContaining({ fields: expect.arrayContaining(['first_name', 'email']) }),
      ]);
      expect(await eventsOf('customer.updated', created.id)).toEqual([
        expect.objectContaining({ fields: ['marketing_consent'] }),
      ]);
      expect(
        (await manager.delete(`/api/v2/customers/${created.id}`, { 'if-match': '"2"' })).statusCode,
      ).toBe(204);
      const deleted = await eventsOf('customer.deleted', created.id);
      expect(deleted).toHaveLength(1);
      expect(JSON.stringify(deleted)).not.toMatch(/evented/i);
    });
  });

  describe('requester customer on tickets', () => {
    it('stores, filters and lists tickets by requester; deleting the customer unlinks them', async () => {
      const customer = await create({ first_name: 'Req', last_name: 'Uester' });
      const ticket = await ticketFor(customer.id, 'Printer on fire');
      expect(ticket.requester_customer_id).toBe(customer.id);

      const filtered = await agent.get(`/api/v2/tickets?requester_customer=${customer.id}`);
      expect(filtered.json<{ data: { id: number }[] }>().data.map((row) => row.id)).toEqual([ticket.id]);
      const listed = await agent.get(`/api/v2/customers/${customer.id}/tickets`);
      expect(listed.statusCode, listed.body).toBe(200);
      expect(listed.json<{ data: { id: number }[] }>().data.map((row) => row.id)).toEqual([ticket.id]);
      const v1 = await agent.get(`/api/incident-tickets/${ticket.id}/`);
      expect(v1.json<{ requester_customer: number }>().requester_customer).toBe(customer.id);
      expect((await agent.get('/api/v2/customers/2147483000/tickets')).statusCode).toBe(404);

      const unknown = await agent.post('/api/v2/tickets', {
        kind: 'incident',
        title: 'x',
        requester_customer_id: 2147483000,
      });
      expect(unknown.statusCode).toBe(400);

      expect(
        (await manager.delete(`/api/v2/customers/${customer.id}`, { 'if-match': '"1"' })).statusCode,
      ).toBe(204);
      const after = await agent.get(`/api/v2/tickets/${ticket.id}`);
      expect(after.json<{ requester_customer_id: number | null }>().requester_customer_id).toBeNull();
    });
  });

  describe('privacy export and erasure', () => {
    const MARKER = {
      name: 'Qzvermarker',
      email: 'qzv.erase@marker-erase.test',
      phone: '+44 20 7946 8462',
      notes: 'erasenote-qzv71',
    };
    const FORBIDDEN = [
      'qzvermarker',
      'Qzvermarker',
      'qzv.erase',
      '7946 8462',
      '2079468462',
      'erasenote-qzv71',
    ];

    it('exports everything held, then erases it beyond recovery while the id, tickets and audit trail stay', async () => {
      // Created with an Idempotency-Key: the stored response (replayable for 24 hours) holds the values too.
      const customer = await create(
        {
          first_name: MARKER.name,
          last_name: 'Erasable',
          email: MARKER.email,
          phone: MARKER.phone,
          notes: MARKER.notes,
          marketing_consent: true,
          marketing_consent_source: 'web form',
        },
        manager,
        { 'idempotency-key': 'erase-marker-create' },
      );
      const ticket = await ticketFor(customer.id, 'Refund request');

      expect((await agent.get(`/api/v2/customers/${customer.id}/privacy-export`)).statusCode).toBe(403);
      expect((await manager.post(`/api/v2/customers/${customer.id}/erase`)).statusCode).toBe(403);

      const exported = await admin.get(`/api/v2/customers/${customer.id}/privacy-export`);
      expect(exported.statusCode, exported.body).toBe(200);
      expect(exported.json()).toMatchObject({
        erased: false,
        customer: { id: customer.id, email: MARKER.email, phone: MARKER.phone, notes: MARKER.notes },
        consent_history: [{ granted: true, source: 'web form' }],
        tickets: [{ id: ticket.id, title: 'Refund request' }],
        rental_orders: [],
        audit: [expect.objectContaining({ action: 'customer.created' })],
      });

      const dumpBefore = await dump();
      expect(dumpBefore).toContain(MARKER.name);
      // The stored idempotent response holds the e-mail in clear until erasure forgets it.
      expect(dumpBefore).toContain(MARKER.email);

      const erased = await admin.post(`/api/v2/customers/${customer.id}/erase`);
      expect(erased.statusCode, erased.body).toBe(200);
      expect(erased.json()).toMatchObject({
        id: customer.id,
        display_name: 'Erased customer',
        email: null,
        phone: null,
        notes: '',
      });

      const dumpAfter = await dump();
      for (const value of FORBIDDEN) expect(dumpAfter, `dump contains ${value}`).not.toContain(value);

      const byEmail = await admin.get(`/api/v2/customers?email=${encodeURIComponent(MARKER.email)}`);
      expect(byEmail.json<{ data: unknown[] }>().data).toEqual([]);
      expect(await t.services.customers.findByPhone(MARKER.phone)).toEqual([]);

      const afterExport = (await admin.get(`/api/v2/customers/${customer.id}/privacy-export`)).json<{
        erased: boolean;
        tickets: { id: number }[];
        audit: { action: string; after: Record<string, unknown> }[];
      }>();
      expect(afterExport.erased).toBe(true);
      expect(afterExport.tickets.map((row) => row.id)).toEqual([ticket.id]);
      const actions = afterExport.audit.map((entry) => entry.action);
      expect(actions.slice(0, 3)).toEqual([
        'customer.created',
        'customer.privacy_exported',
        'customer.erased',
      ]);
      const erasure = afterExport.audit.find((entry) => entry.action === 'customer.erased');
      expect(erasure?.after.fields_destroyed).toEqual(
        expect.arrayContaining(['email', 'phone', 'notes', 'first_name']),
      );
      expect(await eventsOf('customer.erased', customer.id)).toHaveLength(1);

      const update = await admin.patch(
        `/api/v2/customers/${customer.id}`,
        { notes: 'back' },
        { 'if-match': `"${erased.json<CustomerJson>().version}"` },
      );
      expect(update.statusCode).toBe(409);
      expect((await admin.post(`/api/v2/customers/${customer.id}/erase`)).statusCode).toBe(200);
    });

    async function dump(): Promise<string> {
      const { stdout } = await run('pg_dump', ['--no-owner', '--data-only', t.config.databaseUrl as string], {
        maxBuffer: 256 * 1024 * 1024,
      });
      return stdout;
    }
  });

  describe('duplicates and merge', () => {
    it('finds pairs by exact e-mail and by similar name', async () => {
      const older = await create({
        first_name: 'Ada',
        last_name: 'Dupcheck',
        email: 'ada.dupcheck@example.com',
      });
      const newer = await create({
        first_name: 'Adeline',
        last_name: 'Other',
        email: 'ADA.DUPCHECK@example.com',
      });
      const named = await create({ first_name: 'Bartholomew', last_name: 'Quillfeather' });
      const similar = await create({ first_name: 'Bartholomeu', last_name: 'Quillfeather' });
      const response = await agent.get('/api/v2/customers/duplicates?limit=100');
      expect(response.statusCode, response.body).toBe(200);
      const pairs = response.json<{
        data: {
          customer: { id: number };
          duplicate: { id: number };
          reasons: string[];
          name_similarity: number | null;
        }[];
      }>().data;
      const pairOf = (a: number, b: number) =>
        pairs.find((pair) => pair.customer.id === a && pair.duplicate.id === b);
      expect(pairOf(older.id, newer.id)?.reasons).toEqual(['email']);
      expect(pairOf(named.id, similar.id)).toMatchObject({ reasons: ['name'] });
      expect(pairOf(named.id, similar.id)?.name_similarity).toBeGreaterThan(0.6);
      expect(pairOf(older.id, similar.id)).toBeUndefined();
    });

    it('moves tickets and tags onto the survivor, fills its empty fields, and leaves a pointer', async () => {
      const survivor = await create({ first_name: 'Merge', last_name: 'Survivor', tags: ['vip'] });
      const duplicate = await create({
        first_name: 'Merge',
        last_name: 'Survivor',
        email: 'merge.dup@example.com',
        tags: ['press'],
      });
      const ticket = await ticketFor(duplicate.id, 'Moved with the merge');

      expect(
        (await agent.post(`/api/v2/customers/${survivor.id}/merge`, { duplicate_id: duplicate.id }))
          .statusCode,
      ).toBe(403);
      const merged = await manager.post(`/api/v2/customers/${survivor.id}/merge`, {
        duplicate_id: duplicate.id,
      });
      expect(merged.statusCode, merged.body).toBe(200);
      expect(merged.json()).toMatchObject({
        id: survivor.id,
        email: 'merge.dup@example.com',
        tags: ['vip', 'press'],
      });

      const moved = await agent.get(`/api/v2/tickets/${ticket.id}`);
      expect(moved.json<{ requester_customer_id: number }>().requester_customer_id).toBe(survivor.id);
      const gone = await agent.get(`/api/v2/customers/${duplicate.id}`);
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toMatchObject({ code: 'CUSTOMERS_MERGED', merged_into_id: survivor.id });
      expect(await eventsOf('customer.merged', survivor.id)).toEqual([
        expect.objectContaining({
          duplicate_id: duplicate.id,
          moved: { tickets: 1, rental_orders: 0, contacts: 0 },
        }),
      ]);
      const audit = await t.services.audit.historyOf('customer', duplicate.id);
      expect(audit.map((entry) => entry.action)).toEqual(['customer.created', 'customer.merged_into']);
    });

    it('lets one of two opposite concurrent merges of the same pair win', async () => {
      const a = await create({ first_name: 'Race', last_name: 'One' });
      const b = await create({ first_name: 'Race', last_name: 'Two' });
      const ticket = await ticketFor(b.id, 'Raced');
      const results = await Promise.all([
        manager.post(`/api/v2/customers/${a.id}/merge`, { duplicate_id: b.id }),
        admin.post(`/api/v2/customers/${b.id}/merge`, { duplicate_id: a.id }),
      ]);
      const codes = results.map((response) => response.statusCode).sort();
      expect(codes[0]).toBe(200);
      expect([400, 404]).toContain(codes[1]);
      const winner = results.find((response) => response.statusCode === 200)?.json<CustomerJson>();
      const remaining = await t.services.customers.getMany([a.id, b.id]);
      expect(remaining.map((customer) => customer.id)).toEqual([winner?.id]);
      const after = await agent.get(`/api/v2/tickets/${ticket.id}`);
      expect(after.json<{ requester_customer_id: number }>().requester_customer_id).toBe(winner?.id);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { systemContext } from '../../platform/auth/actor.ts';

describe('audit log', () => {
  let t: TestApp;
  let manager: Browser;

  const auditRows = async (where = 'true', params: unknown[] = []): Promise<number> => {
    const result = await t.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE ${where}`,
      params,
    );
    return result.rows[0]?.n ?? -1;
  };

  beforeAll(async () => {
    t = await createTestApp();
    manager = await t.login(await t.user({ role: 'manager', department: 'Audit' }));
    // At least one row to try to change.
    expect((await manager.post('/api/locations/', { name: 'Audit Seed' })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('rejects UPDATE at the database level', async () => {
    const before = await t.database.pool.query<{ id: number; action: string }>(
      'SELECT id, action FROM audit_log ORDER BY id',
    );
    expect(before.rowCount).toBeGreaterThan(0);
    await expect(t.database.pool.query("UPDATE audit_log SET action = 'tampered'")).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('append-only') as unknown,
    });
    await expect(
      t.database.pool.query("UPDATE audit_log SET actor_label = 'nobody' WHERE id = $1", [
        before.rows[0]?.id,
      ]),
    ).rejects.toThrow(/append-only/);
    const after = await t.database.pool.query('SELECT id, action FROM audit_log ORDER BY id');
    expect(after.rows).toEqual(before.rows);
  });

  it('rejects DELETE at the database level', async () => {
    const count = await auditRows();
    await expect(t.database.pool.query('DELETE FROM audit_log')).rejects.toMatchObject({ code: '42501' });
    await expect(
      t.database.pool.query('DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)'),
    ).rejects.toThrow(/append-only/);
    expect(await auditRows()).toBe(count);
  });

  it('rejects TRUNCATE at the database level', async () => {
    const count = await auditRows();
    await expect(t.database.pool.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect(await auditRows()).toBe(count);
  });

  it('still accepts INSERT (append)', async () => {
    const count = await auditRows();
    await t.database.pool.query(
      "INSERT INTO audit_log (actor_label, action, resource_type, resource_id) VALUES ('test', 'test.appended', 'test', '1')",
    );
    expect(await auditRows()).toBe(count + 1);
  });

  it('leaves no audit row for a write that fails (duplicate name)', async () => {
    const first = await manager.post('/api/shifts/', { name: 'Night' }, { 'x-request-id': 'audit-first' });
    expect(first.statusCode).toBe(201);
    expect(await auditRows('request_id = $1', ['audit-first'])).toBe(1);
    const count = await auditRows();

    const duplicate = await manager.post('/api/shifts/', { name: 'night' }, { 'x-request-id': 'audit-dup' });
    expect(duplicate.statusCode).toBe(400);
    expect(duplicate.json()).toEqual({ name: ['A shift with this name already exists.'] });
    const badRef = await manager.post(
      '/api/facilities/',
      { name: 'Nowhere', location_id: 99999 },
      { 'x-request-id': 'audit-bad-ref' },
    );
    expect(badRef.statusCode).toBe(400);

    expect(await auditRows('request_id IN ($1, $2)', ['audit-dup', 'audit-bad-ref'])).toBe(0);
    expect(await auditRows()).toBe(count);
    const shifts = await t.database.pool.query("SELECT 1 FROM shifts WHERE lower(name) = 'night'");
    expect(shifts.rowCount).toBe(1);
  });

  it('rolls the audit row back with the transaction it was written in', async () => {
    const ctx = systemContext('audit-rollback');
    const count = await auditRows();
    await expect(
      t.database.db.transaction(async (tx) => {
        await t.services.audit.record(tx, ctx, {
          action: 'test.rolled_back',
          resourceType: 'test',
          resourceId: 42,
        });
        // The entry is visible inside the transaction...
        const inside = await tx.execute<{ n: number }>(
          "SELECT count(*)::int AS n FROM audit_log WHERE action = 'test.rolled_back'",
        );
        expect(inside.rows[0]?.n).toBe(1);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    // ...and gone with the rollback.
    expect(await auditRows("action = 'test.rolled_back'")).toBe(0);
    expect(await auditRows()).toBe(count);
  });

  it('strips secrets from snapshots', async () => {
    const ctx = systemContext('audit-secrets');
    await t.services.audit.record(t.database.db, ctx, {
      action: 'test.secret',
      resourceType: 'test',
      resourceId: 'secret',
      after: { name: 'kept', passwordHash: 'argon2-hash', tokenHash: 'digest', secret: 's3cr3t' },
    });
    const row = await t.database.pool.query<{ after: Record<string, unknown> }>(
      "SELECT after FROM audit_log WHERE action = 'test.secret'",
    );
    expect(row.rows[0]?.after).toEqual({ name: 'kept' });
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../platform/auth/actor.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { opsdesk, spawnOpsdesk } from '../../../test/helpers/cli.ts';

const keyLine = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const K1 = keyLine('k1');
const K2 = keyLine('k2');
const BLIND = randomBytes(32).toString('base64');
const CUSTOMERS = 40;

describe('opsdesk keys rotate-data', () => {
  let t: TestApp;
  let dataDir: string;
  const ctx = systemContext('rotation-test');

  beforeAll(async () => {
    t = await createTestApp({ CUSTOMER_DATA_KEYS: K1, CUSTOMER_BLIND_INDEX_KEY: BLIND });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'opsdesk-keys-'));
    for (let i = 1; i <= CUSTOMERS; i++) {
      await t.services.customers.create(ctx, {
        lastName: `Rotated ${i}`,
        email: `rotated${i}@keys.test`,
        phone: `+44 20 7946 ${String(1000 + i)}`,
        notes: `note ${i}`,
      });
    }
  });
  afterAll(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = (keys: string) => ({
    DATABASE_URL: t.config.databaseUrl as string,
    CUSTOMER_DATA_KEYS: keys,
    CUSTOMER_BLIND_INDEX_KEY: BLIND,
    DATA_DIR: dataDir,
  });
  const perKey = async () => {
    const { rows } = await t.database.pool.query<{ kek: string; n: number }>(
      'SELECT data_key_kek AS kek, count(*)::int AS n FROM customers GROUP BY 1 ORDER BY 1',
    );
    return Object.fromEntries(rows.map((row) => [row.kek, row.n]));
  };

  it('rewraps every data key, resumes after being killed, reruns idly, and the old key can go', async () => {
    const child = spawnOpsdesk(
      ['keys', 'rotate-data', '--batch-size', '5', '--pause-ms', '500'],
      env(`${K2},${K1}`),
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Killed once some batches are committed, well before the last.
    for (let waited = 0; ; waited += 100) {
      const { rows } = await t.database.pool.query<{ rewrapped: number }>(
        'SELECT rewrapped FROM customer_key_rotations ORDER BY id DESC LIMIT 1',
      );
      if ((rows[0]?.rewrapped ?? 0) >= 10) break;
      if (waited > 120_000) throw new Error(`rotation never started: ${child.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    await exited;
    const partial = await perKey();
    expect(partial.k2).toBeGreaterThanOrEqual(10);
    expect(partial.k1).toBeGreaterThan(0);

    const resumed = await opsdesk(['keys', 'rotate-data', '--batch-size', '7'], env(`${K2},${K1}`));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Resumed and finished: ${CUSTOMERS} customer data keys now under "k2"`);
    expect(await perKey()).toEqual({ k2: CUSTOMERS });

    const again = await opsdesk(['keys', 'rotate-data'], env(`${K2},${K1}`));
    expect(again.stdout).toContain('Finished: 0 customer data keys');
    const status = await opsdesk(['keys', 'status'], env(K2));
    expect(status.stdout).toContain(`k2\t${CUSTOMERS}\t(current)`);

    // k1 removed from the ring: every value still opens, and the blind indexes still find them.
    const withoutOld = await createTestApp(
      { CUSTOMER_DATA_KEYS: K2, CUSTOMER_BLIND_INDEX_KEY: BLIND },
      { databaseUrl: t.config.databaseUrl as string },
    );
    try {
      const all = [];
      for await (const customer of withoutOld.services.customers.all({
        params: {
          filters: {},
          search: undefined,
          sort: [],
          relevance: false,
          pagination: { kind: 'cursor', limit: 100, after: undefined },
        },
      }))
        all.push(customer);
      expect(all).toHaveLength(CUSTOMERS);
      for (const customer of all) {
        const i = Number(customer.lastName.split(' ')[1]);
        expect(customer).toMatchObject({ email: `rotated${i}@keys.test`, notes: `note ${i}` });
      }
      const [found] = await withoutOld.services.customers.findByPhone('+442079461007');
      expect(found?.email).toBe('rotated7@keys.test');
    } finally {
      await withoutOld.close();
    }

    // The old key alone no longer opens them: the error names the key that is missing.
    const onlyOld = await createTestApp(
      { CUSTOMER_DATA_KEYS: K1, CUSTOMER_BLIND_INDEX_KEY: BLIND },
      { databaseUrl: t.config.databaseUrl as string },
    );
    try {
      await expect(onlyOld.services.customers.findByEmail('rotated1@keys.test')).rejects.toThrow('"k2"');
    } finally {
      await onlyOld.close();
    }
  }, 240_000);
});

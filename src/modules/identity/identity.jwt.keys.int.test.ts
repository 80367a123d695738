import { decodeProtectedHeader } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { opsdesk } from '../../../test/helpers/cli.ts';
import {
  auditRows,
  bearerStatus,
  JWT_ENV,
  refresh,
  tokenLogin,
  type Pair,
} from '../../../test/helpers/jwt.ts';
import { connectDatabase, type DatabaseHandle } from '../../platform/db/client.ts';
import { enqueue } from '../../platform/jobs/define-job.ts';
import { runDueJobs } from '../../platform/jobs/worker.ts';
import { createServices } from '../index.ts';
import { createIdentityJobs } from './identity.jobs.ts';

const PROCESSES = 8;

describe('JWT signing keys: sealed in PostgreSQL, rotated on schedule and on demand with an overlap', () => {
  let t: TestApp;
  const handles: DatabaseHandle[] = [];

  beforeAll(async () => {
    t = await createTestApp(JWT_ENV);
  });
  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    await t.close();
  });

  /** Independent processes' worth of services on the same database: each its own pool and key cache. */
  function otherProcesses(count: number) {
    return Array.from({ length: count }, () => {
      const handle = connectDatabase({ url: t.config.databaseUrl!, poolMax: 2, statementTimeoutMs: 10_000 });
      handles.push(handle);
      return createServices(handle, t.config).identity;
    });
  }

  const keyRows = async () =>
    (
      await t.database.pool.query<{ kid: string; retired: boolean; sealed_private_jwk: string }>(
        'SELECT kid, retired_at IS NOT NULL AS retired, sealed_private_jwk FROM jwt_signing_keys ORDER BY id',
      )
    ).rows;

  const jwksKids = async () =>
    (await t.app.inject({ url: '/.well-known/jwks.json' }))
      .json<{ keys: { kid: string }[] }>()
      .keys.map((key) => key.kid);

  const kidOf = (pair: Pair) => decodeProtectedHeader(pair.access_token).kid;

  it('makes exactly one first key when many processes need one at once, stored sealed', async () => {
    expect(await keyRows()).toEqual([]);
    const kids = await Promise.all(
      otherProcesses(PROCESSES).map(async (identity) => (await identity.signingKeys.signingKey()).kid),
    );
    const rows = await keyRows();
    expect(rows).toHaveLength(1);
    expect(new Set(kids)).toEqual(new Set([rows[0]!.kid]));
    expect(rows[0]!.sealed_private_jwk).toMatch(/^v1\./);
    expect(rows[0]!.sealed_private_jwk).not.toContain('"d"');
  });

  it('lets no second current key exist (partial unique index)', async () => {
    await expect(
      t.database.pool.query(
        `INSERT INTO jwt_signing_keys (kid, algorithm, sealed_private_jwk, public_jwk) VALUES ('dup', 'EdDSA', 'x', '{}')`,
      ),
    ).rejects.toThrow(/jwt_signing_keys_one_current/);
  });

  it('rotates a due key once, however many processes run the hourly job at the same moment', async () => {
    const before = (await keyRows())[0]!.kid;
    await t.database.pool.query(`UPDATE jwt_signing_keys SET created_at = now() - interval '31 days'`);
    const audited = (await auditRows(t, 'jwt_key.rotated')).length;

    const results = await Promise.all(
      otherProcesses(PROCESSES).map((identity) => identity.signingKeys.rotateIfDue()),
    );
    expect(results.filter((result) => result.rotation).length).toBe(1);
    const rows = await keyRows();
    expect(rows.filter((row) => !row.retired)).toHaveLength(1);
    expect(rows.find((row) => row.kid === before)?.retired).toBe(true);
    expect((await auditRows(t, 'jwt_key.rotated')).length).toBe(audited + 1);

    // Not due any more: another run changes nothing.
    expect((await otherProcesses(1)[0]!.signingKeys.rotateIfDue()).rotation).toBeUndefined();
  });

  it('runs as the graphile-worker cron job identity.rotate-signing-keys, purging keys past their overlap', async () => {
    await t.database.pool.query(
      `UPDATE jwt_signing_keys SET created_at = now() - interval '31 days' WHERE retired_at IS NULL`,
    );
    await t.database.pool.query(
      `UPDATE jwt_signing_keys SET accepted_until = now() - interval '1 second' WHERE retired_at IS NOT NULL`,
    );
    const current = (await keyRows()).find((row) => !row.retired)!.kid;
    const jobs = createIdentityJobs({ db: t.database.db, identity: t.services.identity });
    const job = jobs.find((candidate) => candidate.name === 'identity.rotate-signing-keys');
    expect(job?.cron).toMatch(/^\d+ \* \* \* \*$/);
    await enqueue(t.database.db, job!, {});
    await runDueJobs({ pool: t.database.pool, jobs, log: pino({ level: 'silent' }) });

    const rows = await keyRows();
    expect(rows.map((row) => row.kid)).toContain(current);
    expect(rows.find((row) => row.kid === current)?.retired).toBe(true);
    expect(rows).toHaveLength(2);
  });

  it('opsdesk keys rotate: old tokens stay valid through the overlap; --revoke-previous ends them at once', async () => {
    const env = { DATABASE_URL: t.config.databaseUrl!, ...JWT_ENV };
    const person = await t.user();
    const first = await tokenLogin(t, person.user.username);
    expect(await bearerStatus(t, first.access_token)).toBe(200);

    const rotated = await opsdesk(['keys', 'rotate'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/New JWT signing key .+\.\nKey .+ stays accepted/);

    // The API process heard of the rotation before the CLI returned: it signs with the new key and publishes both.
    const second = await tokenLogin(t, person.user.username);
    expect(kidOf(second)).not.toBe(kidOf(first));
    expect(await jwksKids()).toEqual(expect.arrayContaining([kidOf(first), kidOf(second)]));
    expect(await bearerStatus(t, first.access_token)).toBe(200);
    expect(await bearerStatus(t, second.access_token)).toBe(200);

    const revoked = await opsdesk(['keys', 'rotate', '--revoke-previous'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('no longer work');
    expect(await bearerStatus(t, first.access_token)).toBe(401);
    expect(await bearerStatus(t, second.access_token)).toBe(401);
    expect(await jwksKids()).toHaveLength(1);

    // The logins themselves live on: a refresh gets an access token under the new key.
    const renewed = await refresh(t, second.refresh_token);
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(await bearerStatus(t, renewed.json<Pair>().access_token)).toBe(200);
    expect((await auditRows(t, 'jwt_key.rotated')).at(-1)?.after).toMatchObject({ reason: 'manual' });
  }, 180_000); // two runs of the real CLI, each starting tsx

  it('accepts only the configured algorithm: switching to ES256 rotates and refuses EdDSA tokens', async () => {
    const person = await t.user();
    const eddsa = await tokenLogin(t, person.user.username);
    const es = await createTestApp(
      { ...JWT_ENV, JWT_ALGORITHM: 'ES256' },
      { databaseUrl: t.config.databaseUrl! },
    );
    try {
      const pair = await tokenLogin(es, person.user.username);
      expect(decodeProtectedHeader(pair.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
      const { keys } = (await es.app.inject({ url: '/.well-known/jwks.json' })).json<{
        keys: { kty: string; crv: string; alg: string }[];
      }>();
      expect(keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256' })]);
      expect(await bearerStatus(es, pair.access_token)).toBe(200);
      expect(await bearerStatus(es, eddsa.access_token)).toBe(401);
    } finally {
      await es.close();
    }
  }, 90_000); // builds a second app beside the first
});

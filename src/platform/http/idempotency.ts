import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from '@sinclair/typebox';
import { and, eq, lt, sql } from 'drizzle-orm';
import { defineJob } from '../jobs/define-job.ts';
import type { Database } from '../db/client.ts';
import { idempotencyKeys } from './idempotency.tables.ts';
import { AppError } from './errors.ts';

/**
 * `Idempotency-Key` on POST (the IETF httpapi draft, as Stripe does it): the first
 * request with a key claims it with an INSERT; a retry with the same key and body gets
 * the stored response replayed (`Idempotent-Replayed: true`); the same key with another
 * body is 422; a duplicate that arrives while the first is still running waits for it
 * and then replays, so concurrent duplicates create one resource. 5xx answers are not
 * stored, so the client may retry them.
 */
const HEADER = 'idempotency-key';
const KEPT_HEADERS = ['content-type', 'location', 'etag'];
const RETENTION = sql`interval '24 hours'`;
/** A claim older than this belongs to a process that died mid-request. */
const ABANDONED_AFTER_MS = 60_000;
const WAIT_FOR_FIRST_MS = 15_000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyClaim: { owner: string; key: string } | undefined;
  }
}

const errors = {
  invalidKey: () =>
    new AppError(
      'IDEMPOTENCY_KEY_INVALID',
      'invalid',
      'Idempotency-Key must be 1 to 255 printable characters.',
    ),
  reused: () =>
    new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'unprocessable',
      'This Idempotency-Key was already used with a different request body.',
    ),
  inProgress: () =>
    new AppError(
      'IDEMPOTENCY_KEY_IN_PROGRESS',
      'conflict',
      'A request with this Idempotency-Key is still being processed; retry later.',
    ),
};

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

async function replayOrWait(
  db: Database,
  request: FastifyRequest,
  reply: FastifyReply,
  owner: string,
  key: string,
  hash: string,
) {
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (let delay = 10; Date.now() < deadline; delay = Math.min(delay * 2, 250)) {
    const [stored] = await db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key)));
    if (!stored) return false;
    if (stored.requestHash !== hash) throw errors.reused();
    if (stored.responseStatus !== null) {
      reply
        .code(stored.responseStatus)
        .headers(stored.responseHeaders ?? {})
        .header('idempotent-replayed', 'true');
      await reply.send(stored.responseBody ?? '');
      return true;
    }
    if (Date.now() - stored.createdAt.getTime() > ABANDONED_AFTER_MS) {
      await db
        .delete(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.owner, owner),
            eq(idempotencyKeys.key, key),
            eq(idempotencyKeys.createdAt, stored.createdAt),
          ),
        );
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw errors.inProgress();
}

export const idempotencyPlugin = fp(
  (app: FastifyInstance, { db }: { db: Database }) => {
    app.decorateRequest('idempotencyClaim', undefined);

    app.addHook('preHandler', async (request, reply) => {
      const key = request.headers[HEADER];
      if (request.method !== 'POST' || key === undefined) return;
      if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) throw errors.invalidKey();
      const owner = request.actor ? `user:${request.actor.userId}` : `ip:${request.ip}`;
      const hash = requestHash(request);
      for (let attempt = 0; attempt < 3; attempt++) {
        const claimed = await db
          .insert(idempotencyKeys)
          .values({ owner, key, requestHash: hash })
          .onConflictDoNothing()
          .returning({ key: idempotencyKeys.key });
        if (claimed.length > 0) {
          request.idempotencyClaim = { owner, key };
          return;
        }
        if (await replayOrWait(db, request, reply, owner, key, hash)) return reply;
      }
      throw errors.inProgress();
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const claim = request.idempotencyClaim;
      if (!claim) return payload;
      request.idempotencyClaim = undefined;
      const where = and(eq(idempotencyKeys.owner, claim.owner), eq(idempotencyKeys.key, claim.key));
      if (reply.statusCode >= 500 || (typeof payload !== 'string' && payload !== null)) {
        await db.delete(idempotencyKeys).where(where);
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      await db
        .update(idempotencyKeys)
        .set({
          responseStatus: reply.statusCode,
          responseHeaders: headers,
          responseBody: payload ?? '',
          completedAt: new Date(),
        })
        .where(where);
      return payload;
    });
  },
  { name: 'opsdesk-idempotency' },
);

/** Hourly: forgets stored responses past the 24-hour replay window. */
export const purgeIdempotencyKeysJob = (db: Database) =>
  defineJob({
    name: 'platform.purge-idempotency-keys',
    payload: Type.Object({}),
    cron: '7 * * * *',
    async handler(_payload, { log }) {
      const purged = await db
        .delete(idempotencyKeys)
        .where(lt(idempotencyKeys.createdAt, sql`now() - ${RETENTION}`))
        .returning({ key: idempotencyKeys.key });
      log('purged idempotency keys', { count: purged.length });
    },
  });

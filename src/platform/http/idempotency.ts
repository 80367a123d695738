import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from '@sinclair/typebox';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import { defineJob } from '../jobs/define-job.ts';
import type { Database, Executor } from '../db/client.ts';
import { idempotencyKeys } from './idempotency.tables.ts';
import { AppError } from './errors.ts';
import { asArray, routeTakes } from './route-hooks.ts';

/**
 * `Idempotency-Key` on POST (the IETF httpapi draft, as Stripe does it): the first
 * request with a key claims it with an INSERT; a retry with the same key and body gets
 * the stored response replayed (`Idempotent-Replayed: true`); the same key with another
 * body is 422; a duplicate that arrives while the first is still running waits for it
 * and then replays, so concurrent duplicates create one resource. 5xx answers are not
 * stored, so the client may retry them.
 *
 * While its request runs, the process holding a claim refreshes the claim's
 * `created_at` (a heartbeat, every third of `takeoverSeconds`). A claim whose heartbeat
 * stopped for `takeoverSeconds` belongs to a process that died mid-request: the next
 * retry takes it over in one conditional UPDATE, compared by PostgreSQL's clock, so
 * exactly one retry wins and runs the request.
 */
const HEADER = 'idempotency-key';
const KEPT_HEADERS = ['content-type', 'location', 'etag'];
const RETENTION = sql`interval '24 hours'`;
const WAIT_FOR_FIRST_MS = 15_000;

interface Claim {
  owner: string;
  key: string;
  heartbeat: NodeJS.Timeout;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyClaim: Claim | undefined;
  }
  interface FastifyContextConfig {
    /**
     * The response carries a secret shown once (a new API key or token). Such a route
     * ignores Idempotency-Key: a stored response would keep the secret in clear for a day.
     */
    secretResponse?: boolean;
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

const keyOf = (owner: string, key: string) =>
  and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key));

/** Takes over the claim on (owner, key) when its heartbeat stopped `takeoverSeconds` ago. */
async function takeOverAbandoned(
  db: Database,
  owner: string,
  key: string,
  hash: string,
  takeoverSeconds: number,
) {
  const taken = await db
    .update(idempotencyKeys)
    .set({ createdAt: sql`now()` })
    .where(
      and(
        keyOf(owner, key),
        eq(idempotencyKeys.requestHash, hash),
        isNull(idempotencyKeys.responseStatus),
        lt(idempotencyKeys.createdAt, sql`now() - make_interval(secs => ${takeoverSeconds})`),
      ),
    )
    .returning({ key: idempotencyKeys.key });
  return taken.length > 0;
}

/**
 * What became of the claim another request holds: its answer is replayed, the claim is
 * taken over (its process died), or it is gone (a 5xx released it) and may be claimed.
 */
async function replayOrWait(
  db: Database,
  reply: FastifyReply,
  claim: { owner: string; key: string; hash: string; takeoverSeconds: number },
): Promise<'replayed' | 'taken-over' | 'released'> {
  const { owner, key, hash, takeoverSeconds } = claim;
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (let delay = 10; Date.now() < deadline; delay = Math.min(delay * 2, 250)) {
    const [stored] = await db.select().from(idempotencyKeys).where(keyOf(owner, key));
    if (!stored) return 'released';
    if (stored.requestHash !== hash) throw errors.reused();
    if (stored.responseStatus !== null) {
      reply
        .code(stored.responseStatus)
        .headers(stored.responseHeaders ?? {})
        .header('idempotent-replayed', 'true');
      await reply.send(stored.responseBody ?? '');
      return 'replayed';
    }
    if (await takeOverAbandoned(db, owner, key, hash, takeoverSeconds)) return 'taken-over';
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw errors.inProgress();
}

export const idempotencyPlugin = fp(
  (app: FastifyInstance, { db, takeoverSeconds }: { db: Database; takeoverSeconds: number }) => {
    app.decorateRequest('idempotencyClaim', undefined);

    const hold = (request: FastifyRequest, owner: string, key: string) => {
      const heartbeat = setInterval(
        () => {
          db.update(idempotencyKeys)
            .set({ createdAt: sql`now()` })
            .where(and(keyOf(owner, key), isNull(idempotencyKeys.responseStatus)))
            .catch((error: unknown) => {
              request.log.warn({ err: error }, 'idempotency heartbeat failed');
            });
        },
        (takeoverSeconds * 1000) / 3,
      ).unref();
      request.idempotencyClaim = { owner, key, heartbeat };
    };
    const release = (request: FastifyRequest) => {
      const claim = request.idempotencyClaim;
      if (claim) clearInterval(claim.heartbeat);
      request.idempotencyClaim = undefined;
      return claim;
    };

    const claimKey = async (request: FastifyRequest, reply: FastifyReply) => {
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
        const outcome =
          claimed.length > 0
            ? 'claimed'
            : await replayOrWait(db, reply, { owner, key, hash, takeoverSeconds });
        if (outcome === 'replayed') return reply;
        if (outcome !== 'released') {
          hold(request, owner, key);
          return;
        }
      }
      throw errors.inProgress();
    };

    // Whatever way a request ends, the heartbeat of its claim ends with it.
    const endClaim = (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
      release(request);
      done();
    };

    const storeAnswer = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const claim = release(request);
      if (!claim) return payload;
      const where = keyOf(claim.owner, claim.key);
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
    };

    // The hooks go on the routes that take POST (and may be retried) only: a GET pays
    // for none of them.
    app.addHook('onRoute', (route) => {
      if (!routeTakes(route, 'POST') || route.config?.secretResponse) return;
      route.preHandler = [...asArray(route.preHandler), claimKey];
      route.onSend = [...asArray(route.onSend), storeAnswer];
      route.onResponse = [...asArray(route.onResponse), endClaim];
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

/**
 * Forgets the stored responses of the creates that made `location` (a resource erased
 * for privacy must not live on in a replayable response for the rest of the window).
 */
export async function forgetStoredResponses(executor: Executor, location: string): Promise<void> {
  await executor
    .delete(idempotencyKeys)
    .where(sql`${idempotencyKeys.responseHeaders} ->> 'location' = ${location}`);
}

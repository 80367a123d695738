import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** The request headers that carry credentials: an answer they select varies on them. */
const CREDENTIAL_HEADERS = ['Cookie', 'Authorization'];

/**
 * An answer that depends on who asks: any route that needs an actor (session cookie,
 * API token or JWT, so its answers, 401 and 403 included, are chosen by the
 * credentials), and any answer that hands out a cookie (CSRF token, login, logout).
 * Public routes (health, docs, OpenAPI, signed downloads) are left as they are; a
 * public route whose answer depends on the caller sets its own Cache-Control.
 */
function isPersonal(request: FastifyRequest, reply: FastifyReply): boolean {
  return !request.routeOptions.config.public || reply.hasHeader('set-cookie');
}

/** Adds `names` to the reply's Vary, keeping what is there (CORS adds Origin). */
function addVary(reply: FastifyReply, names: readonly string[]): void {
  const current = reply.getHeader('vary');
  const members = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((member) => member.trim())
    .filter(Boolean);
  if (members.includes('*')) return;
  const present = new Set(members.map((member) => member.toLowerCase()));
  reply.header('vary', [...members, ...names.filter((name) => !present.has(name.toLowerCase()))].join(', '));
}

/**
 * The caching policy of personal answers (RFC 9111). `private` forbids shared caches
 * (proxies, CDNs) to store them (5.2.2.7), and `Vary: Cookie, Authorization` tells
 * every cache that the credentials select the answer (4.1). An answer with an ETag is
 * `no-cache`: the browser may keep it but must revalidate before each use (5.2.2.4),
 * so `If-None-Match` still earns a 304; the 304 carries the same headers (RFC 9110
 * 15.4.5). Every other personal answer is `no-store`: kept by no cache at all. A
 * Cache-Control a route sets itself is kept.
 */
export const privateCachingPlugin = fp(
  (app: FastifyInstance, _options: unknown, done: () => void) => {
    app.addHook('onSend', (request, reply, payload, next) => {
      if (isPersonal(request, reply)) {
        if (!reply.hasHeader('cache-control'))
          reply.header('cache-control', reply.hasHeader('etag') ? 'private, no-cache' : 'private, no-store');
        addVary(reply, CREDENTIAL_HEADERS);
      }
      next(null, payload);
    });
    done();
  },
  { name: 'opsdesk-private-caching' },
);

import type { FastifyInstance } from 'fastify';

/** When an API version is deprecated, when it goes away, and where that is explained. */
export interface DeprecationPolicy {
  deprecatedAt?: Date | undefined;
  sunsetAt?: Date | undefined;
  link?: string | undefined;
}

/**
 * The headers that announce it: `Deprecation: @<unix seconds>` (RFC 9745), `Sunset:
 * <HTTP-date>` (RFC 8594) and `Link: <url>; rel="deprecation"` (RFC 9745 section 3).
 * Nothing configured, no headers.
 */
export function deprecationHeaders(policy: DeprecationPolicy): Record<string, string> {
  const headers: Record<string, string> = {};
  if (policy.deprecatedAt) headers.deprecation = `@${Math.floor(policy.deprecatedAt.getTime() / 1000)}`;
  if (policy.sunsetAt) headers.sunset = policy.sunsetAt.toUTCString();
  if (policy.link) headers.link = `<${policy.link}>; rel="deprecation"; type="text/html"`;
  return headers;
}

/** Sends the policy's headers on every answer of the routes of `scope`, errors included. */
export function announceDeprecation(scope: FastifyInstance, policy: DeprecationPolicy): void {
  const headers = deprecationHeaders(policy);
  if (Object.keys(headers).length === 0) return;
  scope.addHook('onSend', (_request, reply, payload, done) => {
    for (const [name, value] of Object.entries(headers)) {
      const existing = name === 'link' ? reply.getHeader('link') : undefined;
      reply.header(name, existing ? `${String(existing)}, ${value}` : value);
    }
    done(null, payload);
  });
}

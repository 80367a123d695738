import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * The security headers of every answer (CSP, HSTS, frame and referrer policies ...), as
 * helmet makes them. None depends on the request (no CSP nonces), so helmet runs once,
 * at startup, against a recorder, and each request copies the result in one step:
 * @fastify/helmet rebuilt them per request and resolved route options on the way.
 */
export function securityHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      Reflect.deleteProperty(headers, name.toLowerCase());
    },
  };
  let failure: unknown;
  helmet(options)(
    Object.create(null) as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      failure = error;
    },
  );
  if (failure !== undefined)
    throw failure instanceof Error ? failure : new Error('helmet refused the security header options');
  return headers;
}

export function securityHeadersPlugin(app: FastifyInstance, options: Parameters<typeof helmet>[0]): void {
  const headers = securityHeaders(options);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

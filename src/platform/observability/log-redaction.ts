import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import { looksLikeCredential } from '../auth/credentials.ts';

/**
 * Names of query parameters and route parameters whose values are credentials: a
 * signed download link (`/files/:token`), presigned-URL signatures, OAuth codes and
 * tokens, API keys. Whoever reads the logs must not be able to replay them. A value
 * shaped like a credential (an Opsdesk key or token, a JWT) is redacted whatever its
 * name: such requests are refused, but their URL is logged all the same.
 */
const SECRET_NAMES =
  /^(token|access_token|refresh_token|id_token|auth_token|jwt|bearer|authorization|signature|sig|x-amz-signature|x-amz-credential|code|password|secret|key|api_key|apikey|api-key|x-api-key|x_api_key)$/i;
const REDACTED = '[redacted]';

/**
 * Query parameters whose values are personal data (customer e-mail and phone
 * lookups), and free-text searches that look like an e-mail address or a phone
 * number: those are stored encrypted, so the logs must not hold them in clear either.
 */
const PERSONAL_NAMES = /^(email|phone|e-mail|mobile|date_of_birth)$/i;
const SEARCH_NAMES = /^(search|q)$/i;
const looksPersonal = (value: string) => value.includes('@') || (value.match(/\d/g)?.length ?? 0) >= 5;

/** The URL with the values of secret (and personal) query parameters, and of secret route parameters, replaced. */
export function redactUrl(url: string, params: Record<string, unknown> = {}): string {
  const queryAt = url.indexOf('?');
  let path = queryAt === -1 ? url : url.slice(0, queryAt);
  for (const [name, value] of Object.entries(params)) {
    if (!SECRET_NAMES.test(name) || typeof value !== 'string' || value === '') continue;
    path = path.split(value).join(REDACTED).split(encodeURIComponent(value)).join(REDACTED);
  }
  if (queryAt === -1) return path;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return looksLikeCredential(decoded(pair)) ? REDACTED : pair;
      const name = pair.slice(0, equals);
      const value = decoded(pair.slice(equals + 1));
      const secret =
        SECRET_NAMES.test(decoded(name)) ||
        PERSONAL_NAMES.test(decoded(name)) ||
        (SEARCH_NAMES.test(decoded(name)) && looksPersonal(value)) ||
        looksLikeCredential(value);
      return secret ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

/** A query-string component decoded; a malformed one as sent. */
function decoded(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return component;
  }
}

/** Fastify's request log fields, with credentials in the URL redacted. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url, request.params as Record<string, unknown> | undefined),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  };
}

/** Headers that carry credentials, removed wherever a log line includes them. */
const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrftoken"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
];

/** Logger options that apply the redaction above, whatever options the caller chose. */
export function redactingLogger(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return logger;
  const options = logger === true ? {} : logger;
  return {
    ...options,
    serializers: { ...options.serializers, req: serializeRequest },
    redact: { paths: REDACTED_LOG_PATHS, censor: REDACTED },
  };
}

import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/**
 * Names of query parameters and route parameters whose values are credentials: a
 * signed download link (`/files/:token`), presigned-URL signatures, OAuth codes and
 * tokens. Whoever reads the logs must not be able to replay them.
 */
const SECRET_NAMES =
  /^(token|access_token|refresh_token|id_token|signature|sig|x-amz-signature|x-amz-credential|code|password|secret|key|api_key|apikey)$/i;
const REDACTED = '[redacted]';

/** The URL with the values of secret query parameters, and of secret route parameters, replaced. */
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
      const name = equals === -1 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        /* a malformed name is logged as sent */
      }
      return equals !== -1 && SECRET_NAMES.test(decoded) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
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
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
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

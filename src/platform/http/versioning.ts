import type { FastifyRequest } from 'fastify';

export type ApiVersion = 'v1' | 'v2';

/** `/api/v2/...` is v2; `/api/v1/...`, bare `/api/...` and everything else answers in v1 (DRF) shapes. */
export function apiVersionOf(request: FastifyRequest): ApiVersion {
  return request.url.startsWith('/api/v2') ? 'v2' : 'v1';
}

/** Where v1 routes are mounted: DRF's frontends call `/api/`, scripts may pin `/api/v1/`. */
export const V1_PREFIXES = ['/api/v1', '/api'] as const;
export const V2_PREFIX = '/api/v2';

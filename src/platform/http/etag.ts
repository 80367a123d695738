import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, commonErrors } from './errors.ts';
import type { ApiVersion } from './versioning.ts';

/** The ETag of a resource at `version` (every row carries a version counter). */
export const etagOf = (version: number): string => `"${version}"`;

export function setEtag(reply: FastifyReply, version: number): void {
  reply.header('etag', etagOf(version));
}

/**
 * The version a write expects to replace. v2 requires `If-Match` (428 without it;
 * `*` means any); v1 takes an optional `version` in the body, as DRF frontends send no
 * conditional headers, and falls back to last-write-wins without it.
 */
export function expectedVersion(
  request: FastifyRequest,
  api: ApiVersion,
  bodyVersion?: unknown,
): number | undefined {
  if (api === 'v1') return typeof bodyVersion === 'number' ? bodyVersion : undefined;
  const header = request.headers['if-match'];
  if (!header) throw commonErrors.PRECONDITION_REQUIRED();
  if (header.trim() === '*') return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!match)
    throw commonErrors.PRECONDITION_FAILED({
      message: 'If-Match must be an ETag this API issued, like "3".',
    });
  return Number(match[1]);
}

/**
 * Runs a write and, when it loses to a concurrent change, answers with the current
 * representation: 409 in v1, 412 in v2 (the version came from If-Match).
 */
export async function withVersionCheck<T>(
  api: ApiVersion,
  present: (current: never) => unknown,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'VERSION_CONFLICT') throw error;
    const current = error.extra?.current;
    const extra = current === undefined ? {} : { current: present(current as never) };
    throw api === 'v2'
      ? commonErrors.PRECONDITION_FAILED({ extra, cause: error })
      : commonErrors.VERSION_CONFLICT({ extra, cause: error });
  }
}

/** 304 for a GET whose If-None-Match names the ETag about to be sent. */
export function notModified(request: FastifyRequest, reply: FastifyReply): boolean {
  const etag = reply.getHeader('etag');
  const condition = request.headers['if-none-match'];
  if (request.method !== 'GET' || reply.statusCode !== 200 || typeof etag !== 'string' || !condition)
    return false;
  return condition
    .split(',')
    .some((candidate) => candidate.trim() === etag || candidate.trim() === `W/${etag}`);
}

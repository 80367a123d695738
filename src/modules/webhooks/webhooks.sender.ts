import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveTarget, UnsafeTargetError } from './webhooks.ssrf.ts';

/** What one attempt got: a 2xx is success; anything else (3xx included) a failure. */
export interface AttemptResult {
  succeeded: boolean;
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string;
  error: string | null;
}

const EXCERPT_BYTES = 2048;

/** A lookup that answers the address already checked, whatever the name resolves to now. */
const pinnedLookup =
  (address: string, family: 4 | 6): LookupFunction =>
  (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };

/**
 * POSTs `body` once: the URL is checked by the SSRF guard and the connection pinned to
 * the checked address; redirects are not followed; the whole attempt (connect, send,
 * response) gets `timeoutMs`. Never throws: a failure is a result.
 */
export async function post(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let resolved;
  try {
    resolved = await resolveTarget(target, options.allowPrivate);
  } catch (error) {
    const reason = error instanceof UnsafeTargetError ? error.message : String(error);
    return { succeeded: false, statusCode: null, durationMs: elapsed(), responseExcerpt: '', error: reason };
  }
  const { url, address, family } = resolved;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve({ ...result, durationMs: elapsed() });
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(address, family),
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const status = response.statusCode ?? 0;
          const redirect = status >= 300 && status < 400;
          finish({
            succeeded: status >= 200 && status < 300,
            statusCode: status,
            responseExcerpt: Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_BYTES),
            error: redirect
              ? `Redirect to ${response.headers.location ?? '(no location)'} not followed.`
              : status >= 200 && status < 300
                ? null
                : `HTTP ${status}`,
          });
        };
        response.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          // Enough read for the log: the rest of a large answer is not waited for.
          if (size >= EXCERPT_BYTES) done();
        });
        response.on('end', done);
        response.on('error', (error) => {
          finish({
            succeeded: false,
            statusCode: response.statusCode ?? null,
            responseExcerpt: '',
            error: error.message,
          });
        });
      },
    );
    const timer = setTimeout(() => {
      finish({
        succeeded: false,
        statusCode: null,
        responseExcerpt: '',
        error: `Timed out after ${options.timeoutMs} ms.`,
      });
    }, options.timeoutMs);
    request.on('error', (error) => {
      finish({ succeeded: false, statusCode: null, responseExcerpt: '', error: error.message });
    });
    request.end(body);
  });
}

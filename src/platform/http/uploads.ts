import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { fileErrors } from '../files/errors.ts';
import { AppError, fieldError } from './errors.ts';
import { NUL, nullCharacterError } from './null-characters.ts';

/** Room beside the file for a form's framing: boundaries, part headers, the file name. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Takes one file as multipart/form-data, read with `receiveFile`; its body may reach the upload limit. */
    upload?: boolean;
  }
  interface FastifyInstance {
    /** The largest file an upload route accepts. */
    uploadMaxBytes: number;
  }
}

const MULTIPART = /^multipart\/form-data\b/i;

function bodyTooLarge(): AppError {
  return new AppError('BODY_TOO_LARGE', 'invalid', 'Request body is too large.', { extra: { status: 413 } });
}

/**
 * Request bodies stop at their limit. A request whose Content-Length already exceeds it
 * is refused with 413 before a byte of the body is read: an upload route's multipart
 * body may hold a file of `maxFileBytes` plus its framing, any other body the route's
 * body limit (BODY_LIMIT_BYTES). A streamed body is cut at the limit as it arrives
 * (Fastify's parsers for JSON and text; `receiveFile` for uploads). Every 413 closes
 * the connection, so the rest of an oversized body is never read.
 */
export const uploadsPlugin = fp(
  async (app: FastifyInstance, { maxFileBytes }: { maxFileBytes: number }) => {
    app.decorate('uploadMaxBytes', maxFileBytes);
    await app.register(multipart, {
      limits: { fileSize: maxFileBytes, files: 1, fields: 10, parts: 12 },
      throwFileSizeLimit: true,
    });

    // A callback hook, not an async one: it runs on every request, and spares each the
    // promise an async hook costs.
    app.addHook('onRequest', (request, _reply, done) => {
      const declared = Number(request.headers['content-length'] ?? 0);
      const upload =
        request.routeOptions.config.upload === true && MULTIPART.test(request.headers['content-type'] ?? '');
      if (upload && declared > maxFileBytes + MULTIPART_OVERHEAD_BYTES)
        done(fileErrors.tooLarge(maxFileBytes));
      else if (!upload && declared > request.routeOptions.bodyLimit) done(bodyTooLarge());
      else done();
    });

    app.addHook('onSend', (_request, reply, payload, done) => {
      if (reply.statusCode === 413) reply.header('connection', 'close');
      done(null, payload);
    });
  },
  { name: 'opsdesk-uploads' },
);

/**
 * The one file of a multipart upload, as a stream of its bytes. The stream fails with
 * FILE_TOO_LARGE (413) the moment the file passes the limit, and the request is read
 * no further: whatever consumes the stream (FileStorage.put) discards what it wrote,
 * and the 413 closes the connection. 415 for a body that is not multipart/form-data,
 * 400 when the form holds no file or its name holds a NUL. Only for routes declaring `config.upload`.
 */
export async function receiveFile(request: FastifyRequest): Promise<{ filename: string; stream: Readable }> {
  if (request.routeOptions.config.upload !== true)
    throw new Error(`Route ${request.routeOptions.url ?? request.url} reads a file without config.upload`);
  if (!request.isMultipart())
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'invalid', 'Send the file as multipart/form-data.', {
      extra: { status: 415 },
    });
  const part = await request.file();
  if (!part) throw fieldError('file', 'No file was sent.');
  const { file } = part;
  if (part.filename.includes(NUL)) {
    file.resume();
    throw nullCharacterError(['file']);
  }
  const refuse = () => {
    request.raw.unpipe();
    request.raw.pause();
    file.destroy(fileErrors.tooLarge(request.server.uploadMaxBytes));
  };
  // The limit may already have passed within the chunk that carried the file's first bytes.
  if (file.truncated) refuse();
  else file.once('limit', refuse);
  return { filename: part.filename, stream: file };
}

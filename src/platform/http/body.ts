import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

/** How much of a refused Content-Type the 415 message repeats. */
const ECHOED_TYPE_LENGTH = 100;

export function unsupportedMediaType(contentType: string | undefined): AppError {
  const message = contentType
    ? `Unsupported media type "${contentType.slice(0, ECHOED_TYPE_LENGTH)}" in request.`
    : 'A request body needs a Content-Type; send application/json.';
  return new AppError('UNSUPPORTED_MEDIA_TYPE', 'invalid', message, { extra: { status: 415 } });
}

const declaresEmptyBody = (request: FastifyRequest): boolean => request.headers['content-length'] === '0';

/**
 * The request bodies the API reads, read the way DRF reads them:
 * - an empty body is no body, whatever its Content-Type says (DRF's `request.data` is
 *   then empty; a route that needs fields answers which are missing);
 * - JSON is parsed by Fastify's own secure parser (prototype poisoning refused);
 * - any other media type is a 415, unless a plugin adds a parser for it in its own scope
 *   (multipart for uploads, text/calendar for calendar imports). Fastify's default
 *   text/plain parser is dropped with the rest: no route reads plain text.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  const { onProtoPoisoning = 'error', onConstructorPoisoning = 'error' } = app.initialConfig;
  const parseJson = app.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning);
  app.removeAllContentTypeParsers();

  app.addContentTypeParser<string>('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    void parseJson(request, body, done);
  });

  app.addContentTypeParser('*', (request, payload, done) => {
    // An unknown URL answers 404 whatever it was sent.
    if (request.is404 || declaresEmptyBody(request)) {
      done(null, undefined);
      return;
    }
    const refuse = () => {
      done(unsupportedMediaType(request.headers['content-type']), undefined);
    };
    // A declared length says there is a body: refuse before reading any of it.
    if (request.headers['content-length'] !== undefined) {
      refuse();
      return;
    }
    // A chunked body may still turn out empty.
    const onData = (chunk: Buffer) => {
      if (chunk.length === 0) return;
      stop();
      refuse();
    };
    const onEnd = () => {
      stop();
      done(null, undefined);
    };
    const onError = (error: Error) => {
      stop();
      done(error, undefined);
    };
    const stop = () => {
      payload.off('data', onData).off('end', onEnd).off('error', onError);
    };
    payload.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

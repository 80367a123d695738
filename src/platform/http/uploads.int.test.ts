import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';

/**
 * Oversized request bodies over a real socket: refused at once when Content-Length
 * already says too much, and at the limit while streaming, without reading the rest
 * and without leaving any byte of the file on disk.
 */

const MAX_FILE = 256 * 1024;
const BODY_LIMIT = 16 * 1024;
/** What the clients below offer to send: far beyond every limit. */
const HUGE = 200 * 1024 * 1024;

let t: TestApp;
let dataDir: string;
let agent: Browser;
let port: number;
let ticketId: number;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Every file under DATA_DIR/files, temp files included. */
async function storedFiles(): Promise<string[]> {
  const entries = await readdir(path.join(dataDir, 'files'), { recursive: true, withFileTypes: true }).catch(
    () => [],
  );
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

function multipartHead(boundary: string, filename: string): Buffer {
  return Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      'Content-Type: text/plain\r\n\r\n',
  );
}

/** A logged-in POST over a real connection; the caller writes the body. */
function open(url: string, headers: Record<string, string>) {
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: url,
    agent: false,
    headers: {
      cookie: [...agent.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      'x-csrftoken': agent.csrfToken ?? '',
      ...headers,
    },
  });
  let answered = false;
  const answer = new Promise<Answer>((resolve, reject) => {
    request.once('response', (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        });
      });
    });
    // Once answered, the server may close while the client still writes: that is the point.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
  });
  return { request, answer, answered: () => answered };
}

/**
 * Writes `chunk` repeatedly (waiting for drain) until `stop()` says so, the connection
 * is gone, or `total` bytes are written; answers how many bytes the socket took.
 */
async function pour(
  request: http.ClientRequest,
  chunk: Buffer,
  total: number,
  stop: () => boolean,
): Promise<number> {
  let written = 0;
  while (!stop() && !request.destroyed && written < total) {
    const flowing = request.write(chunk, () => undefined);
    written += chunk.length;
    if (!flowing)
      await new Promise<void>((resolve) => {
        const done = () => {
          request.off('drain', done);
          request.off('close', done);
          resolve();
        };
        request.once('drain', done);
        request.once('close', done);
      });
  }
  return written;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'opsdesk-uploads-'));
  t = await createTestApp({
    DATA_DIR: dataDir,
    ATTACHMENT_MAX_BYTES: String(MAX_FILE),
    BODY_LIMIT_BYTES: String(BODY_LIMIT),
  });
  agent = await t.login(await t.user({ role: 'agent', department: 'Ops' }));
  const created = await agent.post('/api/v2/tickets', {
    kind: 'incident',
    title: 'Upload target',
    description: 'x',
    priority: 'low',
  });
  expect(created.statusCode, created.body).toBe(201);
  ticketId = created.json<{ id: number }>().id;
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('Content-Length over the limit', () => {
  it('an upload announcing 200 MB is refused with 413 before its body is sent', async () => {
    const boundary = `b-${randomUUID()}`;
    const upload = open(`/api/v2/tickets/${ticketId}/attachments`, {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(HUGE),
    });
    // A few bytes of the 200 MB, then nothing: the answer must not wait for the rest.
    upload.request.write(multipartHead(boundary, 'huge.txt'));
    const answer = await upload.answer;
    upload.request.destroy();
    expect(answer.status, answer.body).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'FILE_TOO_LARGE', max_bytes: MAX_FILE });
    expect(answer.headers.connection).toBe('close');
    expect(await storedFiles()).toEqual([]);
  });

  it('any other body is held to BODY_LIMIT_BYTES, multipart to a route that takes no upload included', async () => {
    for (const contentType of ['application/json', `multipart/form-data; boundary=b-${randomUUID()}`]) {
      const post = open('/api/v2/tickets', {
        'content-type': contentType,
        'content-length': String(BODY_LIMIT * 4),
      });
      post.request.write('{');
      const answer = await post.answer;
      post.request.destroy();
      expect(answer.status, `${contentType}: ${answer.body}`).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'BODY_TOO_LARGE' });
    }
  });

  it('a file of exactly the limit, with its multipart framing, is accepted', async () => {
    const boundary = `b-${randomUUID()}`;
    const body = Buffer.concat([
      multipartHead(boundary, 'exact.txt'),
      Buffer.alloc(MAX_FILE, 'a'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const upload = open(`/api/v2/tickets/${ticketId}/attachments`, {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(body.length),
    });
    upload.request.end(body);
    const answer = await upload.answer;
    expect(answer.status, answer.body).toBe(201);
    expect(JSON.parse(answer.body)).toMatchObject({ size: MAX_FILE });
    const attachments = (await agent.get(`/api/v2/tickets/${ticketId}/attachments`)).json<{ id: number }[]>();
    for (const { id } of attachments)
      expect((await agent.delete(`/api/v2/tickets/${ticketId}/attachments/${id}`)).statusCode).toBe(204);
    expect(await storedFiles()).toEqual([]);
  });
});

describe('a streamed (chunked) upload past the limit', () => {
  it('is answered 413 while the client is still sending, the rest is never read, nothing is stored', async () => {
    const boundary = `b-${randomUUID()}`;
    const upload = open(`/api/v2/tickets/${ticketId}/attachments`, {
      'content-type': `multipart/form-data; boundary=${boundary}`,
    });
    upload.request.write(multipartHead(boundary, 'endless.txt'));
    const chunk = Buffer.alloc(64 * 1024, 'a');

    const beforeAnswer = await pour(upload.request, chunk, HUGE, upload.answered);
    const answer = await upload.answer;
    expect(answer.status, answer.body).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'FILE_TOO_LARGE', max_bytes: MAX_FILE });
    expect(answer.headers.connection).toBe('close');
    // The answer came while most of the body was still unsent...
    expect(beforeAnswer).toBeLessThan(HUGE);
    // ...and the server reads no more of it: the connection ends long before 200 MB go through.
    const afterAnswer = await pour(upload.request, chunk, HUGE - beforeAnswer, () => false);
    expect(beforeAnswer + afterAnswer).toBeLessThan(HUGE);
    upload.request.destroy();

    expect(await storedFiles()).toEqual([]);
    const attachments = await agent.get(`/api/v2/tickets/${ticketId}/attachments`);
    expect(attachments.json()).toEqual([]);
  });

  it('the server keeps answering afterwards', async () => {
    expect((await agent.get(`/api/v2/tickets/${ticketId}`)).statusCode).toBe(200);
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(live.status).toBe(200);
  });
});

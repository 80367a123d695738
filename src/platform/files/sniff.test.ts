import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../http/errors.ts';
import { SNIFF_BYTES, sniffUpload, sniffUploadStream } from './sniff.ts';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );

/** A zip local file header with a stored (uncompressed) entry. */
function zipEntry(name: string, data: string): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(data.length, 22);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, Buffer.from(name), Buffer.from(data)]);
}

const PNG = bytes(
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13],
  'IHDR',
  [0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89],
);
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
const PDF = bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n');
const GIF = bytes('GIF89a', [1, 0, 1, 0, 0, 0, 0]);
const WEBP = bytes('RIFF', [26, 0, 0, 0], 'WEBPVP8 ');
const MP4 = bytes([0, 0, 0, 0x18], 'ftypisom', [0, 0, 2, 0], 'isomiso2');
const MOV = bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 2, 0], 'qt  ');
const ZIP = zipEntry('hello.txt', 'hello');
const DOCX = Buffer.concat([
  zipEntry(
    '[Content_Types].xml',
    '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ' +
      'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  ),
  zipEntry('word/document.xml', '<w:document/>'),
]);
const JAR = zipEntry('META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\n');
const ELF = bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0]);
const PE = Buffer.concat([bytes('MZ', [0x90, 0]), Buffer.alloc(60)]);
const HTML = Buffer.from('<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('sniffUpload accepts the allowlist by content', () => {
  it.each([
    [PNG, 'screenshot.png', 'image/png', 'png'],
    [JPEG, 'photo.jpg', 'image/jpeg', 'jpg'],
    [JPEG, 'photo.JPEG', 'image/jpeg', 'jpeg'],
    [PDF, 'report.pdf', 'application/pdf', 'pdf'],
    [GIF, 'anim.gif', 'image/gif', 'gif'],
    [WEBP, 'pic.webp', 'image/webp', 'webp'],
    [MP4, 'clip.mp4', 'video/mp4', 'mp4'],
    [MOV, 'clip.mov', 'video/quicktime', 'mov'],
    [ZIP, 'logs.zip', 'application/zip', 'zip'],
    [DOCX, 'letter.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
    [PNG, 'C:\\fakepath\\SHOT.PNG', 'image/png', 'png'],
  ])('%#: %s', async (content, name, mime, extension) => {
    await expect(sniffUpload(content, name)).resolves.toEqual({ mime, extension });
  });

  it('gives a name without an extension the sniffed type', async () => {
    await expect(sniffUpload(JPEG, 'blob')).resolves.toEqual({ mime: 'image/jpeg', extension: 'jpg' });
  });

  it('takes a zip named as an Office file whose content types lie beyond the sample', async () => {
    await expect(sniffUpload(ZIP, 'budget.xlsx')).resolves.toEqual({
      mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      extension: 'xlsx',
    });
  });
});

describe('sniffUpload refuses', () => {
  it('HTML named .png as a mismatch naming both', async () => {
    const error = await refusal(sniffUpload(HTML, 'cat.png'));
    expect(error.code).toBe('FILE_TYPE_MISMATCH');
    expect(error.kind).toBe('invalid');
    expect(error.extra).toEqual({ status: 415, declared_extension: 'png', detected_type: 'text/html' });
    expect(error.message).toContain('.png');
    expect(error.message).toContain('text/html');
  });

  it('HTML, SVG and XML under their own names', async () => {
    for (const [content, name] of [
      [HTML, 'page.html'],
      [SVG, 'logo.svg'],
      [Buffer.from('<?xml version="1.0"?><svg/>'), 'logo.svg'],
      [Buffer.from('\ufeff  \n<html>'), 'page.htm'],
    ] as const) {
      const error = await refusal(sniffUpload(content, name));
      expect(error.code).toBe('FILE_TYPE_NOT_ALLOWED');
      expect(error.extra).toMatchObject({ status: 415 });
    }
  });

  it('markup hiding behind a text or image extension', async () => {
    for (const [content, name, detected] of [
      [SVG, 'logo.png', 'image/svg+xml'],
      [Buffer.from('\ufeff\r\n  <svg>'), 'notes.txt', 'image/svg+xml'],
      [Buffer.from(`${' \n'.repeat(500)}<html>`), 'notes.txt', 'text/html'],
      [Buffer.from('<p>hello</p>'), 'notes.md', 'text/html'],
      [Buffer.from('<?xml version="1.0"?><x/>'), 'data.json', 'application/xml'],
      [Buffer.from('<script>alert(1)</script>'), 'data.csv', 'text/html'],
    ] as const) {
      const error = await refusal(sniffUpload(content, name));
      expect(error.code).toBe('FILE_TYPE_MISMATCH');
      expect(error.extra).toMatchObject({ detected_type: detected });
    }
  });

  it('executables, whatever they are called', async () => {
    expect((await refusal(sniffUpload(ELF, 'tool'))).code).toBe('FILE_TYPE_NOT_ALLOWED');
    expect((await refusal(sniffUpload(PE, 'setup.exe'))).code).toBe('FILE_TYPE_NOT_ALLOWED');
    const disguised = await refusal(sniffUpload(PE, 'invoice.pdf'));
    expect(disguised.code).toBe('FILE_TYPE_MISMATCH');
    expect(disguised.extra).toMatchObject({
      declared_extension: 'pdf',
      detected_type: 'application/x-msdownload',
    });
    expect((await refusal(sniffUpload(ELF, 'photo.png'))).code).toBe('FILE_TYPE_MISMATCH');
  });

  it('scripts and zip-based formats outside the list', async () => {
    expect((await refusal(sniffUpload(Buffer.from('#!/bin/sh\nrm -rf /\n'), 'run.txt'))).code).toBe(
      'FILE_TYPE_MISMATCH',
    );
    expect((await refusal(sniffUpload(Buffer.from('#!/bin/sh\n'), 'run.sh'))).code).toBe(
      'FILE_TYPE_NOT_ALLOWED',
    );
    expect((await refusal(sniffUpload(JAR, 'app.jar'))).code).toBe('FILE_TYPE_NOT_ALLOWED');
    expect((await refusal(sniffUpload(JAR, 'app.zip'))).code).toBe('FILE_TYPE_MISMATCH');
  });

  it('an accepted type under another accepted name', async () => {
    const error = await refusal(sniffUpload(PNG, 'photo.jpg'));
    expect(error.code).toBe('FILE_TYPE_MISMATCH');
    expect(error.extra).toMatchObject({ declared_extension: 'jpg', detected_type: 'image/png' });
    expect((await refusal(sniffUpload(PNG, 'image.exe'))).code).toBe('FILE_TYPE_MISMATCH');
  });

  it('text with a NUL byte, or bytes that are not UTF-8', async () => {
    const nul = await refusal(sniffUpload(Buffer.from('name,value\nx,\0\n'), 'data.csv'));
    expect(nul.code).toBe('FILE_TYPE_MISMATCH');
    expect(nul.extra).toMatchObject({ detected_type: 'application/octet-stream' });
    const latin1 = Buffer.from('Gr\xfc\xdfe aus K\xf6ln', 'latin1');
    expect((await refusal(sniffUpload(latin1, 'greeting.txt'))).code).toBe('FILE_TYPE_MISMATCH');
  });

  it('text without a text extension', async () => {
    expect((await refusal(sniffUpload(Buffer.from('hello'), 'README'))).code).toBe('FILE_TYPE_NOT_ALLOWED');
    expect((await refusal(sniffUpload(Buffer.from('hello'), 'notes.rtf'))).code).toBe(
      'FILE_TYPE_NOT_ALLOWED',
    );
    expect((await refusal(sniffUpload(Buffer.from('hello'), 'x.constructor'))).code).toBe(
      'FILE_TYPE_NOT_ALLOWED',
    );
    expect((await refusal(sniffUpload(Buffer.from('hello'), 'shot.png'))).code).toBe('FILE_TYPE_MISMATCH');
  });
});

describe('sniffUpload text', () => {
  it('accepts unicode text by its extension', async () => {
    const text = Buffer.from('Störung im Studio 3 — 🎙️ Mikrofon defekt\r\nzweite Zeile\t✓\n');
    await expect(sniffUpload(text, 'ticket.txt')).resolves.toEqual({
      mime: 'text/plain; charset=utf-8',
      extension: 'txt',
    });
    await expect(sniffUpload(text, 'server.LOG')).resolves.toEqual({
      mime: 'text/plain; charset=utf-8',
      extension: 'log',
    });
    await expect(sniffUpload(text, 'notes.md')).resolves.toEqual({
      mime: 'text/markdown; charset=utf-8',
      extension: 'md',
    });
    await expect(sniffUpload(Buffer.from('a,b\n1,2\n'), 'x.csv')).resolves.toEqual({
      mime: 'text/csv; charset=utf-8',
      extension: 'csv',
    });
    await expect(sniffUpload(Buffer.from('{"a": [1, "ü"]}'), 'x.json')).resolves.toEqual({
      mime: 'application/json',
      extension: 'json',
    });
  });

  it('accepts an empty text file and a syslog line starting with <priority>', async () => {
    await expect(sniffUpload(Buffer.alloc(0), 'empty.txt')).resolves.toMatchObject({ extension: 'txt' });
    await expect(
      sniffUpload(Buffer.from('<134>Nov  3 12:00:01 host app: started'), 'sys.log'),
    ).resolves.toMatchObject({
      extension: 'log',
    });
  });

  it('accepts a sample that ends inside a multi-byte character', async () => {
    const text = Buffer.from('€'.repeat(2000));
    expect(text.length).toBeGreaterThan(SNIFF_BYTES);
    expect(SNIFF_BYTES % 3).not.toBe(0);
    await expect(sniffUpload(text, 'euros.txt')).resolves.toMatchObject({ extension: 'txt' });
  });
});

/** A stream that hands out `data` in chunks of `size` bytes. */
function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += size)
    chunks.push(data.subarray(offset, offset + size));
  return Readable.from(chunks, { objectMode: false });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('sniffUploadStream', () => {
  const bigPng = Buffer.concat([PNG, Buffer.from(Array.from({ length: 60_000 }, (_, i) => (i * 31) % 251))]);

  it.each([1, 7, 1000, 4100, 65_536])(
    'yields every byte, peeked ones first, in chunks of %i',
    async (size) => {
      const result = await sniffUploadStream(chunked(bigPng, size), 'big.png');
      expect(result).toMatchObject({ mime: 'image/png', extension: 'png' });
      expect((await collect(result.stream)).equals(bigPng)).toBe(true);
    },
  );

  it('passes through a file shorter than the sample, and an empty one', async () => {
    const text = Buffer.from('short note ✓');
    const short = await sniffUploadStream(chunked(text, 4), 'a.txt');
    expect((await collect(short.stream)).equals(text)).toBe(true);
    const empty = await sniffUploadStream(Readable.from([], { objectMode: false }), 'empty.txt');
    expect((await collect(empty.stream)).length).toBe(0);
  });

  it('reads string chunks as UTF-8', async () => {
    const source = Readable.from(['héllo ', 'wörld'], { objectMode: false });
    const result = await sniffUploadStream(source, 'a.txt');
    expect((await collect(result.stream)).toString('utf8')).toBe('héllo wörld');
  });

  it('refuses a bad upload and destroys its source', async () => {
    const source = chunked(Buffer.concat([HTML, Buffer.alloc(10_000, 0x20)]), 512);
    const error = await refusal(sniffUploadStream(source, 'cat.png'));
    expect(error.code).toBe('FILE_TYPE_MISMATCH');
    expect(source.destroyed).toBe(true);
  });

  it('passes on an error the source raises after the check', async () => {
    async function* failing() {
      yield PNG;
      yield Buffer.alloc(5000);
      throw new Error('client went away');
    }
    const result = await sniffUploadStream(Readable.from(failing(), { objectMode: false }), 'x.png');
    await expect(collect(result.stream)).rejects.toThrow('client went away');
  });
});

import { describe, expect, it } from 'vitest';
import { AppError } from '../http/errors.ts';
import { contentDisposition, MAX_LINK_SECONDS, signDownload, verifyDownload } from './signed-url.ts';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const now = new Date('2026-11-03T10:00:00.000Z');
const key = 'tickets/2026/11/6f1d3c1e-8a4b-4c1e-9f0e-2d7c5b9a1e33';

function caught(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an AppError');
}

const sign = (filename = 'Störung – Studio 3.pdf', expiresInSeconds = 300) =>
  signDownload({ key, filename, expiresInSeconds, secret, now });

describe('signed download links', () => {
  it('round-trip the key and the filename until they expire', () => {
    const { token, expiresAt } = sign();
    expect(expiresAt).toEqual(new Date('2026-11-03T10:05:00.000Z'));
    expect(token).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(verifyDownload(token, secret, now)).toEqual({ key, filename: 'Störung – Studio 3.pdf' });
    expect(verifyDownload(token, secret, new Date(expiresAt.getTime() - 1))).toEqual({
      key,
      filename: 'Störung – Studio 3.pdf',
    });
  });

  it('answer FILE_LINK_EXPIRED (410) from the expiry on', () => {
    const { token, expiresAt } = sign();
    const error = caught(() => verifyDownload(token, secret, expiresAt));
    expect(error.code).toBe('FILE_LINK_EXPIRED');
    expect(error.kind).toBe('invalid');
    expect(error.extra).toEqual({ status: 410 });
  });

  it('refuse a tampered payload as FILE_LINK_INVALID (forbidden)', () => {
    const { token } = sign();
    const [body, mac] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const change of [{ k: 'tickets/2026/11/other' }, { e: 4_102_444_800 }, { f: 'evil.html' }]) {
      const forged = Buffer.from(JSON.stringify({ ...payload, ...change })).toString('base64url');
      const error = caught(() => verifyDownload(`${forged}.${mac}`, secret, now));
      expect(error.code).toBe('FILE_LINK_INVALID');
      expect(error.kind).toBe('forbidden');
    }
  });

  it('refuse a tampered signature', () => {
    const { token } = sign();
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(caught(() => verifyDownload(flipped, secret, now)).code).toBe('FILE_LINK_INVALID');
    const [body] = token.split('.') as [string];
    expect(caught(() => verifyDownload(`${body}.`, secret, now)).code).toBe('FILE_LINK_INVALID');
  });

  it('refuse a token signed with another secret, even an expired one', () => {
    const { token } = sign();
    expect(caught(() => verifyDownload(token, `${secret}-rotated`, now)).code).toBe('FILE_LINK_INVALID');
    const later = new Date(now.getTime() + 3_600_000);
    expect(caught(() => verifyDownload(token, `${secret}-rotated`, later)).code).toBe('FILE_LINK_INVALID');
  });

  it('refuse malformed tokens', () => {
    const { token } = sign();
    for (const bad of [
      '',
      '.',
      'abc',
      `${token}.x`,
      `x${token}`,
      `${'a'.repeat(5000)}.b`,
      token.replace('.', ''),
    ]) {
      expect(caught(() => verifyDownload(bad, secret, now)).code).toBe('FILE_LINK_INVALID');
    }
  });

  it('refuse to sign with a bad key, lifetime or secret', () => {
    expect(() => signDownload({ key: '../etc/passwd', filename: 'x', expiresInSeconds: 60, secret })).toThrow(
      TypeError,
    );
    expect(() => signDownload({ key, filename: 'x', expiresInSeconds: 0, secret })).toThrow(RangeError);
    expect(() => signDownload({ key, filename: 'x', expiresInSeconds: 1.5, secret })).toThrow(RangeError);
    expect(() =>
      signDownload({ key, filename: 'x', expiresInSeconds: MAX_LINK_SECONDS + 1, secret }),
    ).toThrow(RangeError);
    expect(() => signDownload({ key, filename: 'x', expiresInSeconds: 60, secret: '' })).toThrow(TypeError);
    expect(() => verifyDownload(sign().token, '')).toThrow(TypeError);
  });
});

/** The filename a client reads from `filename*`. */
const extended = (header: string): string =>
  decodeURIComponent(/filename\*=UTF-8''(.*)$/.exec(header)?.[1] ?? '');

describe('contentDisposition', () => {
  it('names a plain file in both parameters', () => {
    expect(contentDisposition('report.pdf')).toBe(
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    );
  });

  it('drops quotes, CR and LF, so the name cannot end the header or the parameter', () => {
    const header = contentDisposition('a"b\r\nSet-Cookie: x=1\n.txt');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toBe(
      `attachment; filename="abSet-Cookie: x=1.txt"; filename*=UTF-8''abSet-Cookie%3A%20x%3D1.txt`,
    );
    expect(header.match(/"/g)).toHaveLength(2);
  });

  it('keeps unicode in filename* and gives old clients an ASCII fallback', () => {
    const header = contentDisposition('Übergabe 😀 Ä.pdf');
    expect(header).toBe(
      `attachment; filename="_bergabe __ _.pdf"; filename*=UTF-8''%C3%9Cbergabe%20%F0%9F%98%80%20%C3%84.pdf`,
    );
    expect(extended(header)).toBe('Übergabe 😀 Ä.pdf');
  });

  it("percent-encodes the characters RFC 5987 leaves out ( ' ( ) * ) and % in the fallback", () => {
    const header = contentDisposition("it's (final)*100%.txt");
    expect(header).toContain(`filename="it's (final)*100_.txt"`);
    expect(header).toContain(`filename*=UTF-8''it%27s%20%28final%29%2A100%25.txt`);
    expect(extended(header)).toBe("it's (final)*100%.txt");
  });

  it('removes bidi overrides and path separators, and never answers an empty name', () => {
    expect(extended(contentDisposition('invoice\u202Efdp.exe'))).toBe('invoicefdp.exe');
    expect(extended(contentDisposition('../../etc\\passwd'))).toBe('.._.._etc_passwd');
    expect(contentDisposition('"\r\n')).toBe(`attachment; filename="download"; filename*=UTF-8''download`);
    expect(extended(contentDisposition('bad\uD800name.txt'))).toBe('bad\uFFFDname.txt');
  });
});

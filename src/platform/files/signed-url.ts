import { hmac, safeEqual } from '../auth/secrets.ts';
import { fileErrors } from './errors.ts';
import { assertValidKey } from './storage.ts';

/** Longest a download link may live (S3 presigned URLs stop at the same week). */
export const MAX_LINK_SECONDS = 7 * 24 * 60 * 60;

// Binds the signature to this use, so no other HMAC made with SECRET_KEY can pass as a link.
const PURPOSE = 'opsdesk.files.download.v1';
const MAX_TOKEN_LENGTH = 4096;

interface Payload {
  /** storage key */
  k: string;
  /** filename to download as */
  f: string;
  /** expiry, Unix seconds */
  e: number;
}

export interface SignDownloadInput {
  key: string;
  filename: string;
  expiresInSeconds: number;
  /** Config.secretKey. */
  secret: string;
  now?: Date;
}

const signature = (secret: string, body: string): string => hmac(secret, `${PURPOSE}.${body}`);

function requireSecret(secret: string): void {
  if (!secret) throw new TypeError('Signed download links need SECRET_KEY');
}

/**
 * A short-lived download link for one stored file: `token` is base64url(JSON payload)
 * + '.' + HMAC-SHA256 of it under `secret`, safe in a URL path or query. Anyone holding
 * the token may download until `expiresAt`, so hand it only to an authorised user.
 */
export function signDownload({
  key,
  filename,
  expiresInSeconds,
  secret,
  now = new Date(),
}: SignDownloadInput): { token: string; expiresAt: Date } {
  requireSecret(secret);
  assertValidKey(key);
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_LINK_SECONDS)
    throw new RangeError(`expiresInSeconds must be a whole number from 1 to ${MAX_LINK_SECONDS}`);
  const expires = Math.floor(now.getTime() / 1000) + expiresInSeconds;
  const payload: Payload = { k: key, f: filename, e: expires };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return { token: `${body}.${signature(secret, body)}`, expiresAt: new Date(expires * 1000) };
}

/**
 * The key and filename a token from `signDownload` grants. Throws FILE_LINK_INVALID
 * (403) for anything not signed with `secret`, checked before the expiry so a forged
 * token never learns whether it would have expired; FILE_LINK_EXPIRED (410) once
 * `now` reaches the expiry.
 */
export function verifyDownload(
  token: string,
  secret: string,
  now: Date = new Date(),
): { key: string; filename: string } {
  requireSecret(secret);
  const parts = token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
  const [body, mac] = parts;
  if (parts.length !== 2 || !body || !mac || !safeEqual(mac, signature(secret, body)))
    throw fileErrors.linkInvalid();
  const payload = parsePayload(body);
  if (!payload) throw fileErrors.linkInvalid();
  if (now.getTime() >= payload.e * 1000) throw fileErrors.linkExpired();
  return { key: payload.k, filename: payload.f };
}

function parsePayload(body: string): Payload | undefined {
  try {
    const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Payload> | null;
    if (typeof value?.k === 'string' && typeof value.f === 'string' && typeof value.e === 'number')
      return { k: value.k, f: value.f, e: value.e };
  } catch {
    /* reported as an invalid link */
  }
  return undefined;
}

// C0/C1 controls (CR, LF, NUL...), and bidi controls that make `txt.exe` look like `exe.txt`.
// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A Content-Disposition value that downloads as `filename` (RFC 6266): an ASCII
 * `filename="..."` fallback for old clients and `filename*=UTF-8''...` (RFC 5987)
 * for the real name. Quotes, controls and bidi marks are dropped, and path separators
 * become `_`, so no name can break out of the header or pose as a path.
 */
export function contentDisposition(filename: string): string {
  const name =
    filename
      .replace(LONE_SURROGATE, '\uFFFD')
      .replace(INVISIBLE, '')
      .replace(/"/g, '')
      .replace(/[/\\]/g, '_')
      .trim() || 'download';
  // `%` goes too: some clients percent-decode the plain parameter.
  const fallback = name.replace(/[^\x20-\x7e]|%/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

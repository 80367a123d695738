import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The card processor's webhook signature: header `t=<unix seconds>,v1=<hex>` where the
 * hex is HMAC-SHA256(secret, `${t}.${raw body}`), as Stripe signs. Several `v1` values
 * may be sent while the processor rotates its secret. The timestamp bounds replays:
 * a signature older or newer than `toleranceSeconds` is refused even when valid.
 */
export function signCardPayload(secret: string, body: string, timestamp: number): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

export type SignatureProblem = 'missing' | 'malformed' | 'stale' | 'mismatch';

export function verifyCardSignature(
  secret: string,
  body: string,
  header: string | undefined,
  now: Date,
  toleranceSeconds: number,
): SignatureProblem | null {
  if (!header) return 'missing';
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([name]) => name === 't')?.[1]);
  const signatures = parts.filter(([name]) => name === 'v1').map(([, value]) => value ?? '');
  if (!Number.isInteger(timestamp) || signatures.length === 0) return 'malformed';
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return 'stale';
  const expected = Buffer.from(
    createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'),
    'utf8',
  );
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? null : 'mismatch';
}

/** The pure rules of OIDC login: where a login may return to, whose e-mail may link, which issuers may be fetched. */

const BASE = 'http://opsdesk.invalid';
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Where to send the browser after login: `next` when it is a path on this site, else
 * `/`. Anything a browser could read as another origin is refused: absolute URLs,
 * scheme-relative `//host`, `/\host` (browsers treat `\` as `/`), control characters
 * (a tab inside `/\t/host` is stripped by browsers).
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\') || CONTROL.test(next)) return '/';
  const url = new URL(next, BASE);
  if (url.origin !== BASE) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ADDRESS = /^[^@\s]{1,64}@([^@\s]+)$/;

/** Lower-cased entries, or the ones that are neither a domain (`example.com`) nor an address (`ann@example.com`). */
export function parseAllowedEmails(entries: readonly string[]): { allowed: string[]; invalid: string[] } {
  const allowed: string[] = [];
  const invalid: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    const domain = ADDRESS.exec(entry)?.[1] ?? entry;
    if (DOMAIN.test(domain)) {
      if (!allowed.includes(entry)) allowed.push(entry);
    } else invalid.push(raw);
  }
  return { allowed, invalid };
}

/**
 * Whether the admin's rule admits `email`: its exact address is listed, or its domain
 * is. A domain admits that domain only, not its subdomains: `example.com` does not
 * admit `ann@eu.example.com` (list it too).
 */
export function emailAllowed(email: string, allowed: readonly string[]): boolean {
  const address = email.trim().toLowerCase();
  const domain = ADDRESS.exec(address)?.[1];
  if (!domain) return false;
  return allowed.includes(address) || allowed.includes(domain);
}

/**
 * Why an issuer URL must not be fetched, or undefined. Discovery sends the server to
 * an address an admin typed: only https unless OIDC_ALLOW_HTTP_ISSUERS (a local test
 * provider), which keeps plain-HTTP internal services and cloud metadata endpoints
 * (http://169.254.169.254) out of reach; no credentials, query or fragment, which an
 * issuer identifier never has (OpenID Connect Discovery 1.0, section 2).
 */
export function issuerProblem(issuer: string, allowHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'Enter the issuer as a URL, like https://accounts.example.com.';
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    return allowHttp
      ? 'The issuer must be an http:// or https:// URL.'
      : 'The issuer must be an https:// URL (OIDC_ALLOW_HTTP_ISSUERS allows http:// for local testing).';
  }
  if (url.username || url.password || url.search || url.hash) {
    return 'The issuer must not carry credentials, a query or a fragment.';
  }
  return undefined;
}

/** RFC 8176 authentication methods by the kind of factor they prove; others (`user`, `geo`...) prove none. */
const FACTORS: Record<string, 'knowledge' | 'possession' | 'inherence'> = {
  pwd: 'knowledge',
  pin: 'knowledge',
  kba: 'knowledge',
  otp: 'possession',
  hwk: 'possession',
  swk: 'possession',
  sc: 'possession',
  sms: 'possession',
  tel: 'possession',
  fpt: 'inherence',
  face: 'inherence',
  iris: 'inherence',
  retina: 'inherence',
  vbm: 'inherence',
};

/**
 * Whether the provider says it checked more than one factor (the ID token's `amr`,
 * RFC 8176): `mfa`, or methods of two different kinds (a password and a one-time
 * code, a security key and its PIN). Two methods of one kind (a password and a
 * security question) are still one factor.
 */
export function assertsMultiFactor(amr: readonly string[]): boolean {
  if (amr.includes('mfa')) return true;
  return new Set(amr.map((method) => FACTORS[method]).filter(Boolean)).size >= 2;
}

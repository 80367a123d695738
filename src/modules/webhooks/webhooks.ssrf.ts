import dns from 'node:dns/promises';
import net from 'node:net';

/**
 * The SSRF guard: a webhook URL must resolve only to public addresses. Checked when an
 * endpoint is saved and again at every delivery, whose connection then goes to the
 * address checked (pinned), so a DNS answer that changes between check and connect
 * (rebinding) cannot reach an internal service.
 */
const blocked = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local (incl. the EC2 metadata fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  blocked.addSubnet(network, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const match = /^(?:::ffff:|64:ff9b::)(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (match) return match[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const high = parseInt(hex[1] ?? '0', 16);
  const low = parseInt(hex[2] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Whether `address` is one a webhook must never reach. */
export function isForbiddenAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const inner = embeddedIpv4(address);
  return inner ? blocked.check(inner, 'ipv4') : blocked.check(address, 'ipv6');
}

export interface ResolvedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export class UnsafeTargetError extends Error {}

/**
 * Parses and resolves a webhook URL: http(s) only, no credentials; every address the
 * name resolves to must be public unless `allowPrivate`. Answers the address to connect to.
 */
export async function resolveTarget(raw: string, allowPrivate: boolean): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeTargetError('This is not a URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UnsafeTargetError('Webhook URLs use http or https.');
  if (url.username || url.password) throw new UnsafeTargetError('Webhook URLs cannot carry credentials.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (net.isIP(host)) addresses = [{ address: host, family: net.isIP(host) }];
  else {
    try {
      addresses = await dns.lookup(host, { all: true, verbatim: true });
    } catch {
      throw new UnsafeTargetError(`The host ${host} does not resolve.`);
    }
  }
  const forbidden = addresses.find((entry) => isForbiddenAddress(entry.address));
  if (forbidden && !allowPrivate)
    throw new UnsafeTargetError(
      `${host === forbidden.address ? host : `${host} resolves to ${forbidden.address}, which`} is a loopback, private, link-local or metadata address.`,
    );
  const [first] = addresses;
  if (!first) throw new UnsafeTargetError(`The host ${host} does not resolve.`);
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * Which addresses this process may send requests to, whoever chose the URL: the coordinator's
 * workers (anyone who can register a "worker" chooses where the coordinator sends tasks) and a
 * worker's price sources (an operator's file, but one a typo or a hostile DNS answer can point
 * at a metadata service). URLs are checked twice: up front (scheme, credentials, and IP literals
 * against the policy) and at connection time, where every address a hostname resolves to is
 * checked again (so DNS cannot smuggle in a metadata service, even by rebinding later).
 *
 * Always denied: link-local (169.254.0.0/16, fe80::/10, where cloud metadata services live), the
 * known metadata addresses elsewhere, "this network" (0.0.0.0/8, ::), multicast and broadcast.
 * Otherwise allowed: the listed networks (for workers, by default loopback and the private
 * ranges 127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7), and with
 * `allowPublic` every public address too (what sources on the internet need), where public
 * means outside NOT_PUBLIC. `*` allows any address not always denied.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Loopback and the private ranges: where the coordinator's workers may live by default. */
export const PRIVATE_NETWORKS = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

/**
 * What is not the public internet (RFC 6890's special-purpose ranges that a host could reach):
 * with `allowPublic`, these still need listing. The IPv6 ranges that embed an IPv4 address
 * (NAT64, 6to4, Teredo, IPv4-compatible) are here too, since they can lead to a private one.
 */
const NOT_PUBLIC = [
  ...PRIVATE_NETWORKS,
  '100.64.0.0/10', // carrier-grade NAT, often a provider's internal network
  '192.0.0.0/24',
  '192.0.2.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
  '::/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/32',
  '2001:db8::/32',
  '2002::/16',
];

const ALWAYS_DENIED = [
  '169.254.0.0/16',
  'fe80::/10',
  '0.0.0.0/8',
  '::/128',
  '100.100.100.200/32', // Alibaba Cloud's metadata service
  'fd00:ec2::254/128', // AWS's IPv6 metadata service
  '224.0.0.0/4',
  '255.255.255.255/32',
  'ff00::/8',
];

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'ERR_ADDRESS_BLOCKED';
}

export interface EndpointPolicy {
  /** Who lives at the endpoints (`worker`, `source`), for messages. */
  readonly subject: string;
  /** Why an endpoint may not be used (registered, configured), or undefined when it may. */
  refuseEndpoint(endpoint: string): string | undefined;
  /** Why this process may not connect to an address, or undefined when it may. */
  refuseAddress(address: string): string | undefined;
}

export interface EndpointPolicyOptions {
  /** Who lives at the endpoints, for messages; `worker` by default. */
  subject?: string;
  /** Allow every public address as well as the listed ones. */
  allowPublic?: boolean;
}

/** `allowed`: CIDRs or single addresses, or `*` for any address not always denied. */
export function createEndpointPolicy(allowed: readonly string[] = PRIVATE_NETWORKS, options: EndpointPolicyOptions = {}): EndpointPolicy {
  const subject = options.subject ?? 'worker';
  const denied = blockListOf(ALWAYS_DENIED);
  const notPublic = blockListOf(NOT_PUBLIC);
  const allowAny = allowed.includes('*');
  const allowedList = blockListOf(allowed.filter((entry) => entry !== '*'));
  const refuseAddress = (raw: string): string | undefined => {
    const address = unmapIpv4(raw);
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(address) === 0) return `${raw} is not an IP address`;
    if (denied.check(address, family)) return `address ${address} is never allowed (link-local, metadata, multicast or unspecified)`;
    if (allowAny || allowedList.check(address, family)) return undefined;
    if (!options.allowPublic) return `address ${address} is outside the allowed ${subject} networks`;
    if (notPublic.check(address, family)) return `address ${address} is not public and outside the allowed ${subject} networks`;
    return undefined;
  };
  return {
    subject,
    refuseAddress,
    refuseEndpoint(endpoint) {
      let url: URL;
      try {
        url = new URL(endpoint);
      } catch {
        return 'must be an absolute http(s) URL';
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an absolute http(s) URL';
      if (url.username !== '' || url.password !== '') return 'must not carry credentials';
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      // Hostnames are checked when they are resolved, at connection time.
      return isIP(host) === 0 ? undefined : refuseAddress(host);
    },
  };
}

export type Lookup = (
  hostname: string,
  options: LookupOneOptions | LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/**
 * A `lookup` for net.connect that resolves as `resolve` does (the system resolver by default)
 * and fails the connection when any resolved address is refused by the policy.
 */
export function createGuardedLookup(policy: EndpointPolicy, resolve: Lookup = dnsLookup): Lookup {
  return (hostname, options, callback) => {
    resolve(hostname, options, (error, address, family) => {
      if (error) {
        callback(error, address, family);
        return;
      }
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      for (const resolved of addresses) {
        const reason = policy.refuseAddress(resolved);
        if (reason !== undefined) {
          callback(new BlockedAddressError(`${policy.subject} host ${hostname} resolves to a refused address: ${reason}`), address, family);
          return;
        }
      }
      callback(null, address, family);
    });
  };
}

function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(address) === 0) throw new RangeError(`"${entry}" is not an IP address or CIDR`);
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

/** ::ffff:169.254.169.254 (or ::ffff:a9fe:a9fe) is 169.254.169.254 in disguise. */
function unmapIpv4(address: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1] as string;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return address;
  const high = parseInt(hex[1] as string, 16);
  const low = parseInt(hex[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

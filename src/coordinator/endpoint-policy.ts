/**
 * Which addresses the coordinator may send tasks to. Anyone who can register a "worker" chooses
 * where the coordinator sends requests, so endpoints are checked twice: at registration (scheme,
 * credentials, and IP literals against the policy) and at connection time, where every address a
 * hostname resolves to is checked again (so DNS cannot smuggle in a metadata service, even by
 * rebinding after registration).
 *
 * Always denied: link-local (169.254.0.0/16, fe80::/10, where cloud metadata services live), the
 * known metadata addresses elsewhere, "this network" (0.0.0.0/8, ::), multicast and broadcast.
 * Allowed by default: loopback and the private ranges (127.0.0.0/8, ::1, 10.0.0.0/8,
 * 172.16.0.0/12, 192.168.0.0/16, fc00::/7). `*` allows any other address.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export const DEFAULT_ALLOWED_WORKER_NETWORKS = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

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
  readonly code = 'ERR_WORKER_ADDRESS_BLOCKED';
}

export interface EndpointPolicy {
  /** Why an endpoint may not be registered, or undefined when it may. */
  refuseEndpoint(endpoint: string): string | undefined;
  /** Why the coordinator may not connect to an address, or undefined when it may. */
  refuseAddress(address: string): string | undefined;
}

/** `allowed`: CIDRs or single addresses, or `*` for any address not always denied. */
export function createEndpointPolicy(allowed: readonly string[] = DEFAULT_ALLOWED_WORKER_NETWORKS): EndpointPolicy {
  const denied = blockListOf(ALWAYS_DENIED);
  const allowAny = allowed.includes('*');
  const allowedList = blockListOf(allowed.filter((entry) => entry !== '*'));
  const refuseAddress = (raw: string): string | undefined => {
    const address = unmapIpv4(raw);
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(address) === 0) return `${raw} is not an IP address`;
    if (denied.check(address, family)) return `address ${address} is never allowed (link-local, metadata, multicast or unspecified)`;
    if (!allowAny && !allowedList.check(address, family)) return `address ${address} is outside the allowed worker networks`;
    return undefined;
  };
  return {
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
          callback(new BlockedAddressError(`worker host ${hostname} resolves to a refused address: ${reason}`), address, family);
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

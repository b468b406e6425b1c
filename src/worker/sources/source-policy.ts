/**
 * Where sources may live (the reasons are in SECURITY.md): any public address, since the APIs a
 * worker reads are on the internet; loopback and the private ranges only when the operator lists
 * them (`--allowed-source-networks`), so that a sources file cannot be turned on the worker's own
 * network by mistake; link-local and metadata addresses never.
 */
import { createEndpointPolicy, type EndpointPolicy } from '../../net/endpoint-policy.ts';

export function createSourcePolicy(allowedNetworks: readonly string[]): EndpointPolicy {
  return createEndpointPolicy(allowedNetworks, { subject: 'source', allowPublic: true });
}

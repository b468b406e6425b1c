/** A resolver for made-up names, so DNS answers are the test's to choose. */
import type { Lookup } from '../../src/net/endpoint-policy.ts';

export function fakeResolver(names: Record<string, string>): Lookup {
  return (hostname, options, callback) => {
    const address = names[hostname];
    if (address === undefined) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    const family = address.includes(':') ? 6 : 4;
    if ('all' in options && options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

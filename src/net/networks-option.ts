/** A command-line option listing networks for an endpoint policy, checked when it is parsed. */
import { UsageError, type Option } from '../cli/options.ts';
import { createEndpointPolicy } from './endpoint-policy.ts';

/** Comma-separated CIDRs or addresses, or `*`; an entry that is neither names itself in the usage error. */
export function networksOption(description: string, env: string, fallback: readonly string[]): Option<string[]> {
  return {
    description,
    env,
    default: [...fallback],
    parse: (raw) => {
      const entries = raw
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      try {
        createEndpointPolicy(entries);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      return entries;
    },
  };
}

/**
 * Feed definitions beyond what one field's schema can say, and the feeds file (`--feeds`),
 * whose errors name the file and the line.
 */
import { isMap, isSeq, type Node } from 'yaml';
import { readYamlFile } from '../../cli/yaml-file.ts';
import type { FeedDefinition } from '../../contract/models.ts';
import { componentValidator, describeSchemaError } from '../../contract/schemas.ts';
import type { UpdatePolicy } from './update-rule.ts';

/** What the schema cannot check: the rules between fields. Empty when the definition holds. */
export function crossFieldProblems(definition: FeedDefinition): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (definition.heartbeat_ms < definition.poll_interval_ms) {
    problems.push({ path: '/heartbeat_ms', message: `must not be shorter than poll_interval_ms (${definition.poll_interval_ms})` });
  }
  if (definition.min_answer !== undefined && definition.max_answer !== undefined && definition.min_answer > definition.max_answer) {
    problems.push({ path: '/min_answer', message: `must not be above max_answer (${definition.max_answer})` });
  }
  return problems;
}

export function updatePolicyOf(definition: FeedDefinition): UpdatePolicy {
  return {
    deviationBps: definition.deviation_bps,
    heartbeatMs: definition.heartbeat_ms,
    minAnswer: definition.min_answer,
    maxAnswer: definition.max_answer,
  };
}

/** When a reader should stop trusting the latest value: a heartbeat and one poll have gone by without one. */
export function staleAfterMs(definition: FeedDefinition): number {
  return definition.heartbeat_ms + definition.poll_interval_ms;
}

export type DefinedFeed = FeedDefinition & { feed_id: string };

/** A feeds file that cannot be used; the message names the file and the line. */
export class FeedsFileError extends Error {
  override name = 'FeedsFileError';
}

const isFeedDefinition = componentValidator<FeedDefinition>('FeedDefinition');

/**
 * Reads `feeds: [{ feed_id, query, deviation_bps, heartbeat_ms, poll_interval_ms, … }]` from a
 * YAML or JSON file, every entry checked against the spec's FeedDefinition and the rules
 * between fields.
 */
export function loadFeedsFile(path: string): DefinedFeed[] {
  const { root, lineOf } = readYamlFile(path, (message) => new FeedsFileError(message));
  const list = isMap(root) ? root.get('feeds', true) : undefined;
  if (!isSeq(list)) throw new FeedsFileError(`${path}:${lineOf(root)}: expected a list under "feeds"`);
  const feeds: DefinedFeed[] = [];
  const seen = new Set<string>();
  list.items.forEach((item, index) => {
    const where = `${path}:${lineOf(item as Node)}: feeds[${index}]`;
    const entry: unknown = (item as Node).toJSON();
    if (!isFeedDefinition(entry)) throw new FeedsFileError(`${where}${describeSchemaError(isFeedDefinition.errors?.[0])}`);
    if (entry.feed_id === undefined) throw new FeedsFileError(`${where} needs a feed_id`);
    const problem = crossFieldProblems(entry)[0];
    if (problem !== undefined) throw new FeedsFileError(`${where}${problem.path} ${problem.message}`);
    if (seen.has(entry.feed_id)) throw new FeedsFileError(`${where} defines ${entry.feed_id} a second time`);
    seen.add(entry.feed_id);
    feeds.push({ ...entry, feed_id: entry.feed_id });
  });
  return feeds;
}

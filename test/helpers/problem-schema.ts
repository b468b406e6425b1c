/**
 * components.yaml's `Problem`, compiled once with ajv (2020-12, the dialect of OpenAPI 3.1) and
 * ajv-formats, for answers no response validator sees: those written below Express, and raw
 * checks of every limit the schema sets.
 */
import { componentValidator } from '../../src/contract/schemas.ts';

const isProblem = componentValidator('Problem', true);

/** What breaks components.yaml's Problem in `body`, one line per violation; empty when it conforms. */
export function problemViolations(body: unknown): string[] {
  if (isProblem(body)) return [];
  return (isProblem.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
}

/** A string's length as JSON Schema's maxLength counts it: in code points. */
export function codePointLength(text: unknown): number {
  return Array.from(String(text)).length;
}

/**
 * components.yaml's `Problem`, compiled once with ajv (2020-12, the dialect of OpenAPI 3.1) and
 * ajv-formats, for answers no response validator sees: those written below Express, and raw
 * checks of every limit the schema sets.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { COMPONENTS_SPEC_PATH } from '../../src/contract/spec-paths.ts';

// ajv-formats ships CommonJS whose default export TypeScript sees one level deeper under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(parseYaml(readFileSync(COMPONENTS_SPEC_PATH, 'utf8')) as object, 'components.yaml');
const isProblem = ajv.compile({ $ref: 'components.yaml#/schemas/Problem' });

/** What breaks components.yaml's Problem in `body`, one line per violation; empty when it conforms. */
export function problemViolations(body: unknown): string[] {
  if (isProblem(body)) return [];
  return (isProblem.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
}

/** A string's length as JSON Schema's maxLength counts it: in code points. */
export function codePointLength(text: unknown): number {
  return Array.from(String(text)).length;
}

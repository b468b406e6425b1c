/**
 * Validators compiled once from the shared components file, for data that reaches the code
 * other than through a validated HTTP request: worker answers, files given at start-up.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { COMPONENTS_SPEC_PATH } from './spec-paths.ts';

// ajv-formats ships CommonJS whose default export TypeScript sees one level deeper under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

let components: Ajv2020 | undefined;

function ajvWithComponents(): Ajv2020 {
  if (components === undefined) {
    components = new Ajv2020({ strict: false, allErrors: false, validateSchema: false });
    addFormats(components);
    components.addSchema(parseYaml(readFileSync(COMPONENTS_SPEC_PATH, 'utf8')) as object, 'components.yaml');
  }
  return components;
}

/** A validator for `components.yaml#/schemas/<name>`. */
export function componentValidator<T>(name: string): ValidateFunction<T> {
  return ajvWithComponents().compile<T>({ $ref: `components.yaml#/schemas/${name}` });
}

/** "/heartbeat_ms must be >= 10": the first error, as a path and a message. */
export function describeSchemaError(error: ErrorObject | undefined): string {
  if (error === undefined) return 'is invalid';
  const where = error.instancePath === '' ? '/' : error.instancePath;
  const extra =
    error.keyword === 'additionalProperties' ? ` (${String((error.params as { additionalProperty?: unknown }).additionalProperty)})` : '';
  return `${where} ${error.message ?? 'is invalid'}${extra}`;
}

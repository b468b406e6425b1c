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

/** ajv for JSON Schema 2020-12 (the dialect of OpenAPI 3.1) with every format of ajv-formats. */
export function createSchemaValidator(options: { allErrors?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: options.allErrors ?? false, validateSchema: false });
  addFormats(ajv);
  return ajv;
}

const withComponents = new Map<boolean, Ajv2020>();

/** A validator for `components.yaml#/schemas/<name>`; `allErrors` reports every violation, not the first. */
export function componentValidator<T>(name: string, allErrors = false): ValidateFunction<T> {
  let ajv = withComponents.get(allErrors);
  if (ajv === undefined) {
    ajv = createSchemaValidator({ allErrors });
    ajv.addSchema(parseYaml(readFileSync(COMPONENTS_SPEC_PATH, 'utf8')) as object, 'components.yaml');
    withComponents.set(allErrors, ajv);
  }
  return ajv.compile<T>({ $ref: `components.yaml#/schemas/${name}` });
}

/** "/heartbeat_ms must be >= 10": the first error, as a path and a message. */
export function describeSchemaError(error: ErrorObject | undefined): string {
  if (error === undefined) return 'is invalid';
  const where = error.instancePath === '' ? '/' : error.instancePath;
  const extra =
    error.keyword === 'additionalProperties' ? ` (${String((error.params as { additionalProperty?: unknown }).additionalProperty)})` : '';
  return `${where} ${error.message ?? 'is invalid'}${extra}`;
}

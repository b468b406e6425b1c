/**
 * The specs the services serve at /openapi/<name>.yaml read the same in a YAML 1.1 parser
 * (js-yaml here; PyYAML and many generators behave alike) as in a YAML 1.2 one, and every
 * example in them (parameters, headers, request bodies, responses, schemas) validates against
 * its own schema, with ajv for JSON Schema 2020-12 (OpenAPI 3.1's dialect) and ajv-formats.
 */
import { load as loadYaml11 } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml12 } from 'yaml';
import { useTestServices } from '../helpers/network.ts';
import { createSchemaValidator } from '../../src/contract/schemas.ts';

const services = useTestServices();

interface ExampleCheck {
  /** JSON pointer of the example. */
  at: string;
  /** JSON pointer of the schema it must satisfy. */
  schema: string;
  value: unknown;
}

/** Keywords whose value is a subschema, or a list or map of subschemas. */
const SUBSCHEMA = ['items', 'not', 'if', 'then', 'else', 'contains', 'additionalProperties', 'propertyNames', 'unevaluatedItems'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];

const pointer = (at: string, key: string | number) => `${at}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every example in an OpenAPI 3.1 document, with the schema it illustrates. */
function examplesOf(document: Record<string, unknown>): ExampleCheck[] {
  const checks: ExampleCheck[] = [];
  const resolve = (value: unknown): unknown => {
    if (!isObject(value) || typeof value.$ref !== 'string' || !value.$ref.startsWith('#/')) return value;
    return value.$ref
      .slice(2)
      .split('/')
      .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((node, token) => (isObject(node) ? node[token] : undefined), document);
  };
  const visitSchema = (schema: unknown, at: string): void => {
    if (!isObject(schema)) return;
    if (Array.isArray(schema.examples))
      schema.examples.forEach((value, i) => checks.push({ at: pointer(pointer(at, 'examples'), i), schema: at, value }));
    if ('example' in schema) checks.push({ at: pointer(at, 'example'), schema: at, value: schema.example });
    for (const key of SUBSCHEMA) visitSchema(schema[key], pointer(at, key));
    for (const key of SUBSCHEMA_LISTS)
      if (Array.isArray(schema[key])) schema[key].forEach((sub, i) => visitSchema(sub, pointer(pointer(at, key), i)));
    for (const key of SUBSCHEMA_MAPS)
      if (isObject(schema[key])) for (const [name, sub] of Object.entries(schema[key])) visitSchema(sub, pointer(pointer(at, key), name));
  };
  /** Media types, parameters and headers: a `schema` beside `example` or a map of named `examples`. */
  const visit = (node: unknown, at: string): void => {
    if (Array.isArray(node)) node.forEach((item, i) => visit(item, pointer(at, i)));
    if (!isObject(node)) return;
    if (isObject(node.schema)) {
      const schemaAt = pointer(at, 'schema');
      if ('example' in node) checks.push({ at: pointer(at, 'example'), schema: schemaAt, value: node.example });
      if (isObject(node.examples))
        for (const [name, example] of Object.entries(node.examples)) {
          const resolved = resolve(example);
          if (isObject(resolved) && 'value' in resolved)
            checks.push({ at: pointer(pointer(at, 'examples'), name), schema: schemaAt, value: resolved.value });
        }
      visitSchema(node.schema, schemaAt);
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === 'schema' || key === 'examples' || key === 'example') continue;
      if (at === '#/components' && key === 'schemas' && isObject(child))
        for (const [name, schema] of Object.entries(child)) visitSchema(schema, pointer(pointer(at, key), name));
      else visit(child, pointer(at, key));
    }
  };
  visit(document, '#');
  return checks;
}

describe.each(['coordinator', 'worker'] as const)('the %s spec as served', (name) => {
  let served: string;
  beforeAll(async () => {
    const reply = await fetch(`${services.urlOf(name)}/openapi/${name}.yaml`);
    expect(reply.status).toBe(200);
    served = await reply.text();
  });

  it('reads the same in a YAML 1.1 parser as in a YAML 1.2 one', () => {
    expect(loadYaml11(served)).toEqual(parseYaml12(served));
  });

  it('has every example, read by a YAML 1.1 parser, valid against its schema', () => {
    const document = loadYaml11(served) as Record<string, unknown>;
    const ajv = createSchemaValidator({ allErrors: true });
    ajv.addSchema(document, 'spec');
    const checks = examplesOf(document);
    // Not vacuous: the examples of shared schemas, of request bodies and of responses are all there.
    expect(checks.length).toBeGreaterThan(name === 'coordinator' ? 30 : 10);
    expect(checks.some((check) => check.schema.includes('/requestBody/'))).toBe(true);
    expect(checks.some((check) => check.schema.includes('/responses/'))).toBe(true);
    if (name === 'coordinator') expect(checks.map((check) => check.at)).toContain('#/components/schemas/AsOf/examples/0');
    const failures = checks.flatMap(({ at, schema, value }) => {
      const validate = ajv.compile({
        $ref: `spec${schema
          .split('/')
          .map((token, i) => (i === 0 ? token : encodeURIComponent(token)))
          .join('/')}`,
      });
      return validate(value) ? [] : [`${at} (${JSON.stringify(value)}): ${ajv.errorsText(validate.errors)}`];
    });
    expect(failures).toEqual([]);
  });
});

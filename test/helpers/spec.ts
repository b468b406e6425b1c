/**
 * Reads the specs the way the tests need them: operations with their summaries, and the named
 * examples of a request or response, with every $ref (also into components.yaml) resolved. Tests
 * take expected values from here rather than repeating the examples, so they follow the specs.
 */
import { bundle, createConfig } from '@redocly/openapi-core';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface SpecOperation {
  /** Upper case, e.g. POST. */
  method: string;
  /** The path template, e.g. /workers/{id}. */
  path: string;
  operationId: string | undefined;
  summary: string | undefined;
}

export interface NamedExample {
  name: string;
  value: unknown;
}

/** A response as an operation documents it. */
export interface DocumentedResponse {
  description?: string;
  /** By media type. */
  content?: Record<string, { schema?: object }>;
  /** By header name, as the spec spells it. */
  headers?: Record<string, { schema?: object; required?: boolean }>;
}

export class SpecView {
  constructor(readonly document: unknown) {}

  /** What an operation documents for a status; undefined when it documents nothing for it. */
  response(path: string, method: string, status: number): DocumentedResponse | undefined {
    const responses = objectAt(this.document, ['paths', path, method.toLowerCase(), 'responses']);
    const response = responses[String(status)];
    return isObject(response) ? response : undefined;
  }

  operations(): SpecOperation[] {
    const paths = objectAt(this.document, ['paths']);
    return Object.entries(paths).flatMap(([path, item]) =>
      HTTP_METHODS.filter((method) => isObject((item as Record<string, unknown>)[method])).map((method) => {
        const operation = (item as Record<string, Record<string, unknown>>)[method] ?? {};
        return {
          method: method.toUpperCase(),
          path,
          operationId: typeof operation.operationId === 'string' ? operation.operationId : undefined,
          summary: typeof operation.summary === 'string' ? operation.summary : undefined,
        };
      }),
    );
  }

  /** The values of a component schema's enum, e.g. every Strategy. */
  schemaEnum(name: string): unknown[] {
    const values = objectAt(this.document, ['components', 'schemas', name]).enum;
    if (!Array.isArray(values)) throw new Error(`the spec's schema ${name} has no enum`);
    return values;
  }

  /** The named examples of a response, in spec order; throws when there are none. */
  responseExamples(path: string, method: string, status: number, mediaType: string): NamedExample[] {
    return this.#examples(['paths', path, method.toLowerCase(), 'responses', String(status), 'content', mediaType, 'examples']);
  }

  /** The named examples of a JSON request body, in spec order; throws when there are none. */
  requestExamples(path: string, method: string): NamedExample[] {
    return this.#examples(['paths', path, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'examples']);
  }

  #examples(at: string[]): NamedExample[] {
    const examples = Object.entries(objectAt(this.document, at)).map(([name, example]) => ({
      name,
      value: (example as { value?: unknown }).value,
    }));
    if (examples.length === 0) throw new Error(`the spec has no examples at ${at.join(' → ')}`);
    return examples;
  }
}

/** The spec with every $ref replaced by what it points to (ours has no cycles). */
export async function loadResolvedSpec(specPath: string): Promise<SpecView> {
  const { bundle: bundled, problems } = await bundle({ ref: specPath, config: await createConfig({}), dereference: true });
  const errors = problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) throw new Error(`cannot resolve ${specPath}: ${errors.map((problem) => problem.message).join('; ')}`);
  return new SpecView(bundled.parsed);
}

function objectAt(root: unknown, at: readonly string[]): Record<string, unknown> {
  let node = root;
  for (const key of at) {
    if (!isObject(node)) break;
    node = node[key];
  }
  if (!isObject(node)) throw new Error(`the spec has no object at ${at.join(' → ')}`);
  return node;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

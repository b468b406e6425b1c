/**
 * The sources file (`--sources`, YAML or JSON): which price APIs a worker reads and how. It is
 * checked against its JSON Schema and then for what a schema cannot say (placeholders, secrets
 * present in the environment, names used twice, a URL the endpoint policy refuses); every error
 * names the file and the line, and the worker does not start.
 */
import type { ErrorObject } from 'ajv';
import { parseYamlText, readYamlFile, type YamlFile } from '../../cli/yaml-file.ts';
import { createSchemaValidator } from '../../contract/schemas.ts';
import type { EndpointPolicy } from '../../net/endpoint-policy.ts';
import { isPresetName, PRESET_NAMES, PRESETS, type PresetName } from './presets.ts';
import { sourcesFileSchema, type SourceFields, type SourcesFileFields } from './source-schema.ts';
import { fillTemplate, isPlaceholder, isSecretName, PLACEHOLDERS, termsFor, tokensIn } from './template.ts';

export interface SourceDefinition {
  readonly name: string;
  readonly preset: PresetName | undefined;
  /** The provider's documentation this source follows, when it says (a preset always does). */
  readonly docs: string | undefined;
  /** Templates: see template.ts. */
  readonly url: string;
  readonly query: Readonly<Record<string, string>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly symbols: Readonly<Record<string, string>>;
  readonly ids: Readonly<Record<string, string>>;
  /** JSONPath (jsonpath-plus, script and filter expressions off) to the price in the response. */
  readonly path: string;
  /** JSONPath to the provider's error message, when it sends one. */
  readonly errorPath: string | undefined;
  /** The price is the value found × `times` (a provider quoting in cents, or per thousand). */
  readonly times: number;
  /** Pairs answered as the reciprocal of the reversed pair: JPY/USD as 1 / USD/JPY. */
  readonly inverse: ReadonlySet<string>;
  readonly timeoutMs: number;
  /** The least time between two upstream calls for one pair; tasks in between share the last answer. */
  readonly intervalMs: number;
  /** Upstream calls a minute across all pairs, at most; undefined for no limit of our own. */
  readonly maxCallsPerMinute: number | undefined;
  readonly maxBodyBytes: number;
  /** The secrets its headers and query parameters name, from the environment: name → value. */
  readonly secrets: ReadonlyMap<string, string>;
}

export interface SourcesConfiguration {
  readonly sources: readonly SourceDefinition[];
  /** Fewer answering sources than this make a task fail (a 200 with `err`). */
  readonly minSources: number;
}

export const SOURCE_DEFAULTS = { timeoutMs: 2000, intervalMs: 1000, maxBodyBytes: 65_536, minSources: 1 } as const;

/** A sources file that cannot be used; the message names the file and the line. */
export class SourcesFileError extends Error {
  override name = 'SourcesFileError';
}

const validateFile = createSchemaValidator().compile<SourcesFileFields>(sourcesFileSchema(PRESET_NAMES));

const fileError = (message: string) => new SourcesFileError(message);

export function loadSourcesFile(path: string, env: NodeJS.ProcessEnv, policy?: EndpointPolicy): SourcesConfiguration {
  return sourcesOf(readYamlFile(path, fileError), path, env, policy);
}

/** `path` only names the file in errors. */
export function parseSourcesFile(text: string, path: string, env: NodeJS.ProcessEnv, policy?: EndpointPolicy): SourcesConfiguration {
  return sourcesOf(parseYamlText(text, path, fileError), path, env, policy);
}

function sourcesOf(file: YamlFile, path: string, env: NodeJS.ProcessEnv, policy?: EndpointPolicy): SourcesConfiguration {
  const fail = (at: readonly (string | number)[], message: string) =>
    new SourcesFileError(`${path}:${file.lineAt(at)}: ${describePath(at)} ${message}`);
  const data: unknown = file.document.toJS();
  if (!validateFile(data)) {
    const error = validateFile.errors?.[0];
    const at = error === undefined ? [] : pathOf(error);
    throw fail(at, error === undefined ? 'is invalid' : describeSchemaError(error));
  }
  const names = new Set<string>();
  const sources = data.sources.map((fields, index) => {
    if (names.has(fields.name)) throw fail(['sources', index, 'name'], `uses the name ${fields.name} a second time`);
    names.add(fields.name);
    return defineSource(fields, env, policy, (field, message) => fail(['sources', index, ...field], message));
  });
  const minSources = data.min_sources ?? SOURCE_DEFAULTS.minSources;
  if (minSources > sources.length) throw fail(['min_sources'], `is ${minSources}, more than the ${sources.length} sources listed`);
  return { sources, minSources };
}

type Fail = (field: readonly (string | number)[], message: string) => SourcesFileError;

/** The preset's fields, then the source's own; maps are merged key by key. */
function defineSource(
  own: SourceFields & { name: string },
  env: NodeJS.ProcessEnv,
  policy: EndpointPolicy | undefined,
  fail: Fail,
): SourceDefinition {
  const preset = own.preset !== undefined && isPresetName(own.preset) ? own.preset : undefined;
  const base: SourceFields = preset === undefined ? {} : PRESETS[preset];
  const merged = { ...base, ...own };
  const query = { ...base.query, ...own.query };
  const headers = { ...lowerCaseKeys(base.headers), ...lowerCaseKeys(own.headers) };
  const ids = { ...base.ids, ...own.ids };
  // The schema requires both without a preset, and every preset has both.
  const url = merged.url ?? '';
  const path = merged.path ?? '';
  const secrets = new Map<string, string>();
  const check = (field: readonly (string | number)[], template: string, secretsAllowed: boolean) => {
    const { placeholders, secrets: named } = tokensIn(template);
    const unknown = placeholders.find((name) => !isPlaceholder(name));
    if (unknown !== undefined) {
      throw fail(field, `has an unknown placeholder {${unknown}}; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
    }
    if (placeholders.includes('base_id') && Object.keys(ids).length === 0) {
      throw fail(field, 'uses {base_id}, but the source has no ids (a map from symbols to the provider’s ids)');
    }
    for (const name of named) {
      if (!secretsAllowed) throw fail(field, `names a secret (\${${name}}): secrets go in headers or query parameters`);
      if (!isSecretName(name)) throw fail(field, `has \${${name}}, which is not an environment variable name`);
      const value = env[name];
      if (value === undefined || value === '') throw fail(field, `needs the environment variable ${name}, which is not set`);
      secrets.set(name, value);
    }
  };
  check(['url'], url, false);
  for (const [field, jsonPath] of [
    ['path', path],
    ['error_path', merged.error_path],
  ] as const) {
    if (jsonPath === undefined) continue;
    check([field], jsonPath, false);
    // jsonpath-plus runs with evaluation off: a filter or script expression would fail every call.
    if (jsonPath.includes('(')) throw fail([field], 'holds a filter or script expression, which sources do not evaluate');
  }
  for (const [name, template] of Object.entries(query)) check(['query', name], template, true);
  for (const [name, template] of Object.entries(headers)) check(['headers', name], template, true);
  checkUrl(url, policy, fail);
  return {
    name: own.name,
    preset,
    docs: merged.docs,
    url,
    query,
    headers,
    symbols: { ...base.symbols, ...own.symbols },
    ids,
    path,
    errorPath: merged.error_path,
    times: merged.times ?? 1,
    inverse: new Set(merged.inverse ?? []),
    timeoutMs: merged.timeout_ms ?? SOURCE_DEFAULTS.timeoutMs,
    intervalMs: merged.interval_ms ?? SOURCE_DEFAULTS.intervalMs,
    maxCallsPerMinute: merged.max_calls_per_minute,
    maxBodyBytes: merged.max_body_bytes ?? SOURCE_DEFAULTS.maxBodyBytes,
    secrets,
  };
}

/** The scheme and host are fixed (placeholders only after them), and the endpoint policy accepts them. */
function checkUrl(url: string, policy: EndpointPolicy | undefined, fail: Fail): void {
  const origin = /^https?:\/\/[^/?#]*/.exec(url)?.[0] ?? '';
  if (/[{}$]/.test(origin)) throw fail(['url'], 'has a placeholder in its scheme or host: only the path and query may vary');
  let filled: URL;
  try {
    filled = new URL(fillTemplate(url, termsFor('BTC/USD', {}, { BTC: 'bitcoin' }), new Map(), encodeURIComponent));
  } catch {
    throw fail(['url'], 'is not a URL');
  }
  const refusal = policy?.refuseEndpoint(filled.href);
  if (refusal !== undefined) throw fail(['url'], `is refused: ${refusal}`);
}

function lowerCaseKeys(map: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
}

/** The instance path of a schema error as segments, down to the unknown field when there is one. */
function pathOf(error: ErrorObject): (string | number)[] {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  const extra = (error.params as { additionalProperty?: unknown }).additionalProperty;
  return typeof extra === 'string' ? [...segments, extra] : segments;
}

function describeSchemaError(error: ErrorObject): string {
  const params = error.params as { additionalProperty?: unknown; missingProperty?: unknown; allowedValues?: unknown };
  if (error.keyword === 'additionalProperties') return 'is not a field a source file has';
  if (error.keyword === 'required') return `needs ${String(params.missingProperty)}`;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) return `must be one of ${params.allowedValues.join(', ')}`;
  return error.message ?? 'is invalid';
}

/** `sources[1].headers.x-api-key`, or `the file` for its top level. */
function describePath(at: readonly (string | number)[]): string {
  if (at.length === 0) return 'the file';
  return at.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join('');
}

/**
 * The JSON Schema of a sources file (`--sources`), and the shape it admits. It is the worker's
 * configuration, not part of the HTTP API, so it lives here rather than in openapi/. What one
 * field's schema cannot say (placeholders, secrets, names used twice) is checked in
 * definitions.ts.
 */

/** One source as written in the file (snake_case, as in the file), or as a preset gives it. */
export interface SourceFields {
  readonly name?: string;
  readonly preset?: string;
  readonly docs?: string;
  readonly url?: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly symbols?: Readonly<Record<string, string>>;
  readonly ids?: Readonly<Record<string, string>>;
  readonly path?: string;
  readonly error_path?: string;
  readonly times?: number;
  readonly inverse?: readonly string[];
  readonly timeout_ms?: number;
  readonly interval_ms?: number;
  readonly max_calls_per_minute?: number;
  readonly max_body_bytes?: number;
}

export interface SourcesFileFields {
  readonly min_sources?: number;
  readonly sources: readonly (SourceFields & { readonly name: string })[];
}

const PAIR = '^[A-Z0-9]{1,16}/[A-Z0-9]{1,16}$';
/** What a provider's spelling of a symbol or a coin id may hold: it lands in URLs and JSON paths. */
const PROVIDER_SYMBOL = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' };
const TEMPLATE = { type: 'string', minLength: 1, maxLength: 2048 };

/** `presets`: the names a source may use as `preset`, so that the schema can list them. */
export function sourcesFileSchema(presets: readonly string[]): object {
  const source = {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' },
      preset: { type: 'string', enum: presets },
      docs: { type: 'string', format: 'uri', maxLength: 2048 },
      url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
      query: { type: 'object', maxProperties: 32, propertyNames: { pattern: '^[A-Za-z0-9._~-]{1,64}$' }, additionalProperties: TEMPLATE },
      headers: {
        type: 'object',
        maxProperties: 32,
        propertyNames: { pattern: '^[A-Za-z0-9-]{1,64}$' },
        additionalProperties: TEMPLATE,
      },
      symbols: {
        type: 'object',
        maxProperties: 1000,
        propertyNames: { pattern: '^[A-Z0-9]{1,16}$' },
        additionalProperties: PROVIDER_SYMBOL,
      },
      ids: { type: 'object', maxProperties: 10000, propertyNames: { pattern: '^[A-Z0-9]{1,16}$' }, additionalProperties: PROVIDER_SYMBOL },
      path: { type: 'string', minLength: 1, maxLength: 512 },
      error_path: { type: 'string', minLength: 1, maxLength: 512 },
      times: { type: 'number', exclusiveMinimum: 0, maximum: 1e12 },
      inverse: { type: 'array', maxItems: 1000, uniqueItems: true, items: { type: 'string', pattern: PAIR } },
      timeout_ms: { type: 'integer', minimum: 10, maximum: 60_000 },
      interval_ms: { type: 'integer', minimum: 50, maximum: 3_600_000 },
      max_calls_per_minute: { type: 'integer', minimum: 1, maximum: 100_000 },
      max_body_bytes: { type: 'integer', minimum: 256, maximum: 10_485_760 },
    },
    // Without a preset, a source says where to ask and where the price is.
    if: { not: { required: ['preset'] } },
    then: { required: ['url', 'path'] },
  };
  return {
    type: 'object',
    additionalProperties: false,
    required: ['sources'],
    properties: {
      min_sources: { type: 'integer', minimum: 1, maximum: 32 },
      sources: { type: 'array', minItems: 1, maxItems: 32, items: source },
    },
  };
}

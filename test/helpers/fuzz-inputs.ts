/**
 * fast-check arbitraries of hostile input for the fuzz tests: strings that break unicode (lone
 * surrogates, RTL overrides, emoji, NUL), text that is not JSON, raw bytes that are not UTF-8,
 * huge number literals, deep nesting, odd content types and odd path segments, plus the
 * contract's own limits (read from openapi/components.yaml) to tell valid input from invalid.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { COMPONENTS_SPEC_PATH } from '../../src/contract/spec-paths.ts';

// ---------------------------------------------------------------------------------------------
// The contract's limits, from the spec itself.

interface StringSchema {
  pattern: string;
  minLength: number;
  maxLength: number;
}

const COMPONENTS = parseYaml(readFileSync(COMPONENTS_SPEC_PATH, 'utf8')) as { schemas: Record<string, StringSchema> };

/** Length in code points, as JSON Schema's minLength and maxLength count it. */
function codePoints(text: string): number {
  return Array.from(text).length;
}

function stringRule(name: string): (value: unknown) => value is string {
  const schema = COMPONENTS.schemas[name];
  if (!schema) throw new Error(`components.yaml has no schema ${name}`);
  // ajv compiles patterns with the `u` flag; so do we.
  const pattern = new RegExp(schema.pattern, 'u');
  return (value: unknown): value is string =>
    typeof value === 'string' && codePoints(value) >= schema.minLength && codePoints(value) <= schema.maxLength && pattern.test(value);
}

export const isWorkerId = stringRule('WorkerId');
export const isRequestId = stringRule('RequestId');
export const isQuery = stringRule('Query');

/** What the coordinator must accept as an endpoint; used only to judge a registration it did accept. */
export function isAcceptableEndpoint(value: unknown): value is string {
  if (!stringRule('Endpoint')(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Strings

/** Lone surrogates: not representable in UTF-8; JSON.stringify escapes them as \udXXX. */
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

const NASTY_CHARS = [
  '\u0000', // NUL
  '\u0007',
  '\u001b',
  '\u007f',
  '\u202e', // RIGHT-TO-LEFT OVERRIDE
  '\u200f', // RIGHT-TO-LEFT MARK
  '\u05d0', // Hebrew alef
  '\u0627', // Arabic alef
  '\u200b', // zero width space
  '\ufeff', // byte order mark
  '\uffff',
  '\u2028',
  '😀',
  '👩‍👩‍👧',
  'é', // e + combining acute
  'Ａ', // full-width A
  'А', // Cyrillic A, looks like Latin A
  '"',
  '\\',
  '/',
  '%',
  '.',
  '?',
  '#',
  '&',
  '=',
  '+',
  ' ',
  '\n',
  '\r',
  '\t',
  "'",
  '<',
  '>',
  '{',
  '}',
  '[',
  ']',
];

export const nastyChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_CHARS) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.constantFrom(...Array.from('abcXYZ019-_.:')) },
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: nastyChar, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'null',
      'undefined',
      'NaN',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      '../../etc/passwd',
      '%00',
      '%zz',
      'A'.repeat(5000),
      '€'.repeat(3000),
    ),
  },
);

// ---------------------------------------------------------------------------------------------
// Numbers and raw bodies

/** Number literals JSON.parse accepts but that overflow, underflow or lose precision. */
export const hugeNumberLiteral: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e-400',
    '-0',
    '-0.0',
    '123456789012345678901234567890',
    '1E+308',
    '1.7976931348623157e308',
    '1.7976931348623159e308',
    '5e-324',
    '9007199254740993',
    '0.30000000000000004',
    '10.000000000000001',
    '60000.00000000001',
  ),
  fc
    .tuple(fc.integer({ min: -99_999, max: 99_999 }), fc.integer({ min: -400, max: 400 }))
    .map(([mantissa, exponent]) => `${mantissa}e${exponent}`),
);

/** Text that is not JSON (or JSON that body-parser's strict mode refuses at the top level). */
export const notJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '[1,',
    '{"a":1,}',
    "{'a':1}",
    'NaN',
    'Infinity',
    '-Infinity',
    'undefined',
    '{"a":1}//comment',
    '{"a":1}/*c*/',
    '\ufeff{"query":"BTC/USD"}',
    '{"query":"BTC/USD"}\u0000',
    '{"query":"BTC/USD"} trailing',
    '{"query":"BTC/USD"}{"query":"BTC/USD"}',
    '"just a string"',
    '42',
    'true',
    'null',
    '{"a":"\\u12"}',
    '{"a":"\\x41"}',
    '{"a":01}',
    '{"a":.5}',
    '{"a":+1}',
    '{"a":0x10}',
    '{a:1}',
    '<?xml version="1.0"?><query>BTC/USD</query>',
    'query=BTC%2FUSD',
  ),
  hostileString,
);

/** Bytes that are not valid UTF-8, and random bytes. */
export const rawBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(
    Uint8Array.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), // UTF-16LE BOM and "{}"
    Uint8Array.from([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // {"q":"<CESU-8 surrogate>"}
    Uint8Array.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]), // {"id":"<overlong />"}
    Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]), // truncated sequence
    Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xf8, 0x88, 0x80, 0x80, 0x80, 0x22, 0x7d]), // 5-byte form
    Uint8Array.from([0x00, 0x00, 0x00, 0x00]),
  ),
  fc.uint8Array({ maxLength: 256 }),
);

/**
 * Deeply nested JSON as a raw string: arrays up to depth 32,000 and objects up to 10,000 (both
 * under the 64 KiB body limit), alone or as the value of a field the contract expects.
 */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('array', 'object', 'mixed'),
    fc.constantFrom(10, 1_000, 10_000, 32_000),
    fc.constantFrom('', 'query', 'id', 'endpoint', 'timeout_ms'),
  )
  .map(([kind, requested, field]) => {
    const depth = kind === 'array' ? requested : Math.min(requested, 10_000);
    const nested =
      kind === 'array'
        ? '['.repeat(depth) + ']'.repeat(depth)
        : kind === 'object'
          ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
          : '[{"a":'.repeat(depth / 2) + '1' + '}]'.repeat(depth / 2);
    return field === '' ? nested : `{"${field}":${nested}}`;
  });

/** A body over the 64 KiB limit. */
export const oversizedJson: fc.Arbitrary<string> = fc
  .integer({ min: 65_537, max: 150_000 })
  .map((size) => JSON.stringify({ query: 'BTC/USD', padding: 'x'.repeat(size) }));

export type BodySpec = { kind: 'text'; text: string } | { kind: 'bytes'; bytes: Uint8Array };

/** Any request body: JSON values (with hostile strings), not-JSON, raw bytes, huge numbers, deep nesting, oversized. */
export const anyBody: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => ({ kind: 'text' as const, text: JSON.stringify(value) })) },
  {
    weight: 3,
    arbitrary: fc
      .jsonValue({ maxDepth: 3, stringUnit: nastyChar })
      .map((value) => ({ kind: 'text' as const, text: JSON.stringify(value) })),
  },
  { weight: 3, arbitrary: notJsonText.map((text) => ({ kind: 'text' as const, text })) },
  { weight: 1, arbitrary: rawBytes.map((bytes) => ({ kind: 'bytes' as const, bytes })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('query', 'timeout_ms', 'min_responses', 'trim', 'mad_k', 'id', 'endpoint', 'value'), hugeNumberLiteral)
      .map(([field, literal]) => ({ kind: 'text' as const, text: `{"query":"BTC/USD","${field}":${literal}}` })),
  },
  { weight: 1, arbitrary: deepJson.map((text) => ({ kind: 'text' as const, text })) },
  { weight: 1, arbitrary: oversizedJson.map((text) => ({ kind: 'text' as const, text })) },
);

export function bodyBytes(body: BodySpec): string | Uint8Array {
  return body.kind === 'text' ? body.text : body.bytes;
}

/** Content types: JSON and its variants, charsets the parser refuses, and things that are not JSON. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=latin1',
      'application/json; charset=utf-16le',
      'application/json; charset=bogus',
      'application/json; charset="',
      'application/problem+json',
      'application/vnd.oracle+json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain',
      'text/json',
      'application/xml',
      'application/octet-stream',
      '*/*',
      ';;;',
      'application/',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...Array.from('abcjson/+;= -_."*')), maxLength: 40 }) },
);

// ---------------------------------------------------------------------------------------------
// Paths

/** Percent-encodes every UTF-8 byte of `text`; lone surrogates become EF BF BD, as TextEncoder does. */
export function percentEncodeAll(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** Encodes `text` for a path: unreserved characters kept or (when `encodeAll`) encoded too. */
export function encodePathSegment(text: string, encodeAll: boolean): string {
  // Code point by code point, so that a surrogate pair is encoded as one character.
  return Array.from(text)
    .map((char) => (!encodeAll && /^[A-Za-z0-9._~-]$/.test(char) ? char : percentEncodeAll(char)))
    .join('');
}

/**
 * Raw path segments as they go on the wire (node:http sends 0x21–0xFF as given): encoded hostile
 * strings, dot segments, broken escapes, escapes that decode to invalid UTF-8 or to '/', and
 * very long ones. decodePathSegment tells what a server that decodes the segment sees.
 */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(hostileString, fc.boolean()).map(([text, all]) => encodePathSegment(text, all)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2E',
      '..%2F..%2Fetc%2Fpasswd',
      '%2F',
      'a%2Fb',
      '%5C',
      '%',
      '%zz',
      '%%',
      '%ED%A0%80',
      '%C0%AF',
      '%FF',
      '%E2%82',
      '%00',
      'worker%00',
      'a;b',
      'a,b',
      '*',
      '~',
      '%7E',
      '$',
      '@',
      '!',
      "'",
      'a'.repeat(64),
      'a'.repeat(65),
      'a'.repeat(10_000),
    ),
  },
);

/** The segment as Express decodes it into req.params; undefined when it cannot be decoded. */
export function decodePathSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Query strings: unknown parameters, repeated keys, brackets, broken escapes, prototype names. */
export const queryString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '?',
    '?&',
    '?=',
    '?x',
    '?x=1',
    '?x=1&x=2',
    '?a[]=1',
    '?a[b]=1',
    '?__proto__=1',
    '?constructor[prototype]=1',
    '?%zz=1',
    '?x=%ED%A0%80',
    `?${'k'.repeat(5000)}=1`,
  ),
  fc.tuple(hostileString, hostileString).map(([key, value]) => `?${encodePathSegment(key, false)}=${encodePathSegment(value, false)}`),
);
